"""A retry storm, live: an open-loop client that sends a timed-out request again.

:func:`~simulator.live.run_load` is an instrument: it sends each request once and
records what happened. Real clients are not so patient. A mobile app, a service mesh
or ``requests`` with ``Retry(total=2)`` gives up after a timeout and sends the request
again, while the server, which does not know the client left, is still working on the
first attempt. Under overload every timeout becomes one more request: the load rises,
more requests time out, and the share that finally succeeds (the *goodput*) falls.

:func:`retry_load` is that client, bounded: Poisson first sends at ``rate_per_s`` for
``duration_s`` (the same schedule :func:`~simulator.simulate` draws for the seed), each
attempt given up after ``timeout_s`` and sent again up to ``retries`` times, after
``retry_backoff_ms x 2**(k-1)`` (no jitter), as the simulator's ``Scenario(retries=...)``
does. Every attempt is a :class:`~simulator.RequestRecord` with its ``attempt`` number,
so ``summary().goodput`` and ``summary().attempts_per_request`` read the same as a
simulated run's. A 503 or an error ends a request (only timeouts are retried).

>>> from simulator.live import serve, apps
>>> with serve(apps.sleep_asgi(ms=20), interface="asgi", quiet=True) as srv:
...     res = retry_load(srv.url, rate_per_s=50, duration_s=0.4, timeout_s=1.0, retries=2)
>>> s = res.summary()
>>> s.goodput, s.attempts_per_request
(1.0, 1.0)

The server of the lesson is :func:`storm_asgi`: like
:func:`~simulator.live.pooled.pool_asgi`, each request awaits one of ``size`` pooled
connections (first come, first served) and holds it through its I/O, but the I/O time is
drawn from an exponential distribution of mean ``io_ms``, as ``Workload(io_ms=...,
dist="exponential", pool="db")`` draws it. A client that gave up does not stop the
server: the abandoned attempt still holds its connection to the end.

Everything stops by itself: the client sends nothing after ``duration_s``, and a request
gives up for good after its last attempt, so a run ends within ``duration_s + (retries
+ 1) x (timeout_s + backoff)`` seconds. Connections are closed at the end (a timed-out
attempt's connection at once: half an answer may still come on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import numpy as np

from ..model import Poisson
from ..model._check import check_int, check_number
from ..results import RequestRecord, RunResult
from ._types import Receive, Scope, Send
from ._work import sleep_at_least
from .apps import _areply, not_http
from .load._schedule import open_schedule, streams
from .load._sync import run_sync
from .load._wire import COMPLETED_AT, LeanTransport
from .pooled import FifoPool
from .serving import serve

__all__ = ["MAX_ATTEMPTS", "StormApp", "retry_load", "storm", "storm_asgi"]

MAX_RATE_PER_S = 1_000.0
MAX_DURATION_S = 10.0
MAX_TIMEOUT_S = 10.0
MAX_RETRIES = 5
MAX_ATTEMPTS = 20_000  # first sends x (retries + 1): refused beyond this
LEAD_S = 0.05  # start the schedule a moment after the tasks are made


class StormApp:
    """An ASGI app: each request awaits one of ``size`` pooled connections and holds it
    for an exponential I/O time of mean ``io_ms`` (see the module docstring)."""

    def __init__(self, size: int, io_ms: float, seed: int) -> None:
        check_number("storm_asgi", "io_ms", io_ms, low=0, low_open=True, high=10_000,
                     hint="Try io_ms=50.")
        self.pool = FifoPool(size)
        self.io_s = io_ms / 1000.0
        self.rng = np.random.default_rng(seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await not_http(scope, receive, send)
        start = time.monotonic()
        await self.pool.acquire_async()
        try:
            await sleep_at_least(float(self.rng.exponential(self.io_s)))
        finally:
            self.pool.release()
        await _areply(send, 200, "ok\n", start)


def storm_asgi(size: int = 10, io_ms: float = 50.0, seed: int = 0) -> StormApp:
    """The retry storm's server: ``size`` pooled connections, exponential I/O of mean
    ``io_ms`` (ms) per request. In a subprocess:
    ``"simulator.live.retry_storm:storm_asgi(size=10, io_ms=50)"``."""
    return StormApp(size, io_ms, seed)


def _check(url: str, rate_per_s: float, duration_s: float, timeout_s: float, retries: int,
           retry_backoff_ms: float) -> None:
    own = "retry_load"
    if not isinstance(url, str) or not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"{own}(url={url!r}): give the address of a server on this machine, "
                         "e.g. srv.url from serve().")
    check_number(own, "rate_per_s", rate_per_s, low=0, low_open=True, high=MAX_RATE_PER_S,
                 hint="Try rate_per_s=200.")
    check_number(own, "duration_s", duration_s, low=0, low_open=True, high=MAX_DURATION_S,
                 hint="A storm shows within seconds; try duration_s=3.")
    check_number(own, "timeout_s", timeout_s, low=0, low_open=True, high=MAX_TIMEOUT_S,
                 hint="Try timeout_s=0.5.")
    check_int(own, "retries", retries, low=0, high=MAX_RETRIES, hint="Try retries=2.")
    check_number(own, "retry_backoff_ms", retry_backoff_ms, high=10_000,
                 hint="0 sends again at once; try 100.")
    attempts = rate_per_s * duration_s * (retries + 1)
    if attempts > MAX_ATTEMPTS:
        raise ValueError(
            f"{own}: up to {attempts:,.0f} attempts ({rate_per_s:g}/s for {duration_s:g} s, "
            f"{retries} retries each); the limit is {MAX_ATTEMPTS:,}. Lower the rate, the "
            "duration or the retries.")


def retry_load(url: str, *, rate_per_s: float, duration_s: float, timeout_s: float,
               retries: int, retry_backoff_ms: float = 0.0, seed: int = 0,
               label: str = "") -> RunResult:
    """Poisson first sends at ``rate_per_s`` for ``duration_s`` seconds to ``url``; each
    attempt that gets no answer within ``timeout_s`` is sent again, up to ``retries``
    times (see the module docstring). Returns a live :class:`~simulator.RunResult`, one
    record per attempt (``attempt`` 0, 1, ...)."""
    _check(url, rate_per_s, duration_s, timeout_s, retries, retry_backoff_ms)
    rng, _ = streams(seed)
    schedule = open_schedule(Poisson(rate_per_s), requests=None, duration_s=duration_s,
                             rng=rng)
    records = run_sync(lambda: _storm(url, schedule.tolist(), timeout_s, retries,
                                      retry_backoff_ms / 1000.0), name="livelab-retries")
    retried = f", {retries} retries after a {timeout_s:g} s timeout" if retries else \
        f", no retries, {timeout_s:g} s timeout"
    meta: dict[str, Any] = {"url": url, "rate_per_s": rate_per_s, "duration_s": duration_s,
                            "timeout_s": timeout_s, "retries": retries,
                            "retry_backoff_ms": retry_backoff_ms, "seed": seed}
    return RunResult(records=tuple(sorted(records, key=lambda r: (r.arrival_s, r.attempt))),
                     source="live", label=label or f"live: Poisson {rate_per_s:g}/s{retried}",
                     meta=meta)


async def _storm(url: str, offsets: list[float], timeout_s: float, retries: int,
                 backoff_s: float) -> list[RequestRecord]:
    builder = httpx.AsyncClient(trust_env=False)
    request = builder.build_request("GET", url)
    idle: list[LeanTransport] = []
    used: list[LeanTransport] = []
    records: list[RequestRecord] = []
    t0 = time.monotonic() + LEAD_S

    async def attempt(rid: int, k: int, due: float) -> bool:
        """Send attempt ``k`` of request ``rid`` at ``due``; True unless it timed out."""
        while (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        if idle:
            conn = idle.pop()
        else:
            conn = LeanTransport()
            used.append(conn)
        code: int | None = None
        try:
            async with asyncio.timeout(max(due + timeout_s - time.monotonic(), 0.0)):
                resp = await conn.handle_async_request(request)
            end = float(resp.extensions.get(COMPLETED_AT, time.monotonic()))
            code = resp.status_code
            status = "ok" if code < 400 else ("rejected" if code == 503 else "error")
            idle.append(conn)
        except TimeoutError:
            end, status = due + timeout_s, "timeout"
            await conn.aclose()  # half an answer may still come on it
            idle.append(conn)  # reconnects on its next use
        except (httpx.HTTPError, OSError):
            end, status = time.monotonic(), "error"
            await conn.aclose()
            idle.append(conn)
        records.append(RequestRecord(rid, due - t0, None, end - t0, status, None, code=code,
                                     attempt=k))
        return status != "timeout"

    async def one(rid: int, offset: float) -> None:
        due = t0 + offset
        for k in range(retries + 1):
            if await attempt(rid, k, due):
                return
            due = due + timeout_s + backoff_s * 2 ** k

    tasks = [asyncio.create_task(one(i, off)) for i, off in enumerate(offsets)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.aclose() for c in used), return_exceptions=True)
        await builder.aclose()
    return records


def storm(*, rate_per_s: float, retries: int, duration_s: float = 3.0, timeout_s: float = 0.15,
          size: int = 10, io_ms: float = 50.0, seed: int = 1) -> RunResult:
    """One live storm: :func:`storm_asgi` (``size`` connections, exponential I/O of mean
    ``io_ms``) served by uvicorn in a subprocess of its own, loaded by :func:`retry_load`.
    The server is stopped at once afterwards: the abandoned attempts still queued inside it
    would keep a graceful stop waiting for seconds, and nobody waits for their answers."""
    check_int("storm", "size", size, low=1, high=1_000, hint="Try size=10.")
    check_number("storm", "io_ms", io_ms, low=0, low_open=True, high=10_000,
                 hint="Try io_ms=50.")
    srv = serve(f"simulator.live.retry_storm:storm_asgi(size={size}, io_ms={io_ms!r}, "
                f"seed={seed})", interface="asgi", name="storm", quiet=True)
    try:
        return retry_load(srv.url, rate_per_s=rate_per_s, duration_s=duration_s,
                          timeout_s=timeout_s, retries=retries, seed=seed)
    finally:
        srv.stop(timeout_s=0.5)
