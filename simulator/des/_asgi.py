"""The multi-lane highway: an ASGI server's event loops in simpy.

Each process runs one event loop, modelled as a resource of capacity one: code that runs
*on the loop* holds it. A request takes the loop to be accepted and to run its Python
(framework overhead, the view's CPU work), lets go while it ``await``\\s I/O, and takes
the loop back to send its response. What each view style holds:

- ``async``: the loop only while computing; awaited I/O holds nothing.
- ``async_blocking``: the loop through its I/O as well (``time.sleep`` releases the GIL
  but not the loop): everyone else on that loop waits.
- ``sync``: Django hands the view to a thread of its own (one per request, no cap);
  the hop costs ``switch_ms`` on the loop, the thread then computes on the process's
  GIL and waits on I/O without holding the loop.

What runs on the loop and what on a thread comes from
:func:`simulator.model.costs.cpu_demand`.

An I/O that needs a connection of a pool waits for one where the view waits on I/O: an
``async`` view awaits the pool (the loop is free), a sync view blocks its own thread,
an ``async_blocking`` view blocks the loop until it has a connection and its answer.

A server with several processes sends each request to the process with the fewest
requests in flight.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..model import ASGIServer, cpu_demand
from ..model.costs import view_on_loop
from ._host import REJECT_RTT_S

if TYPE_CHECKING:
    from .engine import Connections, Run


class SimulatedASGI:
    """An ASGI server inside one run: its event loops, in-flight counts, the request process."""

    def __init__(self, run: Run, server: ASGIServer) -> None:
        self.run = run
        n = server.processes
        self.loops = [simpy.Resource(run.env, capacity=1) for _ in range(n)]
        self.loop_names = server.lane_names  # an ASGI request's lane is its loop
        self.in_flight = [0] * n
        self.total = 0
        self.limit = server.limit_concurrency
        # Per traffic class: the loop's CPU besides the view's own (overhead, hops), in
        # seconds, and whether the view's own CPU runs on the loop too (async views).
        self.server_cpu_s = [cpu_demand(server, v, 0.0).loop_ms / 1000.0 for v in run.views]
        self.view_on_loop = [view_on_loop(server, v) for v in run.views]
        self.free_threads: list[list[int]] = [[] for _ in range(n)]
        self.thread_count = [0] * n

    def _pick(self) -> int:
        flights = self.in_flight
        if len(flights) == 1:
            return 0
        return flights.index(min(flights))

    def handle(self, rid: int, k: int, arrival: float, cpu_s: float, io_s: float,
               user: int | None) -> Generator[simpy.Event, Any, None]:
        """One request through accept, view and response on the least busy loop."""
        run = self.run
        if self.limit is not None and self.total >= self.limit:
            yield run.env.timeout(REJECT_RTT_S)  # a refusal still costs a round trip
            run.finish(rid, k, arrival, None, run.env.now, "rejected", None, 503, user)
            return
        env = run.env
        spans = run.spans
        host = run.host
        p = self._pick()
        self.in_flight[p] += 1
        self.total += 1
        loop = self.loops[p]
        name = self.loop_names[p]
        req = loop.request()
        yield req
        start = env.now
        if spans is not None and start > arrival:
            spans.append((rid, "queue", name, arrival, start, None))
        view = run.views[k]
        own_on_loop = self.view_on_loop[k]
        on_loop = self.server_cpu_s[k] + (cpu_s if own_on_loop else 0.0)
        if on_loop > 0:
            yield from host.cpu(p, on_loop, name, rid)
        pools = run.pools[k]
        if not own_on_loop:  # a sync view: on a thread of its own, off the loop
            loop.release(req)
            yield from self._in_thread(p, rid, cpu_s, io_s, pools)
            req = yield from self._back_on_loop(loop, name, rid)
        elif io_s > 0 and pools is not None:
            if view == "async_blocking":  # a blocking driver: the loop waits too
                yield from run.pooled_io(pools[p], io_s, name, rid, "blocked")
            else:
                loop.release(req)
                yield from run.pooled_io(pools[p], io_s, name, rid)
                req = yield from self._back_on_loop(loop, name, rid)
        elif io_s > 0:
            t_io = env.now
            if view == "async_blocking":
                yield env.timeout(io_s)  # the loop is held: nobody else runs
                if spans is not None:
                    spans.append((rid, "blocked", name, t_io, env.now, None))
            else:
                loop.release(req)
                yield env.timeout(io_s)
                if spans is not None:
                    spans.append((rid, "io", name, t_io, env.now, None))
                req = yield from self._back_on_loop(loop, name, rid)
        loop.release(req)
        self.in_flight[p] -= 1
        self.total -= 1
        run.finish(rid, k, arrival, start, env.now, "ok", name, 200, user)

    def _back_on_loop(self, loop: simpy.Resource, name: str,
                      rid: int) -> Generator[simpy.Event, Any, Any]:
        """Wait for the loop again to send the response (it may be busy)."""
        env = self.run.env
        ready = env.now
        req = loop.request()
        yield req
        spans = self.run.spans
        if spans is not None and env.now > ready:
            spans.append((rid, "ready", name, ready, env.now, None))
        return req

    def _in_thread(self, p: int, rid: int, cpu_s: float, io_s: float,
                   pools: list[Connections] | None) -> Generator[simpy.Event, Any, None]:
        """A sync view on a thread of its own (sync_to_async), off the loop."""
        free = self.free_threads[p]
        if free:
            t = free.pop()
        else:
            t = self.thread_count[p]
            self.thread_count[p] += 1
        where = f"p{p}-th{t}"
        env = self.run.env
        if cpu_s > 0:
            yield from self.run.host.cpu(p, cpu_s, where, rid)
        if io_s > 0 and pools is not None:
            yield from self.run.pooled_io(pools[p], io_s, where, rid)
        elif io_s > 0:
            t_io = env.now
            yield env.timeout(io_s)
            spans = self.run.spans
            if spans is not None:
                spans.append((rid, "io", where, t_io, env.now, None))
        free.append(t)
