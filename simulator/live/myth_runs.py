"""Measurements for the myths and pitfalls: each returns plain numbers to draw.

- :func:`pinned_by_websockets`: how long an ordinary request waits on a threaded WSGI
  server while websockets bolted onto it (:func:`~simulator.live.myths.websocket_wsgi`)
  hold its threads.
- :func:`server_cost`: a server's throughput and its own CPU per request
  (:func:`~simulator.live.server_cpu.measure_cpu`), the fair way to race two servers on
  a shared machine: the CPU a request costs the server does not depend on who else is
  using the cores.
- :func:`statuses`: the HTTP status of each path (does every view answer?).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from ..model import ClosedLoop
from ..model._check import check_int, check_number
from .load._sync import run_sync
from .server_cpu import Cost, measure_cpu
from .serving import LiveServer

__all__ = ["Cost", "Pinning", "pinned_by_websockets", "server_cost", "statuses"]

T = TypeVar("T")


# -- websockets pinning WSGI threads ------------------------------------------------------
@dataclass(frozen=True)
class Pinning:
    """With ``open_sockets[i]`` websockets open on a WSGI server of ``threads`` threads,
    an ordinary request took ``wait_ms[i]``; the sockets were closed after ``hold_s``.
    ``server_threads[i]``: OS threads of the worker process at that moment."""

    threads: int
    hold_s: float
    open_sockets: tuple[int, ...]
    wait_ms: tuple[float, ...]
    server_threads: tuple[int, ...]

    def __str__(self) -> str:
        rows = [f"{k} open websocket(s): an ordinary request took {ms:7.1f} ms "
                f"(worker process: {n} OS threads)"
                for k, ms, n in zip(self.open_sockets, self.wait_ms, self.server_threads,
                                    strict=True)]
        return "\n".join([f"WSGI server with {self.threads} threads; websockets closed after "
                          f"{self.hold_s:g} s", *rows])


def pinned_by_websockets(srv: LiveServer, *, hold_s: float = 1.0) -> Pinning:
    """Open 0, 1, ... ``srv.threads`` websockets to ``srv`` (``/echo``), then send one
    ordinary request and close the sockets ``hold_s`` seconds later; time the request.

    ``srv`` must serve :func:`~simulator.live.myths.websocket_wsgi` (e.g. under gunicorn
    with threads, which is where Flask-Sock runs).
    """
    check_number("pinned_by_websockets", "hold_s", hold_s, low=0.1, high=10,
                 hint="Try hold_s=1.")
    counts = tuple(range(srv.threads + 1))
    with httpx.Client(trust_env=False, timeout=10) as client:  # warm up: the first request
        client.get(srv.url_for("/")).raise_for_status()        # of a new worker is slow
    rows = [run_sync(functools.partial(_one_pinning, srv, k, hold_s)) for k in counts]
    return Pinning(srv.threads, hold_s, counts, tuple(r[0] for r in rows),
                   tuple(r[1] for r in rows))


async def _one_pinning(srv: LiveServer, sockets: int, hold_s: float) -> tuple[float, int]:
    from websockets.asyncio.client import connect  # noqa: PLC0415 - optional dependency

    conns = [await connect(srv.ws_url + "/echo", open_timeout=5) for _ in range(sockets)]
    try:
        for c in conns:  # one echo each: the socket is open and its thread is held
            await c.send("hello")
            await c.recv()
        threads = _worker_threads(srv.pid)

        async def release() -> None:
            await asyncio.sleep(hold_s)
            await asyncio.gather(*(c.close() for c in conns))

        closer = asyncio.create_task(release())
        start = time.monotonic()
        async with httpx.AsyncClient(trust_env=False) as client:
            (await client.get(srv.url_for("/"), timeout=hold_s + 10)).raise_for_status()
        waited = 1000.0 * (time.monotonic() - start)
        await closer
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return waited, threads


def _worker_threads(pid: int) -> int:
    """OS threads of the process that runs the app (gunicorn's worker: pid's child)."""
    import psutil  # noqa: PLC0415 - comes with ipykernel

    proc = psutil.Process(pid)
    children = proc.children()
    return (children[0] if children else proc).num_threads()


# -- the fair race: throughput and the server's own CPU per request ----------------------
def server_cost(srv: LiveServer, path: str = "/", *, requests: int = 1000, users: int = 8,
                best_of: int = 1, warmup: int = 50, label: str | None = None,
                **query: Any) -> Cost:
    """Send ``warmup`` requests (not counted), then ``requests`` from ``users``
    closed-loop users to ``path?query``; return the throughput and the server's CPU per
    request (:func:`~simulator.live.server_cpu.measure_cpu`; every request must succeed).

    ``best_of``: repeat the run and keep the one with the highest throughput, the run
    least disturbed by other work on a shared machine. The app must stamp ``x-cpu-s``
    (the lab's apps and Django project do).
    """
    check_int("server_cost", "requests", requests, low=20, high=20_000, hint="Try 1000.")
    check_int("server_cost", "users", users, low=1, high=256, hint="Try users=8.")
    return measure_cpu(srv.url_for(path, **query), ClosedLoop(users=users), requests=requests,
                       warmup=warmup, best_of=best_of, require_all=True,
                       label=label or srv.describe())


# -- does every view answer? --------------------------------------------------------------
def statuses(srv: LiveServer, paths: Sequence[str], **query: Any) -> dict[str, int]:
    """The HTTP status of ``GET path?query`` for each of ``paths`` on ``srv``."""
    with httpx.Client(trust_env=False, timeout=30) as client:
        return {p: client.get(srv.url_for(p, **query)).status_code for p in paths}
