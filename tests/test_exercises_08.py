"""Every exercise of notebook 08 has an answer, and this proves it: the notebook runs in a
fresh kernel with the reference answers in place and every check says "that holds"; then,
in the same kernel, each stub answer runs again and its check says "not answered yet"."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.exercise_answers_08 import ANSWERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_myths_and_pitfalls.ipynb"


def _verdicts(cell: nbformat.NotebookNode) -> str:
    out = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        out.append(data.get("text/html", "") + data.get("text/plain", "") + o.get("text", ""))
    return "\n".join(out)


def _check_cell_after(nb: nbformat.NotebookNode, index: int) -> int:
    return next(i for i in range(index + 1, len(nb.cells))
                if nb.cells[i].cell_type == "code" and "check(" in nb.cells[i].source)


@pytest.mark.notebook
@pytest.mark.slow
def test_reference_answers_hold_and_stubs_are_not_answered_yet(monkeypatch):
    monkeypatch.setenv("COURSE_REVEAL_ALL", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    stubs = {i: (key, c.source) for i, c in enumerate(nb.cells) for key in ANSWERS
             if c.cell_type == "code" and c.source.startswith(key)}
    assert len(stubs) == len(ANSWERS), "every answer cell of the notebook has a reference"
    for i, (key, _) in stubs.items():
        nb.cells[i].source = ANSWERS[key]
    client = NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        for i in stubs:
            assert "that holds" in _verdicts(nb.cells[_check_cell_after(nb, i)])
        for i, (_, stub) in stubs.items():  # the stub again, in the same kernel
            nb.cells[i].source = stub
            client.execute_cell(nb.cells[i], i)
            check_index = _check_cell_after(nb, i)
            client.execute_cell(nb.cells[check_index], check_index)
            assert "not answered yet" in _verdicts(nb.cells[check_index])
