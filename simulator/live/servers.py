"""``serve()``: start a real web server from a notebook cell, safely.

>>> from simulator.live import serve, apps
>>> with serve(apps.sleep_wsgi(ms=50), interface="wsgi", threads=4) as srv:
...     srv.url                                    # doctest: +SKIP
'http://127.0.0.1:49152'

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
from typing import Any

from . import _registry
from ._base import LiveServer, ServerSpec
from ._importing import check_spec, has_call
from ._net import MAX_BACKLOG, bind
from ._subprocess import ChildProcessServer
from ._threaded import UvicornThread, WaitressThread, WsgirefThread

SERVERS = ("waitress", "wsgiref", "uvicorn", "gunicorn")
INTERFACES = ("wsgi", "asgi")
MAX_THREADS = 256
MAX_PROCESSES = 16
MAX_START_TIMEOUT_S = 60.0
_FOR = {"waitress": ("wsgi",), "wsgiref": ("wsgi",), "uvicorn": ("asgi",),
        "gunicorn": ("wsgi", "asgi")}


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
    spec = _check(app, interface, threads, processes, server, name, port, backlog,
                  limit_concurrency, start_timeout_s, quiet)
    _registry.claim(spec.name)
    sock = bind(port, backlog)
    spec = ServerSpec(**{**spec.__dict__, "port": sock.getsockname()[1]})
    try:
        handle = _start(spec, app, sock)
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


def _start(spec: ServerSpec, app: Any, sock: socket.socket) -> LiveServer:
    if isinstance(app, str):
        return ChildProcessServer(spec, app, sock)
    if spec.server == "waitress":
        return WaitressThread(spec, app, sock)
    if spec.server == "wsgiref":
        return WsgirefThread(spec, app, sock)
    return UvicornThread(spec, app, sock)


def _is_async(app: Any) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004 - a class instance's async __call__
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def _check(app: Any, interface: str | None, threads: int | None, processes: int,
           server: str | None, name: str | None, port: int, backlog: int,
           limit_concurrency: int | None, start_timeout_s: float, quiet: bool) -> ServerSpec:
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
    if interface not in INTERFACES:
        raise ValueError(f"serve(interface={interface!r}): interface must be 'wsgi' or "
                         "'asgi'.")
    if interface == "asgi" and threads is not None:
        raise ValueError(
            f"serve(threads={threads!r}): threads applies to WSGI servers. An ASGI server "
            "runs one event loop per process; drop threads, or use processes=N with an "
            "import string for more loops.")
    _int("processes", processes, 1, MAX_PROCESSES, "Try processes=2 (this machine has 2 "
         "cores).")
    if server is None:  # uvicorn --workers cannot call a factory; gunicorn can
        server = "uvicorn" if interface == "asgi" and not (
            processes > 1 and by_name and has_call(app)) else (
            "gunicorn" if processes > 1 else "waitress")
    if server not in SERVERS:
        raise ValueError(f"serve(server={server!r}): server must be one of "
                         f"{', '.join(SERVERS)}.")
    if interface not in _FOR[server]:
        raise ValueError(f"serve(server={server!r}, interface={interface!r}): {server} "
                         f"serves {' and '.join(_FOR[server]).upper()} applications only.")
    threads = 1 if threads is None else threads
    _int("threads", threads, 1, MAX_THREADS, "Try threads=4.")
    if server == "wsgiref" and threads != 1:
        raise ValueError(f"serve(server='wsgiref', threads={threads}): wsgiref has exactly "
                         "one lane; use server='waitress' for several threads.")
    if processes > 1 and server in ("waitress", "wsgiref"):
        raise ValueError(f"serve(server={server!r}, processes={processes}): {server} runs "
                         "one process; use server='gunicorn' for several worker processes.")
    if (processes > 1 or server == "gunicorn") and not by_name:
        raise ValueError(
            f"serve(server={server!r}, processes={processes}): worker processes import the "
            "app themselves, so give an import string, e.g. "
            "'simulator.live.apps:wsgi_app' or 'simulator.live.apps:asgi_app'.")
    if server == "uvicorn" and processes > 1 and has_call(app):
        raise ValueError(
            f"serve(app={app!r}, processes={processes}): uvicorn --workers cannot call a "
            "factory; name a module-level app ('simulator.live.apps:asgi_app') and put the "
            "parameters in the query string (?io_ms=50), or use server='gunicorn'.")
    if port != 0:
        _int("port", port, 1024, 65535, "Use port=0 to let the system pick a free port.")
    _int("backlog", backlog, 1, MAX_BACKLOG, "Try backlog=2048.")
    if limit_concurrency is not None:
        if server != "uvicorn":
            raise ValueError(f"serve(limit_concurrency={limit_concurrency}): only uvicorn "
                             "has a concurrency limit; use server='uvicorn'.")
        _int("limit_concurrency", limit_concurrency, 1, 100_000, "Try limit_concurrency=32.")
    if not isinstance(start_timeout_s, (int, float)) or \
            not 0 < start_timeout_s <= MAX_START_TIMEOUT_S:
        raise ValueError(f"serve(start_timeout_s={start_timeout_s!r}): start_timeout_s must "
                         f"be more than 0 and at most {MAX_START_TIMEOUT_S:g} seconds.")
    name = server if name is None else name
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"serve(name={name!r}): name must be a non-empty string.")
    label = app if by_name else getattr(app, "__qualname__", type(app).__name__)
    return ServerSpec(name=name, server=server, interface=interface, threads=threads,
                      processes=processes, port=port, backlog=backlog,
                      limit_concurrency=limit_concurrency,
                      start_timeout_s=float(start_timeout_s), app_label=str(label),
                      quiet=quiet)


def _int(name: str, value: Any, low: int, high: int, hint: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"serve({name}={value!r}): {name} must be a whole number from "
                         f"{low} to {high}. {hint}")
