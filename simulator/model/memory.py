"""What a server costs in memory: a base per process and a cost per thread.

A server's footprint is ``processes x (process_mb + threads x thread_mb)``: every worker
process loads Python, the framework and the application (the base), and every thread
adds its stack and its per-thread state (Django keeps a database connection per thread,
for one). :attr:`WSGIServer.memory_mb <simulator.model.WSGIServer.memory_mb>` and
:attr:`ASGIServer.memory_mb <simulator.model.ASGIServer.memory_mb>` compute it; both
descriptions take ``process_mb=`` and ``thread_mb=`` to override the defaults below.

**How the defaults were measured** (``python benchmarks/bench_memory_model.py``, on
2026-11-30, on this course's 2-core x86-64 Linux machine, Python 3.11.7, Django 5,
waitress 3, uvicorn with uvloop and httptools): the course's Django project
(``simulator.live.django_project.wsgi:application`` and ``...asgi:application``) served
in a subprocess of its own, warmed up with 400 requests from 64 concurrent clients on
its ``/orm`` view (so that every thread has run Django and opened its own SQLite
connection), then its resident set size (RSS, ``psutil``) read:

=================================  ========
server                             RSS (MB)
=================================  ========
waitress, 1 thread                 68.7
waitress, 64 threads               80.4
uvicorn, one loop                  93.0
=================================  ========

So a WSGI process costs 68.5 MB and a thread (80.4 - 68.7) / 63 = 0.19 MB; an ASGI
process 93 MB (uvicorn loads uvloop, httptools and websockets besides Django). Under ASGI
Django runs each sync view on a thread of its own that ends with its request, so the
threads are gone when the load stops and their cost cannot be read at rest: the model
uses waitress's. The unique set sizes (USS: pages this
process alone holds) were 23 MB smaller in each case.

RSS counts pages shared with other processes (the interpreter's own code, pages a
forking server shares copy-on-write) in every process, so it errs on the safe side for
several processes. Machines differ: another Python, another Django, another application
(its imports, its caches) moves these figures by tens of MB; measure yours with the
script and pass them in, e.g. ``WSGIServer(threads=8, process_mb=120, thread_mb=0.5)``.
"""

from __future__ import annotations

from typing import NamedTuple


class MemoryCost(NamedTuple):
    """Resident memory (MB) of one server process before any thread, and per thread.

    >>> MemoryCost(process_mb=70.0, thread_mb=0.2).process_mb
    70.0
    """

    process_mb: float
    thread_mb: float


WSGI_MEMORY = MemoryCost(process_mb=68.5, thread_mb=0.19)
"""waitress serving the course's Django project (see the module docstring)."""
ASGI_MEMORY = MemoryCost(process_mb=93.0, thread_mb=0.19)
"""uvicorn serving the course's Django project; ``thread_mb`` per sync-view thread."""
MAX_MB = 1_000_000.0


def memory_defaults(kind: str) -> MemoryCost:
    """The measured defaults for a server ``kind``, ``"wsgi"`` or ``"asgi"``.

    >>> memory_defaults("wsgi") == WSGI_MEMORY
    True
    """
    if kind == "wsgi":
        return WSGI_MEMORY
    if kind == "asgi":
        return ASGI_MEMORY
    raise ValueError(f"memory_defaults(kind={kind!r}): kind must be 'wsgi' or 'asgi'.")
