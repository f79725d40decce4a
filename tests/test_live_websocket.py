"""Websockets: ASGI holds many open connections and broadcasts; WSGI refuses clearly."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from simulator.live import apps, broadcast_check, serve, stop_all
from simulator.live.websocket import chat_asgi

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


def test_fifty_clients_receive_a_broadcast_over_asgi():
    with serve(chat_asgi(), interface="asgi") as srv:
        report = broadcast_check(srv.ws_url, clients=50, timeout_s=10.0)
        assert report.all_received, str(report)
        assert len(report.latencies_ms) == 50 and max(report.latencies_ms) < 5000
        assert httpx.get(srv.url + "/room", timeout=5).json() == {"members": 0}


def test_echo_and_http_broadcast_endpoint():
    async def talk(ws_url: str, url: str) -> tuple[str, str, dict[str, int]]:
        async with connect(ws_url + "/echo") as echo, connect(ws_url + "/room") as member:
            await echo.send("ping")
            back = await echo.recv()
            async with httpx.AsyncClient() as client:
                delivered = (await client.get(url + "/broadcast?text=news")).json()
            heard = await asyncio.wait_for(member.recv(), 5)
        return str(back), str(heard), delivered

    with serve(chat_asgi(), interface="asgi") as srv:
        back, heard, delivered = asyncio.run(talk(srv.ws_url, srv.url))
    assert back == "ping" and heard == "news" and delivered == {"delivered": 1}


def test_a_wsgi_server_refuses_the_upgrade_with_426():
    async def attempt(ws_url: str) -> None:
        async with connect(ws_url + "/room", open_timeout=5):
            pass

    with serve(apps.sleep_wsgi(ms=1), interface="wsgi", threads=2) as srv, \
            pytest.raises(InvalidStatus) as info:
        asyncio.run(attempt(srv.ws_url))
    response = info.value.response
    assert response.status_code == 426
    assert b"WSGI" in response.body and b"ASGI" in response.body


def test_wsgiref_refuses_the_upgrade_too():
    # wsgiref answers in HTTP/1.0, which a websocket client will not even parse; the
    # status is still a clear 426.
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    with serve(apps.sleep_wsgi(ms=1), interface="wsgi", server="wsgiref") as srv:
        r = httpx.get(srv.url + "/room", headers=upgrade, timeout=5)
    assert r.status_code == 426 and "WSGI" in r.text


def test_an_http_only_asgi_app_closes_a_websocket():
    async def attempt(ws_url: str) -> None:
        async with connect(ws_url + "/", open_timeout=5):
            pass

    with serve(apps.hello_asgi(), interface="asgi") as srv, \
            pytest.raises(InvalidStatus) as info:
        asyncio.run(attempt(srv.ws_url))
    assert info.value.response.status_code == 403


def test_try_websocket_says_what_happened():
    from simulator.live.websocket import try_websocket

    with serve(apps.hello_wsgi(), interface="wsgi", threads=2) as srv:
        refused = asyncio.run(try_websocket(srv.ws_url + "/room"))
    with serve(chat_asgi(), interface="asgi") as srv:
        opened = asyncio.run(try_websocket(srv.ws_url + "/room"))
    assert (refused, opened) == ("refused: HTTP 426", "connected")
