"""Servers: the single-lane bridge and the multi-lane highway.

A **WSGI server** runs ``processes x threads`` workers. Each worker (a *lane*) takes one
request and keeps it until the response is complete, including the time the request
spends waiting on a database or another service. All lanes share one first-in first-out
queue (the listen socket), so a request waits only when every lane is taken.

An **ASGI server** runs one event loop per process. A request holds the loop only while
its code runs on the CPU; while it ``await``\\s I/O the loop serves others. The loop is
cooperative: a coroutine that computes (or calls a blocking function) keeps every other
request waiting until it yields.

Both kinds share two more facts of life: threads of one process take turns on one GIL,
and all processes share the host's CPU cores. Costs that real servers add per request
(HTTP parsing, framework code, a sync/async thread hop) default to zero so that the
textbook cases are exact; pass calibrated values explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._check import check_int, check_number, check_optional_int
from .memory import ASGI_MEMORY, MAX_MB, WSGI_MEMORY

MAX_PROCESSES = 64
MAX_THREADS = 1024
MAX_QUEUE = 1_000_000


@dataclass(frozen=True, kw_only=True)
class WSGIServer:
    """A WSGI server: ``processes`` x ``threads`` lanes, each handling one request at a time.

    Parameters
    ----------
    processes:
        Worker processes (1-64). Each has its own GIL.
    threads:
        Threads per process (1-1024). Together with ``processes`` this is the number of
        requests in progress at once; the rest wait in the queue.
    overhead_ms:
        CPU time the server and framework spend on every request (ms, >= 0).
    switch_ms:
        CPU cost of running an ``async def`` view from a sync worker (Django creates an
        event loop for it on every request), in ms, >= 0.
    backlog:
        How many requests may wait for a lane (``None``: unlimited). Arrivals beyond it
        are refused (status ``"rejected"``), like a full listen backlog.
    process_mb, thread_mb:
        Resident memory of one worker process before its threads, and of each thread
        (MB, >= 0); the defaults were measured on the course's Django project under
        waitress (:mod:`simulator.model.memory` says how and when).

    >>> WSGIServer(processes=2, threads=4, process_mb=100, thread_mb=1).memory_mb
    208.0
    """

    processes: int = 1
    threads: int = 1
    overhead_ms: float = 0.0
    switch_ms: float = 0.0
    backlog: int | None = None
    process_mb: float = WSGI_MEMORY.process_mb
    thread_mb: float = WSGI_MEMORY.thread_mb

    kind = "wsgi"

    def __post_init__(self) -> None:
        own = "WSGIServer"
        check_int(own, "processes", self.processes, low=1, high=MAX_PROCESSES,
                  hint="Try processes=1, or the number of cores.")
        check_int(own, "threads", self.threads, low=1, high=MAX_THREADS,
                  hint="A WSGI server needs at least one lane; try threads=1 or 4.")
        check_number(own, "overhead_ms", self.overhead_ms, high=10_000)
        check_number(own, "switch_ms", self.switch_ms, high=10_000)
        check_optional_int(own, "backlog", self.backlog, low=0, high=MAX_QUEUE,
                           hint="Use None for an unlimited queue.")
        _check_memory(own, self.process_mb, self.thread_mb)

    @property
    def memory_mb(self) -> float:
        """Resident memory of the whole server (MB): processes x (base + threads x thread)."""
        return float(self.processes * (self.process_mb + self.threads * self.thread_mb))

    @property
    def lanes(self) -> int:
        """Requests that can be in progress at once: one per thread of every process."""
        return self.processes * self.threads

    @property
    def lane_names(self) -> tuple[str, ...]:
        """What ``RequestRecord.lane`` says for each thread: ``"p0-t0"``, ``"p0-t1"``, ...

        >>> WSGIServer(processes=2, threads=2).lane_names
        ('p0-t0', 'p0-t1', 'p1-t0', 'p1-t1')
        """
        return tuple(f"p{p}-t{t}" for p in range(self.processes) for t in range(self.threads))

    def describe(self) -> str:
        """A short label for tables and legends, e.g. ``"WSGI 1x4"``."""
        return f"WSGI {self.processes}x{self.threads}"


@dataclass(frozen=True, kw_only=True)
class ASGIServer:
    """An ASGI server: one event loop per process.

    Parameters
    ----------
    processes:
        Worker processes (1-64), each with its own loop and GIL. A new request goes to
        the process with the fewest requests in flight.
    overhead_ms:
        CPU time spent on the loop for every request (ms, >= 0).
    switch_ms:
        CPU cost of one sync/async thread hop (ms, >= 0): a trip from the loop to a thread
        and back (``sync_to_async``), or from a thread to the loop and back
        (``async_to_sync``). A sync view pays one.
    sync_stretches:
        Stretches of sync-only middleware in the stack (0-20). Django adapts the chain
        only where sync code meets async code, so adjacent sync middlewares are one
        stretch and share their thread; an async middleware between two sync ones makes
        two stretches. Each stretch costs every request two hops: into a thread for the
        middleware, and back onto the loop for Django's URL resolver, which is async
        under ASGI (``simulator.live.django_project.switches`` traces them).
    limit_concurrency:
        Most requests in flight across the server (``None``: unlimited). Beyond it new
        requests are answered at once with 503 (status ``"rejected"``), as uvicorn's
        ``--limit-concurrency`` does.
    process_mb, thread_mb:
        Resident memory of one process with its event loop, and of each thread a sync
        view runs on (MB, >= 0); defaults measured on the course's Django project under
        uvicorn (:mod:`simulator.model.memory`).

    >>> ASGIServer(processes=2, process_mb=60).memory_mb
    120.0
    """

    processes: int = 1
    overhead_ms: float = 0.0
    switch_ms: float = 0.0
    sync_stretches: int = 0
    limit_concurrency: int | None = None
    process_mb: float = ASGI_MEMORY.process_mb
    thread_mb: float = ASGI_MEMORY.thread_mb

    kind = "asgi"

    def __post_init__(self) -> None:
        own = "ASGIServer"
        check_int(own, "processes", self.processes, low=1, high=MAX_PROCESSES,
                  hint="Try processes=1, or the number of cores.")
        check_number(own, "overhead_ms", self.overhead_ms, high=10_000)
        check_number(own, "switch_ms", self.switch_ms, high=10_000)
        check_int(own, "sync_stretches", self.sync_stretches, low=0, high=20,
                  hint="Count runs of adjacent sync middleware, not middlewares.")
        check_optional_int(own, "limit_concurrency", self.limit_concurrency, low=1,
                           high=MAX_QUEUE, hint="Use None for no limit.")
        _check_memory(own, self.process_mb, self.thread_mb)

    @property
    def memory_mb(self) -> float:
        """Resident memory of the processes with their loops (MB). Threads that sync
        views run on add ``thread_mb`` each while they exist (not counted here)."""
        return float(self.processes * self.process_mb)

    @property
    def lane_names(self) -> tuple[str, ...]:
        """What ``RequestRecord.lane`` says for each process's event loop: ``"p0-loop"``, ...

        >>> ASGIServer(processes=2).lane_names
        ('p0-loop', 'p1-loop')
        """
        return tuple(f"p{p}-loop" for p in range(self.processes))

    def describe(self) -> str:
        """A short label for tables and legends, e.g. ``"ASGI 1 loop"``."""
        loops = "loop" if self.processes == 1 else "loops"
        return f"ASGI {self.processes} {loops}"


Server = WSGIServer | ASGIServer


def _check_memory(own: str, process_mb: float, thread_mb: float) -> None:
    check_number(own, "process_mb", process_mb, high=MAX_MB,
                 hint="Resident memory of one process, e.g. process_mb=60.")
    check_number(own, "thread_mb", thread_mb, high=MAX_MB,
                 hint="Memory of one thread, e.g. thread_mb=0.5.")
