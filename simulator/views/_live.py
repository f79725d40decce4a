"""Run a dashboard's scenario against a real server, for the "run it for real" button.

The live lab (:mod:`simulator.live`) is imported only when the button is pressed: the
plots and dashboards work without it, and a kernel that never measures never starts a
server. The demo app does the scenario's CPU and I/O per request in the same view style,
served by a real WSGI server (waitress, ``threads`` lanes) or ASGI server (uvicorn) on
127.0.0.1, and loaded by the same arrivals.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from ..des import simulate
from ..model import Scenario, WSGIServer
from ..results import RunResult

LIVE_REQUESTS = 200
LIVE_BUDGET_S = 12.0  # a measurement blocks the kernel: keep it short


class LiveUnavailable(RuntimeError):
    """The live lab cannot run here; the message says why and what to do."""


class Measured(NamedTuple):
    """A measurement and the simulation of exactly what was measured (same durations)."""

    sim: RunResult
    real: RunResult


def as_served(sc: Scenario) -> Scenario:
    """``sc`` as the demo app runs it: its CPU and I/O times are constant."""
    t = sc.classes[0]
    if t.workload.dist == "constant":
        return sc
    return replace(sc, workload=replace(t.workload, dist="constant"))


def measure_and_simulate(sc: Scenario, sim: RunResult, requests: int) -> Measured:
    """Measure ``sc`` live; pair it with ``sim``, or with a re-simulation as served."""
    real = measure(sc, requests)
    served = as_served(sc)
    return Measured(sim if served is sc else simulate(served, label=f"{sim.label} (constant)"),
                    real)


def live_notes(sc: Scenario) -> list[str]:
    """What a live run of ``sc`` cannot reproduce, said plainly (empty if nothing)."""
    notes = []
    w = sc.classes[0].workload
    if w.dist != "constant":
        notes.append(f"the demo app's durations are constant, not {w.dist}: the overlay "
                     "compares it with a simulation with constant durations")
    return notes


def live_requests(expected_rps: float, most: int = LIVE_REQUESTS,
                  budget_s: float = LIVE_BUDGET_S) -> int:
    """How many requests to measure so the run takes about ``budget_s`` at most (>= 30)."""
    if not expected_rps > 0:
        return 30
    return max(30, min(most, int(expected_rps * budget_s)))


def measure(sc: Scenario, requests: int = LIVE_REQUESTS) -> RunResult:
    """Serve the demo app like ``sc`` describes, load it like ``sc`` does; return the run.

    Blocks for as long as the run takes (``requests`` at the scenario's load). With more
    than one process the server runs in subprocesses (the app named by import string).
    """
    try:
        from ..live import apps, run_load, serve  # noqa: PLC0415 - optional, heavy
    except ImportError as err:
        raise LiveUnavailable(
            "The live lab (simulator.live) is not available in this installation "
            f"({err}). The simulation above is all this dashboard can show here."
        ) from err
    t = sc.classes[0]
    w = t.workload
    kwargs: dict[str, Any] = {"processes": sc.server.processes, "quiet": True}
    factory = "work_wsgi" if isinstance(sc.server, WSGIServer) else "work_asgi"
    app: Any
    if sc.server.processes > 1:  # another process imports the app by name
        app = (f"simulator.live.apps:{factory}(io_ms={w.io_ms!r}, cpu_ms={w.cpu_ms!r}, "
               f"view={w.view!r})")
    else:
        app = getattr(apps, factory)(io_ms=w.io_ms, cpu_ms=w.cpu_ms, view=w.view)
    if isinstance(sc.server, WSGIServer):
        kwargs["threads"] = sc.server.threads
    with serve(app, interface=sc.server.kind, **kwargs) as srv:
        res: RunResult = run_load(srv.url, t.arrivals, requests=requests, seed=sc.seed,
                                  progress=False)
    return res
