"""A hybrid deployment in one file: websockets to an ASGI app, everything else to WSGI.

Many sites keep their WSGI application (it works, the team knows it) and add one ASGI
service for what WSGI cannot do: websockets, long-lived streams. In front of both sits a
proxy that routes by path. :data:`NGINX_CONFIG` is that proxy as nginx would be told;
:class:`Router` is the same routing table as a tiny ASGI app, so it runs here, in one
server, and every request says where it went:

- ``websocket`` connections, and HTTP paths under ``/ws/``, go to the ASGI app (the
  course's chat: :func:`~simulator.live.websocket.chat_asgi`) with ``/ws`` stripped,
  as nginx's ``proxy_pass http://asgi/;`` does;
- every other HTTP request goes to the WSGI app through a2wsgi's ``WSGIMiddleware``
  (a pool of ``wsgi_threads`` threads: the WSGI side's lanes).

Each HTTP answer carries ``x-routed-to: asgi`` or ``wsgi``, and :attr:`Router.counts`
counts what went where. :func:`hold_websockets` keeps ``n`` websockets open (from a
thread of its own) while the rest of a cell runs.

>>> router = hybrid_app()
>>> for route in router.routes:
...     print(route)
websocket, any path          -> ASGI: the chat (one event loop)
HTTP /ws/...                 -> ASGI: the chat (one event loop)
HTTP, everything else        -> WSGI: the pages (a2wsgi, 10 threads)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model._check import check_int, check_number
from ._types import ASGIApp, Message, Receive, Scope, Send, WSGIApp
from .apps import work_wsgi
from .websocket import chat_asgi

__all__ = ["NGINX_CONFIG", "Route", "Router", "hold_websockets", "hybrid_app"]

ROUTED = b"x-routed-to"

NGINX_CONFIG = """\
upstream wsgi { server 127.0.0.1:8000; }   # gunicorn, sync or gthread workers
upstream asgi { server 127.0.0.1:8001; }   # uvicorn, or gunicorn -k uvicorn_worker.UvicornWorker

server {
    listen 80;
    location /ws/ {                         # websockets and their HTTP API: ASGI
        proxy_pass http://asgi/;            # the trailing / strips /ws
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 1h;              # an idle websocket is not a dead one
    }
    location / {                            # everything else: the WSGI app
        proxy_pass http://wsgi;
    }
}"""
"""The same routing table for nginx: two upstream servers behind one proxy."""


@dataclass(frozen=True)
class Route:
    """One line of the routing table: what matches, and where it goes."""

    match: str
    target: str

    def __str__(self) -> str:
        return f"{self.match:<28} -> {self.target}"


class Router:
    """An ASGI app that routes like :data:`NGINX_CONFIG` (see the module docstring)."""

    def __init__(self, wsgi: WSGIApp, asgi: ASGIApp, *, prefix: str = "/ws",
                 wsgi_threads: int = 10) -> None:
        check_int("hybrid_app", "wsgi_threads", wsgi_threads, low=1, high=256, hint="Try 10.")
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError(f"hybrid_app(prefix={prefix!r}): a path such as '/ws' (a "
                             "leading slash, none at the end).")
        self.prefix = prefix
        self.asgi = asgi
        self.wsgi = wsgi
        self.wsgi_threads = wsgi_threads
        self._adapter: Any = None  # a2wsgi's WSGIMiddleware: its thread pool, per serve
        self.counts: collections.Counter[str] = collections.Counter()
        self.routes = (
            Route("websocket, any path", "ASGI: the chat (one event loop)"),
            Route(f"HTTP {prefix}/...", "ASGI: the chat (one event loop)"),
            Route("HTTP, everything else", f"WSGI: the pages (a2wsgi, {wsgi_threads} threads)"),
        )

    def _adapted(self) -> ASGIApp:
        """The WSGI app behind a2wsgi, its thread pool made on first use."""
        if self._adapter is None:
            from a2wsgi import WSGIMiddleware  # noqa: PLC0415 - only where the lesson uses it

            app: Any = self.wsgi  # a2wsgi spells the WSGI types its own way
            self._adapter = WSGIMiddleware(app, workers=self.wsgi_threads)
        adapter: ASGIApp = self._adapter
        return adapter

    def _close(self) -> None:
        """Stop a2wsgi's threads (the server is stopping); a next serve makes new ones."""
        if self._adapter is not None:
            self._adapter.executor.shutdown(wait=True)
            self._adapter = None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self._close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":  # a2wsgi's threads end with the server
            return await self._lifespan(receive, send)
        path = scope.get("path", "/")
        under = path == self.prefix or path.startswith(self.prefix + "/")
        app: ASGIApp
        if kind == "websocket" or under:
            target, app = "asgi", self.asgi
            if under:
                scope = dict(scope, path=path[len(self.prefix):] or "/")
        else:
            target, app = "wsgi", self._adapted()
        self.counts[f"{kind} -> {target}"] += 1
        await app(scope, receive, _marking(send, target.encode()) if kind == "http" else send)


def _marking(send: Send, target: bytes) -> Send:
    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (ROUTED, target)]
            message = dict(message, headers=headers)
        await send(message)

    return marked


def hybrid_app(wsgi: WSGIApp | None = None, asgi: ASGIApp | None = None, *,
               prefix: str = "/ws", wsgi_threads: int = 10, page_io_ms: float = 20.0) -> Router:
    """The router with its two apps: ``wsgi`` (default: the demo pages, each waiting
    ``page_io_ms`` in a sync view) and ``asgi`` (default: the chat)."""
    check_number("hybrid_app", "page_io_ms", page_io_ms, high=10_000, hint="Try 20.")
    return Router(wsgi or work_wsgi(io_ms=page_io_ms), asgi or chat_asgi(), prefix=prefix,
                  wsgi_threads=wsgi_threads)


@contextlib.contextmanager
def hold_websockets(ws_url: str, n: int, *, timeout_s: float = 10.0) -> Iterator[int]:
    """Open ``n`` websockets to ``ws_url`` and keep them open for the ``with`` block
    (from a thread with its own event loop); yields how many opened. All are closed,
    and the thread joined, at the end."""
    check_int("hold_websockets", "n", n, low=0, high=1_000, hint="Try 50.")
    opened: list[Any] = []
    errors: list[BaseException] = []
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def hold() -> None:
        from websockets.asyncio.client import connect  # noqa: PLC0415 - optional dependency

        try:
            for _ in range(n):
                opened.append(await connect(ws_url, open_timeout=timeout_s))
        except Exception as err:  # said in the cell, below
            errors.append(err)
        ready.set()
        await stop.wait()
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(hold(),),
                              name="livelab-websockets", daemon=True)
    thread.start()
    try:
        ready.wait(timeout_s + 5.0)
        if errors:
            raise RuntimeError(f"hold_websockets: only {len(opened)} of {n} websockets "
                               f"opened: {errors[0]!r}") from errors[0]
        yield len(opened)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout_s)
        loop.close()
