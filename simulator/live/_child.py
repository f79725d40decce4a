"""The entry point of a single-process server in a subprocess.

``serve("module:app", ...)`` starts ``python -m simulator.live._child`` with the
listening socket inherited as a file descriptor. The child imports the app (printing a
clear message and exiting with status 3 if it cannot), runs the same server classes
the kernel uses in-process, and stops cleanly on SIGTERM, or when its parent dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable

from ._base import LiveServer, ServerSpec
from ._importing import load
from ._net import CHILD_IMPORT_FAILED as IMPORT_FAILED
from ._net import CHILD_READY as READY
from ._threaded import UvicornThread, WaitressThread, WsgirefThread

_SERVERS: dict[str, Callable[..., LiveServer]] = {
    "waitress": WaitressThread, "wsgiref": WsgirefThread, "uvicorn": UvicornThread}


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m simulator.live._child")
    p.add_argument("--server", choices=sorted(_SERVERS), required=True)
    p.add_argument("--interface", choices=("wsgi", "asgi"), required=True)
    p.add_argument("--app", required=True)
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--name", default="child")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--backlog", type=int, default=2048)
    p.add_argument("--limit-concurrency", type=int, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        app = load(args.app)
    except BaseException as e:
        traceback.print_exc()
        print(f"livelab: cannot import the app {args.app!r}: {type(e).__name__}: {e}",
              file=sys.stderr, flush=True)
        return IMPORT_FAILED
    sock = socket.socket(fileno=args.fd)
    port = sock.getsockname()[1]
    spec = ServerSpec(name=args.name, server=args.server, interface=args.interface,
                      threads=args.threads, processes=1, port=port, backlog=args.backlog,
                      limit_concurrency=args.limit_concurrency, start_timeout_s=5.0,
                      app_label=args.app)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    server: LiveServer = _SERVERS[args.server](spec, app, sock)
    print(READY, flush=True)
    while not stop.wait(0.5):
        if os.getppid() != parent:  # the kernel died without stopping us
            break
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
