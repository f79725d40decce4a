"""Notebook hygiene: what is committed is clean, presentable and runs in the right kernel.

Every notebook in notebooks/ (and the apps in apps/) is committed without outputs or
execution counts, names the ``python3`` kernel, opens with a title, and gives every cell
slide metadata (``"slideshow": {"slide_type": ...}``) for the lecturer's deck.
A cell that continues a slide says ``""`` (JupyterLab's "-"), not the classic literal
``"-"``, which the deck (jupyterlab-slideshow) hides.
Fix with ``python scripts/strip_notebooks.py`` (add ``--slides`` for the slide metadata).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "apps").glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "", "skip", "notes"}
FIX = "run: python scripts/strip_notebooks.py"


@pytest.fixture(params=NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def nb(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    node = nbformat.read(request.param, as_version=4)
    nbformat.validate(node)
    return node


def _where(i: int, cell: nbformat.NotebookNode) -> str:
    first = cell.source.strip().splitlines()[0][:50] if cell.source.strip() else "(empty)"
    return f"cell {i} ({cell.cell_type}: {first!r})"


def test_no_outputs_and_no_execution_counts(nb: nbformat.NotebookNode) -> None:
    dirty = [
        _where(i, c)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"outputs or execution counts in {dirty}; {FIX}"
    assert "widgets" not in nb.metadata, f"saved widget state in the notebook; {FIX}"


def test_kernel_is_python3(nb: nbformat.NotebookNode) -> None:
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_opens_with_a_title(nb: nbformat.NotebookNode) -> None:
    first = nb.cells[0] if nb.cells else None
    assert first is not None and first.cell_type == "markdown", "the first cell must be markdown"
    assert first.source.lstrip().startswith("# "), "the first cell must open with '# Title'"


def test_every_cell_has_slide_metadata(nb: nbformat.NotebookNode) -> None:
    missing = [
        _where(i, c)
        for i, c in enumerate(nb.cells)
        if c.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES
    ]
    hint = '(a continuing cell is "", not "-": the deck hides "-" cells)'
    assert not missing, f"no valid slide_type {hint} in {missing}; {FIX} --slides"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide", "the title opens a slide"


def test_the_code_of_a_prediction_is_folded_away(nb: nbformat.NotebookNode) -> None:
    # The cell that asks a question holds its answer and explanation: a learner should see
    # the question (the widget), not the answer above it. JupyterLab folds such a cell.
    shown = [
        _where(i, c)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and "predict(" in c.source
        and not c.metadata.get("jupyter", {}).get("source_hidden")
    ]
    assert not shown, f'set "jupyter": {{"source_hidden": true}} in the metadata of {shown}'
