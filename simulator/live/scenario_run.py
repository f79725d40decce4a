"""Run a simulated scenario for real, where this machine can: the playground's button.

:func:`why_not` says, in words, what keeps a :class:`~simulator.Scenario` from running
live here (an empty string when nothing does); :func:`run_scenario` serves the demo app
that does the scenario's work and loads it the way the scenario does:

- no pool: :func:`~simulator.live.apps.work_wsgi` / ``work_asgi`` (CPU, then I/O, in the
  scenario's view style) on waitress (``threads`` lanes) or uvicorn, or on gunicorn for
  several processes;
- a pool: :func:`~simulator.live.pooled.pool_wsgi` / ``pool_asgi`` (I/O only, through a
  first-come-first-served pool of the scenario's size, one per process);
- a client timeout: the load generator's ``timeout_s``; retries: the retrying client of
  :mod:`~simulator.live.retry_storm` (open-loop Poisson only).

The demo apps' durations are constant; a scenario with exponential or lognormal times
runs with their means, and the caller compares with a simulation of that
(:func:`served_as`). What is refused is what would take too long, overload this shared
2-core machine, or has no live counterpart here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..model import ASGIServer, ClosedLoop, Poisson, Scenario, WSGIServer
from ..results import RunResult
from .load import run_load
from .retry_storm import retry_load
from .serving import serve

__all__ = ["LIVE_BUDGET_S", "MAX_LIVE_PROCESSES", "run_scenario", "served_as", "why_not"]

MAX_LIVE_PROCESSES = 4
MAX_LIVE_THREADS = 64
MAX_LIVE_USERS = 64
MAX_LIVE_RATE = 400.0
LIVE_BUDGET_S = 10.0  # a live run blocks the kernel: keep it short
MIN_REQUESTS = 30


def why_not(sc: Scenario) -> str:
    """Why ``sc`` cannot run live on this machine ("" if it can), said for a student."""
    if len(sc.classes) != 1:
        return "The live lab runs one traffic class at a time; this scenario has several."
    t = sc.classes[0]
    w, a, s = t.workload, t.arrivals, sc.server
    if s.processes > MAX_LIVE_PROCESSES:
        return (f"{s.processes} processes is more than this 2-core machine runs live (at most "
                f"{MAX_LIVE_PROCESSES}); the simulation above is the answer.")
    if isinstance(s, WSGIServer) and s.threads > MAX_LIVE_THREADS:
        return f"{s.threads} threads: the live lab runs at most {MAX_LIVE_THREADS} per process."
    if isinstance(s, WSGIServer) and s.backlog is not None:
        return ("A WSGI backlog that answers 503 is the model's; waitress and gunicorn have "
                "no such limit (their listen backlog drops connections silently instead).")
    if isinstance(a, ClosedLoop) and a.users > MAX_LIVE_USERS:
        return f"{a.users} users: the live lab's playground runs at most {MAX_LIVE_USERS}."
    if isinstance(a, ClosedLoop) and sc.retries:
        return "Retries run live with open-loop (Poisson) arrivals only."
    if not isinstance(a, (Poisson, ClosedLoop)):
        return "The playground runs Poisson or closed-loop arrivals live."
    if isinstance(a, Poisson) and a.rate_per_s > MAX_LIVE_RATE:
        return (f"{a.rate_per_s:g} requests/s is more than the playground sends live (at most "
                f"{MAX_LIVE_RATE:g}/s on this shared machine).")
    if w.pool is not None:
        pool = next(p for p in sc.pools if p.name == w.pool)
        if w.cpu_ms > 0:
            return ("The live pooled app does I/O only: set CPU to 0 ms to run a pool "
                    "for real.")
        want = "sync" if isinstance(s, WSGIServer) else "async"
        if w.view != want:
            return (f"The live pooled app runs {want} views on {s.kind.upper()}; choose "
                    f"view={want!r} to run a pool for real.")
        if s.processes > 1 and not pool.per_process:
            return ("A pool shared by several processes (like PgBouncer) has no live "
                    "counterpart here: each live process has its own pool. Tick 'per "
                    "process' or use one process.")
    if sc.cores != 2:
        return (f"This machine has 2 cores; the scenario says {sc.cores}. Set cores=2 to "
                "compare it with a live run.")
    return ""


def served_as(sc: Scenario) -> Scenario:
    """``sc`` as the live run does it: the demo apps' durations are constant."""
    w = sc.classes[0].workload
    if w.dist == "constant":
        return sc
    return replace(sc, workload=replace(w, dist="constant"))


def _app(sc: Scenario) -> Any:
    w, s = sc.classes[0].workload, sc.server
    if w.pool is not None:
        size = next(p for p in sc.pools if p.name == w.pool).size
        factory = "pool_wsgi" if isinstance(s, WSGIServer) else "pool_asgi"
        return f"simulator.live.pooled:{factory}(size={size}, io_ms={w.io_ms!r})"
    factory = "work_wsgi" if isinstance(s, WSGIServer) else "work_asgi"
    return (f"simulator.live.apps:{factory}(io_ms={w.io_ms!r}, cpu_ms={w.cpu_ms!r}, "
            f"view={w.view!r})")


def run_scenario(sc: Scenario, expected_rps: float) -> RunResult:
    """Serve and load ``sc`` for real for about :data:`LIVE_BUDGET_S` seconds at most
    (``expected_rps``: the simulated throughput, to size the run); raises ValueError with
    :func:`why_not`'s reason when it cannot run here."""
    reason = why_not(sc)
    if reason:
        raise ValueError(f"run_scenario: {reason}")
    t = sc.classes[0]
    s, a = sc.server, t.arrivals
    want = sc.requests or int(expected_rps * (sc.duration_s or LIVE_BUDGET_S))
    n = max(MIN_REQUESTS, min(want, int(max(expected_rps, 1.0) * LIVE_BUDGET_S)))
    kw: dict[str, Any] = {"processes": s.processes, "quiet": True, "name": "playground",
                          "start_timeout_s": 30.0}
    if isinstance(s, WSGIServer):
        kw["threads"] = s.threads
    elif isinstance(s, ASGIServer) and s.limit_concurrency is not None:
        kw["limit_concurrency"] = s.limit_concurrency
    app = _app(sc)
    if s.processes > 1:
        kw["server"] = "gunicorn"
    timeout = sc.timeout_for(t) or 10.0
    with serve(app, interface=s.kind, **kw) as srv:
        if sc.retries and isinstance(a, Poisson):
            return retry_load(srv.url, rate_per_s=a.rate_per_s,
                              duration_s=min(n / a.rate_per_s, LIVE_BUDGET_S),
                              timeout_s=timeout, retries=sc.retries,
                              retry_backoff_ms=sc.retry_backoff_ms, seed=sc.seed)
        return run_load(srv.url, a, requests=n, timeout_s=timeout, seed=sc.seed,
                        progress=False)
