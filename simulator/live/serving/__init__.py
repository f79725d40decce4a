"""Serving: real WSGI and ASGI servers on 127.0.0.1, started and stopped from a cell.

:func:`serve` checks its arguments into a :class:`ServerConfig` and runs it: in this
process on daemon threads (waitress, wsgiref, uvicorn), or in a child process for an app
given as an import string (the same servers, or gunicorn and uvicorn ``--workers`` for
several processes). A registry stops the previous server of the same name, so rerunning a
cell is safe. This room knows nothing of the load generator (:mod:`..load`).
"""

from ._handle import LiveServer
from ._net import ServerStartError
from ._registry import by_port
from .config import ServerConfig
from .serve import configure, running, serve, stop_all

__all__ = ["LiveServer", "ServerConfig", "ServerStartError", "by_port", "configure",
           "running", "serve", "stop_all"]
