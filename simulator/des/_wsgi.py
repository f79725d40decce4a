"""The single-lane bridge, times ``processes x threads``: a WSGI server in simpy.

One FIFO queue (the shared listen socket) feeds every lane. A request takes the first
free lane and keeps it through its CPU work *and* its I/O wait; only then is the lane
free for the next request. That is the whole difference from ASGI, and it is enough
to make the server an M/M/c queue when the work is exponential I/O.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..model import WSGIServer
from ._host import REJECT_RTT_S

if TYPE_CHECKING:
    from .engine import Run


class WSGIModel:
    """Lanes, their queue and the request process of a WSGI server."""

    def __init__(self, run: Run, server: WSGIServer) -> None:
        self.run = run
        self.lanes = simpy.Resource(run.env, capacity=server.lanes)
        names = [f"p{p}-t{t}" for p in range(server.processes) for t in range(server.threads)]
        self.names = names
        self.proc_of = [i // server.threads for i in range(len(names))]
        self.free = list(range(len(names) - 1, -1, -1))  # pop() gives p0-t0 first
        self.overhead_s = server.overhead_ms / 1000.0
        self.switch_s = server.switch_ms / 1000.0
        self.backlog = server.backlog

    def handle(self, rid: int, k: int, arrival: float, cpu_s: float, io_s: float,
               user: int | None) -> Generator[simpy.Event, Any, None]:
        """One request: queue for a lane, compute, wait on I/O, free the lane."""
        run = self.run
        env = run.env
        lanes = self.lanes
        if self.backlog is not None and lanes.count >= lanes.capacity \
                and len(lanes.queue) >= self.backlog:
            yield run.env.timeout(REJECT_RTT_S)  # a refusal still costs a round trip
            run.finish(rid, k, arrival, None, run.env.now, "rejected", None, 503, user)
            return
        req = lanes.request()
        yield req
        start = env.now
        lane = self.free.pop()
        name = self.names[lane]
        spans = run.spans
        if spans is not None and start > arrival:
            spans.append((rid, "queue", "queue", arrival, start, None))
        need = self.overhead_s + cpu_s
        if run.views[k] != "sync":
            need += self.switch_s  # async view run by async_to_sync on its own loop
        if need > 0:
            yield from run.host.cpu(self.proc_of[lane], need, name, rid)
        if io_s > 0:
            t_io = env.now
            yield env.timeout(io_s)
            if spans is not None:
                spans.append((rid, "io", name, t_io, env.now, None))
        self.free.append(lane)
        lanes.release(req)
        run.finish(rid, k, arrival, start, env.now, "ok", name, 200, user)
