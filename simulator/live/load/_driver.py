"""The load generator's driver: many single-connection transports on one event loop.

Why one connection per request in flight: a single shared ``httpx.AsyncClient``
collapses under a few dozen concurrent requests (its connection pool becomes the
bottleneck), while one single-connection transport per in-flight request, all sharing
one SSL context (creating a context costs milliseconds and memory), keeps an open-loop
schedule to within a few milliseconds at thousands of requests per second. httpx builds
the request once (an ``httpx.Request``: URL, headers) and every connection sends it
again and again on the lean HTTP/1.1 transport of :mod:`._wire` (an
``httpx.AsyncBaseTransport``), whose answers are ``httpx.Response`` objects. The
generator calls the transport itself: for one prepared GET without redirects, auth or
cookies, httpx's client layer had nothing to do but cost the generator most of its CPU
(it built a cookie jar's ``email.message`` from every answer's headers). The
measurements behind each choice: ``docs/live-lab.md``.

The driver records, for every request, when it was due (``arrival``), when the loop got
round to it (``dispatched``), when it had a connection (``acquired``: later than
dispatched if every connection was busy), when its bytes went to the socket (``sent``),
when the parser saw the answer's last byte (``end``: where the latency ends, as in
``wrk``), when the waiting coroutine had the answer in hand (``got``), and what the
server's stamps said. From these :mod:`._verdict` tells how much of each latency was
the generator's own time, and whether the generator, not the server, set the pace.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from .. import _stamp
from . import _wire

clock = time.monotonic
LEAD_S = 0.02  # start the schedule this long after setting up, so nothing starts late


@dataclass(slots=True)
class Sample:
    """One request as the generator saw it (monotonic seconds; see the module docstring)."""

    id: int
    arrival: float
    dispatched: float
    user: int | None
    acquired: float | None = None
    sent: float | None = None
    end: float = 0.0
    got: float = 0.0
    status: str = "error"
    code: int | None = None
    start: float | None = None
    done: float | None = None
    where: tuple[int, str, str] | None = None
    offset: float | None = None  # open loop: the scheduled time, exactly as drawn (s from t0)


class Driver:
    """Clients, counters and the two drivers (open and closed loop) of one run."""

    def __init__(self, url: str, *, timeout_s: float, max_connections: int) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self.ssl = httpx.create_ssl_context()
        self.samples: list[Sample] = []
        self.dispatched = 0
        self.finished = 0
        self.pool_waits = 0
        self.refused = 0  # connections refused: nothing listens at the address
        self.stopped_early = False
        self.loop_lags: list[float] = []
        # httpx builds the request once (its headers, its URL); every connection sends it.
        self._builder = httpx.AsyncClient(trust_env=False)
        self._request = self._builder.build_request("GET", url)
        self._clients: list[_wire.LeanTransport] = []
        self._idle: list[_wire.LeanTransport] = []
        self._waiters: collections.deque[asyncio.Future[_wire.LeanTransport]] = \
            collections.deque()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- connections ------------------------------------------------------------------
    def prepare(self, n: int) -> None:
        """Create ``n`` connections up front (they connect on first use)."""
        for _ in range(min(n, self.max_connections) - len(self._clients)):
            self._idle.append(self._new())

    def _new(self) -> _wire.LeanTransport:
        conn = _wire.LeanTransport(self.ssl)
        self._clients.append(conn)
        return conn

    @property
    def connections(self) -> int:
        return len(self._clients)

    async def _acquire(self) -> _wire.LeanTransport:
        if self._idle:
            return self._idle.pop()
        if len(self._clients) < self.max_connections:
            return self._new()
        self.pool_waits += 1
        waiter: asyncio.Future[_wire.LeanTransport]
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as we gave up
            raise

    def _release(self, conn: _wire.LeanTransport) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    # -- one request ------------------------------------------------------------------
    async def one(self, rid: int, arrival: float, user: int | None,
                  offset: float | None = None) -> None:
        """Send one request due at ``arrival``; give up ``timeout_s`` after ``arrival``."""
        s = Sample(rid, arrival, clock(), user, offset=offset)
        self.samples.append(s)
        conn = None
        try:
            async with asyncio.timeout(max(arrival + self.timeout_s - s.dispatched, 0.0)):
                conn = await self._acquire()
                s.acquired = s.sent = clock()
                resp = await conn.handle_async_request(self._request)
            s.got = clock()
            s.sent = resp.extensions.get(_wire.SENT_AT, s.sent)
            s.end = resp.extensions.get(_wire.COMPLETED_AT, s.got)
            s.code = code = resp.status_code
            s.status = "ok" if code < 400 else ("rejected" if code == 503 else "error")
            _read_stamps(s, resp.headers)
        except TimeoutError:
            s.end = s.got = clock()
            s.status = "timeout"
        except (httpx.HTTPError, OSError) as exc:
            s.end = s.got = clock()
            s.status = "error"
            if _refused(exc):
                self.refused += 1
        finally:
            if conn is not None:
                self._release(conn)
            self.finished += 1

    def _spawn(self, rid: int, arrival: float, user: int | None,
               offset: float | None = None) -> None:
        task = asyncio.create_task(self.one(rid, arrival, user, offset))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.dispatched += 1

    # -- drivers ----------------------------------------------------------------------
    async def open_loop(self, schedule: Iterator[float], t0: float, send_until: float) -> None:
        """Send request ``i`` at ``t0`` + the ``i``-th time of ``schedule`` (s)."""
        for rid, offset in enumerate(schedule):
            t = t0 + offset
            await sleep_until(t)
            if t > send_until:
                self.stopped_early = True
                break
            self._spawn(rid, t, None, offset)
        await self.drain()

    async def closed_loop(self, users: int, think: Iterator[float], start: float,
                          requests: int | None, send_until: float) -> None:
        """``users`` users who each think, send, wait for the answer, and repeat."""
        count = 0

        async def user(u: int) -> None:
            nonlocal count
            due = start
            while True:
                pause = next(think)
                if pause > 0:
                    due = clock() + pause
                await sleep_until(due)
                if requests is not None and count >= requests:
                    return
                if clock() > send_until:
                    self.stopped_early = requests is not None
                    return
                rid = count
                count += 1
                self.dispatched += 1
                await self.one(rid, due, u)
                due = clock()

        await asyncio.gather(*(user(u) for u in range(users)))

    async def watch_loop(self, every_s: float = 0.005) -> None:
        """Record how late a short sleep wakes up: the generator's own congestion.

        A request's coroutine passes several checkpoints in httpx, and at each one it
        goes to the back of the loop's queue; when many are ready at once they advance
        in turns, and every one of them finishes late. This lag is that wait.
        """
        while True:
            t = clock()
            await asyncio.sleep(every_s)
            self.loop_lags.append(clock() - t - every_s)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def aclose(self) -> None:
        """Cancel what is still in flight and close every connection."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(c.aclose() for c in self._clients), return_exceptions=True)
        await self._builder.aclose()


async def sleep_until(t: float) -> None:
    """Sleep until monotonic time ``t``; never returns early (timers may fire early)."""
    while (delay := t - clock()) > 0:
        await asyncio.sleep(delay)


def _refused(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a refused connection."""
    while exc is not None:
        if isinstance(exc, ConnectionRefusedError):
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


def _read_stamps(s: Sample, headers: httpx.Headers) -> None:
    # One pass over the raw headers: httpx's Headers.get decodes every header at each call.
    stamps = {k.lower(): v for k, v in headers.raw if k[:2] in (b"x-", b"X-")}
    start = stamps.get(_STAMP_START)
    if start is None:
        return
    try:
        s.start = float(start)
        s.done = float(stamps.get(_STAMP_END, b"nan"))
        pid = int(stamps.get(_STAMP_PID, b"0"))
    except ValueError:  # a server that is not ours sent a header of that name
        s.start = s.done = None
        return
    lane = stamps.get(_STAMP_LANE, b"thread").decode("latin-1")
    s.where = (pid, lane if lane in _stamp.LANE_KINDS else "thread",
               stamps.get(_STAMP_THREAD, b"").decode("latin-1"))


_STAMP_START, _STAMP_END, _STAMP_PID, _STAMP_LANE, _STAMP_THREAD = (
    h.encode() for h in (_stamp.START, _stamp.END, _stamp.PID, _stamp.LANE, _stamp.THREAD))
