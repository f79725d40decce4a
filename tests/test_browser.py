"""The course in a real browser: JupyterLab and Voila, driven in headless Chromium.

Each test opens a notebook the way a learner does, runs it, moves a slider with the keyboard
and checks that the figure was redrawn (the picture's pixels before and after differ).
Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from conftest_browser import (
    ROOT,
    ServerProcess,
    open_notebook,
    run_all_cells,
    shoot,
    slide_and_redraw,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = "tests/browser_fixtures/slider_figure.ipynb"
START_HERE = "notebooks/00_start_here.ipynb"
DASHBOARD_APP = "apps/dashboard.ipynb"


def _course_file(rel: str) -> str:
    if not (ROOT / rel).exists():
        pytest.skip(f"{rel} does not exist yet")
    if rel == DASHBOARD_APP and importlib.util.find_spec("simulator.views") is not None:
        views = importlib.import_module("simulator.views")  # an import error fails the test
        if not hasattr(views, "dashboard"):
            pytest.skip(
                "simulator.views.dashboard does not exist yet (apps/dashboard.ipynb uses it)"
            )
    return rel


def test_jupyterlab_slider_redraws_figure(
    page: Any, jupyter_lab: ServerProcess, notebook: str
) -> None:
    rel = _course_file(notebook)
    name = f"lab-{Path(rel).stem}"
    open_notebook(page, jupyter_lab, rel)
    run_all_cells(page)
    # The first slider on show: one inside a result still waiting for a prediction is hidden.
    slider = page.locator(".jp-OutputArea .widget-slider").filter(visible=True).first
    slider.wait_for(state="visible")
    cell = page.locator(".jp-Cell").filter(has=slider).first
    before, after, before_png, after_png = slide_and_redraw(page, slider, cell, name)
    assert after_png != before_png, f"slider {before} -> {after} left the figure unchanged"


def test_a_result_appears_only_after_the_prediction_is_locked_in(
    page: Any, jupyter_lab: ServerProcess
) -> None:
    rel = _course_file(START_HERE)
    open_notebook(page, jupyter_lab, rel)
    run_all_cells(page)
    outputs = page.locator(".jp-Cell .jp-OutputArea")  # not the code, which may say the same
    waiting = outputs.filter(has_text="It appears here once you lock in").first
    waiting.scroll_into_view_if_needed()
    note = waiting.get_by_text("It appears here once you lock in").first
    picture = waiting.locator("img").first
    note.wait_for(state="visible")
    assert not picture.is_visible(), "the animation shows before any prediction"
    shoot(page, "predict-1-waiting")
    question = outputs.filter(has_text="Predict first.").first
    question.scroll_into_view_if_needed()
    button = question.get_by_role("button", name="Lock in my answer")
    assert button.is_disabled(), "an answer can be locked in before one is chosen"
    question.get_by_text("A queue builds up").click()
    button.click()
    question.get_by_text("Right.").wait_for(state="visible")
    waiting.scroll_into_view_if_needed()
    picture.wait_for(state="visible")
    assert not note.is_visible()
    shoot(page, "predict-2-revealed")


def test_voila_slider_redraws_figure(page: Any, voila_app: Any, notebook: str) -> None:
    rel = _course_file(notebook)
    name = f"voila-{Path(rel).stem}"
    server = voila_app(rel)
    page.goto(server.address(""))
    slider = page.locator(".widget-slider").first
    slider.wait_for(state="visible", timeout=180_000)
    body = page.locator("body")
    before, after, before_png, after_png = slide_and_redraw(page, slider, body, name)
    assert after_png != before_png, f"slider {before} -> {after} left the figure unchanged"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "notebook" not in metafunc.fixturenames:
        return
    targets = [FIXTURE, START_HERE, DASHBOARD_APP]
    if metafunc.function.__name__.startswith("test_voila"):
        targets = [FIXTURE, DASHBOARD_APP]
    metafunc.parametrize("notebook", targets, ids=[Path(t).stem for t in targets])
