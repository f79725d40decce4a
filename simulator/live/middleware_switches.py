"""Where Django switches between the event loop and a thread, counted on a real request.

Under ASGI, Django builds its middleware chain from the view outwards. Wherever a
sync-only piece meets an async one, it wraps the inner piece (asgiref's
``sync_to_async`` or ``async_to_sync``), and every request crosses there: a **switch**.
Two sync middlewares side by side need no switch between them, so the count follows the
*boundaries* of the chain, not the number of sync middlewares.

:func:`trace_switches` builds the lab's Django project with a middleware stack described
as a list of ``"sync"`` and ``"async"`` (outermost first), serves it with uvicorn, sends
one request to a sync or an async view and reads back where each piece ran (every piece
writes its thread into the request; the outermost one returns the record in a header).
:func:`boundaries` is the rule the count should follow.

>>> boundaries(["sync", "sync"], view="async")
2
>>> boundaries(["sync", "async", "sync"], view="async")
4
>>> boundaries([], view="sync")
1
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import httpx

from .django_project import setup
from .serving import serve

__all__ = ["SwitchTrace", "boundaries", "trace_switches"]

_MODULE = __name__
TRACE_HEADER = "x-switch-trace"
_KEY = "livelab.trace"
MODES = ("sync", "async")


def boundaries(stack: Sequence[str], view: str = "async") -> int:
    """Switches a request makes on its way in: changes of mode along handler (async),
    ``stack`` (outermost first) and the view (``"sync"`` or ``"async"``)."""
    chain = ["async", *_checked(stack), _check_mode("view", view)]
    return sum(a != b for a, b in pairwise(chain))


@dataclass(frozen=True)
class SwitchTrace:
    """One request through ``stack`` to a ``view``: where each piece ran (``steps``, in
    order: the middlewares, then the view) and ``switches``, the changes of thread on
    the way in (the way out crosses the same boundaries back)."""

    stack: tuple[str, ...]
    view: str
    steps: tuple[tuple[str, str], ...]
    loop_thread: str

    @property
    def switches(self) -> int:
        threads = [self.loop_thread, *(t for _, t in self.steps)]
        return sum(a != b for a, b in pairwise(threads))

    def __str__(self) -> str:
        where = " -> ".join(f"{what} ({'loop' if t == self.loop_thread else t})"
                            for what, t in self.steps)
        return f"{self.switches} switch(es): loop -> {where}"


def trace_switches(stack: Sequence[str], view: str = "async") -> SwitchTrace:
    """Serve the Django project with middleware ``stack`` (outermost first, each
    ``"sync"`` or ``"async"``) on uvicorn, send one request to the ``view`` and return
    where each piece ran."""
    app = _handler(tuple(_checked(stack)))
    _check_mode("view", view)
    with serve(app, interface="asgi", name="livelab-switches") as srv:
        reply = httpx.get(srv.url_for(f"/{view}", io_ms=0), timeout=10, trust_env=False)
    reply.raise_for_status()
    record = json.loads(reply.headers[TRACE_HEADER])
    steps = [(f"{mode} middleware", thread) for mode, thread in record["steps"]]
    steps.append((f"{view} view", reply.headers["x-view-thread"]))
    return SwitchTrace(tuple(stack), view, tuple(steps), record["loop"])


# -- the pieces ---------------------------------------------------------------------------
class _Step:
    """Writes the thread it ran on into the request, and passes it on."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response


class SyncStep(_Step):
    """A sync-only middleware (like many older ones)."""

    sync_capable = True
    async_capable = False

    def __call__(self, request: Any) -> Any:
        request.META[_KEY].append(("sync", threading.current_thread().name))
        return self.get_response(request)


class AsyncStep(_Step):
    """An async-only middleware."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        from asgiref.sync import markcoroutinefunction  # noqa: PLC0415

        markcoroutinefunction(self)

    async def __call__(self, request: Any) -> Any:
        request.META[_KEY].append(("async", threading.current_thread().name))
        return await self.get_response(request)


class TraceOut(AsyncStep):
    """The outermost piece, on the loop: starts the record and returns it in a header."""

    async def __call__(self, request: Any) -> Any:
        request.META[_KEY] = []
        response = await self.get_response(request)
        response[TRACE_HEADER] = json.dumps({"loop": threading.current_thread().name,
                                             "steps": request.META[_KEY]})
        return response


_PATHS = {"sync": f"{_MODULE}.SyncStep", "async": f"{_MODULE}.AsyncStep"}


def _handler(stack: tuple[str, ...]) -> Any:
    """A new ASGIHandler for the lab's project with ``stack`` behind :class:`TraceOut`."""
    setup()
    from django.core.handlers.asgi import ASGIHandler  # noqa: PLC0415
    from django.test.utils import override_settings  # noqa: PLC0415

    with override_settings(MIDDLEWARE=[f"{_MODULE}.TraceOut", *(_PATHS[m] for m in stack)]):
        return ASGIHandler()


def _check_mode(name: str, mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"trace_switches({name}={mode!r}): each must be 'sync' or 'async'.")
    return mode


def _checked(stack: Sequence[str]) -> list[str]:
    if isinstance(stack, str):
        raise ValueError(f"trace_switches(stack={stack!r}): give a list such as "
                         "['sync', 'async'], outermost first.")
    if len(stack) > 10:
        raise ValueError(f"trace_switches(stack=...): {len(stack)} middlewares; at most 10.")
    return [_check_mode("stack", m) for m in stack]
