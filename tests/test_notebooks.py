"""Every course notebook runs top to bottom in a fresh kernel, as a learner would run it.

Each notebook runs once, with ``COURSE_REVEAL_ALL=1`` so that every prediction shows its
result without a click (the learner's path, results hidden until an answer is locked in,
is tested in ``test_course.py`` and in the browser). From that one run:

- nothing is left behind: no live server registered, no server thread alive, no child
  process running (asked of the same kernel after the last cell);
- no cell wrote to standard error or raised: a student must never see red noise;
- every exercise's self-check refuses the stub as committed ("not answered yet" or
  "not yet"), and accepts the reference solution of ``_exercise_answers.py`` once it
  replaces the stub in the same kernel (the check cell is run again);
- 02 is run a second time in the same kernel, because learners rerun cells.

Each notebook must finish in under 90 s on a quiet machine; ``--durations`` shows the
times (the tests do not time anything: the machine may be shared).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from _exercise_answers import ANSWERS, Exercise
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

LEFT_BEHIND = """
import os, threading
import psutil
from simulator.live import running
servers = [s.url for s in running()]
names = ("uvicorn", "waitress", "wsgiref", "livelab")
threads = [t.name for t in threading.enumerate()
           if t.is_alive() and any(k in t.name.lower() for k in names)]
procs = [p.cmdline()[:3] for p in psutil.Process(os.getpid()).children(recursive=True)]
print("LEFT", servers, threads, procs)
assert not servers and not threads and not procs, (servers, threads, procs)
"""


@dataclass
class Run:
    """One notebook, executed: its cells with outputs (the notebook's own ``cells``
    first, then any run after them), and what the exercises' checks said."""

    stem: str
    nb: nbformat.NotebookNode
    cells: int
    seconds: float
    left_behind: list[str] = field(default_factory=list)
    stub_verdicts: dict[str, str] = field(default_factory=dict)
    answer_verdicts: dict[str, str] = field(default_factory=dict)

    def outputs(self) -> list[tuple[int, dict]]:
        return [(i, o) for i, c in enumerate(self.nb.cells) if c.cell_type == "code"
                for o in c.get("outputs", [])]


def _html(cell: nbformat.NotebookNode) -> str:
    return "\n".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


def _verdict(cell: nbformat.NotebookNode, name: str) -> str:
    """What the check named ``name`` displayed in ``cell`` (its HTML line), or ''."""
    lines = [line for line in _html(cell).splitlines() if f" {name}:</b>" in line]
    return lines[-1] if lines else ""


def _cell(run: Run, what: str, starts: bool) -> int:
    """The index of the one cell of the notebook as committed that starts with (or
    holds) ``what``."""
    found = [i for i, c in enumerate(run.nb.cells[:run.cells]) if c.cell_type == "code"
             and (c.source.startswith(what) if starts else what in c.source)]
    assert len(found) == 1, f"expected one cell {'starting with' if starts else 'with'} " \
                            f"{what!r}, found {found}"
    return found[0]


def _run_after(client: NotebookClient, run: Run, source: str) -> nbformat.NotebookNode:
    """Run ``source`` in the same kernel, as a new cell at the end of the notebook."""
    cell = nbformat.v4.new_code_cell(source)
    run.nb.cells.append(cell)
    client.execute_cell(cell, len(run.nb.cells) - 1)
    return cell


def _answer_exercise(client: NotebookClient, run: Run, ex: Exercise) -> None:
    stub = _cell(run, ex.stub, starts=True)
    check = _cell(run, f'check("{ex.check}"', starts=False)
    assert check > stub, f"the check of {ex.check!r} must come after its stub"
    run.stub_verdicts[ex.check] = _verdict(run.nb.cells[check], ex.check)
    _run_after(client, run, ex.answer)
    rechecked = _run_after(client, run, run.nb.cells[check].source)
    run.answer_verdicts[ex.check] = _verdict(rechecked, ex.check)


def _execute(path: Path) -> Run:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    start = time.monotonic()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        run = Run(path.stem, nb, len(nb.cells), time.monotonic() - start)
        if path.stem.startswith("02_"):  # learners rerun cells: once more, same kernel
            for cell in nb.cells[:run.cells]:
                if cell.cell_type == "code":
                    _run_after(client, run, cell.source)
        for ex in ANSWERS.get(path.stem, []):
            _answer_exercise(client, run, ex)
        left = _run_after(client, run, LEFT_BEHIND)
    run.left_behind = [o.get("text", "") for o in left.outputs
                       if o.get("output_type") == "stream"]
    return run


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def run(request: pytest.FixtureRequest) -> Run:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_REVEAL_ALL", "1")
        executed = _execute(request.param)
    print(f"\n{request.param.stem}: {executed.seconds:.1f} s top to bottom")
    return executed


@pytest.mark.notebook
@pytest.mark.slow
def test_runs_top_to_bottom_and_leaves_nothing_running(run: Run) -> None:
    assert any("LEFT [] [] []" in text for text in run.left_behind), run.left_behind


@pytest.mark.notebook
@pytest.mark.slow
def test_no_error_and_nothing_on_standard_error(run: Run) -> None:
    errors = [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, o in run.outputs()
              if o.get("output_type") == "error"]
    assert not errors, errors
    stderr = [f"cell {i}: {o.get('text', '')[:500]}" for i, o in run.outputs()
              if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not stderr, "a student would see this in red:\n" + "\n".join(stderr)


@pytest.mark.notebook
@pytest.mark.slow
def test_every_exercise_refuses_its_stub_and_accepts_the_reference(run: Run) -> None:
    names = {ex.check for ex in ANSWERS[run.stem]}
    assert set(run.stub_verdicts) == set(run.answer_verdicts) == names
    for name, verdict in run.stub_verdicts.items():
        assert "\u2718" in verdict and "not" in verdict and "yet" in verdict, (name, verdict)
    for name, verdict in run.answer_verdicts.items():
        assert "\u2714" in verdict and "that holds" in verdict, (run.stem, name, verdict)


def test_every_notebook_with_a_check_has_a_reference_answer() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        checks = [c.source for c in nb.cells
                  if c.cell_type == "code" and re.search(r"\bcheck\(", c.source)]
        named = {ex.check for ex in ANSWERS.get(path.stem, [])}
        assert len(checks) == len(named), (path.stem, "every check() needs a reference answer")
        for name in named:
            assert any(f'check("{name}"' in src for src in checks), (path.stem, name)


def test_the_course_is_notebooks_00_to_10() -> None:
    assert [p.stem[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(11)]
