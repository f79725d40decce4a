"""The host: CPU cores shared by every process, and one GIL per process.

Running Python code needs two things at once: the GIL of its process and a free core.
CPython makes a thread that holds the GIL drop it after ``sys.getswitchinterval()``
(5 ms, :data:`~simulator.model.costs.SWITCH_INTERVAL_S`) when another thread asks for
it; the operating system likewise rotates runnable threads over the cores. We model both
with one rule: a CPU burst runs in slices of at most one switch interval, and after each
slice it gives up the GIL and its core if anyone is waiting for either, then queues
again behind them. Nobody waiting, no switch.

Two threads of one process therefore share one core's worth of Python, however many
cores the host has; two processes can use two cores.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from ..model.costs import SWITCH_INTERVAL_S

EPS = 1e-12
# A refused request (full backlog, 503) still costs the client a loopback round trip;
# without it, closed-loop users refused at once would resend forever at one instant.
REJECT_RTT_S = 0.001


class Host:
    """Cores and GILs of one simulated machine, plus the optional trace."""

    def __init__(self, env: simpy.Environment, cores: int, processes: int,
                 spans: list[tuple[Any, ...]] | None) -> None:
        self.env = env
        self.cores = simpy.Resource(env, capacity=cores)
        self.free_cores = list(range(cores - 1, -1, -1))
        self.gils = [simpy.Resource(env, capacity=1) for _ in range(processes)]
        self.spans = spans

    def cpu(self, proc: int, need_s: float, where: str,
            rid: int) -> Generator[simpy.Event, Any, None]:
        """Run ``need_s`` seconds of Python on process ``proc``'s GIL and any core."""
        env = self.env
        gil = self.gils[proc]
        cores = self.cores
        free = self.free_cores
        spans = self.spans
        while True:
            ready_at = env.now
            g = gil.request()
            yield g
            c = cores.request()
            yield c
            core = free.pop()
            start = env.now
            if spans is not None and start > ready_at:
                spans.append((rid, "ready", where, ready_at, start, None))
            while True:
                step = need_s if need_s <= SWITCH_INTERVAL_S else SWITCH_INTERVAL_S
                yield env.timeout(step)
                need_s -= step
                if need_s <= EPS or gil.queue or cores.queue:
                    break
            free.append(core)
            cores.release(c)
            gil.release(g)
            if spans is not None:
                spans.append((rid, "cpu", where, start, env.now, core))
            if need_s <= EPS:
                return
