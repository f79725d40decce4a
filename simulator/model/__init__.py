"""The model: frozen descriptions of servers, workloads, arrivals and scenarios.

Nothing here runs anything; :mod:`simulator.des` runs a :class:`Scenario`. Two facts
that every part of the package must agree on live here too: what a request costs the
CPU (:mod:`~simulator.model.costs`) and how a seed becomes random draws
(:mod:`~simulator.model.seeding`).
"""

from .arrivals import Arrivals, Bursts, ClosedLoop, Constant, Poisson
from .costs import SWITCH_INTERVAL_S, CpuDemand, cpu_demand, thread_hops
from .memory import MemoryCost, memory_defaults
from .pools import Pool
from .scenario import Scenario, Traffic
from .servers import ASGIServer, Server, WSGIServer
from .workload import DISTS, VIEWS, Workload

__all__ = [
    "DISTS",
    "SWITCH_INTERVAL_S",
    "VIEWS",
    "ASGIServer",
    "Arrivals",
    "Bursts",
    "ClosedLoop",
    "Constant",
    "CpuDemand",
    "MemoryCost",
    "Poisson",
    "Pool",
    "Scenario",
    "Server",
    "Traffic",
    "WSGIServer",
    "Workload",
    "cpu_demand",
    "memory_defaults",
    "thread_hops",
]
