"""Sockets on the loopback interface: bind, probe, and refuse anything else.

Every live server listens on ``127.0.0.1`` only, on a socket we bind ourselves before
the server starts. Binding first turns "port in use" into a clear error in the calling
cell (instead of a server thread that dies, or a ``sys.exit`` that kills the kernel),
and with port 0 the operating system picks a free port for us.
"""

from __future__ import annotations

import errno
import socket

HOST = "127.0.0.1"
# What a server child process prints when ready, and its exit status when the app
# cannot be imported (see _child.py).
CHILD_READY = "livelab: ready"
CHILD_IMPORT_FAILED = 3


class ServerStartError(RuntimeError):
    """A server did not start: the message says why and what to try."""


def bind(port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1:``port`` (0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(backlog)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"serve(port={port}): port {port} on {HOST} is already in use (another "
                "server, perhaps one started in an earlier cell). Use port=0 to let the "
                "system pick a free port, or stop the other server first "
                "(simulator.live.stop_all())."
            ) from None
        raise ServerStartError(f"serve(port={port}): could not listen on {HOST}:{port}: "
                               f"{e.strerror or e}.") from None
    return sock


def probe(port: int, timeout_s: float) -> bool:
    """Whether an HTTP server answers on 127.0.0.1:``port`` within ``timeout_s`` seconds."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout_s) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(5) == b"HTTP/"
    except OSError:
        return False
