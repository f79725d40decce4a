"""Which threads served: named by the replies, and counted by the operating system.

- :func:`threads_used`: send ``n`` requests at once and collect the thread each reply
  names in a header (the lab's apps and Django views name theirs): how many threads a
  server really gave ``n`` requests waiting side by side.
- :func:`peak_threads`: the most OS threads a server process (and its children) held
  while something ran, sampled every 10 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from ..model._check import check_int
from .load._sync import run_sync

__all__ = ["peak_threads", "threads_used"]

T = TypeVar("T")


def threads_used(url: str, header: str, n: int = 16) -> list[str]:
    """Send ``n`` requests to ``url`` at once; the distinct values of ``header`` (the
    thread each reply says it ran on), sorted."""
    check_int("threads_used", "n", n, low=1, high=256, hint="Try n=16.")

    async def go() -> list[str]:
        limits = httpx.Limits(max_connections=n)
        async with httpx.AsyncClient(limits=limits, trust_env=False, timeout=30) as client:
            replies = await asyncio.gather(*(client.get(url) for _ in range(n)))
        return sorted({r.headers.get(header, "?") for r in replies})

    return run_sync(go)


def peak_threads(pid: int, fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, int]:
    """Run ``fn(*args, **kwargs)`` while counting the OS threads of process ``pid`` and
    its children every 10 ms; return ``fn``'s result and the most threads seen."""
    import psutil  # noqa: PLC0415 - comes with ipykernel

    proc = psutil.Process(pid)
    peak = [0]
    done = threading.Event()

    def count() -> int:
        procs = [proc, *proc.children(recursive=True)]
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):  # a process that just ended
                total += p.num_threads()
        return total

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], count())

    sampler = threading.Thread(target=sample, name="peak-threads", daemon=True)
    sampler.start()
    try:
        result = fn(*args, **kwargs)
    finally:
        done.set()
        sampler.join()
    return result, peak[0]
