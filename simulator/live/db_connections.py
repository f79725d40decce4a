"""Django's database connections, counted: one per thread, and what ``CONN_MAX_AGE`` does.

Django keeps one database connection per thread (``django.db.connections`` is
thread-local). When a request starts and when it finishes, Django's
``close_old_connections`` closes the connection of the thread that handled it if it is
older than ``CONN_MAX_AGE`` seconds: with the default, 0, every request opens a fresh
connection and closes it at the end; with 60 (or ``None``, forever) the connection stays
open for the thread's next request.

- Under **WSGI** the threads are the server's: waitress's 4 threads open 4 connections
  and reuse them for every request (persistent connections work as meant).
- Under **ASGI** Django runs each request's sync code on a thread of its own (asgiref's
  ``ThreadSensitiveContext``, one single-thread executor per request), and that thread
  ends with the request. A persistent connection then is never reused, and it is not
  closed either: it stays open until the garbage collector finds it. Django's
  documentation says to disable persistent connections under ASGI and to use a pool.

:func:`count_connections` serves the course's Django project in this process, loads its
``/orm`` view, and counts: connections opened (Django's ``connection_created`` signal),
on how many threads, and how many were open at once (the process's file descriptors on
the SQLite file, sampled every few milliseconds), at the end, and after a garbage
collection. SQLite's connection is a file; PostgreSQL's is a server process of several
MB, and its ``max_connections`` is 100 by default: that is where the count matters.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import ClosedLoop
from ..model._check import check_choice, check_int, check_optional_int
from . import django_project
from .load import run_load
from .serving import serve

__all__ = ["ConnectionCount", "count_connections"]

SAMPLE_S = 0.005


@dataclass(frozen=True)
class ConnectionCount:
    """What one run did to the database: ``opened`` connections on ``threads`` distinct
    threads for ``requests`` requests; at most ``peak_open`` open at once, ``open_after``
    still open when the load stopped, ``after_gc`` after a garbage collection."""

    interface: str
    conn_max_age: int | None
    requests: int
    opened: int
    threads: int
    peak_open: int
    open_after: int
    after_gc: int

    @property
    def label(self) -> str:
        age = "None (forever)" if self.conn_max_age is None else f"{self.conn_max_age}"
        return f"{self.interface.upper()}, CONN_MAX_AGE={age}"

    def __str__(self) -> str:
        return (f"{self.label:<28} {self.requests} requests: {self.opened} connections "
                f"opened on {self.threads} threads; at most {self.peak_open} open at once, "
                f"{self.open_after} still open at the end, {self.after_gc} after gc.collect()")


def _db_path() -> str:
    from django.conf import settings  # noqa: PLC0415 - Django only when the lesson runs

    return str(settings.DATABASES["default"]["NAME"])


def _open_on(path: str) -> int:
    """File descriptors of this process open on ``path`` (one per SQLite connection)."""
    n = 0
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/self/fd/{fd}") == path:
                    n += 1
    return n


@contextlib.contextmanager
def _conn_max_age(age: int | None) -> Iterator[None]:
    """Set ``CONN_MAX_AGE`` of the default database for the block (then put it back)."""
    from django.db import connections  # noqa: PLC0415

    db: dict[str, Any] = connections.settings["default"]
    before = db.get("CONN_MAX_AGE", 0)
    db["CONN_MAX_AGE"] = age
    try:
        yield
    finally:
        db["CONN_MAX_AGE"] = before


class _Watch:
    """Counts ``connection_created`` signals and samples open connections in a thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.opened_on: list[str] = []
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="livelab-db-watch",
                                        daemon=True)

    def created(self, sender: Any, connection: Any, **_: Any) -> None:
        self.opened_on.append(threading.current_thread().name)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _open_on(self.path))
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> _Watch:
        from django.db.backends.signals import connection_created  # noqa: PLC0415

        connection_created.connect(self.created, weak=False)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db.backends.signals import connection_created  # noqa: PLC0415

        self._stop.set()
        self._thread.join()
        connection_created.disconnect(self.created)


def count_connections(interface: str, conn_max_age: int | None, *, users: int = 8,
                      requests: int = 100, threads: int = 4) -> ConnectionCount:
    """Serve the Django project (``interface`` ``"wsgi"``: waitress with ``threads``
    threads; ``"asgi"``: uvicorn) in this process with ``CONN_MAX_AGE=conn_max_age``,
    send ``requests`` to its ``/orm`` view from ``users`` closed-loop users, and count
    the database connections (see the module docstring)."""
    check_choice("count_connections", "interface", interface, ("wsgi", "asgi"))
    check_optional_int("count_connections", "conn_max_age", conn_max_age, low=0,
                       high=86_400, hint="0 closes at every request; None keeps forever.")
    check_int("count_connections", "users", users, low=1, high=64, hint="Try 8.")
    check_int("count_connections", "requests", requests, low=1, high=2_000, hint="Try 100.")
    django_project.setup()
    path = _db_path()
    gc.collect()
    base = _open_on(path)
    kw: dict[str, Any] = {"threads": threads} if interface == "wsgi" else {}
    with _conn_max_age(conn_max_age), _Watch(path) as watch:
        app = django_project.application(interface)
        with serve(app, interface=interface, name="db-connections", quiet=True, **kw) as srv:
            run_load(srv.url_for("/orm"), ClosedLoop(users=users), requests=requests,
                     progress=False)
            time.sleep(0.1)  # let the last requests' finishing signals run
            open_after = _open_on(path) - base
    gc.collect()
    return ConnectionCount(interface, conn_max_age, requests, len(watch.opened_on),
                           len(set(watch.opened_on)), max(watch.peak - base, 0), open_after,
                           _open_on(path) - base)
