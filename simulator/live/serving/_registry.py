"""The registry of running servers, so that rerunning a notebook cell is always safe.

A cell that starts a server under a name stops whatever server already runs under that
name first. Without this, rerunning ``srv = serve(...)`` would leave the previous
server running, holding its threads and port, with no variable left to stop it by.
At interpreter exit every registered server is stopped.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._handle import LiveServer

_LOCK = threading.RLock()
_RUNNING: dict[str, LiveServer] = {}


def claim(name: str) -> None:
    """Stop the server running under ``name``, if any, before a new one takes the name."""
    with _LOCK:
        old = _RUNNING.pop(name, None)
    if old is not None:
        old.stop()


def add(server: LiveServer) -> None:
    with _LOCK:
        _RUNNING[server.name] = server


def forget(server: LiveServer) -> None:
    with _LOCK:
        if _RUNNING.get(server.name) is server:
            del _RUNNING[server.name]


def by_port(port: int) -> LiveServer | None:
    """The registered server listening on ``port``, if any."""
    with _LOCK:
        return next((s for s in _RUNNING.values() if s.port == port), None)


def running() -> list[LiveServer]:
    """Servers started by :func:`~simulator.live.serve` and not yet stopped."""
    with _LOCK:
        return list(_RUNNING.values())


def stop_all() -> None:
    """Stop every server started by :func:`~simulator.live.serve`."""
    for server in running():
        server.stop()


atexit.register(stop_all)
