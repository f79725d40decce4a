"""Middlewares: two that stamp timing headers, and one that costs a thread hop.

``ServerStamp`` (WSGI) and ``AsyncServerStamp`` (ASGI) add the live lab's timing headers
(see :mod:`simulator.live._stamp`). Each is written for one mode, and the project puts
the right one first for its interface, so stamping never forces a switch and the start
time is taken where the request really starts: in the WSGI thread, or on the event loop.

``SyncOnly`` does almost nothing but is sync-only, like many older middlewares. Under ASGI,
Django must leave the event loop to run it (``sync_to_async``) and come back for an
async view: one hop per request, the cost ``ASGIServer(sync_middleware=1)`` models.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from .._stamp import stamp

GetResponse = Callable[[HttpRequest], Any]


def _stamped(response: HttpResponse, start: float, lane: str) -> HttpResponse:
    for key, value in stamp(start, lane):
        response[key] = value
    return response


class ServerStamp:
    """WSGI: stamps start, end, pid, thread (lane kind ``thread``) on every response."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.monotonic()
        return _stamped(self.get_response(request), start, "thread")


class AsyncServerStamp:
    """ASGI: stamps start, end, pid, thread (lane kind ``loop``), running on the loop."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.monotonic()
        return _stamped(await self.get_response(request), start, "loop")


class SyncOnly:
    """A sync-only middleware: under ASGI it costs a thread hop.

    Its only work is to name, in an ``x-sync-middleware`` header, the thread it ran on:
    under ASGI that is not the event loop's thread, which is the hop made visible.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        response["x-sync-middleware"] = threading.current_thread().name
        return response
