"""Websockets: the connection that stays open, and why only ASGI can hold it.

A websocket is one long conversation: the server must keep the connection and answer
whenever the client (or anyone else) speaks. The WSGI standard (PEP 3333) has no way to
hand the connection to the application and keep it open, so a plain WSGI server answers
an upgrade request like any other and no websocket opens. Some WSGI servers bolt
websockets on outside the standard (uWSGI's websocket API, gevent-websocket, the raw
socket access Flask-Sock uses on gunicorn or werkzeug); each open socket then pins a
worker thread or greenlet for its whole life. Under ASGI an idle websocket is a
coroutine waiting on the loop: a thousand of them cost almost nothing.

:func:`chat_asgi` serves two rooms of a tiny chat:

- ``/echo``: every message comes straight back;
- ``/room``: every message from a member goes to all members (a broadcast);
- HTTP ``GET /room`` answers ``{"members": N}``; ``GET /broadcast?text=hi`` sends ``hi``
  to every member and answers ``{"delivered": N}``.

:func:`broadcast_check` connects many clients and measures how long a broadcast takes
to reach each of them; :func:`try_websocket` tries to open one and says what happened.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from ..model._check import check_int
from ._stamp import stamp_bytes
from ._types import ASGIApp, Receive, Scope, Send
from .apps import not_http
from .load._sync import run_sync

__all__ = ["BroadcastReport", "broadcast_check", "broadcast_check_async", "chat_asgi",
           "try_websocket"]

MAX_CLIENTS = 1_000


def chat_asgi() -> ASGIApp:
    """An ASGI app with a websocket echo (``/echo``) and a broadcast room (``/room``)."""
    members: set[Send] = set()

    async def broadcast(text: str) -> int:
        sends = [m({"type": "websocket.send", "text": text}) for m in list(members)]
        results = await asyncio.gather(*sends, return_exceptions=True)
        return sum(1 for r in results if not isinstance(r, BaseException))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        if scope["type"] == "websocket" and path in ("/echo", "/room"):
            await receive()  # websocket.connect
            if path == "/room":
                members.add(send)  # before accepting: a connected client is a member
            await send({"type": "websocket.accept"})
            try:
                while (message := await receive())["type"] == "websocket.receive":
                    text = message.get("text") or (message.get("bytes") or b"").decode()
                    if path == "/echo":
                        await send({"type": "websocket.send", "text": text})
                    else:
                        await broadcast(text)
            finally:
                members.discard(send)
        elif scope["type"] == "http":
            start = time.monotonic()
            if path == "/broadcast":
                query = parse_qs(scope.get("query_string", b"").decode())
                answer = {"delivered": await broadcast(query.get("text", ["hello"])[0])}
            else:
                answer = {"members": len(members)}
            body = json.dumps(answer).encode()
            headers = [(b"content-type", b"application/json"), *stamp_bytes(start, "loop")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:
            await not_http(scope, receive, send)

    return app


@dataclass(frozen=True)
class BroadcastReport:
    """What a broadcast reached: ``received`` of ``clients``, each after ``latencies_ms``."""

    clients: int
    received: int
    latencies_ms: tuple[float, ...]

    @property
    def all_received(self) -> bool:
        return self.received == self.clients

    def __str__(self) -> str:
        worst = max(self.latencies_ms, default=float("nan"))
        return (f"broadcast reached {self.received} of {self.clients} clients "
                f"(slowest after {worst:.1f} ms)")


async def broadcast_check_async(ws_url: str, clients: int = 50, *, text: str = "hello",
                                timeout_s: float = 5.0) -> BroadcastReport:
    """Connect ``clients`` websockets to ``ws_url`` + ``/room``, broadcast ``text`` from the
    first, and measure when each receives it (ms). Everything closes before returning."""
    from websockets.asyncio.client import connect  # noqa: PLC0415 - optional dependency

    check_int("broadcast_check", "clients", clients, low=1, high=MAX_CLIENTS,
              hint="Try clients=50.")
    url = ws_url.rstrip("/") + "/room"
    async with asyncio.timeout(timeout_s):
        conns = await asyncio.gather(*(connect(url, open_timeout=timeout_s)
                                       for _ in range(clients)))
    try:
        sent = time.monotonic()
        await conns[0].send(text)

        async def wait_for_it(conn: object) -> float | None:
            try:
                async with asyncio.timeout(timeout_s):
                    while await conn.recv() != text:  # type: ignore[attr-defined]
                        pass
            except TimeoutError:
                return None
            return 1000.0 * (time.monotonic() - sent)

        got = await asyncio.gather(*(wait_for_it(c) for c in conns))
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    latencies = tuple(g for g in got if g is not None)
    return BroadcastReport(clients=clients, received=len(latencies), latencies_ms=latencies)


def broadcast_check(ws_url: str, clients: int = 50, *, text: str = "hello",
                    timeout_s: float = 5.0) -> BroadcastReport:
    """:func:`broadcast_check_async` from ordinary code or a notebook cell."""
    return run_sync(lambda: broadcast_check_async(ws_url, clients, text=text,
                                                  timeout_s=timeout_s))


async def try_websocket(ws_url: str, timeout_s: float = 3.0) -> str:
    """Try to open a websocket to ``ws_url``: ``"connected"`` (then closed at once), or
    ``"refused: HTTP <status>"`` when the server answered the upgrade with a plain HTTP
    response instead of ``101 Switching Protocols``."""
    from websockets.asyncio.client import connect  # noqa: PLC0415 - optional dependency
    from websockets.exceptions import InvalidStatus  # noqa: PLC0415

    try:
        async with connect(ws_url, open_timeout=timeout_s):
            return "connected"
    except InvalidStatus as err:
        return f"refused: HTTP {err.response.status_code}"
