"""A WSGI app under an ASGI server: the adapters, and the thread pool inside them.

An ASGI server awaits its application on an event loop; a WSGI application is a plain
function that blocks until it has the whole response. An adapter bridges the two by
running the WSGI function on a worker thread and passing its output to the loop as ASGI
messages. So the highway gets a bridge inside it: however many requests the loop could
hold while they wait, at most *pool size* of them run the WSGI app at once, and each
holds its thread through its I/O, exactly as on a WSGI server with that many threads.

- :func:`a2wsgi_app`: a2wsgi's ``WSGIMiddleware`` (a ``ThreadPoolExecutor`` of
  ``workers`` threads, 10 by default).
- :func:`asgiref_app`: asgiref's ``WsgiToAsgi``. It runs the app with
  ``sync_to_async``, which is *thread-sensitive* by default: outside a
  ``ThreadSensitiveContext`` every call shares one thread. Under a plain ASGI server
  that is a pool of one.

Both wrap the demo WSGI app of :mod:`simulator.live.apps` (its ``io_ms`` of waiting,
parameters in the query string) and run in a subprocess by import string::

    serve("simulator.live.adapters:a2wsgi_app(workers=4)", interface="asgi")
"""

from __future__ import annotations

from typing import Any, cast

from ._types import ASGIApp
from .apps import work_wsgi


def a2wsgi_app(workers: int = 10, io_ms: float = 50.0) -> ASGIApp:
    """The demo WSGI app inside a2wsgi's ``WSGIMiddleware`` with ``workers`` threads."""
    from a2wsgi import WSGIMiddleware  # noqa: PLC0415 - only where the lesson uses it

    if not isinstance(workers, int) or not 1 <= workers <= 256:
        raise ValueError(f"a2wsgi_app(workers={workers!r}): give a whole number of "
                         "threads from 1 to 256, e.g. workers=4.")
    wsgi: Any = work_wsgi(io_ms=io_ms)  # a2wsgi has its own (stricter) WSGI types
    app: Any = WSGIMiddleware(wsgi, workers=workers)
    return cast(ASGIApp, app)


def asgiref_app(io_ms: float = 50.0) -> ASGIApp:
    """The demo WSGI app inside asgiref's ``WsgiToAsgi``."""
    from asgiref.wsgi import WsgiToAsgi  # noqa: PLC0415

    app: ASGIApp = WsgiToAsgi(work_wsgi(io_ms=io_ms))
    return app
