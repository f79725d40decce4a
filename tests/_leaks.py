"""What a process holds right now: threads, internet sockets, child processes.

Used to check that stopping a server leaves nothing behind: take a
:func:`snapshot` before starting it and call :func:`leftovers` after stopping it.
Threads and children come from the standard library and psutil (installed with
ipykernel); sockets are the process's open TCP sockets, from psutil.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    """Thread idents and names, open TCP sockets (fd, local, remote, state), child pids."""

    threads: frozenset[tuple[int | None, str]]
    sockets: frozenset[tuple[int, str, str, str]]
    children: frozenset[int]


def snapshot() -> Snapshot:
    """What this process holds now."""
    import psutil

    me = psutil.Process()
    threads = frozenset((t.ident, t.name) for t in threading.enumerate())
    sockets = frozenset(
        (c.fd, f"{c.laddr}", f"{c.raddr}", c.status) for c in me.net_connections(kind="tcp")
        if c.fd != -1
    )
    children = frozenset(p.pid for p in me.children(recursive=True)
                         if p.status() != psutil.STATUS_ZOMBIE)
    return Snapshot(threads, sockets, children)


def leftovers(before: Snapshot, wait_s: float = 2.0) -> list[str]:
    """What exists now but not in ``before`` (waiting up to ``wait_s`` for it to go)."""
    deadline = time.monotonic() + wait_s
    while True:
        now = snapshot()
        extra = [f"thread {name!r}" for ident, name in now.threads - before.threads]
        extra += [f"socket fd {fd} {local} -> {remote} ({state})"
                  for fd, local, remote, state in now.sockets - before.sockets]
        extra += [f"child process {pid}" for pid in now.children - before.children]
        if not extra or time.monotonic() > deadline:
            return sorted(extra)
        time.sleep(0.05)


def wait_closed(port: int, timeout_s: float) -> bool:
    """Wait until nothing accepts connections on ``port`` any more (True if so)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
        except OSError:
            return True
        time.sleep(0.02)
    return False
