"""Demo applications: the same endpoint written as raw WSGI and as raw ASGI.

Each app does ``cpu_ms`` of computing and ``io_ms`` of waiting per request, in a view
style (``"sync"``, ``"async"`` or ``"async_blocking"``), and stamps its response with
when, where and in which process it ran (see :mod:`simulator.live._stamp`), so a live
run has lanes like a simulated one. Any request may override the parameters in its
query string (``/?io_ms=50&view=async_blocking``).

Read the two ``app`` functions side by side: the WSGI one is *called* by a server
thread and returns the body; the ASGI one is *awaited* on the event loop and sends
messages. How each runs the three view styles is the whole course in twenty lines:

- WSGI, ``async`` views: there is no loop, so each request gets a one-off event loop
  (what Django's ``async_to_sync`` does); the thread stays taken either way.
- ASGI, ``sync`` views: they would block the loop, so each runs on a thread of its own
  (what Django's ``sync_to_async`` does under ASGI), and the loop stays free.

A WSGI app is only a function: call it as a server would, with an ``environ`` and a
``start_response``, and it returns the body:

>>> from wsgiref.util import setup_testing_defaults
>>> environ = {"QUERY_STRING": "io_ms=1"}
>>> setup_testing_defaults(environ)
>>> body = work_wsgi()(environ, lambda status, headers: print(status))
200 OK
>>> b"".join(body)
b'ok\\n'

For servers in a subprocess, name a module-level app: ``"simulator.live.apps:wsgi_app"``,
``"simulator.live.apps:asgi_app"`` or a factory call such as
``"simulator.live.apps:sleep_asgi(ms=50)"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterable

from ..model import VIEWS
from ..model._check import check_choice, check_number
from ._http import UPGRADE_REFUSAL
from ._stamp import stamp, stamp_bytes
from ._types import ASGIApp, Environ, Receive, Scope, Send, StartResponse, WSGIApp
from ._work import ASYNC_VIEWS, MAX_MS, BadQuery, Params, sync_view

__all__ = [
    "asgi_app",
    "cpu_asgi",
    "cpu_wsgi",
    "hello_asgi",
    "hello_wsgi",
    "sleep_asgi",
    "sleep_wsgi",
    "work_asgi",
    "work_wsgi",
    "wsgi_app",
]

def _ms(owner: str, value: object, name: str = "ms") -> float:
    """``value`` checked as the parameter the student typed (``sleep_wsgi(ms=-1)`` names
    ``ms``, not the ``io_ms`` it becomes)."""
    return check_number(owner, name, value, high=MAX_MS,
                        hint=f"It is in milliseconds, e.g. {name}=50.")


def _defaults(owner: str, *, io_ms: float, cpu_ms: float, view: str) -> Params:
    """The app's default parameters, checked in the words of the factory's call."""
    check_choice(owner, "view", view, VIEWS)
    return Params(_ms(owner, io_ms, "io_ms"), _ms(owner, cpu_ms, "cpu_ms"), view)


def work_wsgi(io_ms: float = 0.0, cpu_ms: float = 0.0, view: str = "sync") -> WSGIApp:
    """A raw WSGI app: ``cpu_ms`` of CPU then ``io_ms`` of I/O per request (both ms)."""
    defaults = _defaults("work_wsgi", io_ms=io_ms, cpu_ms=cpu_ms, view=view)

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start = time.monotonic()
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            return _reply(start_response, "426 Upgrade Required", UPGRADE_REFUSAL, start)
        try:
            p = defaults.override(environ.get("QUERY_STRING", ""))
        except BadQuery as e:
            return _reply(start_response, "400 Bad Request", f"{e}\n", start)
        if p.view == "sync":
            sync_view(p)
        else:  # no loop in a WSGI thread: a one-off loop per request
            asyncio.run(ASYNC_VIEWS[p.view](p))
        return _reply(start_response, "200 OK", "ok\n", start)

    return app


def work_asgi(io_ms: float = 0.0, cpu_ms: float = 0.0, view: str = "async") -> ASGIApp:
    """A raw ASGI app: ``cpu_ms`` of CPU then ``io_ms`` of I/O per request (both ms)."""
    defaults = _defaults("work_asgi", io_ms=io_ms, cpu_ms=cpu_ms, view=view)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await not_http(scope, receive, send)
        start = time.monotonic()
        try:
            p = defaults.override(scope.get("query_string", b"").decode("latin-1"))
        except BadQuery as e:
            return await _areply(send, 400, f"{e}\n", start)
        if p.view == "sync":  # a sync view must not block the loop: a thread of its own
            await in_own_thread(sync_view, p)
        else:
            await ASYNC_VIEWS[p.view](p)
        await _areply(send, 200, "ok\n", start)

    return app


def sleep_wsgi(ms: float = 50.0) -> WSGIApp:
    """WSGI endpoint that waits ``ms`` milliseconds (``time.sleep``) per request."""
    return work_wsgi(io_ms=_ms("sleep_wsgi", ms))


def sleep_asgi(ms: float = 50.0) -> ASGIApp:
    """ASGI endpoint that awaits ``ms`` milliseconds (``asyncio.sleep``) per request."""
    return work_asgi(io_ms=_ms("sleep_asgi", ms), view="async")


def cpu_wsgi(ms: float = 5.0) -> WSGIApp:
    """WSGI endpoint that computes for ``ms`` milliseconds of CPU per request."""
    return work_wsgi(cpu_ms=_ms("cpu_wsgi", ms))


def cpu_asgi(ms: float = 5.0) -> ASGIApp:
    """ASGI endpoint that computes for ``ms`` milliseconds of CPU per request, on the loop."""
    return work_asgi(cpu_ms=_ms("cpu_asgi", ms), view="async")


def hello_wsgi() -> WSGIApp:
    """WSGI endpoint that does nothing: what is left is the server's own overhead."""
    return work_wsgi()


def hello_asgi() -> ASGIApp:
    """ASGI endpoint that does nothing: what is left is the server's own overhead."""
    return work_asgi()


wsgi_app = work_wsgi()
"""Module-level WSGI app for import strings; parameters come from the query string."""
asgi_app = work_asgi()
"""Module-level ASGI app for import strings; parameters come from the query string."""


# -- helpers shared by the apps -------------------------------------------------------
def _reply(start_response: StartResponse, status: str, text: str,
           start: float) -> list[bytes]:
    body = text.encode()
    headers = [("content-type", "text/plain; charset=utf-8"),
               ("content-length", str(len(body)))]
    start_response(status, headers + stamp(start, "thread"))
    return [body]


async def _areply(send: Send, status: int, text: str, start: float) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + stamp_bytes(start, "loop")})
    await send({"type": "http.response.body", "body": body})


async def not_http(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the lifespan protocol, and refuse a websocket an HTTP-only app cannot serve."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1003})


_thread_count = iter(range(1 << 62))


async def in_own_thread(fn: Callable[[Params], None], p: Params) -> None:
    """Run a sync view on a new thread and await it, leaving the loop free.

    One thread per request and no cap, as asgiref's ``ThreadSensitiveContext`` gives
    every Django request under ASGI (the loop's default executor would cap it at
    ``min(32, cores + 4)`` threads).
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if not done.done():
            done.set_exception(error) if error else done.set_result(None)

    def run() -> None:
        error: BaseException | None = None
        try:
            fn(p)
        except BaseException as e:  # handed to the awaiting coroutine
            error = e
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(settle, error)

    name = f"sync-view-{next(_thread_count)}"
    threading.Thread(target=run, name=name, daemon=True).start()
    await done
