"""The capacity questions of notebook 09, asked of the model: what caps a configuration,
the rule of thumb beside the planner, the pool's ceiling, the retry storm, which apps
gain from ASGI, and the exercise's self-check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Pool,
    Scenario,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.capacity import (
    WORKLOADS,
    capacity_rps,
    fits,
    pool_sweep,
    retry_sweep,
    rule_of_thumb,
    rule_vs_plan,
    wsgi_or_asgi,
)


@pytest.mark.parametrize(("server", "work", "expected"), [
    (WSGIServer(threads=8), Workload(cpu_ms=1, io_ms=49), 8 / 0.050),      # lanes
    (WSGIServer(threads=64), Workload(cpu_ms=1, io_ms=49), 1 / 0.001),     # one GIL
    (WSGIServer(processes=4, threads=8), Workload(cpu_ms=10), 2 / 0.010),  # two cores
    (ASGIServer(), Workload(cpu_ms=1, io_ms=49, view="async"), 1000.0),    # the loop's Python
    (ASGIServer(), Workload(io_ms=30, view="async_blocking"), 1 / 0.030),  # the loop, blocked
])
def test_capacity_is_the_tightest_of_lanes_gils_cores_and_loops(server, work, expected):
    assert capacity_rps(server, work) == pytest.approx(expected)


def test_capacity_counts_a_pool_and_nothing_caps_pure_waiting_on_a_loop():
    w = Workload(io_ms=50, view="async", pool="db")
    assert capacity_rps(ASGIServer(), w, pools=(Pool("db", 10),)) == pytest.approx(200)
    per_process = (Pool("db", 10, per_process=True),)
    assert capacity_rps(ASGIServer(processes=2), w, pools=per_process) == pytest.approx(400)
    assert math.isinf(capacity_rps(ASGIServer(), Workload(io_ms=50, view="async")))


def test_capacity_matches_a_saturated_simulation():
    # 64 users keep a WSGI 2x8 server busy: the model's throughput meets the formula
    w = Workload(cpu_ms=2, io_ms=18)
    sim = simulate(Scenario(server=WSGIServer(processes=2, threads=8), workload=w,
                            arrivals=ClosedLoop(users=64), requests=4_000))
    assert sim.summary(warmup_s=0.5).throughput_rps == pytest.approx(
        capacity_rps(WSGIServer(processes=2, threads=8), w), rel=0.05)


def test_the_rule_is_wrong_for_io_bound_traffic_and_wasteful_for_cpu_bound():
    assert rule_of_thumb(2).describe() == "WSGI 5x1"
    rows = {r.workload: r for r in rule_vs_plan(target_p95_ms=400)}
    assert set(rows) == set(WORKLOADS)
    io, cpu = rows["I/O-bound"], rows["CPU-bound"]
    assert math.isinf(io.rule_p95_ms.mean) and not io.rule_meets  # 5 lanes, 10.2 busy
    assert io.best is not None and io.best.server.processes == 1
    assert cpu.rule_meets and cpu.best is not None
    assert cpu.best.server.processes == 2 and cpu.best.memory_mb < cpu.rule_mb / 2


def test_the_pool_caps_every_configuration_past_its_size():
    sweep = pool_sweep([4, 16, 64], pool_size=10, io_ms=50)
    assert sweep["WSGI"][0] == pytest.approx(80, rel=0.05)  # 4 lanes / 50 ms
    assert sweep["WSGI"][1] == pytest.approx(200, rel=0.05)
    assert sweep["WSGI"][2] == pytest.approx(200, rel=0.05)
    assert sweep["ASGI"][0] == pytest.approx(200, rel=0.05)
    assert sweep["WSGI, no pool"][2] > 1000  # the pool, not the server, set the ceiling


def test_retries_sink_the_goodput_below_capacity_and_multiply_the_load():
    sc = Scenario(server=ASGIServer(), workload=Workload(io_ms=50, dist="exponential",
                                                          view="async", pool="db"),
                  pools=(Pool("db", 10),), arrivals=Poisson(100), duration_s=4,
                  timeout_s=0.15)
    sweep = retry_sweep(sc, [100, 170], retries=(0, 2), seeds=3)
    none, two = sweep[0], sweep[2]
    assert two.goodput[0] >= none.goodput[0]  # light load: retries rescue the unlucky
    assert two.goodput[1] < none.goodput[1] - 0.1  # near capacity: they sink everyone
    assert two.attempts[1] > 1.5 and np.allclose(none.attempts, 1.0)
    assert np.all(two.goodput_low <= two.goodput) and np.all(two.goodput <= two.goodput_high)
    with pytest.raises(ValueError, match="timeout"):
        retry_sweep(Scenario(server=ASGIServer(), workload=Workload(io_ms=5),
                             arrivals=Poisson(10), requests=100), [10])


def test_only_the_app_that_waits_gains_from_asgi():
    cases = {"cpu": (Workload(cpu_ms=8, view="async"), 150.0),
             "blocking": (Workload(cpu_ms=1, io_ms=30, view="async_blocking"), 100.0),
             "waiting": (Workload(cpu_ms=1, io_ms=50, view="async"), 400.0)}
    both = wsgi_or_asgi(cases, WSGIServer(processes=2, threads=8), ASGIServer(processes=2),
                        requests=1_000)
    wsgi, asgi = both["capacity"]["WSGI 2x8"], both["capacity"]["ASGI 2 loops"]
    assert wsgi[0] == asgi[0]  # two GILs either way
    assert asgi[1] < wsgi[1] / 5  # the loops wait through every blocking call
    assert asgi[2] > 4 * wsgi[2]
    assert math.isinf(both["p95"]["ASGI 2 loops"][1])  # overloaded: no p95 to speak of
    assert math.isinf(both["p95"]["WSGI 2x8"][2])


def test_fits_says_why_a_server_does_not():
    w = Workload(cpu_ms=2, io_ms=100, dist="exponential")
    ask = {"workload": w, "arrivals": Poisson(200), "target_p95_ms": 400, "memory_mb": 150}
    assert fits(ASGIServer(), **ask) is True
    assert fits(WSGIServer(threads=32), **ask) is True
    assert "not a server description" in str(fits(8, **ask))
    assert "MB" in str(fits(WSGIServer(processes=3, threads=8), **ask))
    assert "carries at most" in str(fits(WSGIServer(threads=16), **ask))
    assert "over the 400 ms target" in str(fits(WSGIServer(threads=21), **ask))
