"""The work a demo request does: CPU (``cpu_ms``) and I/O wait (``io_ms``), in a view style.

A demo app is built with default parameters, and any request may override them in its
query string, so one server serves every experiment of a lesson::

    /?io_ms=50                      50 ms of waiting (a database call)
    /?cpu_ms=5                      5 ms of pure-Python computing (holds the GIL)
    /?io_ms=50&view=async_blocking  an async view that calls a blocking function

CPU time is measured on the thread's own CPU clock (``time.thread_time``), so "5 ms of
CPU" stays 5 ms of work however many threads compete for the GIL; it then takes longer
on the wall clock, which is exactly the lesson.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from ..model import VIEWS

MAX_MS = 60_000.0  # one minute: a demo request never needs more


class BadQuery(ValueError):
    """A query parameter a demo app cannot use; the message says which and why."""


@dataclass(frozen=True)
class Params:
    """What one request does: ``io_ms`` and ``cpu_ms`` in milliseconds, and ``view``."""

    io_ms: float = 0.0
    cpu_ms: float = 0.0
    view: str = "sync"

    def __post_init__(self) -> None:
        for name in ("io_ms", "cpu_ms"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or not 0 <= value <= MAX_MS:
                raise BadQuery(f"{name}={value!r}: {name} must be a number of milliseconds "
                               f"from 0 to {MAX_MS:g}, e.g. {name}=50.")
        if self.view not in VIEWS:
            allowed = ", ".join(VIEWS)
            raise BadQuery(f"view={self.view!r}: view must be one of {allowed}.")

    def override(self, query: str) -> Params:
        """These parameters with any ``io_ms``, ``cpu_ms`` or ``view`` from a query string."""
        if not query:
            return self
        changes: dict[str, object] = {}
        for key, value in parse_qsl(query):
            if key in ("io_ms", "cpu_ms"):
                try:
                    changes[key] = float(value)
                except ValueError:
                    raise BadQuery(f"{key}={value!r}: not a number; try {key}=50.") from None
            elif key == "view":
                changes[key] = value
        return replace(self, **changes) if changes else self  # type: ignore[arg-type]


def burn(ms: float) -> None:
    """Compute in pure Python (holding the GIL) for ``ms`` milliseconds of this thread's CPU."""
    if ms <= 0:
        return
    deadline = time.thread_time() + ms / 1000.0
    x = 0
    while time.thread_time() < deadline:
        for i in range(200):
            x += i * i


def sync_view(p: Params) -> None:
    """A plain ``def`` view: compute, then block on I/O (the thread waits)."""
    burn(p.cpu_ms)
    if p.io_ms > 0:
        time.sleep(p.io_ms / 1000.0)


async def async_view(p: Params) -> None:
    """An ``async def`` view that awaits its I/O (the loop is free meanwhile)."""
    burn(p.cpu_ms)
    if p.io_ms > 0:
        await sleep_at_least(p.io_ms / 1000.0)


async def sleep_at_least(seconds: float) -> None:
    """``asyncio.sleep`` that never returns early: uvloop's timers tick in whole
    milliseconds and may fire up to one early, which would make "50 ms" 49.5."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(left)


async def async_blocking_view(p: Params) -> None:
    """The pitfall: an ``async def`` view that calls a blocking function."""
    burn(p.cpu_ms)
    if p.io_ms > 0:
        time.sleep(p.io_ms / 1000.0)  # holds the event loop: nobody else runs


ASYNC_VIEWS = {"async": async_view, "async_blocking": async_blocking_view}
