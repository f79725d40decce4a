"""The physics of the bridge and the highway, one behaviour per test."""

from __future__ import annotations

import pytest

from simulator import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Constant,
    Poisson,
    RequestRecord,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.model import SWITCH_INTERVAL_S, cpu_demand

SIXTEEN_USERS = ClosedLoop(16)


def run(server, workload, arrivals=SIXTEEN_USERS, requests=3_000, **kw):
    return simulate(Scenario(server=server, workload=workload, arrivals=arrivals,
                             requests=requests, **kw))


def rps(res, warmup_s=0.5):
    return res.summary(warmup_s=warmup_s).throughput_rps


# -- the GIL and the cores -------------------------------------------------------------
@pytest.mark.parametrize("threads", [1, 4, 16])
def test_cpu_bound_threads_of_one_process_are_capped_by_the_gil(threads):
    # 20,000 exponential bursts: the mean is known to 0.7 %, so 3 % is a real check
    res = run(WSGIServer(threads=threads), Workload(cpu_ms=5, dist="exponential"),
              requests=20_000)
    assert rps(res) == pytest.approx(1000 / 5, rel=0.03)


def test_cpu_bound_async_views_share_one_loop_and_one_gil():
    res = run(ASGIServer(), Workload(cpu_ms=5, view="async"))
    assert rps(res) == pytest.approx(200, rel=0.02)


@pytest.mark.parametrize(("processes", "cores", "expected"), [
    (2, 2, 400), (4, 2, 400), (4, 4, 800), (8, 4, 800), (1, 4, 200),
])
def test_processes_scale_cpu_work_until_the_cores_run_out(processes, cores, expected):
    res = run(WSGIServer(processes=processes, threads=2), Workload(cpu_ms=5),
              arrivals=ClosedLoop(32), cores=cores)
    assert rps(res) == pytest.approx(expected, rel=0.02)


def test_gil_switch_interval_lets_a_short_request_through_a_long_one():
    # a 100 ms CPU request arrives at 1.00 s; a 1 ms one arrives at 1.01 s on another thread
    long_first = Scenario(server=WSGIServer(threads=2), workload=Workload(cpu_ms=100),
                          arrivals=Constant(1.0), requests=2,
                          traffic=(Traffic("short", Workload(cpu_ms=1), Constant(1 / 1.01)),))
    res = simulate(long_first)
    short = next(r for r in res.records if r.traffic == "short")
    assert short.arrival_s > next(r for r in res.records if r.traffic == "main").arrival_s
    # it waits at most one switch interval (5 ms) for the GIL, then runs its 1 ms
    assert short.latency_s <= SWITCH_INTERVAL_S + 0.001 + 1e-9


def test_cooperative_loop_makes_a_short_request_wait_for_a_long_one():
    long_first = Scenario(server=ASGIServer(), workload=Workload(cpu_ms=100, view="async"),
                          arrivals=Constant(1.0), requests=2,
                          traffic=(Traffic("short", Workload(cpu_ms=1, view="async"),
                                           Constant(1 / 1.01)),))
    res = simulate(long_first)
    short = next(r for r in res.records if r.traffic == "short")
    # no slicing on the loop: the short request waits for the whole 100 ms burst
    assert short.latency_s == pytest.approx(0.100 - 0.010 + 0.001, abs=1e-6)


@pytest.mark.parametrize("server", [
    WSGIServer(overhead_ms=0.4, switch_ms=1.5),
    ASGIServer(overhead_ms=0.4, switch_ms=1.5),
    ASGIServer(overhead_ms=0.4, switch_ms=1.5, sync_stretches=2),
], ids=["wsgi", "asgi", "asgi-2-sync-middleware"])
@pytest.mark.parametrize("view", ["sync", "async", "async_blocking"])
def test_a_lone_request_takes_the_cpu_the_model_says_it_costs(server, view):
    res = simulate(Scenario(server=server, workload=Workload(cpu_ms=3, view=view),
                            arrivals=Constant(1.0), requests=1), trace=True)
    demand = cpu_demand(server, view, 3.0)
    assert res.records[0].latency_s == pytest.approx(demand.total_ms / 1000, abs=1e-12)
    on_loop = sum(s.end_s - s.start_s for s in res.spans if s.where.endswith("loop"))
    assert on_loop == pytest.approx(demand.loop_ms / 1000, abs=1e-12)


# -- lanes held through I/O vs the loop free during awaits ------------------------------
@pytest.mark.parametrize(("threads", "expected"), [(1, 20), (4, 80), (16, 320)])
def test_wsgi_lanes_are_held_through_io(threads, expected):
    res = run(WSGIServer(threads=threads), Workload(io_ms=50), arrivals=ClosedLoop(16))
    assert rps(res) == pytest.approx(expected, rel=0.02)


def test_asgi_overlaps_waiting():
    res = run(ASGIServer(), Workload(io_ms=50, view="async"), arrivals=ClosedLoop(64))
    assert rps(res) == pytest.approx(64 / 0.050, rel=0.02)


def test_blocking_call_in_async_view_turns_the_highway_into_one_lane():
    load = Poisson(15)
    work = Workload(io_ms=50, dist="exponential")
    blocking = run(ASGIServer(), Workload(io_ms=50, dist="exponential",
                                          view="async_blocking"), arrivals=load, seed=3)
    one_lane = run(WSGIServer(threads=1), work, arrivals=load, seed=3)
    a, b = blocking.summary(), one_lane.summary()
    assert a.p95_ms == pytest.approx(b.p95_ms, rel=1e-9)
    assert a.mean_latency_ms == pytest.approx(b.mean_latency_ms, rel=1e-9)
    closed = run(ASGIServer(), Workload(io_ms=50, view="async_blocking"))
    assert rps(closed) == pytest.approx(20, rel=0.02)


def test_awaiting_requests_wait_for_a_blocked_loop_to_send_their_response():
    sc = Scenario(server=ASGIServer(), workload=Workload(io_ms=10, view="async"),
                  arrivals=Constant(1.0), requests=2,
                  traffic=(Traffic("blocker", Workload(io_ms=100, view="async_blocking"),
                                   Constant(1 / 1.005)),))
    res = simulate(sc)
    main = next(r for r in res.records if r.traffic == "main")
    # its 10 ms of I/O ends at 1.010 s, but the loop is blocked until 1.105 s
    assert main.end_s == pytest.approx(1.105, abs=1e-9)


def test_sync_views_under_asgi_run_on_threads_of_their_own_and_pay_the_hop():
    free = run(ASGIServer(), Workload(io_ms=50), arrivals=ClosedLoop(64))
    assert rps(free) == pytest.approx(64 / 0.050, rel=0.02)  # no cap on threads
    hop = run(ASGIServer(switch_ms=1.0), Workload(io_ms=50), arrivals=ClosedLoop(128))
    assert rps(hop) == pytest.approx(1000, rel=0.03)  # 1 ms of the loop per request
    spans = simulate(Scenario(server=ASGIServer(), workload=Workload(cpu_ms=1, io_ms=5),
                              arrivals=ClosedLoop(4), requests=20), trace=True).spans
    threads = {s.where for s in spans if s.kind in ("cpu", "io")}
    assert {"p0-th0", "p0-th1", "p0-th2", "p0-th3"} <= threads


def test_a_stretch_of_sync_middleware_costs_async_views_two_hops():
    base = run(ASGIServer(switch_ms=1.0), Workload(io_ms=50, view="async"),
               arrivals=ClosedLoop(200))
    mw = run(ASGIServer(switch_ms=1.0, sync_stretches=1), Workload(io_ms=50, view="async"),
             arrivals=ClosedLoop(200))
    assert rps(base) == pytest.approx(200 / 0.050, rel=0.03)
    assert rps(mw) == pytest.approx(500, rel=0.03)  # 2 ms of hops on the loop per request


def test_async_views_under_wsgi_pay_the_adaptation_cost_and_keep_the_lane():
    res = run(WSGIServer(threads=1, switch_ms=1.0), Workload(io_ms=50, view="async"))
    assert rps(res) == pytest.approx(1000 / 51, rel=0.02)


def test_per_request_overhead_is_cpu_under_the_gil():
    res = run(WSGIServer(threads=32, overhead_ms=1.0), Workload(io_ms=10),
              arrivals=ClosedLoop(64))
    assert rps(res) == pytest.approx(1000, rel=0.03)


def test_asgi_processes_take_the_least_busy_loop():
    res = run(ASGIServer(processes=2), Workload(cpu_ms=5, view="async"),
              arrivals=ClosedLoop(8))
    assert rps(res) == pytest.approx(400, rel=0.02)
    lanes = [r.lane for r in res.records]
    assert abs(lanes.count("p0-loop") - lanes.count("p1-loop")) <= 0.02 * len(lanes)


# -- admission and failure ------------------------------------------------------------
def test_full_backlog_rejects_with_503():
    res = run(WSGIServer(threads=1, backlog=0), Workload(io_ms=100),
              arrivals=Bursts(size=5, every_s=1.0), requests=10)
    assert [r.status for r in res.records] == (["ok"] + ["rejected"] * 4) * 2
    assert all(r.code == 503 and r.start_s is None for r in res.records if r.status != "ok")
    s = res.summary()
    assert (s.completed, s.rejected, s.failed) == (2, 8, 8)


def test_limit_concurrency_rejects_beyond_the_limit():
    res = run(ASGIServer(limit_concurrency=4), Workload(io_ms=100, view="async"),
              arrivals=Bursts(size=10, every_s=1.0), requests=10)
    assert [r.status for r in res.records] == ["ok"] * 4 + ["rejected"] * 6


def test_closed_loop_users_refused_at_once_do_not_spin_forever():
    res = simulate(Scenario(server=ASGIServer(limit_concurrency=2),
                            workload=Workload(io_ms=50, view="async"),
                            arrivals=ClosedLoop(16), duration_s=1.0))
    s = res.summary()
    assert s.completed == 2 / 0.050  # two in flight, 50 ms each, for one second
    # the 14 others are refused and resend after one loopback round trip (1 ms)
    assert s.rejected == pytest.approx(14 / 0.001, rel=0.01)


def test_client_timeout_is_a_record_and_the_server_still_does_the_work():
    res = run(WSGIServer(threads=1), Workload(io_ms=100), arrivals=Bursts(size=5, every_s=1.0),
              requests=5, timeout_s=0.25)
    assert [r.status for r in res.records] == ["ok", "ok", "timeout", "timeout", "timeout"]
    late = res.records[4]
    assert late.end_s == pytest.approx(0.25) and late.code is None
    assert late.done_s == pytest.approx(0.5)  # work nobody waited for


def test_closed_loop_user_gives_up_at_the_timeout_and_sends_again():
    res = run(WSGIServer(threads=1), Workload(io_ms=100), arrivals=ClosedLoop(4),
              requests=40, timeout_s=0.15)
    s = res.summary()
    # one thread, four users: only the first answer comes in time; the thread then works
    # through requests nobody waits for any more, and every later one times out
    assert (s.completed, s.timeouts) == (1, 39)
    # users resend at their timeout, not after their answer: ten rounds 0.15 s apart
    assert max(r.arrival_s for r in res.records) == pytest.approx(9 * 0.15)


# -- traffic -------------------------------------------------------------------------
def test_health_checks_stuck_behind_slow_reports_on_wsgi_but_not_on_asgi():
    traffic = (Traffic("health", Workload(io_ms=1), Poisson(10)),
               Traffic("report", Workload(io_ms=2000, dist="exponential"), Poisson(0.9)))
    wsgi = simulate(Scenario(server=WSGIServer(threads=2), traffic=traffic, duration_s=120))
    asgi = simulate(Scenario(server=ASGIServer(),
                             traffic=tuple(Traffic(t.name, Workload(io_ms=t.workload.io_ms,
                                                                    dist=t.workload.dist,
                                                                    view="async"),
                                                   t.arrivals) for t in traffic),
                             duration_s=120))
    assert wsgi.summary(traffic="health").p95_ms > 500
    assert asgi.summary(traffic="health").p95_ms < 2


def test_long_lived_connections_tie_up_wsgi_lanes_but_not_an_asgi_loop():
    def sc(server, view):
        return Scenario(server=server, workload=Workload(io_ms=20, view=view),
                        arrivals=Poisson(50), duration_s=30, timeout_s=5,
                        traffic=(Traffic("longpoll", Workload(io_ms=25_000, view=view),
                                         ClosedLoop(8)),))
    wsgi = simulate(sc(WSGIServer(threads=8), "sync"))
    asgi = simulate(sc(ASGIServer(), "async"))
    assert wsgi.summary(traffic="main").timeouts > 0.5 * len(wsgi.select(traffic="main"))
    assert asgi.summary(traffic="main").failed == 0


def test_open_loop_arrival_processes():
    n = 5_000
    p = run(WSGIServer(threads=64), Workload(io_ms=1), arrivals=Poisson(100), requests=n)
    c = run(WSGIServer(threads=64), Workload(io_ms=1), arrivals=Constant(100), requests=n)
    assert p.summary().arrival_rate_rps == pytest.approx(100, rel=0.05)
    pairs = zip(c.records, c.records[1:], strict=False)
    gaps = {round(b.arrival_s - a.arrival_s, 9) for a, b in pairs}
    assert gaps == {0.01}
    b = run(WSGIServer(threads=64), Workload(io_ms=1), arrivals=Bursts(size=20, every_s=2.0,
                                                                        jitter_ms=100),
            requests=100)
    starts = sorted({int(r.arrival_s // 2) for r in b.records})
    assert starts == [0, 1, 2, 3, 4]
    assert all(r.arrival_s % 2.0 < 0.1 for r in b.records)


def test_duration_stops_arrivals_and_lets_requests_in_flight_finish():
    res = simulate(Scenario(server=WSGIServer(threads=1), workload=Workload(io_ms=100),
                            arrivals=Poisson(20), duration_s=10.0, seed=2))
    assert max(r.arrival_s for r in res.records) <= 10.0
    assert max(r.end_s for r in res.records) > 10.5  # the queue drains after the deadline
    assert all(r.status == "ok" for r in res.records)


def test_requests_gives_exactly_that_many_records():
    for arrivals in (Poisson(50), ClosedLoop(7, think_ms=10), Bursts(size=3, every_s=0.1)):
        res = run(WSGIServer(threads=2), Workload(io_ms=5), arrivals=arrivals, requests=1234)
        assert len(res.records) == 1234
        assert [r.id for r in res.records] == list(range(1234))


# -- the trace -----------------------------------------------------------------------
def test_trace_is_off_by_default_and_accounts_for_every_request_when_on():
    sc = Scenario(server=WSGIServer(threads=2), workload=Workload(cpu_ms=3, io_ms=20,
                  dist="exponential"), arrivals=Poisson(60), requests=500, seed=4)
    assert simulate(sc).spans == ()
    res = simulate(sc, trace=True)
    assert simulate(sc).records == res.records  # tracing never changes what happens
    by_id: dict[int, float] = {}
    for s in res.spans:
        assert s.end_s >= s.start_s
        by_id[s.request_id] = by_id.get(s.request_id, 0.0) + s.end_s - s.start_s
    for r in res.records:
        # queue + ready + cpu + io spans tile the request's whole life
        assert by_id[r.id] == pytest.approx(r.end_s - r.arrival_s, abs=1e-9)
    assert {s.kind for s in res.spans} == {"queue", "ready", "cpu", "io"}
    assert {s.core for s in res.spans if s.kind == "cpu"} == {0}  # one GIL: one core used


def test_asgi_trace_shows_blocked_loop():
    res = simulate(Scenario(server=ASGIServer(), workload=Workload(io_ms=50,
                            view="async_blocking"), arrivals=ClosedLoop(3), requests=9),
                   trace=True)
    blocked = [s for s in res.spans if s.kind == "blocked"]
    assert len(blocked) == 9 and all(s.where == "p0-loop" for s in blocked)


def test_subset_keeps_one_traffic_class_and_its_spans():
    sc = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=10),
                  arrivals=Poisson(20), requests=200,
                  traffic=(Traffic("slow", Workload(io_ms=300), Poisson(2)),))
    res = simulate(sc, trace=True)
    slow = res.subset(traffic="slow")
    assert slow.records and all(r.traffic == "slow" for r in slow.records)
    assert {s.request_id for s in slow.spans} == {r.id for r in slow.records}
    assert slow.summary().completed == res.summary(traffic="slow").completed
    assert "slow" in slow.label


def test_to_frame_has_one_row_per_record_with_latency_and_wait_in_ms():
    res = run(WSGIServer(threads=1, backlog=0), Workload(io_ms=100),
              arrivals=Bursts(size=5, every_s=1.0), requests=10)
    df = res.to_frame()
    assert list(df.columns) == [*RequestRecord._fields, "latency_ms", "wait_ms"]
    assert df["id"].tolist() == [r.id for r in res.records]
    assert df["status"].tolist() == [r.status for r in res.records]
    assert df["latency_ms"].tolist() == pytest.approx([1000 * r.latency_s for r in res.records])
    ok = df[df["status"] == "ok"]
    assert ok["wait_ms"].tolist() == pytest.approx([0.0, 0.0])
    assert df.loc[df["status"] == "rejected", "wait_ms"].isna().all()  # never started
