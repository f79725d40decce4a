"""Apps for the myths and pitfalls: small, real, and each built to settle one argument.

- :func:`raw_asgi` and :func:`starlette_app`: ASGI without Django. The first is the
  interface itself, a coroutine and two channels; the second is the same kind of app in a
  real framework (Starlette, the toolkit under FastAPI). Both run on any ASGI server.
- :func:`blocking_fixes_asgi`: one ``async def`` view that waits ``io_ms`` in five ways,
  chosen per request (``/?fix=to_thread``): the pitfall (``time.sleep`` on the loop) and
  the ways out (see :data:`FIXES`). Each response names the thread that did the waiting
  (header ``x-wait-thread``), so a run can count the threads a fix really used.
- :func:`wsgi_on_asgi`: the lab's WSGI app behind a2wsgi, the adapter uvicorn uses for
  ``--interface wsgi``: one ASGI server speaking both interfaces, for a fair race.
- :func:`server_extras_wsgi`: a WSGI app that answers with the ``environ`` keys its
  server added beyond PEP 3333 (where a server may hide its socket).
- :func:`websocket_wsgi`: a websocket bolted onto WSGI with ``simple-websocket`` (the
  engine of Flask-Sock), which reaches past the interface for the server's raw socket
  (``gunicorn.socket``, ``werkzeug.socket``) and keeps the worker thread for as long as
  the socket is open. Ordinary requests get the lab's WSGI app.

For servers in a subprocess, name the factories: ``"simulator.live.myths:raw_asgi"``,
``"simulator.live.myths:blocking_fixes_asgi()"``, ``"simulator.live.myths:wsgi_on_asgi()"``,
``"simulator.live.myths:websocket_wsgi"``.

>>> sorted(FIXES)
['await', 'blocking', 'sync_to_async', 'sync_to_async_no_context', 'to_thread']
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from ._stamp import stamp_bytes
from ._types import ASGIApp, Environ, Receive, Scope, Send, StartResponse
from ._work import MAX_MS
from .apps import not_http, wsgi_app

__all__ = [
    "FIXES",
    "PEP3333_KEYS",
    "WAIT_THREAD",
    "blocking_fixes_asgi",
    "raw_asgi",
    "server_extras_wsgi",
    "starlette_app",
    "websocket_wsgi",
    "wsgi_on_asgi",
]

WAIT_THREAD = "x-wait-thread"


# -- ASGI without Django ----------------------------------------------------------------
async def raw_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI with no framework at all: a coroutine, a ``scope`` and two channels."""
    if scope["type"] != "http":  # lifespan and websockets: answered politely
        return await not_http(scope, receive, send)
    body = f"hello from a raw ASGI app, path {scope['path']}\n".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


def starlette_app() -> ASGIApp:
    """A real Starlette app: two HTTP routes and a websocket echo (``/ws``)."""
    from starlette.applications import Starlette  # noqa: PLC0415 - only when asked
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, PlainTextResponse  # noqa: PLC0415
    from starlette.routing import Route, WebSocketRoute  # noqa: PLC0415
    from starlette.websockets import WebSocket  # noqa: PLC0415

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello from Starlette\n")

    async def item(request: Request) -> JSONResponse:
        return JSONResponse({"item": request.path_params["n"], "framework": "Starlette"})

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text(await ws.receive_text())
        await ws.close()

    routes = [Route("/", hello), Route("/items/{n:int}", item), WebSocketRoute("/ws", echo)]
    return Starlette(routes=routes)


# -- a blocking call in an async view, and the ways out ---------------------------------
def _sleep(seconds: float) -> str:
    """The blocking call: wait, holding this thread; return the thread's name."""
    time.sleep(seconds)
    return threading.current_thread().name


async def _blocking(s: float) -> str:
    return _sleep(s)  # the pitfall: time.sleep on the loop's own thread


async def _await(s: float) -> str:
    await asyncio.sleep(s)  # what an async client does: the loop is free meanwhile
    return threading.current_thread().name


async def _to_thread(s: float) -> str:
    return await asyncio.to_thread(_sleep, s)  # the loop's default executor


async def _sync_to_async(s: float) -> str:
    from asgiref.sync import ThreadSensitiveContext, sync_to_async  # noqa: PLC0415

    async with ThreadSensitiveContext():  # what Django's ASGIHandler opens per request
        return await sync_to_async(_sleep)(s)


async def _sync_to_async_no_context(s: float) -> str:
    from asgiref.sync import sync_to_async  # noqa: PLC0415

    return await sync_to_async(_sleep)(s)  # thread_sensitive=True, no context: one thread


FIXES: dict[str, Callable[[float], Awaitable[str]]] = {
    "blocking": _blocking,
    "await": _await,
    "to_thread": _to_thread,
    "sync_to_async": _sync_to_async,
    "sync_to_async_no_context": _sync_to_async_no_context,
}
"""How the view waits: ``blocking`` (``time.sleep`` in ``async def``), ``await``
(``await asyncio.sleep``, as an async client would), ``to_thread``
(``asyncio.to_thread``), ``sync_to_async`` (asgiref's, inside a per-request
``ThreadSensitiveContext`` as Django runs it) and ``sync_to_async_no_context`` (the same
call outside Django: every request shares one thread)."""


def blocking_fixes_asgi(io_ms: float = 50.0, fix: str = "blocking") -> ASGIApp:
    """An async view that waits ``io_ms`` ms in the way ``fix`` says (:data:`FIXES`);
    both can be overridden per request: ``/?fix=to_thread&io_ms=50``."""
    _check_fix(fix)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await not_http(scope, receive, send)
        start = time.monotonic()
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            how = _check_fix(query.get("fix", fix))
            ms = float(query.get("io_ms", io_ms))
            if not 0 <= ms <= MAX_MS:
                raise ValueError(f"io_ms={ms:g}: io_ms must be from 0 to {MAX_MS:g} ms.")
        except ValueError as e:
            return await _answer(send, 400, f"{e}\n".encode(), [])
        waited_on = await FIXES[how](ms / 1000.0)
        headers = [(WAIT_THREAD.encode(), waited_on.encode()), *stamp_bytes(start, "loop")]
        await _answer(send, 200, b"ok\n", headers)

    return app


def _check_fix(fix: str) -> str:
    if fix not in FIXES:
        raise ValueError(f"fix={fix!r}: fix must be one of {', '.join(FIXES)}.")
    return fix


async def _answer(send: Send, status: int, body: bytes,
                  headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers]})
    await send({"type": "http.response.body", "body": body})


# -- one server, both interfaces ---------------------------------------------------------
def wsgi_on_asgi() -> ASGIApp:
    """The lab's WSGI app (:data:`simulator.live.apps.wsgi_app`) as an ASGI app, through
    a2wsgi: what ``uvicorn --interface wsgi`` serves. Each request runs on one of the
    adapter's threads (10 by default) while the loop does the HTTP."""
    from a2wsgi import WSGIMiddleware  # noqa: PLC0415 - only when asked

    app: Any = wsgi_app  # a2wsgi spells the WSGI types its own way
    adapted: Any = WSGIMiddleware(app)  # and the ASGI ones
    asgi: ASGIApp = adapted
    return asgi


# -- what a WSGI server adds beyond the standard -----------------------------------------
PEP3333_KEYS = frozenset({
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
    "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.version",
    "wsgi.url_scheme", "wsgi.input", "wsgi.errors", "wsgi.multithread",
    "wsgi.multiprocess", "wsgi.run_once", "wsgi.file_wrapper",
})
"""The ``environ`` keys PEP 3333 defines (``HTTP_*`` headers and the CGI variables a
server may copy from its environment aside). None of them is the connection's socket."""


def server_extras_wsgi(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app that lists the ``environ`` keys its server added beyond PEP 3333."""
    extras = sorted(k for k in environ if "." in k and k not in PEP3333_KEYS)
    body = json.dumps({"server": environ.get("SERVER_SOFTWARE", "?"),
                       "extras": {k: type(environ[k]).__name__ for k in extras}}).encode()
    start_response("200 OK", [("content-type", "application/json"),
                              ("content-length", str(len(body)))])
    return [body]


# -- a websocket bolted onto WSGI --------------------------------------------------------
def websocket_wsgi(environ: Environ, start_response: StartResponse) -> Any:
    """Echo websocket messages through the server's raw socket (``simple-websocket``,
    Flask-Sock's engine); any other request goes to the lab's WSGI app."""
    if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
        return wsgi_app(environ, start_response)
    from simple_websocket import ConnectionClosed, Server  # noqa: PLC0415

    ws = Server.accept(environ)  # takes gunicorn.socket / werkzeug.socket: off the standard
    try:
        while True:  # this worker thread is pinned until the client leaves
            ws.send(ws.receive())
    except ConnectionClosed:
        pass
    with contextlib.suppress(ConnectionClosed):
        ws.close()
    # No HTTP response may follow on a socket the websocket has used: gunicorn closes the
    # connection without one when the app raises StopIteration (what Flask-Sock does).
    raise StopIteration
