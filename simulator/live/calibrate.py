"""``calibrate()``: measure this machine's per-request costs, for the simulator.

The simulator charges every request a fixed CPU cost for the server's own work (HTTP
parsing, the framework: ``overhead_ms``) and, in Django, for each hop between the event
loop and a thread (``switch_ms``). Both default to 0, which keeps the textbook cases
exact; to compare a simulation with a live run, measure them here and pass them in::

    cal = calibrate()
    sc = Scenario(server=cal.wsgi(threads=4), ...)          # WSGIServer(overhead_ms=...)

How: each server runs in a subprocess of its own (so nothing else shares its CPU), a
few hundred requests to an endpoint that does no work are sent, and the server's CPU per
request is read from the clock it reports on every response
(:func:`~simulator.live.server_cpu.measure_cpu`).
The switch cost is the extra CPU of a sync Django view over an async one under ASGI:
the sync view's only extra work is the hop to its thread and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import ASGIServer, ClosedLoop, WSGIServer
from ..model._check import check_choice, check_int
from .server_cpu import measure_cpu
from .serving import serve

_APPS = {"wsgi": "simulator.live.apps:wsgi_app", "asgi": "simulator.live.apps:asgi_app"}
_DJANGO = {"wsgi": "simulator.live.django_project.wsgi:application",
           "asgi": "simulator.live.django_project.asgi:application"}


@dataclass(frozen=True)
class Calibration:
    """Per-request costs measured on this machine, in milliseconds of CPU.

    ``wsgi_overhead_ms``/``asgi_overhead_ms``: waitress and uvicorn with a raw app;
    ``django_*``: the same servers running the Django project (``None`` if not measured);
    ``switch_ms``: one sync/async hop in Django under ASGI; ``client_ms``: the load
    generator's own CPU per request; ``base_latency_ms``: median latency of an empty
    request to uvicorn with one user (the floor of every live latency here).
    """

    wsgi_overhead_ms: float
    asgi_overhead_ms: float
    django_wsgi_overhead_ms: float | None
    django_asgi_overhead_ms: float | None
    switch_ms: float | None
    client_ms: float
    base_latency_ms: float
    requests: int

    def wsgi(self, threads: int = 1, processes: int = 1, *, django: bool = False,
             **extra: Any) -> WSGIServer:
        """A calibrated :class:`~simulator.WSGIServer` (raw app, or Django if ``django``)."""
        return WSGIServer(processes=processes, threads=threads,
                          overhead_ms=self.overhead("wsgi", django=django),
                          switch_ms=self.switch_ms or 0.0, **extra)

    def asgi(self, processes: int = 1, *, django: bool = False, sync_stretches: int = 0,
             **extra: Any) -> ASGIServer:
        """A calibrated :class:`~simulator.ASGIServer` (raw app, or Django if ``django``)."""
        return ASGIServer(processes=processes, overhead_ms=self.overhead("asgi", django=django),
                          switch_ms=self.switch_ms or 0.0, sync_stretches=sync_stretches,
                          **extra)

    def overhead(self, interface: str, *, django: bool = False) -> float:
        """The measured ``overhead_ms`` of waitress (``"wsgi"``) or uvicorn (``"asgi"``),
        with a raw app or, if ``django``, the Django project (0 if not measured)."""
        check_choice("Calibration.overhead", "interface", interface, ("wsgi", "asgi"))
        if interface == "wsgi":
            value = self.django_wsgi_overhead_ms if django else self.wsgi_overhead_ms
        else:
            value = self.django_asgi_overhead_ms if django else self.asgi_overhead_ms
        return value or 0.0

    def table(self) -> str:
        """The measurements as a small table (what was not measured is left out, and
        the table says why)."""
        rows = [("waitress, raw WSGI app", self.wsgi_overhead_ms),
                ("uvicorn, raw ASGI app", self.asgi_overhead_ms),
                ("waitress + Django", self.django_wsgi_overhead_ms),
                ("uvicorn + Django (async view)", self.django_asgi_overhead_ms),
                ("Django sync/async switch", self.switch_ms),
                ("load generator, per request", self.client_ms),
                ("empty request latency (p50)", self.base_latency_ms)]
        measured = [(k, v) for k, v in rows if v is not None]
        width = max(len(k) for k, _ in measured)
        head = f"calibration: CPU per request, {self.requests} requests each"
        lines = [head] + [f"{k:<{width}}  {v:.3f} ms" for k, v in measured]
        if len(measured) < len(rows):
            lines.append("(Django not measured: calibrate(django=False); the raw apps' "
                         "costs above are what these servers add on their own)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _measure(srv: Any, path: str, requests: int, users: int) -> tuple[float, float, float]:
    """(server CPU ms, generator CPU ms, median latency ms) per request to ``path``."""
    cost = measure_cpu(srv.url_for(path), ClosedLoop(users=users), requests=requests,
                       warmup=min(100, requests), require_all=True)
    res = cost.result
    return cost.cpu_ms, float(res.meta["generator_cpu_ms_per_request"]), res.summary().p50_ms


def calibrate(*, requests: int = 500, users: int = 4, django: bool = True) -> Calibration:
    """Measure per-request CPU costs of waitress, uvicorn and Django here (a few seconds).

    Parameters
    ----------
    requests:
        Requests per measurement (100-20,000); more is steadier and slower.
    users:
        Concurrent users of each measurement (1-64).
    django:
        Also measure the Django project and its sync/async switch cost.
    """
    check_int("calibrate", "requests", requests, low=100, high=20_000,
              hint="Try requests=500.")
    check_int("calibrate", "users", users, low=1, high=64, hint="Try users=4.")
    kw: dict[str, Any] = {"name": "livelab-calibrate", "quiet": True}
    with serve(_APPS["wsgi"], interface="wsgi", server="waitress", **kw) as srv:
        wsgi_ms, _, _ = _measure(srv, "/", requests, users)
    with serve(_APPS["asgi"], interface="asgi", server="uvicorn", **kw) as srv:
        asgi_ms, client_ms, _ = _measure(srv, "/", requests, users)
        _, _, base_ms = _measure(srv, "/", requests // 2, 1)
    dj_wsgi = dj_asgi = switch = None
    if django:
        with serve(_DJANGO["wsgi"], interface="wsgi", server="waitress", **kw) as srv:
            dj_wsgi, _, _ = _measure(srv, "/sync?io_ms=0", requests, users)
        with serve(_DJANGO["asgi"], interface="asgi", server="uvicorn", **kw) as srv:
            dj_asgi, _, _ = _measure(srv, "/async?io_ms=0", requests, users)
            dj_sync, _, _ = _measure(srv, "/sync?io_ms=0", requests, users)
        switch = max(dj_sync - dj_asgi, 0.0)
    return Calibration(wsgi_overhead_ms=wsgi_ms, asgi_overhead_ms=asgi_ms,
                       django_wsgi_overhead_ms=dj_wsgi, django_asgi_overhead_ms=dj_asgi,
                       switch_ms=switch, client_ms=client_ms, base_latency_ms=base_ms,
                       requests=requests)
