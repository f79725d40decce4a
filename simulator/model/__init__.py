"""The model: frozen descriptions of servers, workloads, arrivals and scenarios.

Nothing here runs anything; :mod:`simulator.des` runs a :class:`Scenario`.
"""

from .arrivals import Arrivals, Bursts, ClosedLoop, Constant, Poisson
from .scenario import Scenario, Traffic, thread_hops
from .servers import ASGIServer, Server, WSGIServer
from .workload import DISTS, VIEWS, Workload

__all__ = [
    "DISTS",
    "VIEWS",
    "ASGIServer",
    "Arrivals",
    "Bursts",
    "ClosedLoop",
    "Constant",
    "Poisson",
    "Scenario",
    "Server",
    "Traffic",
    "WSGIServer",
    "Workload",
    "thread_hops",
]
