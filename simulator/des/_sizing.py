"""Sizing: refuse, before running, a scenario that would take minutes to simulate.

A dashboard must answer in a blink and a learner's typo (``requests=10**9``) must not
freeze the kernel. We estimate the work from the scenario (requests times the CPU
slices each needs) and refuse beyond about 10 s of computing, saying what to cut.
"""

from __future__ import annotations

import math

from ..model import SWITCH_INTERVAL_S, ClosedLoop, Scenario, cpu_demand

# Wall-clock seconds per unit of work (a request, plus half a unit per CPU slice): a
# cautious reading of the requests per second that benchmarks/bench_sim.py measures (its
# figures are in the README, "Speed"), so the estimate errs towards refusing.
SECONDS_PER_UNIT = 25e-6
LIMIT_S = 10.0
HARD_CAP = 500_000  # no run sends more requests than this, whatever the estimate said
SLICE_MS = 1000.0 * SWITCH_INTERVAL_S  # the engine runs CPU in slices of one switch interval


def _class_stats(sc: Scenario) -> list[tuple[float, float, float]]:
    """(requests per second, service seconds, CPU slices per request) for each class."""
    out: list[tuple[float, float, float]] = []
    server = sc.server
    for t in sc.classes:
        w = t.workload
        cpu_ms = cpu_demand(server, w.view, w.cpu_ms).total_ms
        service_s = (cpu_ms + w.io_ms) / 1000.0
        a = t.arrivals
        if isinstance(a, ClosedLoop):
            cycle = service_s + a.think_ms / 1000.0
            rate = a.users / cycle if cycle > 0 else math.inf
        else:
            rate = a.rate_per_s
        out.append((rate, service_s, math.ceil(cpu_ms / SLICE_MS)))
    return out


def expected_requests(sc: Scenario) -> float:
    """How many requests the run will send, about."""
    if sc.requests is not None:
        return float(sc.requests)
    assert sc.duration_s is not None
    return sum(rate for rate, _, _ in _class_stats(sc)) * sc.duration_s


def estimate_seconds(sc: Scenario, trace: bool = False) -> float:
    """Wall-clock seconds the simulation should take on a machine like this one."""
    stats = _class_stats(sc)
    total_rate = sum(r for r, _, _ in stats)
    if not math.isfinite(total_rate) or total_rate <= 0:
        return math.inf
    units = 0.0
    n = expected_requests(sc)
    for t, (rate, _, slices) in zip(sc.classes, stats, strict=True):
        # A pool costs a request about one more unit; every retry (at worst all of them)
        # is one more request, plus the client's timer.
        pooled = 1.0 if t.workload.pool is not None else 0.0
        retried = 1.0 + 1.3 * sc.retries if sc.timeout_for(t) is not None else 1.0
        units += n * rate / total_rate * (1.0 + 0.5 * slices + pooled) * retried
    return units * SECONDS_PER_UNIT * (1.6 if trace else 1.0)


def check_size(sc: Scenario, trace: bool = False) -> None:
    """Raise ``SimulationTooLarge`` if ``sc`` would take more than about 10 s."""
    from .engine import SimulationTooLarge  # noqa: PLC0415 - the error lives with simulate

    est = estimate_seconds(sc, trace)
    n = expected_requests(sc)
    if est <= LIMIT_S and n <= HARD_CAP:
        return
    what = f"about {n:,.0f} requests" if math.isfinite(n) else "an unbounded number of requests"
    raise SimulationTooLarge(
        f"simulate: this scenario means {what} (about {est:,.0f} s of computing here); the "
        f"limit is about {LIMIT_S:.0f} s and {HARD_CAP:,} requests. Try requests=10_000 "
        "(percentiles settle by then), a shorter duration_s, or a lower rate or fewer users."
    )
