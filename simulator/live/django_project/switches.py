"""Where Django switches between the event loop and a thread, request by request.

Under ASGI, Django's handler is async; sync code (a sync view, a sync-only middleware)
must run on a thread, and async code must run on the event loop. Django adapts the
middleware chain once, when the handler is built (``BaseHandler.load_middleware``): it
puts a ``sync_to_async`` where async code calls sync code and an ``async_to_sync``
where sync code calls async code, and nothing between two pieces of the same kind. So
two sync middlewares side by side run on one thread and cost one trip there and back;
an async middleware between them costs a trip more.

A *hop* is one such trip: from the loop to a thread and back, or from a thread to the
loop and back (one ``sync_to_async`` or ``async_to_sync`` call); a *switch* is one
change of thread, so a hop is two switches. Every ASGI request
pays at least one: after sending the response, Django closes it on a thread
(``sync_to_async(response.close)``, which sends ``request_finished``).

:func:`trace` serves the project with a given middleware stack, sends one request and
returns where each piece ran (:class:`Trace`): the server, each middleware on the way in
and out, Django's innermost handler (``urls``: it resolves the URL and calls the view,
always on the loop), the view, the sending of the response, its closing.
:func:`cost_of_stacks` measures what the hops cost the server in CPU
(:func:`simulator.live.server_cpu.measure_cpu`).

The simulator counts the same hops: ``ASGIServer(sync_stretches=n)`` charges two for each
of ``n`` stretches of adjacent sync middleware (:func:`sync_stretches` counts them in a
stack) and one for a sync view (:func:`simulator.model.thread_hops`). The hop that closes
the response is paid by every request alike, so the model counts it in ``overhead_ms``:
``trace(stack, view).hops == thread_hops(ASGIServer(sync_stretches=...), view) + 1``.

>>> from simulator.live.django_project import switches
>>> t = switches.trace(("sync", "sync"), view="async")   # doctest: +SKIP
>>> t.path(), t.hops                                     # doctest: +SKIP
('loop > thread > thread > loop > thread > thread > loop > thread > loop', 3)
"""

from __future__ import annotations

import contextvars
import itertools
import statistics
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIDDLEWARE_KINDS = ("sync", "async")
VIEWS = ("sync", "async")
_TRAIL: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar(
    "livelab_django_trail", default=None)


def note(step: str) -> None:
    """Record that ``step`` runs now, on this thread, if the request is being traced."""
    trail = _TRAIL.get()
    if trail is not None:
        trail.append((step, threading.current_thread().name))


@dataclass(frozen=True)
class Trace:
    """Where each piece of one request ran: ``steps`` of ``(name, "loop" | "thread")``.

    ``stack`` names the middlewares between the server and the view, outermost first
    (``"sync"`` or ``"async"``); ``view`` is ``"sync"`` or ``"async"``; ``threads`` are
    the raw thread names, step by step.
    """

    stack: tuple[str, ...]
    view: str
    steps: tuple[tuple[str, str], ...]
    threads: tuple[str, ...]

    @property
    def switches(self) -> int:
        """How many times the request moved between the loop and a thread."""
        where = [w for _, w in self.steps]
        return sum(a != b for a, b in itertools.pairwise(where))

    @property
    def hops(self) -> int:
        """Trips to a thread and back (or to the loop and back): half the switches."""
        return self.switches // 2

    @property
    def stretches(self) -> int:
        """Stretches of adjacent sync middleware in the stack (see :func:`sync_stretches`)."""
        return sync_stretches(self.stack)

    def label(self) -> str:
        """E.g. ``"sync, async, sync middleware; async view"``."""
        mw = ", ".join(self.stack) + " middleware" if self.stack else "no sync middleware"
        return f"{mw}; {self.view} view"

    def path(self) -> str:
        """Where each step ran, e.g. ``"loop > thread > loop"``."""
        return " > ".join(w for _, w in self.steps)

    def __str__(self) -> str:
        return f"{self.label()}: {self.hops} hops ({self.path()})"


def sync_stretches(stack: Sequence[str]) -> int:
    """Runs of adjacent ``"sync"`` middleware in ``stack``: what
    ``ASGIServer(sync_stretches=...)`` takes.

    >>> sync_stretches(("sync", "sync", "async", "sync")), sync_stretches(("async",))
    (2, 0)
    """
    middleware_paths(stack)  # a checked stack
    return sum(kind == "sync" and (i == 0 or stack[i - 1] != "sync")
               for i, kind in enumerate(stack))


def middleware_paths(stack: Sequence[str]) -> list[str]:
    """Django's MIDDLEWARE entries for ``stack`` (``"sync"``/``"async"`` names)."""
    from . import settings as ours  # noqa: PLC0415

    paths = {"sync": ours.SYNC_MIDDLEWARE, "async": ours.ASYNC_MIDDLEWARE}
    if isinstance(stack, str) or not all(k in paths for k in stack):
        raise ValueError(
            f"middleware={stack!r}: give a list of 'sync' and 'async', outermost first, "
            "e.g. middleware=('sync', 'async', 'sync').")
    if len(stack) > 20:
        raise ValueError(f"middleware: {len(stack)} middlewares; give at most 20.")
    return [paths[k] for k in stack]


def _tracing_handler_class() -> type:
    from django.core.handlers.asgi import ASGIHandler  # noqa: PLC0415

    class TracingASGIHandler(ASGIHandler):
        """Django's ASGIHandler, noting where each piece of a request runs."""

        def __init__(self) -> None:
            super().__init__()
            self.trails: deque[tuple[tuple[str, str], ...]] = deque(maxlen=100)

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return await super().__call__(scope, receive, send)
            trail: list[tuple[str, str]] = []
            token = _TRAIL.set(trail)
            try:
                note("server")
                await super().__call__(scope, receive, send)
                note("end")
            finally:
                _TRAIL.reset(token)
            self.trails.append(tuple(trail))
            return None

        async def _get_response_async(self, request: Any) -> Any:
            note("urls")  # Django's innermost handler: always on the loop under ASGI
            response = await super()._get_response_async(request)
            note("urls")
            return response

        async def send_response(self, response: Any, send: Any) -> None:
            note("send")
            await super().send_response(response, send)

    return TracingASGIHandler


def _on_close(**_kwargs: Any) -> None:
    note("close")


def traced_application(middleware: Sequence[str] = ()) -> Any:
    """An ASGI handler of the project with ``middleware`` that records, for each
    request, where each piece ran (in its ``trails``, newest last)."""
    from django.core.signals import request_finished  # noqa: PLC0415

    from ._setup import build  # noqa: PLC0415

    request_finished.connect(_on_close, dispatch_uid="livelab-switches-close")
    return build(_tracing_handler_class(), "asgi", middleware_paths(middleware))


def trace(middleware: Sequence[str] = (), view: str = "async") -> Trace:
    """Serve the project (uvicorn, in this process) with ``middleware`` in front of a
    ``view`` (``"sync"`` or ``"async"``), send one request, and say where it ran."""
    import httpx  # noqa: PLC0415

    from ..serving import serve  # noqa: PLC0415

    if view not in VIEWS:
        raise ValueError(f"trace(view={view!r}): view must be 'sync' or 'async'.")
    app = traced_application(middleware)
    with serve(app, interface="asgi", name="django-switches") as srv:
        reply = httpx.get(srv.url_for(f"/{view}", io_ms=0), timeout=10)
    reply.raise_for_status()
    raw = app.trails[-1]
    loop = raw[0][1]  # the server step runs on the loop
    steps = tuple((name, "loop" if thread == loop else "thread") for name, thread in raw)
    return Trace(tuple(middleware), view, steps, tuple(t for _, t in raw))


def stack_app(middleware: Sequence[str] = ()) -> str:
    """The import string of the project's ASGI app with ``middleware`` (for a subprocess)."""
    middleware_paths(middleware)  # check it here, not in the child process
    return f"simulator.live.django_project:application('asgi', middleware={tuple(middleware)!r})"


def cost_of_stacks(stacks: Sequence[Sequence[str]], view: str = "async",
                   requests: int = 200, rounds: int = 3) -> list[float]:
    """Server CPU per request (ms) for each middleware stack, in the same order.

    Each stack runs in its own uvicorn subprocess (the same server for all, nothing
    else in it); the stacks take turns, ``rounds`` times ``requests`` requests each,
    and each gets the median of its rounds, so that a busy moment on the machine falls
    on every stack alike.
    """
    from ..server_cpu import measure_cpu  # noqa: PLC0415
    from ..serving import serve  # noqa: PLC0415

    if view not in VIEWS:
        raise ValueError(f"cost_of_stacks(view={view!r}): view must be 'sync' or 'async'.")
    servers = []
    try:
        for i, stack in enumerate(stacks):
            servers.append(serve(stack_app(stack), interface="asgi", server="uvicorn",
                                 name=f"django-stack-{i}", quiet=True))
        urls = [srv.url_for(f"/{view}", io_ms=0) for srv in servers]
        for url in urls:
            measure_cpu(url, requests=50)  # warm up: imports, first connections
        runs: list[list[float]] = [[] for _ in urls]
        for _ in range(rounds):
            for i, url in enumerate(urls):
                runs[i].append(measure_cpu(url, requests=requests).cpu_ms)
    finally:
        for srv in servers:
            srv.stop()
    return [statistics.median(r) for r in runs]
