"""A capacity planner: how many processes and threads does this traffic need?

:func:`plan` searches WSGI servers (``processes x threads``) and ASGI servers
(``processes`` event loops) for the cheapest one whose p95 latency meets a target, on a
host of ``cores`` cores and ``memory_mb`` of memory. *Cheapest* means fewest processes
(each is a core's worth of Python at most: one GIL), then least memory, then fewest
threads.

How it searches, cheapest first:

1. **Rules** that need no simulation: a target below the p95 of the work itself, more
   CPU than the cores have, more than one core's worth of Python in one process (the
   GIL), more I/O than a pool's connections can carry, more busy lanes than there are
   lanes, more memory than the budget. A candidate that breaks one is rejected with the
   reason in words; a target no configuration can meet is explained, not searched.
2. **Theory** where the workload is a textbook queue (Poisson arrivals, exponential
   I/O, no CPU): a WSGI server with ``L`` lanes whose I/O goes through a shared pool of
   ``C`` connections is M/M/min(L, C), an ASGI server M/M/C (M/M/infinity without a
   pool); Erlang C gives the p95 exactly, so candidates it rejects are not simulated.
3. **Simulation with replications** (:func:`~simulator.replicate.replicate`) for the
   short list and for everything theory cannot answer (CPU, the GIL, lognormal times,
   closed loops, per-process pools). A candidate meets the target when the upper end of
   its p95's confidence interval does and no request fails. For a fixed number of
   processes, more threads never make the p95 worse by much, so the threads are found
   by doubling and bisection rather than one by one.

The search is sized before it starts: one that would take more than about 20 s here is
refused with a suggestion.

>>> from simulator import Poisson, Workload
>>> p = plan(workload=Workload(io_ms=50, dist="exponential"), arrivals=Poisson(60),
...          target_p95_ms=180, servers=("wsgi",))
>>> p.best.describe()
'WSGI 1x5'
>>> print(p.table[1].why)
p95 206 ms > 180 ms target (theory: M/M/4, Erlang C)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import theory
from .des._sizing import estimate_seconds
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
from .model.arrivals import Arrivals
from .model.costs import view_on_loop
from .model.scenario import MAX_CORES
from .model.servers import MAX_PROCESSES, MAX_THREADS
from .replicate import Estimate, replicate

__all__ = ["Candidate", "Plan", "PlanTooLarge", "plan"]

LIMIT_S = 20.0  # refuse a search estimated to take longer than this
# The engine's size guard errs towards refusing (benchmarks/bench_sim.py runs about three
# times faster than it assumes); a plan's estimate should be what it will take.
SPEED = 0.4
WALL_S = 40.0  # and stop one that runs longer than this anyway
MAX_FAILED = 0.001  # a candidate that fails more requests than this misses the target
KINDS = ("wsgi", "asgi")


class PlanTooLarge(ValueError):
    """The search would take too long here; the message says what to cut."""


@dataclass(frozen=True)
class Candidate:
    """One configuration the planner tried, with its estimate and verdict.

    ``p95_ms`` is an :class:`~simulator.replicate.Estimate`: from simulation (with a
    confidence interval), from theory (``runs == 0``), or NaN when a rule rejected the
    candidate first. Utilisations are fractions: ``cpu_util`` of the cores its
    processes can use, ``lane_util`` of its WSGI lanes or its ASGI event loops.
    ``by`` says what decided: ``"rule"``, ``"theory"`` or ``"simulation"``.

    >>> from simulator import Poisson, Workload
    >>> p = plan(workload=Workload(io_ms=50, dist="exponential"), arrivals=Poisson(60),
    ...          target_p95_ms=180, servers=("wsgi",))
    >>> c = p.table[0]
    >>> c.description, c.by, c.meets, round(c.lane_util, 2)
    ('WSGI 1x3', 'rule', False, 1.0)
    """

    server: Server
    p95_ms: Estimate
    throughput_rps: float
    cpu_util: float
    lane_util: float
    memory_mb: float
    meets: bool
    why: str
    by: str

    @property
    def description(self) -> str:
        """The server's short label, e.g. ``"WSGI 2x4"``."""
        return self.server.describe()

    def row(self) -> dict[str, Any]:
        """The candidate as a flat dict (one table row)."""
        return {"server": self.description, "p95_ms": self.p95_ms.mean,
                "p95_low_ms": self.p95_ms.low, "p95_high_ms": self.p95_ms.high,
                "throughput_rps": self.throughput_rps, "cpu_util": self.cpu_util,
                "lane_util": self.lane_util, "memory_mb": self.memory_mb,
                "meets": self.meets, "by": self.by, "why": self.why}


@dataclass(frozen=True)
class Plan:
    """What :func:`plan` found: ``best`` (a server description, or ``None``), ``table``
    (every candidate tried, in the order tried), ``reason`` (the answer in words), the
    target (ms) and the ``seconds`` the search took.

    >>> from simulator import Poisson, Workload
    >>> p = plan(workload=Workload(io_ms=50, dist="exponential"), arrivals=Poisson(60),
    ...          target_p95_ms=180, servers=("asgi",))
    >>> p.best.describe(), [(c.description, c.by, c.meets) for c in p.table]
    ('ASGI 1 loop', [('ASGI 1 loop', 'simulation', True)])
    """

    best: Server | None
    table: tuple[Candidate, ...]
    reason: str
    target_p95_ms: float
    seconds: float

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame (pandas needed)."""
        import pandas as pd  # noqa: PLC0415 - optional dependency

        return pd.DataFrame([c.row() for c in self.table])

    def __str__(self) -> str:
        head = (f"{'server':<14} {'p95 ms':>20} {'req/s':>7} {'CPU':>5} {'lanes':>5} "
                f"{'MB':>6}  verdict")
        lines = [self.reason, "", head, "-" * len(head)]
        for c in self.table:
            e = c.p95_ms
            p95 = ("-" if math.isnan(e.mean) else f"{e.mean:.0f}" if e.runs == 0
                   else f"{e.mean:.0f} [{e.low:.0f}, {e.high:.0f}]")
            thr = "-" if math.isnan(c.throughput_rps) else f"{c.throughput_rps:.0f}"
            mark = "meets" if c.meets else "no"
            lines.append(f"{c.description:<14} {p95:>20} {thr:>7} {_pct(c.cpu_util):>5} "
                         f"{_pct(c.lane_util):>5} {c.memory_mb:>6.0f}  {mark}: {c.why}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        best = self.best.describe() if self.best is not None else None
        return f"Plan(best={best!r}, {len(self.table)} candidates, {self.seconds:.1f} s)"


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


# -- the facts of a workload on a server kind -----------------------------------------
@dataclass(frozen=True)
class _Facts:
    """Per server kind: what one request costs and holds, in seconds, and the load."""

    kind: str
    template: Server
    rate: float  # offered requests per second (an upper bound for a closed loop)
    cpu_s: float  # all CPU of one request (needs a GIL and a core)
    loop_s: float  # of which on an ASGI event loop (the loop is held)
    io_s: float
    lane_s: float  # what a WSGI lane / an ASGI loop is held per request
    thread_s: float  # time on a thread of its own (sync views under ASGI)
    textbook: bool  # Poisson, exponential I/O, no CPU: an M/M/c queue


def _offered_rate(arrivals: Arrivals, service_s: float) -> float:
    if isinstance(arrivals, ClosedLoop):
        cycle = service_s + arrivals.think_ms / 1000.0
        return arrivals.users / cycle
    return float(arrivals.rate_per_s)


def _facts(template: Server, w: Workload, arrivals: Arrivals) -> _Facts:
    d = cpu_demand(template, w.view, w.cpu_ms)
    cpu_s, io_s = d.total_ms / 1000.0, w.io_ms / 1000.0
    rate = _offered_rate(arrivals, cpu_s + io_s)
    if isinstance(template, WSGIServer):
        loop_s, lane_s, thread_s = 0.0, cpu_s + io_s, 0.0
    else:
        loop_s = d.loop_ms / 1000.0 + (io_s if w.view == "async_blocking" else 0.0)
        lane_s = loop_s
        thread_s = 0.0 if view_on_loop(template, w.view) else d.thread_ms / 1000.0 + io_s
    textbook = (isinstance(arrivals, Poisson) and w.dist == "exponential" and cpu_s == 0
                and io_s > 0)
    return _Facts(template.kind, template, rate, cpu_s, loop_s, io_s, lane_s, thread_s,
                  textbook)


def _work_p95_ms(w: Workload, f: _Facts) -> float:
    """The p95 of one request's own work (CPU + I/O) with nothing else on the server."""
    if w.dist == "constant" or (f.cpu_s == 0 and f.io_s == 0):
        return 1000.0 * (f.cpu_s + f.io_s)
    if w.dist == "exponential" and (f.cpu_s == 0 or f.io_s == 0):
        return 1000.0 * -math.log(0.05) * (f.cpu_s + f.io_s)
    rng = np.random.default_rng(12345)
    n = 200_000

    def draw(mean: float) -> np.ndarray:
        if mean <= 0:
            return np.zeros(n)
        if w.dist == "exponential":
            return rng.exponential(mean, n)
        s2 = math.log1p(w.cv * w.cv)
        return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)

    # The server's overhead and hops are constant; only the view's own work varies.
    overhead_s = f.cpu_s - w.cpu_ms / 1000.0
    total = draw(w.cpu_ms / 1000.0) + draw(f.io_s) + overhead_s
    return 1000.0 * float(np.percentile(total, 95))


# -- the search ---------------------------------------------------------------------
class _Search:
    def __init__(self, w: Workload, arrivals: Arrivals, target: float, cores: int,
                 budget: float, pool: Pool | None, pools: tuple[Pool, ...], runs: int,
                 requests: int, seed: int) -> None:
        self.w, self.arrivals, self.target, self.cores = w, arrivals, target, cores
        self.budget, self.pool, self.pools = budget, pool, pools
        self.runs, self.requests, self.seed = runs, requests, seed
        self.rows: list[Candidate] = []
        self.began = time.perf_counter()

    # what a candidate costs and how busy it would be
    def memory(self, f: _Facts, server: Server) -> float:
        mb = server.memory_mb
        if isinstance(server, ASGIServer) and f.thread_s > 0:
            busy = f.rate * f.thread_s  # sync views' threads in use on average
            mb += server.thread_mb * math.ceil(busy + 3 * math.sqrt(busy))
        return mb

    def utils(self, f: _Facts, server: Server) -> tuple[float, float]:
        usable = min(server.processes, self.cores)
        cpu = f.rate * f.cpu_s / usable
        lanes = server.lanes if isinstance(server, WSGIServer) else server.processes
        return cpu, f.rate * f.lane_s / lanes

    def rule(self, f: _Facts, server: Server) -> str:
        """Why ``server`` cannot work, without simulating it ("" if it may)."""
        p = server.processes
        mem = self.memory(f, server)
        if mem > self.budget:
            return f"needs {mem:,.0f} MB > {self.budget:,.0f} MB"
        cpu, lanes = self.utils(f, server)
        python_per_process = f.rate * f.cpu_s / p
        if python_per_process >= 1:
            return (f"GIL: {f.rate:g}/s x {1000 * f.cpu_s:g} ms of Python is "
                    f"{python_per_process:.0%} of one core per process; a process runs "
                    "one core's worth at most: more processes, not threads")
        if cpu >= 1:
            return (f"CPU: {p} process{'es' if p > 1 else ''} on {self.cores} cores at "
                    f"{cpu:.0%} utilisation: unstable")
        if lanes >= 1:
            what = "lanes" if isinstance(server, WSGIServer) else "event loops"
            n = server.lanes if isinstance(server, WSGIServer) else p
            return f"{what}: {n} busy {lanes:.0%} of the time: unstable"
        if self.pool is not None and self.pool.per_process:
            use = f.rate * f.io_s / self.pool.connections(p)
            if use >= 1:
                return (f"pool: {self.pool.connections(p)} connections busy {use:.0%} of "
                        "the time: unstable")
        return ""

    def theory_p95_ms(self, f: _Facts, server: Server) -> tuple[float, str] | None:
        """The exact p95 (ms) where the candidate is a textbook queue, and its name."""
        if not f.textbook:
            return None
        mu = 1.0 / f.io_s
        pool = self.pool
        if pool is not None and pool.per_process and server.processes > 1:
            return None  # several FIFO pools behind one queue: not a textbook queue
        conns = pool.connections(server.processes) if pool is not None else None
        if isinstance(server, WSGIServer):
            c = server.lanes if conns is None else min(server.lanes, conns)
        elif self.w.view == "async_blocking":
            if server.processes > 1:
                return None
            c = 1
        elif conns is None:  # M/M/infinity: nobody waits
            return 1000.0 * -math.log(0.05) * f.io_s, "M/M/inf"
        else:
            c = conns
        if f.rate >= c * mu:
            return math.inf, f"M/M/{c}"
        return 1000.0 * theory.mmc_response_percentile(c, f.rate, mu, 95), f"M/M/{c}, Erlang C"

    def add(self, f: _Facts, server: Server, p95: Estimate, thr: float, meets: bool,
            why: str, by: str) -> Candidate:
        cpu, lanes = self.utils(f, server)
        row = Candidate(server, p95, thr, cpu, lanes, self.memory(f, server), meets, why, by)
        self.rows.append(row)
        return row

    def scenario(self, server: Server) -> Scenario:
        return Scenario(server=server, workload=self.w, arrivals=self.arrivals,
                        requests=self.requests, seed=self.seed, cores=self.cores,
                        pools=self.pools)

    def warmup_s(self, f: _Facts) -> float:
        return 0.1 * self.requests / f.rate

    def judge(self, f: _Facts, server: Server) -> Candidate:
        """Rule, then theory, then simulation: the verdict on one candidate."""
        why = self.rule(f, server)
        nan = Estimate(math.nan, math.nan, math.nan, 0)
        if why:
            return self.add(f, server, nan, math.nan, False, why, "rule")
        th = self.theory_p95_ms(f, server)
        if th is not None and th[0] > self.target:
            shown = "grows without bound" if math.isinf(th[0]) else f"{th[0]:.0f} ms"
            return self.add(f, server, Estimate.exact(th[0]), f.rate, False,
                            f"p95 {shown} > {self.target:g} ms target (theory: {th[1]})",
                            "theory")
        if time.perf_counter() - self.began > WALL_S:
            return self.add(f, server, nan, math.nan, False,
                            f"not simulated: the search stopped after {WALL_S:.0f} s", "rule")
        rep = replicate(self.scenario(server), runs=self.runs, warmup_s=self.warmup_s(f),
                        workers=1)
        p95 = rep.ci("p95_ms")
        thr = rep.ci("throughput_rps").mean
        failed = sum(s.failed for s in rep.summaries)
        total = sum(s.failed + s.completed for s in rep.summaries)
        if total and failed / total > MAX_FAILED:
            return self.add(f, server, p95, thr, False,
                            f"{failed / total:.1%} of requests fail", "simulation")
        if math.isnan(p95.mean) or p95.high > self.target:
            if p95.mean <= self.target:
                why = (f"borderline: p95 {p95.mean:.0f} ms but its {p95.level:.0%} interval "
                       f"reaches {p95.high:.0f} ms > {self.target:g} ms target")
            else:
                why = f"p95 {p95.mean:.0f} ms > {self.target:g} ms target"
            return self.add(f, server, p95, thr, False, why, "simulation")
        note = f"; theory {th[0]:.0f} ms ({th[1]})" if th is not None else ""
        return self.add(f, server, p95, thr, True,
                        f"p95 {p95.mean:.0f} ms [{p95.low:.0f}, {p95.high:.0f}] <= "
                        f"{self.target:g} ms{note}", "simulation")

    # the fewest threads that work for ``p`` processes of a WSGI server
    def wsgi_threads(self, f: _Facts, p: int, max_threads: int) -> Candidate | None:
        template = f.template
        assert isinstance(template, WSGIServer)

        def at(t: int) -> WSGIServer:
            return replace(template, processes=p, threads=t)

        t_hi = max_threads
        while t_hi >= 1 and self.memory(f, at(t_hi)) > self.budget:
            t_hi -= 1
        if t_hi < max_threads:  # show where memory stops the threads
            self.judge(f, at(min(t_hi + 1, max_threads)))
        if t_hi < 1:
            return None
        # the fewest threads that pass the rules (stable lanes, pool)
        lo = 1
        lanes_needed = f.rate * f.lane_s
        lo = max(lo, math.floor(lanes_needed / p) + 1)
        if lo > 1:
            self.judge(f, at(min(lo - 1, t_hi)))  # one row that says why fewer fail
        if lo > t_hi:
            return None
        if f.textbook and self.theory_p95_ms(f, at(lo)) is not None:
            for t in range(lo, t_hi + 1):  # theory is free: walk up to the first that meets
                row = self.judge(f, at(t))
                if row.meets:
                    return row
                if row.by == "simulation":  # theory said yes, simulation no: next one
                    continue
            return None
        # doubling from lo, then bisection (more threads: never much worse)
        failed_at, t, step = lo - 1, lo, 1
        found: Candidate | None = None
        while t <= t_hi:
            row = self.judge(f, at(t))
            if row.meets:
                found = row
                break
            if row.by == "rule" and row.why.startswith(("GIL", "CPU")):
                return None  # more threads cannot help
            failed_at, t, step = t, t + step, step * 2
        if found is None:
            if failed_at < t_hi:
                row = self.judge(f, at(t_hi))
                if not row.meets:
                    return None
                found, t = row, t_hi
            else:
                return None
        good = t
        while good - failed_at > 1:
            mid = (good + failed_at) // 2
            row = self.judge(f, at(mid))
            if row.meets:
                good, found = mid, row
            else:
                failed_at = mid
        return found

    def planned_simulations(self, facts: list[_Facts], max_processes: int,
                            max_threads: int) -> tuple[int, float]:
        """(simulations at most, seconds each) that the search may need: the rules and
        theory are applied first, so only what they leave open is counted."""
        sims, each = 0, 0.0
        for f in facts:
            t = f.template
            one = replace(t, processes=1, threads=1) if isinstance(t, WSGIServer) else t
            each = max(each, estimate_seconds(self.scenario(one)) * self.runs * SPEED)
            for p in range(1, max_processes + 1):
                if isinstance(t, ASGIServer):
                    sims += 0 if self.rule(f, replace(t, processes=p)) else 1
                    continue
                top = replace(t, processes=p, threads=max_threads)
                if self.rule(f, top).startswith(("GIL", "CPU")):
                    continue  # threads cannot help this many processes
                lo = math.floor(f.rate * f.lane_s / p) + 1
                span = max(1, max_threads - lo + 1)
                sims += 2 if f.textbook else 2 * math.ceil(math.log2(span)) + 2
        return sims, each


def _templates(servers: Any) -> list[Server]:
    if isinstance(servers, (str, WSGIServer, ASGIServer)):
        servers = (servers,)
    if not isinstance(servers, (tuple, list)) or not servers:
        raise ValueError(f"plan(servers={servers!r}): servers must be a non-empty tuple of "
                         "'wsgi', 'asgi' or server descriptions, e.g. servers=('wsgi', 'asgi').")
    out: list[Server] = []
    for s in servers:
        if isinstance(s, (WSGIServer, ASGIServer)):
            out.append(s)
        elif s == "wsgi":
            out.append(WSGIServer())
        elif s == "asgi":
            out.append(ASGIServer())
        else:
            raise ValueError(
                f"plan(servers=...): unknown server kind {s!r}; use 'wsgi' or 'asgi', or a "
                "WSGIServer(...) / ASGIServer(...) whose costs (overhead_ms, process_mb, "
                "...) the candidates should share."
            )
    return out


def plan(*, workload: Workload, arrivals: Arrivals, target_p95_ms: float, cores: int = 2,
         memory_mb: float = 1024.0, servers: Any = KINDS, pools: tuple[Pool, ...] = (),
         max_processes: int | None = None, max_threads: int = 64, runs: int = 5,
         requests: int = 4_000, seed: int = 0) -> Plan:
    """Find the cheapest server configuration whose p95 latency meets ``target_p95_ms``.

    Parameters
    ----------
    workload, arrivals:
        The traffic to plan for (one class), as in a :class:`~simulator.Scenario`.
    target_p95_ms:
        The p95 latency to meet, in ms (> 0).
    cores, memory_mb:
        The host: CPU cores (1-256) and memory for the server (MB, > 0).
    servers:
        Kinds to consider: ``"wsgi"``, ``"asgi"``, or server descriptions used as
        templates (their ``overhead_ms``, ``switch_ms``, ``process_mb``, ... are kept;
        the planner sets ``processes`` and ``threads``).
    pools:
        Connection pools the workload's ``pool`` names, as in a scenario.
    max_processes, max_threads:
        How far to search: processes up to ``max_processes`` (default ``cores``: more
        processes than cores add no CPU), threads per WSGI process up to ``max_threads``.
    runs, requests, seed:
        Replications per simulated candidate (2-50), requests per run (500-100,000),
        and the seed the runs' seeds come from.

    Returns
    -------
    Plan
        ``best`` (a server description or ``None``), ``table`` (every candidate tried,
        with its p95 estimate, throughput, utilisations, memory, verdict and why) and
        ``reason`` (in words).

    Raises
    ------
    ValueError
        For a bad parameter, or :class:`PlanTooLarge` for a search estimated to take
        more than about 20 s here.

    A target below what the work itself takes is explained at once, not searched:

    >>> from simulator import Poisson, Workload
    >>> p = plan(workload=Workload(io_ms=50), arrivals=Poisson(60), target_p95_ms=40)
    >>> p.best is None, p.table
    (True, ())
    >>> print(p.reason[:68])
    Impossible: the target p95 of 40 ms is below the p95 of the work its
    """
    began = time.perf_counter()
    if not isinstance(workload, Workload):
        raise ValueError(f"plan(workload={workload!r}): expected a Workload(...).")
    check_number("plan", "target_p95_ms", target_p95_ms, low_open=True, high=3.6e9,
                 hint="The p95 latency to meet, in ms, e.g. target_p95_ms=200.")
    check_int("plan", "cores", cores, low=1, high=MAX_CORES, hint="This machine has 2.")
    check_number("plan", "memory_mb", memory_mb, low_open=True, high=1e9,
                 hint="Memory for the server in MB, e.g. memory_mb=1024.")
    templates = _templates(servers)
    p_max = cores if max_processes is None else max_processes
    check_int("plan", "max_processes", p_max, low=1, high=MAX_PROCESSES,
              hint="Usually the number of cores.")
    check_int("plan", "max_threads", max_threads, low=1, high=MAX_THREADS,
              hint="Try max_threads=64.")
    check_int("plan", "runs", runs, low=2, high=50, hint="Try runs=5.")
    check_int("plan", "requests", requests, low=500, high=100_000,
              hint="Try requests=4_000.")
    # A scenario checks the arrivals, the pools and that the workload's pool exists.
    Scenario(server=templates[0], workload=workload, arrivals=arrivals, requests=requests,
             seed=seed, cores=cores, pools=pools)
    pool = next((p for p in pools if p.name == workload.pool), None)
    search = _Search(workload, arrivals, float(target_p95_ms), cores, float(memory_mb), pool,
                     tuple(pools), runs, requests, seed)
    facts = [_facts(t, workload, arrivals) for t in templates]
    target = float(target_p95_ms)

    def answer(best: Candidate | None, reason: str) -> Plan:
        return Plan(best.server if best is not None else None, tuple(search.rows), reason,
                    target, time.perf_counter() - began)

    impossible = _impossible(search, facts)
    if impossible:
        return answer(None, impossible)
    sims, each = search.planned_simulations(facts, p_max, max_threads)
    if sims * each > LIMIT_S:
        raise PlanTooLarge(
            f"plan: this search may simulate up to {sims} configurations x {runs} runs of "
            f"{requests:,} requests (about {sims * each:,.0f} s of computing here); the "
            f"limit is about {LIMIT_S:.0f} s. Try requests=2_000, runs=3, one kind in "
            "servers=('wsgi',), max_processes=1, or a smaller max_threads."
        )
    for p in range(1, p_max + 1):
        found: list[Candidate] = []
        for f in facts:
            if isinstance(f.template, WSGIServer):
                row = search.wsgi_threads(f, p, max_threads)
            else:
                row = search.judge(f, replace(f.template, processes=p))
            if row is not None and row.meets:
                found.append(row)
        if found:
            best = min(found, key=lambda c: (c.memory_mb, getattr(c.server, "threads", 0)))
            return answer(best, f"{best.description} is the cheapest configuration that "
                                f"meets p95 <= {target:g} ms: {best.why}; about "
                                f"{best.memory_mb:,.0f} MB.")
    procs = f"{p_max} process{'es' if p_max > 1 else ''}"
    return answer(None, f"No configuration up to {procs} x {max_threads} threads meets p95 "
                        f"<= {target:g} ms on {cores} cores and {memory_mb:,.0f} MB; the "
                        "table says why each fails. Try more cores, more memory, a larger "
                        "pool or a looser target.")


def _impossible(search: _Search, facts: list[_Facts]) -> str:
    """Why no configuration at all can meet the target ("" if one may)."""
    w, target = search.w, search.target
    floors = [_work_p95_ms(w, f) for f in facts]
    floor = min(floors)
    if target < floor:
        return (f"Impossible: the target p95 of {target:g} ms is below the p95 of the work "
                f"itself, {floor:.0f} ms ({w.dist} {w.cpu_ms:g} ms CPU + {w.io_ms:g} ms "
                "I/O, with nothing else on the server). No number of processes or threads "
                "answers faster than the work takes: make the work faster or the target "
                "looser.")
    f = min(facts, key=lambda f: f.cpu_s)
    need = f.rate * f.cpu_s
    if need >= search.cores:
        return (f"Impossible: {f.rate:g} requests/s x {1000 * f.cpu_s:g} ms of CPU need "
                f"{need:.2f} cores' worth of Python; the host has {search.cores}. Add cores "
                "or make the view cheaper.")
    pool = search.pool
    if pool is not None and not pool.per_process and f.io_s > 0:
        carry = pool.size / f.io_s
        if f.rate >= carry:
            return (f"Impossible: the pool {pool.name!r} of {pool.size} connections carries "
                    f"at most {pool.size} / {1000 * f.io_s:g} ms = {carry:.0f} requests/s; "
                    f"{f.rate:g}/s are offered. No server configuration changes that: "
                    "enlarge the pool or shorten the queries.")
    return ""
