"""The views of the lesson, one per way of writing a Django view.

Each takes ``io_ms`` and ``cpu_ms`` from the query string (defaults below), so one URL
per style is enough: ``/sync?io_ms=50``, ``/async?io_ms=50``, ``/cpu?cpu_ms=5``...

=================  ===========================================  ==========================
URL                view                                         under ASGI (uvicorn)
=================  ===========================================  ==========================
``/sync``          ``def``, ``time.sleep``                      a thread of its own
``/async``         ``async def``, ``await asyncio.sleep``       on the loop, loop free
``/async_blocking````async def``, ``time.sleep``                blocks the whole loop
``/cpu``           ``def``, pure-Python computing               a thread, holding the GIL
``/orm``           ``def``, ORM query (sqlite)                  a thread of its own
``/orm_async``     ``async def``, ``await ...acount()``         ORM call in a thread
``/error``         raises on purpose                            logged, 500 names it
=================  ===========================================  ==========================

Every view but ``/error`` names the thread it ran on in an ``x-view-thread`` header.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from .. import _work
from .._work import BadQuery, Params
from .models import Item
from .switches import note

ENDPOINTS = ("sync", "async", "async_blocking", "cpu", "orm", "orm_async", "error")


def _params(request: HttpRequest, **defaults: Any) -> Params:
    return Params(**defaults).override(request.META.get("QUERY_STRING", ""))


def _on_thread(response: HttpResponse) -> HttpResponse:
    """Name the thread the view ran on (``x-view-thread``): under ASGI a sync view runs
    on a thread of its own, an async view on the event loop's thread."""
    note("view")
    response["x-view-thread"] = threading.current_thread().name
    return response


def _ok() -> HttpResponse:
    return _on_thread(HttpResponse("ok\n", content_type="text/plain"))


def _bad(e: BadQuery) -> HttpResponse:
    return HttpResponse(f"{e}\n", status=400, content_type="text/plain")


def index(request: HttpRequest) -> HttpResponse:
    """The list of endpoints (also the readiness probe of a subprocess server)."""
    return JsonResponse({"endpoints": [f"/{e}" for e in ENDPOINTS]})


def sync_view(request: HttpRequest) -> HttpResponse:
    try:
        p = _params(request, io_ms=50.0)
    except BadQuery as e:
        return _bad(e)
    _work.sync_view(p)
    return _ok()


async def async_view(request: HttpRequest) -> HttpResponse:
    try:
        p = _params(request, io_ms=50.0)
    except BadQuery as e:
        return _bad(e)
    await _work.async_view(p)
    return _ok()


async def async_blocking_view(request: HttpRequest) -> HttpResponse:
    try:
        p = _params(request, io_ms=50.0)
    except BadQuery as e:
        return _bad(e)
    await _work.async_blocking_view(p)
    return _ok()


def cpu_view(request: HttpRequest) -> HttpResponse:
    try:
        p = _params(request, cpu_ms=5.0)
    except BadQuery as e:
        return _bad(e)
    _work.burn(p.cpu_ms)
    return _ok()


def orm_view(request: HttpRequest) -> HttpResponse:
    """A sync view that queries the database (the usual Django view)."""
    count = Item.objects.filter(value__lt=50).count()
    first = Item.objects.order_by("value").first()
    return _on_thread(JsonResponse({"count": count, "first": str(first)}))


async def orm_async_view(request: HttpRequest) -> HttpResponse:
    """An async view using the async ORM API (each call still runs on a thread)."""
    count = await Item.objects.filter(value__lt=50).acount()
    first = await Item.objects.order_by("value").afirst()
    return _on_thread(JsonResponse({"count": count, "first": str(first)}))


def error_view(request: HttpRequest) -> HttpResponse:
    """Fails on purpose, to show that an error inside a view is logged, not hidden."""
    raise RuntimeError("an error inside a view, raised on purpose by /error")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: names the error and where its traceback went, instead of hiding it."""
    exc = sys.exc_info()[1]
    what = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"
    return HttpResponse(
        f"500 Internal Server Error in {request.path}: {what}\n"
        "The traceback is in the server's log (standard error) and in "
        "simulator.live.django_project.recent_errors().\n",
        status=500, content_type="text/plain")
