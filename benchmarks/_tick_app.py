"""The 50 ms endpoint with a record of the event loop's timers (``benchmarks/loop_ticks.py``).

Each request waits 50 ms on a timer of the running loop (what ``await
asyncio.sleep(0.05)`` does) and records, in the loop's own clock and in
``time.monotonic``: when the timer was set and when it was due, when its callback ran,
and when the request's coroutine ran again. ``GET /ticks`` returns the records (JSON)
and forgets them, with the kind of loop that ran them (``uvloop`` or ``asyncio``).
Served by ``serve_ticks()`` of ``benchmarks/loop_ticks.py``, in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from simulator.live.apps import not_http

IO_S = 0.05
_log: list[tuple[float, float, float, float]] = []


async def _reply(send: Any, body: bytes, kind: bytes = b"text/plain") -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to start or stop
        await not_http(scope, receive, send)
        return
    if scope["path"] == "/ticks":
        records = list(_log)
        _log.clear()
        loop_kind = type(asyncio.get_running_loop()).__module__.split(".")[0]
        body = json.dumps({"loop": loop_kind, "records": records}).encode()
        await _reply(send, body, b"application/json")
        return
    loop = asyncio.get_running_loop()
    began = time.monotonic()
    fired = loop.create_future()

    def ring() -> None:
        fired.set_result(time.monotonic())

    loop.call_later(IO_S, ring)
    due = loop.time() + IO_S  # uvloop: the timer's start updated the loop's (ms) clock
    rang = await fired
    _log.append((began, due, rang, time.monotonic()))
    await _reply(send, b"ok\n")
