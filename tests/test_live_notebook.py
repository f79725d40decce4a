"""The live lab as a learner meets it: a notebook that starts, reruns and stops servers,
executed in a real Jupyter kernel (nbclient)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

pytestmark = [pytest.mark.live, pytest.mark.notebook]

NOTEBOOK = Path(__file__).parent / "notebooks" / "live_lab_smoke.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_live_lab_notebook_runs_cleanly_in_a_kernel(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell, on any failure
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    progress_cell = next(c for c in nb.cells if "progress bar" in c.source)
    assert any(WIDGET in o.get("data", {}) for o in progress_cell.outputs), \
        "a run over two seconds should display an ipywidgets progress bar"
    shown = next(c for c in nb.cells if c.source.rstrip().endswith("\nres"))
    assert "RunResult(live" in shown.outputs[0]["data"]["text/plain"]


def _reply(kc: Any, msg_id: str, timeout: float = 60.0) -> dict[str, Any]:
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return dict(reply["content"])


def test_a_kernel_interrupt_stops_a_run_and_the_server_stays_usable():
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        def run(code: str) -> dict[str, Any]:
            return _reply(kc, kc.execute(code))

        setup = ("from simulator import ClosedLoop\n"
                 "from simulator.live import apps, run_load, serve\n"
                 "srv = serve(apps.sleep_wsgi(ms=50), interface='wsgi', threads=2)")
        assert run(setup)["status"] == "ok"
        msg_id = kc.execute("run_load(srv.url, ClosedLoop(users=8), duration_s=60)")
        time.sleep(1.5)  # the run is under way
        began = time.monotonic()
        km.interrupt_kernel()
        reply = _reply(kc, msg_id, timeout=30)
        assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - began < 10.0
        check = ("r = run_load(srv.url, ClosedLoop(users=2), requests=6)\n"
                 "assert r.summary().completed == 6\n"
                 "import threading\n"
                 "assert not [t for t in threading.enumerate() if t.name == 'livelab-load']\n"
                 "srv.stop()")
        result = run(check)
        assert result["status"] == "ok", result
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
