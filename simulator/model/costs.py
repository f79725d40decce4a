"""What one request costs the server's CPU, and where that CPU runs.

Every request is Python code, and Python code needs its process's GIL and a core. A
request pays three kinds of CPU time:

- its view's own work, ``cpu_ms``;
- the server's ``overhead_ms``: parsing HTTP, the framework, the middleware;
- ``switch_ms`` for every *hop*: a trip from the event loop to a thread and back, or from
  a thread to a loop and back (two switches of thread). A sync view under ASGI is handed
  to a thread (one hop); each stretch of adjacent sync middleware under ASGI costs two
  (into its thread, and back onto the loop for Django's URL resolver); an async view
  under WSGI runs on a fresh event loop of its own (one hop). :func:`thread_hops` counts
  them.

Where it runs matters as much as how long it takes. Under WSGI all of it runs on the
request's own worker thread. Under ASGI the overhead and the hops run on the event loop,
and so does an async view's own work, holding the loop: nobody else on that process
runs meanwhile. A sync view's own work runs on its thread, off the loop.

>>> from simulator import ASGIServer, WSGIServer
>>> cpu_demand(WSGIServer(overhead_ms=0.4), "sync", cpu_ms=5.0)
CpuDemand(loop_ms=0.0, thread_ms=5.4)
>>> cpu_demand(ASGIServer(overhead_ms=0.4, switch_ms=1.0), "sync", cpu_ms=5.0)
CpuDemand(loop_ms=1.4, thread_ms=5.0)
>>> cpu_demand(ASGIServer(overhead_ms=0.4, switch_ms=1.0), "async", cpu_ms=5.0).total_ms
5.4

However long a CPU burst is, CPython makes a thread that holds the GIL hand it over
after ``sys.getswitchinterval()`` (:data:`SWITCH_INTERVAL_S`, 5 ms) when another thread
is waiting for it; the engine slices CPU bursts to that length.
"""

from __future__ import annotations

from typing import NamedTuple

from .servers import Server, WSGIServer

SWITCH_INTERVAL_S = 0.005  # sys.getswitchinterval() default, in seconds as Python gives it


class CpuDemand(NamedTuple):
    """CPU time (ms) one request costs a server, split by where it runs.

    ``loop_ms`` runs on an ASGI event loop and holds it; ``thread_ms`` runs on a thread
    (a WSGI worker, or the thread a sync view gets under ASGI). Both need the GIL.
    """

    loop_ms: float
    thread_ms: float

    @property
    def total_ms(self) -> float:
        """All the CPU time of the request (ms)."""
        return self.loop_ms + self.thread_ms


def thread_hops(server: Server, view: str) -> int:
    """How many sync/async hops a request of ``view`` pays on ``server``.

    Under ASGI a sync view is one hop (``sync_to_async``), and every stretch of sync
    middleware two (into its thread, and back onto the loop for Django's async URL
    resolver); under WSGI an async view is one (``async_to_sync``).

    >>> from simulator import ASGIServer, WSGIServer
    >>> thread_hops(WSGIServer(), "async"), thread_hops(ASGIServer(sync_stretches=1), "async")
    (1, 2)
    >>> thread_hops(ASGIServer(sync_stretches=1), "sync")
    3
    """
    if isinstance(server, WSGIServer):
        return 0 if view == "sync" else 1
    return (1 if view == "sync" else 0) + 2 * server.sync_stretches


def view_on_loop(server: Server, view: str) -> bool:
    """Whether the view's own CPU runs on an event loop: an async view under ASGI."""
    return not isinstance(server, WSGIServer) and view != "sync"


def cpu_demand(server: Server, view: str, cpu_ms: float) -> CpuDemand:
    """The CPU (ms) a request of ``view`` whose own work is ``cpu_ms`` costs ``server``.

    ``total_ms`` = ``cpu_ms`` + ``overhead_ms`` + ``switch_ms`` x :func:`thread_hops`.
    """
    server_ms = server.overhead_ms + server.switch_ms * thread_hops(server, view)
    if isinstance(server, WSGIServer):
        return CpuDemand(loop_ms=0.0, thread_ms=server_ms + cpu_ms)
    if view_on_loop(server, view):
        return CpuDemand(loop_ms=server_ms + cpu_ms, thread_ms=0.0)
    return CpuDemand(loop_ms=server_ms, thread_ms=cpu_ms)
