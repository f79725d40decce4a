"""The handle of a running server: its address, what it is, and how to stop it.

:func:`~simulator.live.serve` returns a :class:`LiveServer`. Use it as a context
manager (stopped at the end of the ``with`` block, even on an error) or keep the handle
and call :meth:`LiveServer.stop`. Stopping is complete: the server's threads are joined,
its sockets closed and its child processes gone, so a notebook can start and stop
servers all afternoon without leaking anything.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from ...model import ASGIServer, WSGIServer
from . import _registry
from ._net import HOST
from .config import ServerConfig


class LiveServer(ABC):
    """A server started by :func:`~simulator.live.serve` (see the module docstring)."""

    in_process: bool = True

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.port = config.port
        self._stopped = False
        self._stop_lock = threading.Lock()

    # -- what it is -------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The registry name; starting another server under it stops this one."""
        return self.config.name

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:49152``."""
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        """Base websocket URL, e.g. ``ws://127.0.0.1:49152``."""
        return f"ws://{HOST}:{self.port}"

    def url_for(self, path: str = "/", **query: Any) -> str:
        """A URL on this server: ``srv.url_for("/", io_ms=50)`` -> ``.../?io_ms=50``."""
        tail = f"?{urlencode(query)}" if query else ""
        return f"{self.url}/{path.lstrip('/')}{tail}"

    @property
    def interface(self) -> str:
        return self.config.interface

    @property
    def server(self) -> str:
        """``"waitress"``, ``"wsgiref"``, ``"uvicorn"`` or ``"gunicorn"``."""
        return self.config.server

    @property
    def threads(self) -> int:
        """Worker threads per process (WSGI); 1 for an ASGI event loop."""
        return self.config.threads

    @property
    def processes(self) -> int:
        return self.config.processes

    @property
    def running(self) -> bool:
        return not self._stopped

    def describe(self) -> str:
        """A label for tables and legends, e.g. ``"waitress 1x4"`` or ``"uvicorn 2 loops"``."""
        return self.config.describe()

    def model(self, overhead_ms: float = 0.0, switch_ms: float = 0.0,
              **extra: Any) -> WSGIServer | ASGIServer:
        """The simulator's description of this server, for ``simulate()`` side by side."""
        if self.interface == "asgi":
            return ASGIServer(processes=self.processes, overhead_ms=overhead_ms,
                              switch_ms=switch_ms,
                              limit_concurrency=self.config.limit_concurrency, **extra)
        return WSGIServer(processes=self.processes, threads=self.threads,
                          overhead_ms=overhead_ms, switch_ms=switch_ms, **extra)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where = "in this process" if self.in_process else f"pid {self.pid}"
        return (f"<LiveServer {self.name!r}: {self.describe()} ({self.interface}) at "
                f"{self.url}, {where}, {state}>")

    @property
    @abstractmethod
    def pid(self) -> int:
        """The server's (main) process id."""

    def log(self, lines: int = 50) -> str:
        """The last ``lines`` lines a subprocess server printed ("" for a server in this
        process, whose messages go straight to this process's standard error)."""
        return ""

    # -- lifecycle --------------------------------------------------------------------
    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the server and wait (up to about ``timeout_s`` s) until nothing is left.

        Safe to call twice. Requests still running get ``timeout_s`` to finish.
        """
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            self._shutdown(timeout_s)
        finally:
            _registry.forget(self)

    @abstractmethod
    def _shutdown(self, timeout_s: float) -> None:
        """Stop serving and release every thread, socket and process."""

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
