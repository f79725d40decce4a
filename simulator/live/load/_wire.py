"""A lean HTTP/1.1 transport for httpx: one connection, asyncio protocol, httptools parser.

The load generator is an instrument, and an instrument must cost little next to what it
measures. With httpx's default transport (httpcore over anyio streams, parsing with the
pure-Python h11) most of the generator's CPU per request went to the wire, and only a
small part to httpx's own client layer (the request, redirects, cookies, the
``Response``). When 64 users' answers arrive together they are read one after another,
and every microsecond of reading lands in the latencies measured. This transport does the
wire's job (HTTP/1.1, keep-alive, Content-Length, chunked or read-to-close bodies, TLS
with the shared context) on an :class:`asyncio.Protocol` with the C parser ``httptools``
(a dependency of the course, and uvicorn's own parser), for about a third of the CPU;
``docs/live-lab.md`` has the profile and the figures. The client is still an
``httpx.AsyncClient``; everything above the wire (headers, status codes, errors,
decoding) is httpx's.

One transport holds one connection and carries one request at a time, which is how the
generator uses it (one single-connection client per request in flight). A reused
connection that the server had closed while idle is reopened, and a request that failed
on a reused connection before any answer arrived is sent once more on a fresh one (the
generator only sends GETs, which may be repeated).
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
import time
from typing import Any

import httptools
import httpx

# Response extensions (``time.monotonic()`` seconds): when the request was written to the
# socket, and when the parser saw the answer's last byte. A load generator's latency ends
# there, as ``wrk``'s does, not when the awaiting coroutine next gets a turn on the loop.
SENT_AT = "livelab_sent_at"
COMPLETED_AT = "livelab_completed_at"


class _Closed(httpx.RemoteProtocolError):
    """The connection closed before any byte of the answer: safe to send again."""


class _Protocol(asyncio.Protocol):
    """One connection: collects one response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.waiter: asyncio.Future[None] | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.received = False  # any byte of the current response
        self.headers_done = False
        self.length_known = False
        self.keep_alive = False
        self.status = 0
        self.version = "1.1"
        self.written_at = 0.0  # time.monotonic() when the request went to the socket
        self.completed_at = 0.0  # ... and when the last byte of the answer was parsed

    # -- asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed HTTP response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self.headers_done and not self.length_known:
            self.completed_at = time.monotonic()
            self.waiter.set_result(None)  # a body that ends when the connection does
        elif not self.received:
            self._fail(_Closed("the server closed the connection before answering"))
        else:
            self._fail(httpx.RemoteProtocolError(
                "the server closed the connection in the middle of its answer"))

    # -- httptools callbacks -------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        low = name.lower()
        if low == b"content-length" or (low == b"transfer-encoding"
                                        and b"chunked" in value.lower()):
            self.length_known = True

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.status = self.parser.get_status_code()
        self.version = self.parser.get_http_version()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200 and self.status != 101:  # e.g. 100 Continue: not the answer
            self.headers, self.body, self.headers_done, self.length_known = [], [], False, False
            return
        self.keep_alive = self.parser.should_keep_alive()  # only valid in this callback
        self.completed_at = time.monotonic()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # -- use -----------------------------------------------------------------------------
    def begin(self) -> asyncio.Future[None]:
        self.headers, self.body = [], []
        self.received = self.headers_done = self.length_known = self.keep_alive = False
        self.status = 0
        self.waiter = asyncio.get_running_loop().create_future()
        return self.waiter

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """An httpx transport with one HTTP/1.1 connection (see the module docstring)."""

    def __init__(self, ssl_context: _ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._conn: _Protocol | None = None
        self._busy = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._busy:
            raise RuntimeError("LeanTransport carries one request at a time")
        if request.method in ("HEAD", "CONNECT"):
            raise httpx.UnsupportedProtocol(f"LeanTransport does not send {request.method}")
        self._busy = True
        try:
            head = _head(request, await request.aread())
            reused = self._conn is not None and not self._conn.closed
            try:
                return await self._exchange(request, head)
            except _Closed:
                if not reused:
                    raise
                return await self._exchange(request, head)  # the idle connection had died
        finally:
            self._busy = False

    async def _exchange(self, request: httpx.Request, head: bytes) -> httpx.Response:
        conn = self._conn
        if conn is None or conn.closed:
            conn = self._conn = await self._connect(request.url)
        waiter = conn.begin()
        try:
            assert conn.transport is not None
            conn.written_at = time.monotonic()
            conn.transport.write(head)
            await waiter
        except asyncio.CancelledError:
            conn.close()  # half an answer may still come: this connection is done
            raise
        except httpx.TransportError:
            conn.close()
            raise
        if not conn.keep_alive:
            conn.close()
        return httpx.Response(
            conn.status, headers=conn.headers,
            stream=httpx.ByteStream(b"".join(conn.body)), request=request,
            extensions={"http_version": f"HTTP/{conn.version}".encode(),
                        SENT_AT: conn.written_at, COMPLETED_AT: conn.completed_at})

    async def _connect(self, url: httpx.URL) -> _Protocol:
        loop = asyncio.get_running_loop()
        tls = url.scheme == "https"
        port = url.port or (443 if tls else 80)
        kw: dict[str, Any] = {}
        if tls:
            kw = {"ssl": self._ssl or httpx.create_ssl_context(), "server_hostname": url.host}
        try:
            _, proto = await loop.create_connection(_Protocol, url.host, port, **kw)
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {url.host}:{port}: {exc}") from exc
        return proto

    async def aclose(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _head(request: httpx.Request, body: bytes) -> bytes:
    """The request line and headers; a streamed (chunked) body goes out with its length."""
    lines = [request.method.encode() + b" " + request.url.raw_path + b" HTTP/1.1"]
    chunked = False
    for name, value in request.headers.raw:
        if name.lower() == b"transfer-encoding":
            chunked = True
            continue
        lines.append(name + b": " + value)
    if chunked:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
