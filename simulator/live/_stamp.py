"""Server-side stamps: how a live response tells the client where and when it ran.

Every demo app (and the Django project's middleware) adds six headers to its response:

- ``x-start-s`` / ``x-end-s``: ``time.monotonic()`` when the application began and
  finished the request, in seconds. Client and server run on the same host, and the
  monotonic clock is one clock for every process there, so the load generator can put
  these on its own time axis: ``start_s`` is when the request got its thread or loop.
- ``x-pid``: the server process.
- ``x-thread``: the thread that ran the application code.
- ``x-lane``: ``"thread"`` for a WSGI worker thread, ``"loop"`` for an ASGI event loop.
- ``x-cpu-s``: the server process's CPU time so far (``time.process_time()``, all its
  threads), from which :func:`~simulator.live.calibrate` measures CPU per request.

:func:`lane_names` turns them into the simulator's lane names: processes become
``p0``, ``p1``, ... in order of pid, WSGI threads ``t0``, ``t1``, ... (waitress's
``waitress-3`` is ``t3``), and an ASGI loop is ``p0-loop``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable

from ._types import Headers

START = "x-start-s"
END = "x-end-s"
PID = "x-pid"
THREAD = "x-thread"
LANE = "x-lane"
CPU = "x-cpu-s"
LANE_KINDS = ("thread", "loop")

_TRAILING_NUMBER = re.compile(r"(\d+)$")


def stamp(start_s: float, lane: str) -> Headers:
    """The timing headers for a request that began at ``start_s`` (monotonic s)
    and ends now, on a lane of kind ``lane`` (``"thread"`` or ``"loop"``)."""
    return [
        (START, f"{start_s:.6f}"),
        (END, f"{time.monotonic():.6f}"),
        (PID, str(os.getpid())),
        (THREAD, threading.current_thread().name),
        (LANE, lane),
        (CPU, f"{time.process_time():.6f}"),
    ]


def stamp_bytes(start_s: float, lane: str) -> list[tuple[bytes, bytes]]:
    """:func:`stamp` encoded for an ASGI ``http.response.start`` message."""
    return [(k.encode(), v.encode()) for k, v in stamp(start_s, lane)]


def lane_names(seen: Iterable[tuple[int, str, str] | None]) -> list[str | None]:
    """Map ``(pid, lane kind, thread name)`` per response to simulator lane names.

    Returns one name per item, ``None`` where a response carried no stamp. Pids are
    numbered ``p0``, ``p1``, ... in increasing order; within a process, threads keep the
    number their name ends with when those numbers are distinct (``waitress-3`` -> ``t3``),
    otherwise they are numbered in sorted order of their names.

    >>> lane_names([(812, "thread", "waitress-3"), None, (640, "loop", "MainThread")])
    ['p1-t3', None, 'p0-loop']
    """
    items = list(seen)
    pids = sorted({it[0] for it in items if it is not None})
    p_index = {pid: i for i, pid in enumerate(pids)}
    threads: dict[int, set[str]] = {}
    for it in items:
        if it is not None and it[1] == "thread":
            threads.setdefault(it[0], set()).add(it[2])
    t_index = {pid: _thread_numbers(names) for pid, names in threads.items()}
    out: list[str | None] = []
    for it in items:
        if it is None:
            out.append(None)
            continue
        pid, kind, thread = it
        p = p_index[pid]
        out.append(f"p{p}-loop" if kind == "loop" else f"p{p}-t{t_index[pid][thread]}")
    return out


def _thread_numbers(names: set[str]) -> dict[str, int]:
    """Number thread names, keeping a trailing number when all are distinct."""
    numbers: dict[str, int] = {}
    for name in names:
        m = _TRAILING_NUMBER.search(name)
        if m is None:
            break
        numbers[name] = int(m.group(1))
    if len(numbers) == len(names) and len(set(numbers.values())) == len(names):
        return numbers
    return {name: i for i, name in enumerate(sorted(names))}
