"""Every course notebook runs top to bottom in a fresh kernel, as a learner would run it.

After the last cell, the same kernel is asked what it has left behind: no live server
may still be registered, no server thread alive, no child process running. One notebook
is then run a second time in the same kernel, because learners rerun cells.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
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


def _execute(nb: nbformat.NotebookNode, *, twice: bool = False) -> list[str]:
    client = NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        if twice:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        check = nbformat.v4.new_code_cell(LEFT_BEHIND)
        nb.cells.append(check)
        client.execute_cell(check, len(nb.cells) - 1)
    return [o.get("text", "") for o in check.outputs if o.get("output_type") == "stream"]


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_and_leaves_nothing_running(path):
    nb = nbformat.read(path, as_version=4)
    out = _execute(nb, twice=path.stem.startswith("02_"))
    assert any("LEFT [] [] []" in text for text in out), out
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    tracebacks = [o["text"] for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []) if o.get("name") == "stderr"
                  and "Traceback" in o.get("text", "")]
    assert not tracebacks, tracebacks[0][:2000]


def test_there_are_six_notebooks_numbered_from_00():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05"]
