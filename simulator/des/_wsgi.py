"""The single-lane bridge, times ``processes x threads``: a WSGI server in simpy.

One FIFO queue (the shared listen socket) feeds every lane, a worker thread. A request
takes the first free thread and keeps it through its CPU work *and* its I/O wait; only
then is the thread free for the next request. That is the whole difference from ASGI,
and it is enough to make the server an M/M/c queue when the work is exponential I/O.
An I/O that needs a connection of a pool waits for one on its thread, so the lane stays
taken while it waits.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..model import WSGIServer, cpu_demand
from ._host import REJECT_RTT_S

if TYPE_CHECKING:
    from .engine import Run


class SimulatedWSGI:
    """A WSGI server inside one run: its worker threads, their queue, the request process."""

    def __init__(self, run: Run, server: WSGIServer) -> None:
        self.run = run
        # One simpy slot per worker thread of every process; its queue is the accept queue.
        self.threads = simpy.Resource(run.env, capacity=server.lanes)
        self.lane_names = server.lane_names
        self.proc_of = [i // server.threads for i in range(len(self.lane_names))]
        self.idle = list(range(len(self.lane_names) - 1, -1, -1))  # pop() gives p0-t0 first
        # The CPU each request pays besides its view's own (overhead, hops), in seconds.
        self.server_cpu_s = [cpu_demand(server, v, 0.0).thread_ms / 1000.0 for v in run.views]
        self.backlog = server.backlog

    def handle(self, rid: int, k: int, arrival: float, cpu_s: float, io_s: float,
               user: int | None) -> Generator[simpy.Event, Any, None]:
        """One request: queue for a thread, compute, wait on I/O, free the thread."""
        run = self.run
        env = run.env
        threads = self.threads
        if self.backlog is not None and threads.count >= threads.capacity \
                and len(threads.queue) >= self.backlog:
            yield run.env.timeout(REJECT_RTT_S)  # a refusal still costs a round trip
            run.finish(rid, k, arrival, None, run.env.now, "rejected", None, 503, user)
            return
        req = threads.request()
        yield req
        start = env.now
        lane = self.idle.pop()
        name = self.lane_names[lane]
        spans = run.spans
        if spans is not None and start > arrival:
            spans.append((rid, "queue", "queue", arrival, start, None))
        need = self.server_cpu_s[k] + cpu_s
        if need > 0:
            yield from run.host.cpu(self.proc_of[lane], need, name, rid)
        if io_s > 0:
            pools = run.pools[k]
            if pools is None:
                t_io = env.now
                yield env.timeout(io_s)
                if spans is not None:
                    spans.append((rid, "io", name, t_io, env.now, None))
            else:  # the thread blocks on the pool: the lane stays taken
                yield from run.pooled_io(pools[self.proc_of[lane]], io_s, name, rid)
        self.idle.append(lane)
        threads.release(req)
        run.finish(rid, k, arrival, start, env.now, "ok", name, 200, user)
