"""Middlewares: two that stamp timing headers, and two that do nothing in one mode only.

``ServerStamp`` (WSGI) and ``AsyncServerStamp`` (ASGI) add the live lab's timing headers
(see :mod:`simulator.live._stamp`). Each is written for one mode, and the project puts
the right one first for its interface, so stamping never forces a switch and the start
time is taken where the request really starts: in the WSGI thread, or on the event loop.

``SyncOnly`` does almost nothing but is sync-only, like many older middlewares;
``AsyncOnly`` is its async-only twin. Under ASGI, Django adapts the chain only where a
sync piece meets an async one (``BaseHandler.load_middleware``): the loop hands the
request to a thread (``sync_to_async``) at the first sync middleware, and the thread
hands it back to the loop (``async_to_sync``) at the next async piece. Two sync
middlewares side by side share one thread and cost no more than one;
:mod:`.switches` shows where each piece ran, request by request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from .._stamp import stamp
from .switches import note

GetResponse = Callable[[HttpRequest], Any]


def _stamped(response: HttpResponse, start: float, lane: str) -> HttpResponse:
    for key, value in stamp(start, lane):
        response[key] = value
    return response


class _Sync:
    """A middleware that runs in sync mode only (Django adapts around it under ASGI)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response


class _Async:
    """A middleware that runs in async mode only (on the event loop under ASGI)."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)  # type: ignore[type-var]  # subclasses define __call__


class ServerStamp(_Sync):
    """WSGI: stamps start, end, pid, thread (lane kind ``thread``) on every response."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.monotonic()
        return _stamped(self.get_response(request), start, "thread")


class AsyncServerStamp(_Async):
    """ASGI: stamps start, end, pid, thread (lane kind ``loop``), running on the loop."""

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.monotonic()
        return _stamped(await self.get_response(request), start, "loop")


class SyncOnly(_Sync):
    """A sync-only middleware: under ASGI, where it meets async code, Django switches.

    Its only work is to name, in an ``x-sync-middleware`` header, the thread it ran on
    (under ASGI not the event loop's thread: the switch made visible), and to note
    where it ran in a traced request (:mod:`.switches`).
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        note("SyncOnly")
        response: HttpResponse = self.get_response(request)
        note("SyncOnly")
        response["x-sync-middleware"] = threading.current_thread().name
        return response


class AsyncOnly(_Async):
    """An async-only middleware that does nothing: under ASGI it runs on the event loop,
    so a sync middleware on each side of it costs a switch each."""

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        note("AsyncOnly")
        response: HttpResponse = await self.get_response(request)
        note("AsyncOnly")
        return response
