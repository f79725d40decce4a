"""A line-up: the same endpoint on several real servers, one after another.

Each :class:`Setup` names a server configuration (waitress with N threads, uvicorn,
gunicorn with N processes) and knows the simulator's description of itself, so one
cell measures them all and the next simulates the same line-up (the benchmark
``benchmarks/sim_vs_real.py`` describes its servers the same way)::

    live = measure_lineup(CPU_SETUPS, "/?cpu_ms=5", users=16, requests=300)
    sims = {s.label: simulate(s.scenario(cpu_ms=5, users=16)) for s in CPU_SETUPS}

Every server runs in a subprocess of its own (a CPU-bound handler in the kernel's
process would share the GIL with the load generator) and is stopped before the next
one starts. :func:`ceiling_rps` is the theory beside them: one process runs Python on
one core at a time, so ``processes`` processes finish at most
``min(processes, cores) / cpu time`` requests a second, however many threads each has.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import ASGIServer, ClosedLoop, Pool, Scenario, Workload, WSGIServer
from ..model._check import check_choice, check_int, check_number
from ..results import RunResult
from .django_project import ASGI_APP as DJANGO_ASGI
from .django_project import WSGI_APP as DJANGO_WSGI
from .load import run_load
from .serving import LiveServer, serve

DEMO_APPS = {"wsgi": "simulator.live.apps:wsgi_app", "asgi": "simulator.live.apps:asgi_app"}


@dataclass(frozen=True)
class Setup:
    """A server to measure and its model: one server configuration of a line-up.

    ``app`` is an import string (default: the demo app of the interface); ``view`` the
    view style it runs, as the simulator names it: the demo ASGI app computes on the
    loop (``"async"``), Django's ``/cpu`` is a plain ``def`` view (``"sync"``: under
    ASGI it runs on a thread of its own). ``pool_size``: the app's I/O waits for one of
    that many connections (the pooled apps of :mod:`simulator.live.pooled`); ``None``
    for no pool.
    """

    label: str
    interface: str
    threads: int = 1
    processes: int = 1
    app: str = ""
    view: str = ""
    pool_size: int | None = None

    def __post_init__(self) -> None:
        check_choice("Setup", "interface", self.interface, ("wsgi", "asgi"))
        check_int("Setup", "processes", self.processes, low=1, high=16, hint="Try 2.")
        check_int("Setup", "threads", self.threads, low=1, high=256, hint="Try 4.")
        if self.pool_size is not None:
            check_int("Setup", "pool_size", self.pool_size, low=1, high=1_000, hint="Try 10.")
        if not self.app:
            object.__setattr__(self, "app", DEMO_APPS[self.interface])
        if not self.view:
            demo_asgi = self.interface == "asgi" and self.app == DEMO_APPS["asgi"]
            object.__setattr__(self, "view", "async" if demo_asgi else "sync")

    def model(self, overhead_ms: float = 0.0) -> WSGIServer | ASGIServer:
        """The simulator's description of this server, charging ``overhead_ms`` of CPU per
        request (e.g. ``calibrate().overhead(setup.interface)``)."""
        if self.interface == "asgi":
            return ASGIServer(processes=self.processes, overhead_ms=overhead_ms)
        return WSGIServer(processes=self.processes, threads=self.threads,
                          overhead_ms=overhead_ms)

    def scenario(self, *, cpu_ms: float = 0.0, io_ms: float = 0.0, users: int = 16,
                 think_ms: float = 0.0, requests: int | None = None,
                 duration_s: float | None = None, overhead_ms: float = 0.0, cores: int = 2,
                 seed: int = 0) -> Scenario:
        """This server under ``users`` closed-loop users of a view with ``cpu_ms`` of
        work and ``io_ms`` of waiting, for ``requests`` requests (2,000 if neither that
        nor ``duration_s`` is given)."""
        pools = () if self.pool_size is None else (Pool("db", size=self.pool_size),)
        workload = Workload(cpu_ms=cpu_ms, io_ms=io_ms, view=self.view,
                            pool="db" if pools else None)
        if requests is None and duration_s is None:
            requests = 2_000
        return Scenario(server=self.model(overhead_ms), workload=workload,
                        arrivals=ClosedLoop(users=users, think_ms=think_ms), pools=pools,
                        requests=requests, duration_s=duration_s, cores=cores, seed=seed)

    def serve(self, name: str = "lineup") -> LiveServer:
        """Start this server in a subprocess of its own (stop it, or use ``with``)."""
        threads = self.threads if self.interface == "wsgi" else None
        return serve(self.app, interface=self.interface, threads=threads,
                     processes=self.processes, name=name, quiet=True, start_timeout_s=20.0)


CPU_SETUPS = (
    Setup("waitress\n1 thread", "wsgi", threads=1),
    Setup("waitress\n4 threads", "wsgi", threads=4),
    Setup("waitress\n16 threads", "wsgi", threads=16),
    Setup("uvicorn\n1 loop", "asgi"),
    Setup("gunicorn\n2 processes", "wsgi", processes=2),
)
"""The CPU-bound line-up of notebook 06: threads, a loop, and processes."""

DJANGO_SETUPS = (
    Setup("Django on waitress\n4 threads", "wsgi", threads=4, app=DJANGO_WSGI),
    Setup("Django on uvicorn\n1 loop", "asgi", app=DJANGO_ASGI),
    Setup("Django on gunicorn\n2 processes", "wsgi", processes=2, app=DJANGO_WSGI),
)
"""The same with the Django project's ``/cpu`` view."""


def measure_lineup(setups: Sequence[Setup], path: str, *, users: int = 16,
                   requests: int = 300) -> dict[str, RunResult]:
    """Serve each setup in a subprocess, load ``path`` with ``users`` closed-loop users
    for ``requests`` requests (after a short warm-up), stop it; label -> live run."""
    check_int("measure_lineup", "users", users, low=1, high=256, hint="Try users=16.")
    check_int("measure_lineup", "requests", requests, low=10, high=20_000,
              hint="Try requests=300.")
    out: dict[str, RunResult] = {}
    for s in setups:
        with s.serve() as srv:
            url = srv.url_for(path)
            run_load(url, ClosedLoop(users=users), requests=2 * users, progress=False)
            out[s.label] = run_load(url, ClosedLoop(users=users), requests=requests,
                                    progress=False)
    return out


def ceiling_rps(processes: int, cpu_ms: float, cores: int | None = None) -> float:
    """Most requests a second that ``processes`` processes finish when each request needs
    ``cpu_ms`` of Python: one GIL per process, one core each, at most ``cores`` at once.

    >>> ceiling_rps(1, 5.0), ceiling_rps(2, 5.0, cores=2), ceiling_rps(4, 5.0, cores=2)
    (200.0, 400.0, 400.0)
    """
    check_int("ceiling_rps", "processes", processes, low=1, high=1024, hint="Try 2.")
    check_number("ceiling_rps", "cpu_ms", cpu_ms, low=0, low_open=True, high=3_600_000)
    if cores is None:
        cores = os.cpu_count() or 1
    return min(processes, cores) * 1000.0 / cpu_ms
