"""The entry point of a single-process server in a subprocess.

``serve("module:app", ...)`` starts ``python -m simulator.live.serving._child`` with the
listening socket inherited as a file descriptor and the :class:`ServerConfig` as
command-line arguments (:meth:`ServerConfig.to_argv`). The child imports the app
(printing a clear message and exiting with status 3 if it cannot), runs the same server
classes the kernel uses in-process, and stops cleanly on SIGTERM, or when its parent
dies.
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

from ._handle import LiveServer
from ._importing import load
from ._net import CHILD_IMPORT_FAILED as IMPORT_FAILED
from ._net import CHILD_READY as READY
from ._threaded import UvicornThread, WaitressThread, WsgirefThread
from .config import ServerConfig

_SERVERS: dict[str, Callable[..., LiveServer]] = {
    "waitress": WaitressThread, "wsgiref": WsgirefThread, "uvicorn": UvicornThread}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.live.serving._child")
    parser.add_argument("--fd", type=int, required=True)
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    config = ServerConfig.from_argv(rest)
    try:
        app = load(str(config.import_string))
    except BaseException as e:
        traceback.print_exc()
        print(f"livelab: cannot import the app {config.import_string!r}: "
              f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return IMPORT_FAILED
    sock = socket.socket(fileno=args.fd)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    server = _SERVERS[config.server](config, app, sock)
    print(READY, flush=True)
    while not stop.wait(0.5):
        if os.getppid() != parent:  # the kernel died without stopping us
            break
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
