"""Presenting with live widgets: the lecturer's view, checked in headless Chromium.

The course is presented from JupyterLab itself, so the slides *are* the running notebook and
every widget stays live: jupyterlab-slideshow's deck (slides from the cells' "slideshow"
metadata) and, with nothing to install, JupyterLab's View > Presentation Mode. Each test runs
the notebook, enters the mode, moves a slider on screen and checks that the figure redrew.
See docs/teaching.md for why not RISE or Voila's reveal template.
"""

from __future__ import annotations

import json
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


def _first_slider_cell(page: Any) -> int:
    """Index of the first cell whose output shows a slider (one inside a result still
    waiting for a prediction is hidden); the title cell is made the active cell."""
    index = page.evaluate(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            const shown = c => [...c.node.querySelectorAll('.widget-slider')]
                .some(s => s.getClientRects().length > 0);
            const i = nb.widgets.findIndex(shown);
            if (i >= 0) { nb.activeCellIndex = 0; }
            return i;
        }"""
    )
    assert index >= 0, "no slider in the notebook's outputs"
    return int(index)


def _cell_on_screen(page: Any, index: int) -> bool:
    return bool(
        page.evaluate(
            """(i) => {
                const cell = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
                const box = cell.getBoundingClientRect();
                return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
                    && getComputedStyle(cell).visibility !== 'hidden';
            }""",
            index,
        )
    )


def _dash_cells(notebook: str) -> list[int]:
    nb = json.loads((ROOT / notebook).read_text())
    return [
        i
        for i, c in enumerate(nb["cells"])
        if c.get("metadata", {}).get("slideshow", {}).get("slide_type") == "-"
    ]


def _deck_to(page: Any, notebook: str, index: int) -> None:
    """Start the deck on the title slide, then press on (as Space does) until the cell shows."""
    page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_function("() => document.body.dataset.jpDeckMode === 'presenting'")
    shoot(page, "present-deck-0-title")
    for _ in range(index + 1):
        if _cell_on_screen(page, index):
            return
        # Space in the deck: the next fragment or subslide, else the next slide.
        page.evaluate(
            """() => window.jupyterapp.commands.execute(
                'deck:go', {direction: 'down', alternate: 'forward'})"""
        )
        page.wait_for_timeout(800)  # the deck animates between slides
    hidden = _dash_cells(notebook)
    why = (
        f'; cells {hidden} have slide_type "-", which the deck hides: '
        "run python scripts/strip_notebooks.py --slides"
        if hidden
        else ""
    )
    pytest.fail(f"the deck never showed cell {index}{why}")


@pytest.mark.parametrize("mode", ["deck", "presentation-mode"])
@pytest.mark.parametrize("notebook", [FIXTURE, START_HERE], ids=["slider_figure", "00_start_here"])
def test_present_with_live_widgets(
    page: Any, jupyter_lab: ServerProcess, notebook: str, mode: str
) -> None:
    if not (ROOT / notebook).exists():
        pytest.skip(f"{notebook} does not exist yet")
    open_notebook(page, jupyter_lab, notebook)
    # The deck remembers "active" in the user's settings: start each test out of it.
    page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
    run_all_cells(page)
    index = _first_slider_cell(page)
    if mode == "deck":
        _deck_to(page, notebook, index)
    else:
        page.evaluate(
            "() => window.jupyterapp.commands.execute('application:toggle-presentation-mode')"
        )
        page.wait_for_function("() => window.jupyterapp.shell.presentationMode === true")
        assert page.evaluate("() => document.body.dataset.jpDeckMode") != "presenting"
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    slider = cell.locator(".widget-slider").filter(visible=True).first
    slider.wait_for(state="visible")
    name = f"present-{mode}-{notebook.rsplit('/', 1)[-1].removesuffix('.ipynb')}"
    before, after, before_png, after_png = slide_and_redraw(page, slider, cell, name)
    # The arrow keys went to the slider, not to the deck: the same slide is still up.
    assert _cell_on_screen(page, index), "moving the slider changed the slide"
    if mode == "deck":
        page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
    assert after_png != before_png, f"slider {before} -> {after} left the figure unchanged"
