"""A server's own CPU per request, read from the clock it reports on every response.

Requests per second depend on whatever else runs on the machine; the CPU time a request
costs the server does not. The live lab's apps and its Django project report, in the
``x-cpu-s`` header of every response, the server process's CPU time so far
(``time.process_time()``: all its threads, to the microsecond). Read it before and after
a load run, divide the difference by the requests, and you have the server's CPU per
request: what :func:`~simulator.live.calibrate` gives the simulator as ``overhead_ms``,
the fair way to race two servers on a shared machine, and the price of a hop between
Django's event loop and a thread.

:func:`measure_cpu` does exactly that, after an optional warm-up, and can repeat the run
and keep the one least disturbed by other work (the highest throughput). The server
must run in a process of its own: in the kernel's process the clock would count the
load generator too.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..model import Arrivals, ClosedLoop
from ..model._check import check_int
from ..results import RunResult
from ._stamp import CPU
from .load import run_load

__all__ = ["Cost", "measure_cpu", "server_cpu_s"]


@dataclass(frozen=True)
class Cost:
    """One load run and what it cost the server: ``cpu_ms``, its process's CPU per
    request (ms), measured by the server itself; ``result`` the run."""

    label: str
    throughput_rps: float
    cpu_ms: float
    result: RunResult

    @property
    def ceiling_rps(self) -> float:
        """Requests per second one core could serve at this CPU cost (1000 / cpu_ms)."""
        return 1000.0 / self.cpu_ms if self.cpu_ms > 0 else float("inf")

    def __str__(self) -> str:
        return (f"{self.label}: {self.throughput_rps:,.0f} req/s, "
                f"{self.cpu_ms:.3f} ms of server CPU per request")


def server_cpu_s(url: str) -> float:
    """The CPU time (s) of the server process at ``url`` so far, from its ``x-cpu-s``."""
    response = httpx.get(url, timeout=10.0, trust_env=False)
    value = response.headers.get(CPU)
    if value is None:
        raise RuntimeError(f"{url} sent no {CPU} header: the server's CPU can be read only "
                           "from the live lab's apps (simulator.live.apps, the Django "
                           "project, ...), which report it on every response.")
    return float(value)


def measure_cpu(url: str, arrivals: Arrivals | None = None, *, requests: int,
                warmup: int = 0, best_of: int = 1, require_all: bool = False,
                label: str | None = None, progress: bool | None = False) -> Cost:
    """Load ``url`` with ``arrivals`` (default 8 closed-loop users) for ``requests``
    requests and return the run with the server's CPU per request.

    ``warmup`` requests go first, not counted. ``best_of`` repeats the run and keeps the
    one with the highest throughput, the least disturbed by other work on the machine.
    ``require_all`` raises a ``RuntimeError`` if any request of a run failed.
    """
    check_int("measure_cpu", "requests", requests, low=1, high=50_000, hint="Try 500.")
    check_int("measure_cpu", "warmup", warmup, low=0, high=5_000, hint="Try warmup=50.")
    check_int("measure_cpu", "best_of", best_of, low=1, high=10, hint="Try best_of=2.")
    arrivals = arrivals if arrivals is not None else ClosedLoop(users=8)
    if warmup:
        run_load(url, arrivals, requests=warmup, progress=False)
    runs = [_once(url, arrivals, requests, require_all, progress) for _ in range(best_of)]
    cpu_ms, res = max(runs, key=lambda r: r[1].summary().throughput_rps)
    return Cost(label or res.label, res.summary().throughput_rps, cpu_ms, res)


def _once(url: str, arrivals: Arrivals, requests: int, require_all: bool,
          progress: bool | None) -> tuple[float, RunResult]:
    before = server_cpu_s(url)
    res = run_load(url, arrivals, requests=requests, progress=progress)
    done = res.summary().completed
    if require_all and done < requests:
        raise RuntimeError(f"measure_cpu: only {done} of {requests} requests to {url} "
                           "succeeded; is the server overloaded, or the machine very busy?")
    return 1000.0 * (server_cpu_s(url) - before) / (requests + 1), res  # +1: the reading
