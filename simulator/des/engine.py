"""The engine: turn a frozen :class:`~simulator.model.Scenario` into a :class:`RunResult`.

``simulate(scenario)`` builds a simpy environment with the host (cores, GILs), the
server (WSGI lanes or ASGI loops), the connection pools and one source per traffic
class, runs it until every request has finished, and returns one flat record per
request (per attempt, when clients retry). Nothing is shared
between runs, and every random draw comes from generators seeded by the scenario, so the
same scenario always gives the same records.
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import Generator, Iterator
from typing import Any

import simpy

from ..model import Bursts, ClosedLoop, Constant, Poisson, Scenario, WSGIServer, seeding
from ..results import RequestRecord, RunResult, Span
from ._asgi import SimulatedASGI
from ._host import Host
from ._sizing import HARD_CAP, check_size
from ._wsgi import SimulatedWSGI

WALL_LIMIT_S = 30.0
# A client's timeout fires after everything else due at the same instant, so that an
# answer arriving exactly at the deadline is in time, as the record's status says.
LATE = simpy.events.EventPriority(2)


class _Deadline(simpy.events.Event):
    """A timeout of priority :data:`LATE` (simpy's own are processed first on a tie)."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, LATE, delay)


class SimulationTooLarge(ValueError):
    """The scenario would take too long to simulate here; the message says what to cut."""


class Connections:
    """A pool's connections in one run: a count, and a FIFO of requests waiting for one.

    Lighter than a ``simpy.Resource``: taking a free connection costs no event at all,
    and a released one goes straight to the longest waiter.
    """

    __slots__ = ("env", "free", "waiters")

    def __init__(self, env: simpy.Environment, size: int) -> None:
        self.env = env
        self.free = size
        self.waiters: collections.deque[simpy.Event] = collections.deque()

    def take(self) -> simpy.Event | None:
        """A connection now (``None``), or the event that hands one over later."""
        if self.free:
            self.free -= 1
            return None
        wait = self.env.event()
        self.waiters.append(wait)
        return wait

    def give(self) -> None:
        """Give a connection back: to the longest waiter, else to the pool."""
        if self.waiters:
            self.waiters.popleft().succeed()
        else:
            self.free += 1


class _Class:
    """Per traffic class: its streams and settings, resolved once."""

    def __init__(self, sc: Scenario, index: int, rngs: seeding.Streams) -> None:
        t = sc.classes[index]
        w = t.workload
        self.index = index
        self.name = t.name
        self.arrivals = t.arrivals
        self.timeout_s = sc.timeout_for(t)
        self.cpu = seeding.durations(rngs.cpu, w.cpu_ms / 1000.0, w.dist, w.cv)
        self.io = seeding.durations(rngs.io, w.io_ms / 1000.0, w.dist, w.cv)
        a = t.arrivals
        self.gaps: Iterator[float]  # seconds between arrivals; for bursts, offsets in one
        if isinstance(a, Poisson):
            self.gaps = seeding.exponential(rngs.arrivals, 1.0 / a.rate_per_s)
        elif isinstance(a, Bursts):
            self.gaps = seeding.uniform(rngs.arrivals, a.jitter_ms / 1000.0)
        elif isinstance(a, Constant):
            self.gaps = itertools.repeat(1.0 / a.rate_per_s)
        else:
            self.gaps = iter(())
        think = a.think_ms / 1000.0 if isinstance(a, ClosedLoop) else 0.0
        self.think = seeding.exponential(rngs.think, think)
        self.thinks = think > 0
        self.retries = sc.retries if self.timeout_s is not None else 0
        self.backoff_s = sc.retry_backoff_ms / 1000.0


class Run:
    """The state of one simulation run (built and used by :func:`simulate` only)."""

    def __init__(self, sc: Scenario, trace: bool) -> None:
        self.sc = sc
        self.env = simpy.Environment()
        self.spans: list[tuple[Any, ...]] | None = [] if trace else None
        server = sc.server
        self.host = Host(self.env, sc.cores, server.processes, self.spans)
        rngs = seeding.class_streams(sc.seed, len(sc.classes))
        self.classes = [_Class(sc, i, rngs[i]) for i in range(len(sc.classes))]
        self.views = [t.workload.view for t in sc.classes]
        self.pools = self._pools(sc)
        self.server: SimulatedWSGI | SimulatedASGI = (
            SimulatedWSGI(self, server) if isinstance(server, WSGIServer)
            else SimulatedASGI(self, server)
        )
        self.records: list[RequestRecord] = []
        self.count = 0  # attempts sent: the next record's id
        self.first_sends = 0  # requests sent (first attempts): what requests= counts
        self.attempt_of: dict[int, int] = {}  # record id -> attempt, for retries only
        self.limit = sc.requests if sc.requests is not None else None
        self.deadline = sc.duration_s
        self.capped = False

    def _pools(self, sc: Scenario) -> list[list[Connections] | None]:
        """Per traffic class, the pool its I/O needs, one entry per server process (all
        the same connections for a shared pool); ``None`` for a class without a pool."""
        n = sc.server.processes
        made: dict[str, list[Connections]] = {}
        for p in sc.pools:
            if p.per_process:
                made[p.name] = [Connections(self.env, p.size) for _ in range(n)]
            else:
                made[p.name] = [Connections(self.env, p.size)] * n
        return [made[w.pool] if (w := t.workload).pool is not None else None
                for t in sc.classes]

    def pooled_io(self, pool: Connections, io_s: float, where: str, rid: int,
                  kind: str = "io") -> Generator[simpy.Event, Any, None]:
        """Wait for a connection (FIFO), hold it through ``io_s`` seconds of I/O, give it
        back. Whatever the caller holds (a WSGI lane, a blocked loop) stays held."""
        env = self.env
        spans = self.spans
        wait = pool.take()
        if wait is not None:
            asked = env.now
            yield wait
            if spans is not None and env.now > asked:
                spans.append((rid, "pool", where, asked, env.now, None))
        t_io = env.now
        yield env.timeout(io_s)
        pool.give()
        if spans is not None:
            spans.append((rid, kind, where, t_io, env.now, None))

    # -- requests -------------------------------------------------------------------
    def may_send(self) -> bool:
        """Whether sources may still send (request count or duration not yet reached)."""
        if self.limit is not None:
            return self.first_sends < self.limit
        if self.first_sends >= HARD_CAP:
            self.capped = True
            return False
        return self.env.now <= self.deadline  # type: ignore[operator]

    def spawn(self, c: _Class, user: int | None = None, attempt: int = 0) -> simpy.Process:
        rid = self.count
        self.count += 1
        if attempt:
            self.attempt_of[rid] = attempt
        else:
            self.first_sends += 1
        gen = self.server.handle(rid, c.index, self.env.now, next(c.cpu), next(c.io), user)
        return self.env.process(gen)

    def send(self, c: _Class, user: int | None = None) -> Generator[simpy.Event, Any, None]:
        """One closed-loop user's request: send, give up at the timeout, send again after
        the backoff, up to ``retries`` times. Returns when the user is done (answered,
        refused, or out of retries); abandoned attempts run on."""
        env = self.env
        patience = c.timeout_s
        assert patience is not None  # only clients with a timeout come here
        attempt = 0
        while True:
            proc = self.spawn(c, user, attempt)
            yield proc | _Deadline(env, patience)
            if proc.triggered or attempt >= c.retries:
                return
            attempt += 1
            if c.backoff_s > 0:
                yield env.timeout(c.backoff_s * 2 ** (attempt - 1))

    def send_open(self, c: _Class, attempt: int = 0) -> None:
        """An open-loop request and its retries, without a process of its own: a
        deadline's callback sends the next attempt if this one has not been answered."""
        proc = self.spawn(c, None, attempt)
        if attempt < c.retries:
            assert c.timeout_s is not None
            _Deadline(self.env, c.timeout_s).callbacks.append(
                lambda _: self._retry_open(proc, c, attempt + 1))

    def _retry_open(self, proc: simpy.Process, c: _Class, attempt: int) -> None:
        if proc.triggered:  # answered (or refused) in time: the chain ends
            return
        if c.backoff_s > 0:
            wait = self.env.timeout(c.backoff_s * 2 ** (attempt - 1))
            wait.callbacks.append(lambda _: self.send_open(c, attempt))
        else:
            self.send_open(c, attempt)

    def finish(self, rid: int, k: int, arrival: float, start: float | None, done: float,
               status: str, lane: str | None, code: int | None, user: int | None) -> None:
        """Record a request; a client timeout turns a late answer into ``"timeout"``."""
        c = self.classes[k]
        end = done
        if c.timeout_s is not None and done > arrival + c.timeout_s:
            status, code, end = "timeout", None, arrival + c.timeout_s
        attempt = self.attempt_of.get(rid, 0) if self.attempt_of else 0
        self.records.append(RequestRecord(rid, arrival, start, end, status, lane, c.name, code,
                                          done, user, None, attempt))

    # -- sources --------------------------------------------------------------------
    def open_source(self, c: _Class) -> Generator[simpy.Event, Any, None]:
        env = self.env
        gaps = c.gaps
        retrying = c.retries > 0
        while True:
            yield env.timeout(next(gaps))
            if not self.may_send():
                return
            if retrying:
                self.send_open(c)
            else:
                self.spawn(c)

    def burst_source(self, c: _Class) -> Generator[simpy.Event, Any, None]:
        a = c.arrivals
        assert isinstance(a, Bursts)
        env = self.env
        t0 = 0.0
        while True:
            offsets = sorted(next(c.gaps) for _ in range(a.size))
            for off in offsets:
                if t0 + off > env.now:
                    yield env.timeout(t0 + off - env.now)
                if not self.may_send():
                    return
                if c.retries:
                    self.send_open(c)
                else:
                    self.spawn(c)
            t0 += a.every_s
            yield env.timeout(max(t0 - env.now, 0.0))

    def user(self, c: _Class, u: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        think = c.think
        timeout_s = c.timeout_s
        while True:
            if c.thinks:
                yield env.timeout(next(think))
            if not self.may_send():
                return
            if timeout_s is None:
                yield self.spawn(c, u)
            else:
                yield from self.send(c, u)  # the whole chain of attempts

    def start_sources(self) -> None:
        for c in self.classes:
            a = c.arrivals
            if isinstance(a, ClosedLoop):
                for u in range(a.users):
                    self.env.process(self.user(c, u))
            elif isinstance(a, Bursts):
                self.env.process(self.burst_source(c))
            else:
                self.env.process(self.open_source(c))

    # -- running --------------------------------------------------------------------
    def run(self) -> None:
        """Run to the end, checking the wall clock every few thousand events."""
        env = self.env
        step = env.step
        began = time.perf_counter()
        try:
            while True:
                for _ in range(4096):
                    step()
                if time.perf_counter() - began > WALL_LIMIT_S:
                    raise SimulationTooLarge(
                        f"simulate: stopped after {WALL_LIMIT_S:.0f} s of computing at "
                        f"simulated time {env.now:.1f} s with {self.count} requests sent. "
                        "Reduce requests or duration_s, or the load (a queue that grows "
                        "without bound makes every step slower)."
                    )
        except simpy.core.EmptySchedule:
            return


def simulate(scenario: Scenario, *, trace: bool = False, label: str | None = None) -> RunResult:
    """Simulate ``scenario`` and return one record per request.

    Parameters
    ----------
    scenario:
        What to run (see :class:`~simulator.model.Scenario`).
    trace:
        Also record who held what when (``RunResult.spans``), for the lane and bridge
        pictures. Off by default; it costs little, but memory grows with the run.
    label:
        Name for legends and tables (default: the server's description).

    Raises
    ------
    ValueError
        If ``scenario`` is not a Scenario, or (:class:`SimulationTooLarge`) if it would
        take more than about 10 s to simulate here.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"simulate(scenario={scenario!r}): expected a Scenario(...).")
    check_size(scenario, trace)
    run = Run(scenario, trace)
    run.start_sources()
    run.run()
    records = tuple(sorted(run.records, key=lambda r: r.id))
    spans = tuple(Span(*s) for s in run.spans) if run.spans is not None else ()
    notes: tuple[str, ...] = ()
    if run.capped:
        notes = (f"stopped sending after {run.first_sends} requests (the simulator's cap).",)
    return RunResult(
        records=records,
        spans=spans,
        scenario=scenario,
        source="sim",
        label=label if label is not None else scenario.server.describe(),
        notes=notes,
        meta={"requests_sent": run.first_sends, "attempts_sent": run.count, "trace": trace},
    )
