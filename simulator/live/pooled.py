"""Demo apps whose I/O goes through a real pool of ``size`` connections.

Each request takes a connection from a first-come, first-served pool, waits ``io_ms``
holding it (the database query), and gives it back, as the simulator's
:class:`~simulator.model.Pool` does. The pool is one object per app, shared by every
thread of a WSGI process and every coroutine of an ASGI loop; both kinds use the same
pool, :class:`FifoPool`, so WSGI and ASGI wait for a connection by the same rule:

- WSGI: the worker thread *blocks* in :meth:`FifoPool.acquire`, so it keeps its lane;
- ASGI: the coroutine *awaits* :meth:`FifoPool.acquire_async`, so the loop serves others.

With 64 users, 10 connections and 50 ms of I/O both carry 10 / 0.05 = 200 requests a
second, however many threads or requests in flight the server allows.

>>> from wsgiref.util import setup_testing_defaults
>>> app = pool_wsgi(size=2, io_ms=1)
>>> environ = {}
>>> setup_testing_defaults(environ)
>>> b"".join(app(environ, lambda status, headers: print(status)))
200 OK
b'ok\\n'
>>> app.pool.size, app.pool.in_use, app.pool.peak
(2, 0, 1)

For a server in a subprocess name a factory call:
``"simulator.live.pooled:pool_wsgi(size=10, io_ms=50)"`` or
``"simulator.live.pooled:pool_asgi(size=10, io_ms=50)"``. A request may override the
I/O time in its query string (``/?io_ms=20``); the pool's size is fixed per app.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Iterable
from typing import Any

from ..model._check import check_int, check_number
from ._types import Environ, Receive, Scope, Send, StartResponse
from ._work import BadQuery, Params, sleep_at_least
from .apps import _areply, _reply, not_http

__all__ = ["FifoPool", "pool_asgi", "pool_wsgi"]

MAX_SIZE = 10_000


class FifoPool:
    """``size`` connections handed out first come, first served, to threads or coroutines.

    A released connection goes straight to the longest waiter (no barging), whether it
    waits in a thread (:meth:`acquire`) or on an event loop (:meth:`acquire_async`).

    >>> pool = FifoPool(2)
    >>> pool.acquire(); pool.acquire(); pool.in_use
    2
    >>> pool.release(); pool.release(); pool.in_use, pool.peak
    (0, 2)
    """

    def __init__(self, size: int) -> None:
        self.size = check_int("FifoPool", "size", size, low=1, high=MAX_SIZE,
                              hint="Try size=10.")
        self._lock = threading.Lock()
        self._free = self.size
        self._waiters: collections.deque[Any] = collections.deque()
        self.peak = 0  # most connections ever in use at once

    def _took(self) -> None:  # called with the lock held
        self.peak = max(self.peak, self.size - self._free)

    @property
    def in_use(self) -> int:
        """Connections taken now."""
        with self._lock:
            return self.size - self._free

    def acquire(self) -> None:
        """Take a connection, blocking this thread until one is free."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                self._took()
                return
            ready = threading.Event()
            self._waiters.append(ready)
        ready.wait()

    async def acquire_async(self) -> None:
        """Take a connection, awaiting (the loop stays free) until one is free."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                self._took()
                return
            ready: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, ready))
        await ready

    def release(self) -> None:
        """Give a connection back: to the longest waiter if any, else to the pool."""
        with self._lock:
            if not self._waiters:
                self._free += 1
                return
            waiter = self._waiters.popleft()
        if isinstance(waiter, threading.Event):
            waiter.set()
        else:
            loop, fut = waiter
            loop.call_soon_threadsafe(_settle, fut)


def _settle(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _check(owner: str, size: int, io_ms: float) -> None:
    check_int(owner, "size", size, low=1, high=MAX_SIZE, hint="Try size=10.")
    check_number(owner, "io_ms", io_ms, high=60_000, hint="Try io_ms=50.")


class PooledWSGI:
    """A WSGI app: each request holds a connection of :attr:`pool` through its I/O."""

    def __init__(self, size: int, io_ms: float) -> None:
        _check("pool_wsgi", size, io_ms)
        self.pool = FifoPool(size)  # one pool for every thread of this process
        self.defaults = Params(io_ms=io_ms)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start = time.monotonic()
        try:
            p = self.defaults.override(environ.get("QUERY_STRING", ""))
        except BadQuery as e:
            return _reply(start_response, "400 Bad Request", f"{e}\n", start)
        self.pool.acquire()  # the thread blocks: its lane stays taken
        try:
            time.sleep(p.io_ms / 1000.0)
        finally:
            self.pool.release()
        return _reply(start_response, "200 OK", "ok\n", start)


class PooledASGI:
    """An ASGI app: each request awaits a connection of :attr:`pool`, then its I/O."""

    def __init__(self, size: int, io_ms: float) -> None:
        _check("pool_asgi", size, io_ms)
        self.pool = FifoPool(size)
        self.defaults = Params(io_ms=io_ms, view="async")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await not_http(scope, receive, send)
        start = time.monotonic()
        try:
            p = self.defaults.override(scope.get("query_string", b"").decode("latin-1"))
        except BadQuery as e:
            return await _areply(send, 400, f"{e}\n", start)
        await self.pool.acquire_async()  # awaited: the loop serves others meanwhile
        try:
            await sleep_at_least(p.io_ms / 1000.0)
        finally:
            self.pool.release()
        await _areply(send, 200, "ok\n", start)


def pool_wsgi(size: int = 10, io_ms: float = 50.0) -> PooledWSGI:
    """A WSGI app whose ``io_ms`` of I/O (ms) needs one of ``size`` pooled connections."""
    return PooledWSGI(size, io_ms)


def pool_asgi(size: int = 10, io_ms: float = 50.0) -> PooledASGI:
    """An ASGI app whose ``io_ms`` of I/O (ms) awaits one of ``size`` pooled connections."""
    return PooledASGI(size, io_ms)

