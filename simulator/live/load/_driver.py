"""The load generator's driver: many single-connection clients on one event loop.

Why one client per connection: a single shared ``httpx.AsyncClient`` collapses under a
few dozen concurrent requests (its connection pool becomes the bottleneck), while one
single-connection client per in-flight request, all sharing one SSL context (creating a
context costs milliseconds and memory), keeps an open-loop schedule to within a few
milliseconds at thousands of requests per second. Each client keeps one prepared request
and sends it again and again (building a request per send was a measurable share of the
generator's CPU), and carries it on the lean HTTP/1.1 transport of :mod:`._wire`, which
costs a third of httpx's default transport. The measurements behind each choice:
``docs/live-lab.md``.

The driver records, for every request, when it was due (``arrival``), when the loop got
round to it (``dispatched``), when it really went out (``sent``: later than dispatched
if every connection was busy), when the answer came back (``end``), and what the
server's stamps said. From the gap between due and dispatched it can tell when the
generator, not the server, was the limit.
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
    sent: float | None = None
    end: float = 0.0
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
        self.stopped_early = False
        self.loop_lags: list[float] = []
        self._clients: list[tuple[httpx.AsyncClient, httpx.Request]] = []
        self._idle: list[tuple[httpx.AsyncClient, httpx.Request]] = []
        self._waiters: collections.deque[
            asyncio.Future[tuple[httpx.AsyncClient, httpx.Request]]] = collections.deque()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- connections ------------------------------------------------------------------
    def prepare(self, n: int) -> None:
        """Create ``n`` clients up front (they connect on first use)."""
        for _ in range(min(n, self.max_connections) - len(self._clients)):
            self._idle.append(self._new())

    def _new(self) -> tuple[httpx.AsyncClient, httpx.Request]:
        client = httpx.AsyncClient(transport=_wire.LeanTransport(self.ssl), timeout=None,
                                   follow_redirects=False, trust_env=False)
        pair = (client, client.build_request("GET", self.url))
        self._clients.append(pair)
        return pair

    @property
    def connections(self) -> int:
        return len(self._clients)

    async def _acquire(self) -> tuple[httpx.AsyncClient, httpx.Request]:
        if self._idle:
            return self._idle.pop()
        if len(self._clients) < self.max_connections:
            return self._new()
        self.pool_waits += 1
        waiter: asyncio.Future[tuple[httpx.AsyncClient, httpx.Request]]
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as we gave up
            raise

    def _release(self, pair: tuple[httpx.AsyncClient, httpx.Request]) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(pair)
                return
        self._idle.append(pair)

    # -- one request ------------------------------------------------------------------
    async def one(self, rid: int, arrival: float, user: int | None,
                  offset: float | None = None) -> None:
        """Send one request due at ``arrival``; give up ``timeout_s`` after ``arrival``."""
        s = Sample(rid, arrival, clock(), user, offset=offset)
        self.samples.append(s)
        pair = None
        try:
            async with asyncio.timeout(max(arrival + self.timeout_s - s.dispatched, 0.0)):
                pair = await self._acquire()
                s.sent = clock()
                resp = await pair[0].send(pair[1])
            s.end = clock()
            s.code = code = resp.status_code
            s.status = "ok" if code < 400 else ("rejected" if code == 503 else "error")
            _read_stamps(s, resp.headers)
        except TimeoutError:
            s.end, s.status = clock(), "timeout"
        except (httpx.HTTPError, OSError):
            s.end, s.status = clock(), "error"
        finally:
            if pair is not None:
                self._release(pair)
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
        await asyncio.gather(*(c.aclose() for c, _ in self._clients), return_exceptions=True)


async def sleep_until(t: float) -> None:
    """Sleep until monotonic time ``t``; never returns early (timers may fire early)."""
    while (delay := t - clock()) > 0:
        await asyncio.sleep(delay)


def _read_stamps(s: Sample, headers: httpx.Headers) -> None:
    start = headers.get(_stamp.START)
    if start is None:
        return
    try:
        s.start = float(start)
        s.done = float(headers.get(_stamp.END, "nan"))
        pid = int(headers.get(_stamp.PID, "0"))
    except ValueError:  # a server that is not ours sent a header of that name
        s.start = s.done = None
        return
    lane = headers.get(_stamp.LANE, "thread")
    s.where = (pid, lane if lane in _stamp.LANE_KINDS else "thread",
               headers.get(_stamp.THREAD, ""))
