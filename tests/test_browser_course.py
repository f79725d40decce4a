"""The second half of the course in a real browser: notebooks 06-10 in JupyterLab, and the
playground (notebook 10) served by Voila.

Each notebook is opened the way a learner opens it and run with Run > Run All Cells
(results stay behind their predictions, as a learner meets them). No cell may show an
error or write to standard error. Where a notebook has a slider on show (the planner in
09, the playground in 10), moving it must redraw the picture next to it: the pixels
before and after differ. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

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

SECOND_HALF = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb")
                     if "06" <= p.name[:2] <= "10")
WITH_SLIDERS = {"09", "10"}  # notebooks whose widgets must be on show and redraw
PLAYGROUND = "notebooks/10_playground.ipynb"
RUN_ALL_TIMEOUT_S = 420  # a live-lab notebook takes about a minute; a busy machine, more
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def _visible_slider(page: Any) -> Any:
    return page.locator(".jp-OutputArea .widget-slider").filter(visible=True)


@pytest.mark.parametrize("rel", SECOND_HALF, ids=[Path(r).stem for r in SECOND_HALF])
def test_runs_in_jupyterlab_without_noise_and_its_sliders_redraw(
    page: Any, jupyter_lab: ServerProcess, rel: str
) -> None:
    open_notebook(page, jupyter_lab, rel)
    run_all_cells(page, timeout_s=RUN_ALL_TIMEOUT_S)
    noise = page.locator(STDERR)
    assert noise.count() == 0, "standard error in the notebook:\n" + "\n---\n".join(
        noise.all_inner_texts())[-3000:]
    shoot(page, f"course-{Path(rel).stem}-ran")
    sliders = _visible_slider(page)
    if Path(rel).name[:2] in WITH_SLIDERS:
        assert sliders.count(), f"{rel}: no slider on show after Run All"
    elif sliders.count() == 0:
        return  # nothing to slide in this one
    slider = sliders.first
    slider.wait_for(state="visible")
    cell = page.locator(".jp-Cell").filter(has=slider).first
    before, after, before_png, after_png = slide_and_redraw(
        page, slider, cell, f"course-{Path(rel).stem}")
    assert after_png != before_png, f"slider {before} -> {after} left the figure unchanged"


def test_the_playground_runs_in_voila_and_a_slider_redraws_it(page: Any,
                                                               voila_app: Any) -> None:
    server = voila_app(PLAYGROUND)
    # Voila runs the whole notebook before the page has loaded: about 20 s here alone,
    # over a minute right after the JupyterLab walk above. Wait for the answer to begin,
    # then give the notebook as long as the run-all cells get.
    page.goto(server.address(""), wait_until="commit")
    slider = page.locator(".widget-slider").first
    slider.wait_for(state="visible", timeout=RUN_ALL_TIMEOUT_S * 1000)
    before, after, before_png, after_png = slide_and_redraw(
        page, slider, page.locator("body"), "voila-playground")
    assert after_png != before_png, f"slider {before} -> {after} left the playground unchanged"
