"""Same seed, same records to the bit; another seed, other records."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from simulator import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Constant,
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


@pytest.mark.parametrize("arrivals", [Poisson(200), Constant(150),
                                      Bursts(size=10, every_s=0.1, jitter_ms=20)],
                         ids=["poisson", "constant", "bursts"])
def test_the_live_schedule_is_drawn_from_the_simulators_streams(arrivals):
    # No server needed: the load generator's schedule against the simulated arrivals.
    from simulator.live.load._schedule import open_schedule, streams

    sim = simulate(Scenario(server=ASGIServer(), workload=Workload(io_ms=1, view="async"),
                            arrivals=arrivals, requests=60, seed=7))
    live = open_schedule(arrivals, requests=60, duration_s=None, rng=streams(7)[0])
    assert np.allclose(live, [r.arrival_s for r in sim.records], rtol=0, atol=1e-9)


def test_the_live_think_times_are_the_simulators():
    # One user whose requests take no time: each arrival is the sum of the thinks so far.
    from simulator.live.load._schedule import streams, think_times

    loop = ClosedLoop(1, think_ms=30)
    sim = simulate(Scenario(server=ASGIServer(), workload=Workload(view="async"),
                            arrivals=loop, requests=50, seed=7))
    thinks = list(itertools.islice(think_times(loop, streams(7)[1]), 50))
    assert np.allclose(np.cumsum(thinks), [r.arrival_s for r in sim.records], rtol=0,
                       atol=1e-9)
