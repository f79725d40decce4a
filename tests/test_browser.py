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
    slider = page.locator(".jp-OutputArea .widget-slider").first
    slider.wait_for(state="visible")
    cell = page.locator(".jp-Cell").filter(has=slider).first
    before, after, before_png, after_png = slide_and_redraw(page, slider, cell, name)
    assert after_png != before_png, f"slider {before} -> {after} left the figure unchanged"


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
