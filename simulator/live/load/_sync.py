"""Run a coroutine to completion from ordinary code, even inside a notebook cell.

A Jupyter kernel already runs an event loop in its main thread, so ``asyncio.run``
refuses to start there, and patching the kernel's loop (nest_asyncio) makes every
later cell fragile. We run the coroutine on a fresh loop in a worker thread instead,
and let the calling thread wait. Waiting in the calling thread keeps two things simple:
a progress bar can be updated from there (widgets belong to the kernel's thread), and a
kernel interrupt (KeyboardInterrupt) lands there, where we cancel the coroutine, wait for
it to close its connections, and re-raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CANCEL_GRACE_S = 10.0  # a cancelled run closes its clients within this (s)


def new_loop() -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop when installed (steadier timers, less CPU), else asyncio."""
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class _Box:
    """What the worker thread hands back: its loop, its task, and the outcome."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.done = threading.Event()


def run_sync(
    factory: Callable[[], Coroutine[Any, Any, T]],
    *,
    tick: Callable[[], None] | None = None,
    tick_s: float = 0.2,
    name: str = "livelab-loop",
) -> T:
    """Run ``factory()`` on a new loop in a worker thread and return its result.

    ``tick`` (if given) is called in the calling thread every ``tick_s`` seconds while the
    coroutine runs. On KeyboardInterrupt the coroutine is cancelled (its ``finally``
    blocks run), the thread is joined, and the interrupt is re-raised.
    """
    box = _Box()
    thread = threading.Thread(target=_worker, args=(factory, box), name=name, daemon=True)
    thread.start()
    try:
        box.ready.wait()
        while not box.done.wait(tick_s):
            if tick is not None:
                tick()
    except KeyboardInterrupt:
        _cancel(box)
        thread.join(CANCEL_GRACE_S)
        raise
    thread.join()
    if box.error is not None:
        raise box.error
    result: T = box.result
    return result


def _cancel(box: _Box) -> None:
    loop, task = box.loop, box.task
    if loop is not None and task is not None:
        with contextlib.suppress(RuntimeError):  # the loop already finished
            loop.call_soon_threadsafe(task.cancel)


def _worker(factory: Callable[[], Coroutine[Any, Any, Any]], box: _Box) -> None:
    async def main() -> Any:
        box.loop = asyncio.get_running_loop()
        box.task = asyncio.current_task()
        box.ready.set()
        return await factory()

    try:
        with asyncio.Runner(loop_factory=new_loop) as runner:
            box.result = runner.run(main())
    except BaseException as e:  # handed to the calling thread
        box.error = e
    finally:
        box.ready.set()
        box.done.set()
