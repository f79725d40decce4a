"""probe(): one request to a learner's app, with the server's complaints as feedback.

A stub ASGI app makes uvicorn log "ASGI callable returned without starting response." on
standard error; the probe must keep that out of the notebook and hand it back as a
sentence an exercise check can show.
"""

from __future__ import annotations

import asyncio

import pytest

from simulator.live import apps, running
from simulator.live.probe import probe

pytestmark = pytest.mark.live


async def stub(scope, receive, send):
    ...


async def pong(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"pong"})


async def raises(scope, receive, send):
    if scope["type"] == "http":
        raise RuntimeError("a bug in the app")


async def hangs(scope, receive, send):
    if scope["type"] == "http":
        await asyncio.sleep(30)


def test_a_stub_gets_the_servers_complaint_as_feedback_and_nothing_is_printed(capfd):
    reply = probe(stub)
    out, err = capfd.readouterr()
    assert "ASGI callable returned without starting response" not in err + out
    assert reply.status == 500
    said = reply.expect(200, "pong")
    assert isinstance(said, str)
    assert "returned without starting response" in said and "http.response.start" in said
    assert not running()


def test_a_right_answer_holds():
    reply = probe(pong)
    assert reply.status == 200 and reply.text == "pong" and reply.expect(200, "pong") is True
    assert reply.expect(200, "ping") != True  # noqa: E712 - a sentence, not True


def test_an_exception_and_a_hang_are_feedback_too(capfd):
    said = probe(raises).expect(200)
    assert isinstance(said, str) and "raised an exception" in said
    hung = probe(hangs, timeout_s=0.5)
    assert hung.status is None and "no answer within 0.5 s" in str(hung.expect(200))
    out, err = capfd.readouterr()
    assert "a bug in the app" not in err + out
    assert not running()


def test_a_wsgi_app_and_something_that_is_no_app():
    assert probe(apps.hello_wsgi()).status == 200
    nothing = probe(42)
    assert nothing.status is None and "ValueError" in nothing.problem()
