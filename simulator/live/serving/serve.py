"""``serve()``: start a real web server from a notebook cell, safely.

>>> from simulator.live import serve, apps
>>> with serve(apps.sleep_wsgi(ms=50), interface="wsgi", threads=4) as srv:
...     print(srv.describe(), srv.url)                  # doctest: +ELLIPSIS
waitress 1x4 http://127.0.0.1:...

Where it runs depends on what you give it:

- an application **object** runs in this process, in daemon threads: waitress (WSGI,
  ``threads`` lanes), wsgiref (WSGI, one lane) or uvicorn (ASGI, one event loop);
- an **import string** (``"simulator.live.apps:asgi_app"``) runs in a subprocess, and is
  the only way to get several processes: gunicorn (WSGI sync or threaded workers, ASGI
  uvicorn workers) or uvicorn ``--workers``.

Every server binds 127.0.0.1 only. Starting under a ``name`` that is already running
stops the old server first (the name defaults to the server's kind), so rerunning a
cell never leaves a server behind.
"""

from __future__ import annotations

import inspect
import socket
import warnings
from dataclasses import replace
from typing import Any

from .._warnings import LiveLabWarning
from . import _registry
from ._handle import LiveServer
from ._importing import check_spec
from ._net import bind
from ._subprocess import ChildProcessServer
from ._threaded import UvicornThread, WaitressThread, WsgirefThread
from .config import ServerConfig


def serve(
    app: Any,
    interface: str | None = None,
    *,
    threads: int | None = None,
    processes: int = 1,
    server: str | None = None,
    name: str | None = None,
    port: int = 0,
    backlog: int = 2048,
    limit_concurrency: int | None = None,
    loop: str = "auto",
    start_timeout_s: float = 5.0,
    quiet: bool = False,
) -> LiveServer:
    """Start a server on 127.0.0.1 and return its handle (also a context manager).

    Parameters
    ----------
    app:
        A WSGI or ASGI application object (runs in this process), or an import string
        ``"module:attribute"`` (runs in a subprocess).
    interface:
        ``"wsgi"`` or ``"asgi"``; guessed for an object (an ``async`` callable is ASGI).
    threads:
        Worker threads of a WSGI server (1-256, default 1). Not for ASGI.
    processes:
        Worker processes (1-16); more than one needs an import string.
    server:
        ``"waitress"`` (WSGI default), ``"wsgiref"``, ``"uvicorn"`` (ASGI default) or
        ``"gunicorn"`` (default when ``processes > 1`` for WSGI, and for an ASGI factory
        call such as ``"module:make_app(x=1)"``, which uvicorn ``--workers`` cannot make).
    name:
        Registry name (default: the server's kind). A running server of that name is
        stopped first.
    port:
        0 (a free port, the default) or 1024-65535.
    backlog:
        Listen backlog: connections the kernel queues before the server accepts them.
    limit_concurrency:
        uvicorn only: most requests in flight; beyond it, 503 (recorded as rejected).
    loop:
        uvicorn only: ``"auto"`` (the default: uvloop when installed, as uvicorn picks),
        ``"uvloop"`` or ``"asyncio"`` (the standard library's loop), like
        ``uvicorn --loop``.
    start_timeout_s:
        Seconds to wait for the server to answer (default 5) before raising
        :class:`ServerStartError`.
    quiet:
        Do not echo a subprocess server's output (its ``log()`` still keeps it).

    Raises
    ------
    ValueError
        For arguments out of range or that do not fit together; the message says which.
    ServerStartError
        If the port is in use, the app cannot be imported, or the server does not start.
    """
    config = configure(app, interface, threads=threads, processes=processes, server=server,
                       name=name, port=port, backlog=backlog,
                       limit_concurrency=limit_concurrency, loop=loop,
                       start_timeout_s=start_timeout_s,
                       quiet=quiet)
    if config.in_process:
        _warn_if_mismatched(app, config.interface)
    _registry.claim(config.name)
    sock = bind(config.port, config.backlog)
    config = replace(config, port=sock.getsockname()[1])
    try:
        handle = _start(config, app, sock)
    except BaseException:
        sock.close()
        raise
    _registry.add(handle)
    return handle


def running() -> list[LiveServer]:
    """Servers started by :func:`serve` and not yet stopped."""
    return _registry.running()


def stop_all() -> None:
    """Stop every server started by :func:`serve` (also done at interpreter exit)."""
    _registry.stop_all()


def _start(config: ServerConfig, app: Any, sock: socket.socket) -> LiveServer:
    if not config.in_process:
        return ChildProcessServer(config, sock)
    if config.server == "waitress":
        return WaitressThread(config, app, sock)
    if config.server == "wsgiref":
        return WsgirefThread(config, app, sock)
    return UvicornThread(config, app, sock)


def configure(app: Any, interface: str | None = None, *, threads: int | None = None,
              **settings: Any) -> ServerConfig:
    """The :class:`ServerConfig` that :func:`serve` would run ``app`` with (checked).

    The interface is guessed for an app object (an ``async`` callable is ASGI); an import
    string must say which it speaks. ``settings`` are ServerConfig's other fields.
    """
    by_name = isinstance(app, str)
    if by_name:
        check_spec(app)
    elif not callable(app):
        raise ValueError(f"serve(app={app!r}): app must be a WSGI or ASGI application "
                         "(a callable) or an import string 'module:attribute'.")
    if interface is None:
        if by_name:
            raise ValueError(f"serve(app={app!r}): with an import string, say which "
                             "interface it speaks: interface='wsgi' or interface='asgi'.")
        interface = "asgi" if _is_async(app) else "wsgi"
    if interface == "asgi" and threads is not None:
        raise ValueError(
            f"serve(threads={threads!r}): threads applies to WSGI servers. An ASGI server "
            "runs one event loop per process; drop threads, or use processes=N with an "
            "import string for more loops.")
    label = app if by_name else getattr(app, "__qualname__", type(app).__name__)
    settings = {k: v for k, v in settings.items() if v is not None}
    return ServerConfig(interface=interface, threads=1 if threads is None else threads,
                        import_string=app if by_name else None, app_label=str(label),
                        **settings)


def _warn_if_mismatched(app: Any, interface: str) -> None:
    """Warn, before any request fails, when ``app`` looks like the other interface."""
    label = getattr(app, "__name__", type(app).__name__)
    if interface == "wsgi" and _is_async(app):
        warnings.warn(
            f"serve({label}, interface='wsgi'): this app looks like an ASGI app (an async "
            "callable, awaited as app(scope, receive, send)). A WSGI server calls "
            "app(environ, start_response), so every request would fail with a TypeError. "
            "Use interface='asgi', or leave interface out and serve() will tell.",
            LiveLabWarning, stacklevel=3)
    elif interface == "asgi" and not _is_async(app) and _positional(app) == 2:
        warnings.warn(
            f"serve({label}, interface='asgi'): this app looks like a WSGI app (a "
            "callable of environ and start_response). An ASGI server awaits "
            "app(scope, receive, send), so every request would fail. Use "
            "interface='wsgi', or leave interface out and serve() will tell.",
            LiveLabWarning, stacklevel=3)


def _positional(app: Any) -> int | None:
    """How many positional arguments ``app`` takes (``None`` if it cannot be told)."""
    try:
        params = inspect.signature(app).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in kinds for p in params)


def _is_async(app: Any) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004 - a class instance's async __call__
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)
