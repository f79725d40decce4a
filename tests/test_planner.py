"""The capacity planner against theory, the GIL, pools, memory and impossible targets."""

from __future__ import annotations

import math

import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Plan,
    Poisson,
    Pool,
    Workload,
    WSGIServer,
    plan,
    theory,
)
from simulator.planner import PlanTooLarge

EXP50 = Workload(io_ms=50, dist="exponential")


@pytest.fixture(scope="module")
def textbook() -> Plan:
    return plan(workload=EXP50, arrivals=Poisson(60), target_p95_ms=180, servers=("wsgi",))


def test_poisson_60_with_50_ms_io_needs_5_threads_for_a_p95_of_180_ms(textbook):
    assert textbook.best == WSGIServer(threads=5)
    rows = {c.description: c for c in textbook.table}
    four = rows["WSGI 1x4"]
    # Erlang C: 4 threads give a p95 of about 206 ms, rejected without simulating
    assert four.by == "theory" and not four.meets
    assert four.p95_ms.mean == pytest.approx(1000 * theory.mmc_response_percentile(4, 60, 20, 95))
    assert round(four.p95_ms.mean) == 206 and "206 ms > 180 ms" in four.why
    five = rows["WSGI 1x5"]
    # the short list is confirmed by simulation, and it agrees with theory
    assert five.by == "simulation" and five.meets and five.p95_ms.runs == 5
    assert five.p95_ms.high <= 180
    assert five.p95_ms.mean == pytest.approx(160.0, rel=0.06)
    assert rows["WSGI 1x3"].by == "rule" and "unstable" in rows["WSGI 1x3"].why
    assert "WSGI 1x5" in textbook.reason and "180" in str(textbook)


def test_every_row_says_its_estimate_throughput_utilisation_and_memory(textbook):
    for c in textbook.table:
        assert c.memory_mb == pytest.approx(c.server.memory_mb)
        assert c.cpu_util == 0.0
        assert c.lane_util == pytest.approx(60 * 0.05 / c.server.lanes)
        assert c.why
    five = textbook.table[-1]
    assert five.throughput_rps == pytest.approx(60, rel=0.05)
    frame_row = five.row()
    assert frame_row["server"] == "WSGI 1x5" and frame_row["meets"] is True


def test_cheapest_is_fewest_processes_then_least_memory():
    both = plan(workload=EXP50, arrivals=Poisson(60), target_p95_ms=180)
    # one process either way; WSGI 1x5 needs less memory than an ASGI process here
    assert both.best == WSGIServer(threads=5)
    assert any(c.description == "ASGI 1 loop" and c.meets for c in both.table)
    lean = plan(workload=EXP50, arrivals=Poisson(60), target_p95_ms=180,
                servers=(WSGIServer(), ASGIServer(process_mb=30)))
    assert lean.best == ASGIServer(process_mb=30)


def test_a_cpu_heavy_view_needs_processes_not_threads():
    # 150/s x 8 ms = 1.2 cores' worth of Python: one process (one GIL) cannot carry it
    p = plan(workload=Workload(cpu_ms=8, io_ms=20, dist="exponential"), arrivals=Poisson(150),
             target_p95_ms=150, runs=3, requests=3_000)
    assert p.best is not None and p.best.processes == 2
    one = [c for c in p.table if c.server.processes == 1]
    assert one and all(not c.meets and c.why.startswith("GIL") for c in one)
    assert "more processes, not threads" in one[0].why


def test_an_impossible_target_is_explained_in_words_not_searched():
    p = plan(workload=EXP50, arrivals=Poisson(60), target_p95_ms=100)
    assert p.best is None and p.table == ()
    assert "below the p95 of the work itself, 150 ms" in p.reason  # -ln(0.05) x 50 ms
    assert p.seconds < 1.0
    cpu = plan(workload=Workload(cpu_ms=40), arrivals=Poisson(60), target_p95_ms=500)
    assert cpu.best is None and "2.40 cores' worth" in cpu.reason


def test_a_pool_limits_every_configuration_alike():
    pools = (Pool("db", 10),)
    work = Workload(io_ms=50, dist="exponential", pool="db")
    too_small = plan(workload=work, arrivals=Poisson(250), target_p95_ms=500, pools=pools)
    assert too_small.best is None and "carries at most 10 / 50 ms = 200 requests/s" in \
        too_small.reason
    # 150/s through 10 connections: M/M/min(threads, 10); ten threads are as good as any
    ok = plan(workload=work, arrivals=Poisson(150), target_p95_ms=200, pools=pools,
              servers=("wsgi",))
    assert ok.best == WSGIServer(threads=10)
    assert any("M/M/8" in c.why for c in ok.table)


def test_memory_not_cpu_can_be_the_limit():
    big = WSGIServer(process_mb=600)
    p = plan(workload=Workload(cpu_ms=8, io_ms=20, dist="exponential"), arrivals=Poisson(150),
             target_p95_ms=150, servers=(big,), memory_mb=1024, runs=3, requests=2_000)
    assert p.best is None
    assert any("MB > 1,024 MB" in c.why for c in p.table)
    assert "No configuration" in p.reason


def test_closed_loops_are_planned_by_simulation():
    p = plan(workload=Workload(io_ms=50), arrivals=ClosedLoop(20, think_ms=450),
             target_p95_ms=60, servers=("wsgi",), runs=3, requests=2_000)
    assert p.best is not None and p.best.threads >= 2
    assert all(c.by != "theory" for c in p.table)


@pytest.mark.parametrize(("kw", "message"), [
    ({"target_p95_ms": -5}, "target_p95_ms must be more than 0"),
    ({"target_p95_ms": math.nan}, "target_p95_ms must be a finite number"),
    ({"servers": ("wsgi", "gunicorn")}, "unknown server kind 'gunicorn'; use 'wsgi' or 'asgi'"),
    ({"servers": ()}, "servers must be a non-empty tuple"),
    ({"memory_mb": 0}, "memory_mb must be more than 0"),
    ({"runs": 1}, "runs must be a whole number from 2"),
    ({"cores": 0}, "cores must be a whole number from 1"),
    ({"workload": Workload(io_ms=50, pool="db")}, "Add pools="),
])
def test_bad_input_fails_at_once(kw, message):
    args = {"workload": EXP50, "arrivals": Poisson(60), "target_p95_ms": 180, **kw}
    with pytest.raises(ValueError, match=message):
        plan(**args)


def test_a_search_that_would_take_too_long_is_refused_with_a_suggestion():
    with pytest.raises(PlanTooLarge, match=r"limit is about 20 s\. Try requests=2_000"):
        plan(workload=Workload(cpu_ms=2, io_ms=30, dist="lognormal"), arrivals=Poisson(300),
             target_p95_ms=120, requests=100_000, runs=20, max_threads=512)
