"""The load generator's lean HTTP/1.1 transport: same answers as httpx's own, on a real wire.

Real servers (waitress, wsgiref, uvicorn) and small raw asyncio servers on 127.0.0.1 that
misbehave on purpose: chunked and read-to-close bodies, 100 Continue, idle connections
closed by the server, answers cut short, garbage, silence, TLS. The certificate in
``tests/fixtures`` is self-signed for 127.0.0.1 and only ever used by these tests.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from simulator.live import apps, serve
from simulator.live.load._wire import LeanTransport

pytestmark = pytest.mark.live

FIXTURES = Path(__file__).parent / "fixtures"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _lean(ssl_context: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=LeanTransport(ssl_context), timeout=None,
                             trust_env=False)


def _stock() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=None, trust_env=False)


async def _fetch(client: httpx.AsyncClient, url: str, n: int = 1) -> list[httpx.Response]:
    async with client:
        return [await client.get(url) for _ in range(n)]


def _comparable(r: httpx.Response) -> tuple[int, str, tuple[str, ...], str]:
    names = tuple(sorted(k for k in r.headers if not k.startswith("x-") and k != "date"))
    return r.status_code, r.http_version, names, r.text


@pytest.mark.parametrize(("app", "kw"), [
    (apps.hello_wsgi, {"interface": "wsgi", "threads": 2}),
    (apps.hello_wsgi, {"server": "wsgiref"}),
    (apps.hello_asgi, {"interface": "asgi"}),
], ids=["waitress", "wsgiref", "uvicorn"])
def test_same_answers_as_httpx_default_transport(app, kw):
    with serve(app(), quiet=True, **kw) as srv:
        for path in ("/", "/?io_ms=never", "/?io_ms=2"):
            url = srv.url_for(path) if path == "/" else srv.url + path
            lean = asyncio.run(_fetch(_lean(), url, n=3))
            stock = asyncio.run(_fetch(_stock(), url, n=1))[0]
            assert {_comparable(r) for r in lean} == {_comparable(stock)}


class RawServer:
    """A one-handler TCP server on 127.0.0.1 that counts its connections."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler, self.tls, self.connections = handler, tls, 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            finally:
                writer.close()

        self.server = await asyncio.start_server(count, "127.0.0.1", 0, ssl=self.tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}/"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def _request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


def _keep_alive(answer: bytes, *, close_after: int | None = None) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        while close_after is None or served < close_after:
            try:
                await _request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(answer)
            await writer.drain()
            served += 1

    return handler


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-n: 1\r\n\r\nhello"


def test_keep_alive_reuses_one_connection():
    raw = RawServer(_keep_alive(OK))

    async def go() -> list[httpx.Response]:
        async with raw as url:
            return await _fetch(_lean(), url, n=20)

    answers = asyncio.run(go())
    assert [r.text for r in answers] == ["hello"] * 20 and raw.connections == 1
    assert answers[0].headers["x-n"] == "1" and answers[0].http_version == "HTTP/1.1"


@pytest.mark.parametrize(("answer", "body"), [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", "abcdefg"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok"),
    (b"HTTP/1.1 204 No Content\r\n\r\n", ""),
], ids=["chunked", "100-continue", "no-content"])
def test_bodies_by_length_chunks_or_none(answer, body):
    raw = RawServer(_keep_alive(answer))

    async def go() -> list[httpx.Response]:
        async with raw as url:
            return await _fetch(_lean(), url, n=3)

    assert [r.text for r in asyncio.run(go())] == [body] * 3
    assert raw.connections == 1


def test_a_body_that_ends_with_the_connection():
    async def http10(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()

    raw = RawServer(http10)

    async def go() -> list[httpx.Response]:
        async with raw as url:
            return await _fetch(_lean(), url, n=3)

    answers = asyncio.run(go())
    assert [r.text for r in answers] == ["until the end"] * 3
    assert raw.connections == 3 and answers[0].http_version == "HTTP/1.0"


async def _answer_once_then_hang_up_on_the_next(reader: asyncio.StreamReader,
                                               writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(OK)
    await writer.drain()
    await _request(reader)  # read the next request, then close without a word


@pytest.mark.parametrize("handler", [
    _keep_alive(OK, close_after=1),  # hangs up right after answering: seen before reuse
    _answer_once_then_hang_up_on_the_next,  # hangs up as the next request arrives
], ids=["closed-while-idle", "closed-on-reuse"])
def test_a_keep_alive_connection_the_server_closed_is_replaced(handler):
    raw = RawServer(handler)

    async def go() -> list[httpx.Response]:
        async with raw as url:
            return await _fetch(_lean(), url, n=4)

    assert [r.text for r in asyncio.run(go())] == ["hello"] * 4
    assert raw.connections == 4


@pytest.mark.parametrize(("answer", "match"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "middle of its answer"),
    (b"this is not http\r\n\r\n", "malformed"),
    (b"", "before answering"),
], ids=["cut-short", "garbage", "silent-close"])
def test_broken_answers_are_httpx_protocol_errors(answer, match):
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(answer)
        await writer.drain()

    raw = RawServer(broken)

    async def go() -> None:
        async with raw as url:
            await _fetch(_lean(), url)

    with pytest.raises(httpx.RemoteProtocolError, match=match):
        asyncio.run(go())


def test_a_cancelled_request_closes_its_connection_and_the_next_one_works():
    async def slow_then_fast(reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        head, _ = await _request(reader)
        if b"slow" in head:
            await asyncio.sleep(0.3)
            writer.write(OK)  # too late: the client gave up and hung up
            return
        writer.write(OK)
        await writer.drain()

    raw = RawServer(slow_then_fast)

    async def go() -> str:
        async with raw as url:
            client = _lean()
            async with client:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.05):
                        await client.get(url + "slow")
                return (await client.get(url + "fast")).text

    assert asyncio.run(go()) == "hello"
    assert raw.connections == 2


def test_request_bodies_go_out_with_their_length():
    seen: list[tuple[bytes, bytes]] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head, body = await _request(reader)
            except asyncio.IncompleteReadError:
                return
            seen.append((head, body))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
            await writer.drain()

    async def stream():
        yield b"str"
        yield b"eamed"

    async def go() -> list[str]:
        async with RawServer(echo) as url:
            client = _lean()
            async with client:
                a = await client.post(url, content=b"plain")
                b = await client.post(url, content=stream())
                return [a.text, b.text]

    assert asyncio.run(go()) == ["plain", "streamed"]
    assert b"content-length: 8" in seen[1][0].lower()
    assert b"transfer-encoding" not in seen[1][0].lower()


def test_connection_refused_is_a_connect_error():
    async def go() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        await _fetch(_lean(), f"http://127.0.0.1:{port}/")

    with pytest.raises(httpx.ConnectError, match="cannot connect"):
        asyncio.run(go())


def test_tls_with_the_shared_context_and_verification():
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(FIXTURES / "loopback-cert.pem", FIXTURES / "loopback-key.pem")
    trusting = ssl.create_default_context(cafile=FIXTURES / "loopback-cert.pem")

    async def go(ctx: ssl.SSLContext) -> list[str]:
        async with RawServer(_keep_alive(OK), tls=server_ctx) as url:
            return [r.text for r in await _fetch(_lean(ctx), url, n=3)]

    assert asyncio.run(go(trusting)) == ["hello"] * 3
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(go(httpx.create_ssl_context()))  # the system's CAs: not trusted


def test_misuse_is_refused_clearly():
    async def head() -> None:
        await _lean().head("http://127.0.0.1:9/")

    with pytest.raises(httpx.UnsupportedProtocol, match="HEAD"):
        asyncio.run(head())

    async def overlap() -> list[object]:
        async with RawServer(_keep_alive(OK)) as url:
            client = _lean()
            async with client:
                return await asyncio.gather(client.get(url), client.get(url),
                                            return_exceptions=True)

    first, second = asyncio.run(overlap())
    assert isinstance(first, httpx.Response) and first.text == "hello"
    assert isinstance(second, RuntimeError) and "one request at a time" in str(second)
