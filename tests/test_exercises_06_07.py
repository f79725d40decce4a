"""The exercises of notebooks 06 and 07 have answers, and the self-checks know them.

Each notebook runs top to bottom in a fresh kernel with the reference answer (from
``tests/exercise_answers_06_07.py``) in place of the learner's cell: the check must say
"that holds". Then, in the same kernel, the stub answer is put back and the check run
again: it must say "not answered yet".
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from exercise_answers_06_07 import ANSWERS, STUB_MARKERS
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def _texts(cell: nbformat.NotebookNode) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", ""))
        out += [str(v) for v in o.get("data", {}).values()]
    return "\n".join(out)


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(ANSWERS))
def test_reference_answer_holds_and_the_stub_is_not_answered(stem, monkeypatch):
    monkeypatch.setenv("COURSE_REVEAL_ALL", "1")
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    stub = STUB_MARKERS[stem]
    answer_at = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                 and c.source.lstrip().startswith(stub)]
    assert len(answer_at) == 1, f"{stem}: exactly one answer cell starting {stub!r}"
    i = answer_at[0]
    check_at = i + 1
    assert "check(" in nb.cells[check_at].source
    nb.cells[i].source = ANSWERS[stem]
    client = NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        assert "that holds" in _texts(nb.cells[check_at]), _texts(nb.cells[check_at])
        nb.cells[i].source = stub
        client.execute_cell(nb.cells[i], i)
        client.execute_cell(nb.cells[check_at], check_at)
        assert "not answered yet" in _texts(nb.cells[check_at])
