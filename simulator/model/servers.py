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
    """

    processes: int = 1
    threads: int = 1
    overhead_ms: float = 0.0
    switch_ms: float = 0.0
    backlog: int | None = None

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
        CPU cost of one sync/async thread hop (ms, >= 0). A sync view pays it once; each
        sync middleware in front of an async view pays it once more.
    sync_middleware:
        Number of sync middlewares in the stack (0-20): each forces a thread hop per
        request for async views.
    limit_concurrency:
        Most requests in flight across the server (``None``: unlimited). Beyond it new
        requests are answered at once with 503 (status ``"rejected"``), as uvicorn's
        ``--limit-concurrency`` does.
    """

    processes: int = 1
    overhead_ms: float = 0.0
    switch_ms: float = 0.0
    sync_middleware: int = 0
    limit_concurrency: int | None = None

    kind = "asgi"

    def __post_init__(self) -> None:
        own = "ASGIServer"
        check_int(own, "processes", self.processes, low=1, high=MAX_PROCESSES,
                  hint="Try processes=1, or the number of cores.")
        check_number(own, "overhead_ms", self.overhead_ms, high=10_000)
        check_number(own, "switch_ms", self.switch_ms, high=10_000)
        check_int(own, "sync_middleware", self.sync_middleware, low=0, high=20)
        check_optional_int(own, "limit_concurrency", self.limit_concurrency, low=1,
                           high=MAX_QUEUE, hint="Use None for no limit.")

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
