"""From traffic to a deployment, asked of the model: what a configuration can carry and
what it costs, the rule of thumb beside the planner, the pool that caps everything, the
retry storm.

A configuration is processes x threads (WSGI) or processes x one loop (ASGI). Each part
has a price: a **process** is a GIL (at most one core's worth of Python) and a copy of
the application in memory; a **thread** is a lane (one request at a time, its waiting
included) and a little memory; a **loop** holds many waiting requests at once but runs
one piece of Python at a time. :func:`capacity_rps` says which of them caps a workload:

>>> from simulator import ASGIServer, Workload, WSGIServer
>>> io = Workload(cpu_ms=1, io_ms=49)
>>> capacity_rps(WSGIServer(threads=8), io), capacity_rps(ASGIServer(), io)
(160.0, 1000.0)
>>> cpu = Workload(cpu_ms=10)
>>> capacity_rps(WSGIServer(threads=8), cpu), capacity_rps(WSGIServer(processes=4), cpu)
(100.0, 200.0)

gunicorn's documentation suggests ``(2 x cores) + 1`` workers as a place to start
(:func:`rule_of_thumb`). :func:`rule_vs_plan` holds that rule against
:func:`~simulator.plan` for a few workloads: the rule knows the cores, the planner also
knows the traffic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .des import simulate
from .model import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Pool,
    Scenario,
    Server,
    Workload,
    WSGIServer,
    cpu_demand,
)
from .model._check import check_int, check_number
from .planner import Candidate, Plan, plan
from .replicate import Estimate, replicate

__all__ = ["WORKLOADS", "RetryCurve", "RuleVsPlan", "capacity_rps", "fits", "pool_sweep",
           "retry_sweep", "rule_of_thumb", "rule_vs_plan", "wsgi_or_asgi"]

WORKLOADS: dict[str, tuple[Workload, Poisson]] = {
    "I/O-bound": (Workload(cpu_ms=2, io_ms=100, dist="exponential"), Poisson(100)),
    "mixed": (Workload(cpu_ms=4, io_ms=20, dist="exponential"), Poisson(150)),
    "CPU-bound": (Workload(cpu_ms=8, io_ms=2, dist="exponential"), Poisson(150)),
}
"""Three workloads of the rule-of-thumb lesson: (work per request, traffic)."""


def capacity_rps(server: Server, workload: Workload, cores: int = 2,
                 pools: Sequence[Pool] = ()) -> float:
    """Most requests per second ``server`` finishes for ``workload`` (mean times) on
    ``cores`` cores: the smallest of what its lanes (WSGI threads, or ASGI loops while
    held), its GILs and cores, and a pool the workload names can carry (``inf`` when
    nothing caps, e.g. an ASGI loop with no CPU at all)."""
    check_int("capacity_rps", "cores", cores, low=1, high=256, hint="This machine has 2.")
    d = cpu_demand(server, workload.view, workload.cpu_ms)
    cpu_s, io_s = d.total_ms / 1000.0, workload.io_ms / 1000.0
    caps = [math.inf]
    if cpu_s > 0:
        caps.append(min(server.processes, cores) / cpu_s)
    if isinstance(server, WSGIServer):
        if cpu_s + io_s > 0:
            caps.append(server.lanes / (cpu_s + io_s))
    else:
        held = d.loop_ms / 1000.0 + (io_s if workload.view == "async_blocking" else 0.0)
        if held > 0:
            caps.append(server.processes / held)
    pool = next((p for p in pools if p.name == workload.pool), None)
    if pool is not None and io_s > 0:
        caps.append(pool.connections(server.processes) / io_s)
    return float(min(caps))


def rule_of_thumb(cores: int) -> WSGIServer:
    """gunicorn's suggested start: ``2 x cores + 1`` sync workers (processes of one
    thread each).

    >>> rule_of_thumb(2).describe()
    'WSGI 5x1'
    """
    check_int("rule_of_thumb", "cores", cores, low=1, high=256, hint="This machine has 2.")
    return WSGIServer(processes=2 * cores + 1, threads=1)


@dataclass(frozen=True)
class RuleVsPlan:
    """One workload: the rule of thumb's configuration and the planner's, each with its
    simulated p95 (an :class:`~simulator.replicate.Estimate`; ``inf`` when the rule's
    lanes cannot keep up) and memory (MB)."""

    workload: str
    rule: WSGIServer
    rule_p95_ms: Estimate
    rule_mb: float
    plan: Plan

    @property
    def best(self) -> Candidate | None:
        """The planner's chosen row of its table (``None`` if nothing met the target)."""
        if self.plan.best is None:
            return None
        return next(c for c in self.plan.table if c.meets and c.server == self.plan.best)

    @property
    def rule_meets(self) -> bool:
        """Whether the rule's configuration meets the target (its p95's upper bound)."""
        return self.rule_p95_ms.high <= self.plan.target_p95_ms


def rule_vs_plan(workloads: Mapping[str, tuple[Workload, Poisson]] | None = None, *,
                 target_p95_ms: float = 400.0, cores: int = 2, memory_mb: float = 2048.0,
                 runs: int = 3, requests: int = 2_000) -> list[RuleVsPlan]:
    """For each workload (default :data:`WORKLOADS`): the rule of thumb's configuration,
    simulated (``runs`` replications of ``requests``), beside what :func:`~simulator.plan`
    chooses for ``target_p95_ms`` on ``cores`` cores and ``memory_mb``."""
    rows = []
    rule = rule_of_thumb(cores)
    for name, (w, arrivals) in (workloads or WORKLOADS).items():
        if capacity_rps(rule, w, cores) <= arrivals.rate_per_s:
            p95 = Estimate(math.inf, math.inf, math.inf, 0)  # overloaded: grows without bound
        else:
            sc = Scenario(server=rule, workload=w, arrivals=arrivals, requests=requests,
                          cores=cores)
            p95 = replicate(sc, runs=runs, warmup_s=0.1 * requests / arrivals.rate_per_s,
                            workers=1).ci("p95_ms")
        p = plan(workload=w, arrivals=arrivals, target_p95_ms=target_p95_ms, cores=cores,
                 memory_mb=memory_mb, runs=runs, requests=requests)
        rows.append(RuleVsPlan(name, rule, p95, rule.memory_mb, p))
    return rows


def pool_sweep(threads: Sequence[int], *, pool_size: int = 10, users: int = 64,
               io_ms: float = 50.0, requests: int = 3_000) -> dict[str, list[float]]:
    """Throughput (req/s) of ``users`` closed-loop users whose ``io_ms`` of I/O each
    needs one of ``pool_size`` shared connections: WSGI with each number of ``threads``
    (``"WSGI"``), WSGI without a pool (``"WSGI, no pool"``), and one ASGI loop
    (``"ASGI"``, one value)."""
    check_int("pool_sweep", "pool_size", pool_size, low=1, high=10_000, hint="Try 10.")
    check_number("pool_sweep", "io_ms", io_ms, low=0, low_open=True, high=10_000)
    pools = (Pool("db", pool_size),)
    arrivals = ClosedLoop(users=users)

    def thr(server: Server, view: str, pooled: bool) -> float:
        w = Workload(io_ms=io_ms, view=view, pool="db" if pooled else None)
        sc = Scenario(server=server, workload=w, arrivals=arrivals, requests=requests,
                      pools=pools if pooled else ())
        return simulate(sc).summary(warmup_s=0.2).throughput_rps

    return {
        "WSGI": [thr(WSGIServer(threads=t), "sync", True) for t in threads],
        "WSGI, no pool": [thr(WSGIServer(threads=t), "sync", False) for t in threads],
        "ASGI": [thr(ASGIServer(), "async", True)],
    }


@dataclass(frozen=True)
class RetryCurve:
    """One number of retries across the offered rates of :func:`retry_sweep`: the mean
    goodput (fraction of requests that finally succeeded) over the seeds with its lowest
    and highest run, and the mean attempts per request."""

    retries: int
    goodput: np.ndarray
    goodput_low: np.ndarray
    goodput_high: np.ndarray
    attempts: np.ndarray


def retry_sweep(scenario: Scenario, rates: Sequence[float], retries: Sequence[int] = (0, 2),
                seeds: int = 3) -> dict[int, RetryCurve]:
    """``scenario`` (one workload, with a client timeout) at each Poisson rate (first sends
    per second) and each number of retries, ``seeds`` runs each: ``{retries: curve}``."""
    check_int("retry_sweep", "seeds", seeds, low=1, high=20, hint="Try 3.")
    if scenario.timeout_s is None or scenario.traffic:
        raise ValueError("retry_sweep(scenario=...): give a scenario of one workload and "
                         "its arrivals with a client timeout (timeout_s=...); only "
                         "timed-out requests are retried.")
    out: dict[int, RetryCurve] = {}
    for k in retries:
        good = np.zeros((len(rates), seeds))
        tries = np.zeros((len(rates), seeds))
        for i, rate in enumerate(rates):
            for j in range(seeds):
                sc = replace(scenario, arrivals=Poisson(rate), retries=k,
                             seed=scenario.seed + j)
                s = simulate(sc).summary()
                good[i, j], tries[i, j] = s.goodput, s.attempts_per_request
        out[k] = RetryCurve(k, good.mean(axis=1), good.min(axis=1), good.max(axis=1),
                            tries.mean(axis=1))
    return out


def wsgi_or_asgi(cases: Mapping[str, tuple[Workload, float]], wsgi: WSGIServer,
                 asgi: ASGIServer, *, cores: int = 2, requests: int = 3_000,
                 seed: int = 1) -> dict[str, dict[str, list[float]]]:
    """Each case is an app (its work per request, with the view style it would have under
    ASGI) and its Poisson traffic (req/s). Under ``wsgi`` it is written with sync views,
    under ``asgi`` as given. Returns ``{"capacity": {server: [req/s per case]},
    "p95": {server: [ms per case]}}`` (:func:`capacity_rps`, and the simulated p95 at
    that traffic; ``inf`` where the server cannot carry it)."""
    out: dict[str, dict[str, list[float]]] = {"capacity": {}, "p95": {}}
    for server in (wsgi, asgi):
        name = server.describe()
        caps, p95s = [], []
        for w, rate in cases.values():
            work = replace(w, view="sync") if isinstance(server, WSGIServer) else w
            cap = capacity_rps(server, work, cores)
            sc = Scenario(server=server, workload=work, arrivals=Poisson(rate),
                          requests=requests, seed=seed, cores=cores)
            caps.append(cap)
            p95s.append(simulate(sc).summary().p95_ms if cap > rate else math.inf)
        out["capacity"][name], out["p95"][name] = caps, p95s
    return out


def fits(server: Any, *, workload: Workload, arrivals: Poisson, target_p95_ms: float,
         memory_mb: float, cores: int = 2, runs: int = 3, requests: int = 3_000) -> bool | str:
    """Whether ``server`` carries ``arrivals`` of ``workload`` within ``memory_mb`` with a
    simulated p95 under ``target_p95_ms`` (the mean over ``runs`` seeded runs): ``True``,
    or a sentence that says why not (for an exercise's self-check).

    >>> w = Workload(cpu_ms=2, io_ms=100, dist="exponential")
    >>> fits(ASGIServer(), workload=w, arrivals=Poisson(200), target_p95_ms=400, memory_mb=150)
    True
    >>> print(fits(WSGIServer(threads=16), workload=w, arrivals=Poisson(200),
    ...            target_p95_ms=400, memory_mb=150))
    WSGI 1x16 carries at most 157 req/s of this work (its lanes, GILs and cores); 200 are offered.
    """
    if not isinstance(server, (WSGIServer, ASGIServer)):
        return (f"{server!r} is not a server description: give WSGIServer(processes=..., "
                "threads=...) or ASGIServer(processes=...).")
    name = server.describe()
    if server.memory_mb > memory_mb:
        return f"{name} needs about {server.memory_mb:,.0f} MB; the budget is {memory_mb:,.0f} MB."
    cap = capacity_rps(server, workload, cores)
    if cap <= arrivals.rate_per_s:
        return (f"{name} carries at most {cap:,.0f} req/s of this work (its lanes, GILs and "
                f"cores); {arrivals.rate_per_s:g} are offered.")
    sc = Scenario(server=server, workload=workload, arrivals=arrivals, requests=requests,
                  cores=cores, seed=1)
    p95 = replicate(sc, runs=runs, warmup_s=0.1 * requests / arrivals.rate_per_s,
                    workers=1).ci("p95_ms")
    if p95.mean > target_p95_ms:
        return f"{name}: p95 about {p95.mean:,.0f} ms, over the {target_p95_ms:g} ms target."
    return True
