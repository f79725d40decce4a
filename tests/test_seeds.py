"""Same seed, same records to the bit; another seed, other records."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulator import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Poisson,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    simulate,
)

SCENARIOS = [
    Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50, dist="exponential"),
             arrivals=Poisson(60), requests=3_000, seed=1),
    Scenario(server=ASGIServer(processes=2, switch_ms=0.5),
             workload=Workload(cpu_ms=2, io_ms=30, dist="lognormal", cv=1.5),
             arrivals=ClosedLoop(20, think_ms=50), requests=3_000, seed=1, timeout_s=0.2),
    Scenario(server=WSGIServer(processes=2, threads=2, backlog=5),
             traffic=(Traffic("a", Workload(io_ms=20, dist="exponential"), Poisson(40)),
                      Traffic("b", Workload(cpu_ms=3, dist="exponential"),
                              Bursts(size=10, every_s=0.5, jitter_ms=50))),
             duration_s=20, seed=1),
]


@pytest.mark.parametrize("sc", SCENARIOS, ids=["mmc", "asgi-closed", "classes"])
def test_same_seed_same_records_other_seed_other_records(sc):
    first, again = simulate(sc), simulate(sc)
    assert first.records == again.records
    other = simulate(replace(sc, seed=2))
    assert other.records != first.records
    assert [r.arrival_s for r in other.records[:50]] != [r.arrival_s for r in first.records[:50]]


def test_a_new_traffic_class_does_not_shift_the_draws_of_the_others():
    base = SCENARIOS[0]
    more = replace(base, traffic=(Traffic("extra", Workload(io_ms=1), Poisson(0.001)),))
    a = [r.arrival_s for r in simulate(base).records[:100]]
    b = [r.arrival_s for r in simulate(more).records if r.traffic == "main"][:100]
    assert a == b
