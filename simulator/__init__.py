"""ASGI vs WSGI: a discrete-event simulator of Python web servers, with a live lab.

The bridge and the highway: a WSGI worker carries one request at a time from start to
finish; an ASGI event loop lets many requests wait on I/O at once. This package models
both (:func:`simulate`), measures real servers the same way (:mod:`simulator.live`),
and draws either on the same axes (:mod:`simulator.views`).

>>> from simulator import Scenario, WSGIServer, Workload, Poisson, simulate
>>> sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50),
...               arrivals=Poisson(rate_per_s=60), requests=2_000, seed=1)
>>> simulate(sc).summary().completed
2000
"""

from .des import SimulationTooLarge, simulate
from .model import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Constant,
    Poisson,
    Pool,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
)
from .planner import Plan, plan
from .replicate import Estimate, Replications, replicate
from .results import RequestRecord, RunResult, Span, Summary

__version__ = "0.1.0"

__all__ = [
    "ASGIServer",
    "Bursts",
    "ClosedLoop",
    "Constant",
    "Estimate",
    "Plan",
    "Poisson",
    "Pool",
    "Replications",
    "RequestRecord",
    "RunResult",
    "Scenario",
    "SimulationTooLarge",
    "Span",
    "Summary",
    "Traffic",
    "WSGIServer",
    "Workload",
    "plan",
    "replicate",
    "simulate",
]
