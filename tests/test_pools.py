"""Connection pools: the cap they put on throughput, what waits hold, and Erlang C."""

from __future__ import annotations

import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Constant,
    Poisson,
    Pool,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    replicate,
    simulate,
    theory,
)

DB = (Pool("db", size=10),)


def _closed(server, view="sync", pools=DB, users=64, **kw):
    return Scenario(server=server, workload=Workload(io_ms=50, view=view, pool="db"),
                    arrivals=ClosedLoop(users), requests=4_000, pools=pools, **kw)


@pytest.mark.parametrize(("server", "view"),
                         [(ASGIServer(), "async"), (WSGIServer(threads=32), "sync")],
                         ids=["asgi-1-loop", "wsgi-32-threads"])
def test_a_pool_of_10_caps_64_users_at_200_per_second(server, view):
    s = simulate(_closed(server, view)).summary(warmup_s=1.0)
    # 4,000 requests over 20 s; the last ones take 0.3 s to drain: within 2 %
    assert s.throughput_rps == pytest.approx(10 / 0.050, rel=0.02)


def test_without_the_pool_the_same_servers_carry_far_more():
    asgi = simulate(_closed(ASGIServer(), "async", pools=(Pool("db", size=1000),)))
    wsgi = simulate(_closed(WSGIServer(threads=32), pools=(Pool("db", size=1000),)))
    assert asgi.summary(warmup_s=1).throughput_rps == pytest.approx(64 / 0.05, rel=0.02)
    assert wsgi.summary(warmup_s=1).throughput_rps == pytest.approx(32 / 0.05, rel=0.02)


def test_per_process_pools_add_up_and_a_shared_one_does_not():
    shared = _closed(ASGIServer(processes=2), "async", pools=(Pool("db", 5),))
    own = _closed(ASGIServer(processes=2), "async", pools=(Pool("db", 5, per_process=True),))
    assert simulate(shared).summary(warmup_s=1).throughput_rps == pytest.approx(100, rel=0.02)
    assert simulate(own).summary(warmup_s=1).throughput_rps == pytest.approx(200, rel=0.02)


def test_waiting_for_a_connection_holds_a_wsgi_lane_but_not_an_asgi_loop():
    # "report" needs the one connection for 200 ms at a time; "health" needs no database.
    def sc(server, view):
        return Scenario(server=server, pools=(Pool("db", 1),), requests=400, traffic=(
            Traffic("report", Workload(io_ms=200, view=view, pool="db"), Poisson(20)),
            Traffic("health", Workload(io_ms=1, view=view), Constant(20))), seed=3)
    wsgi = simulate(sc(WSGIServer(threads=4), "sync"))
    asgi = simulate(sc(ASGIServer(), "async"))
    # the four WSGI threads all end up blocked on the pool: health checks queue behind them
    assert wsgi.summary(traffic="health").p95_ms > 100
    # the ASGI loop is free while reports await the pool: health checks sail through
    assert asgi.summary(traffic="health").p95_ms == pytest.approx(1.0, abs=1e-6)


def test_the_trace_shows_the_pool_wait_where_it_is_held():
    def traced(server, view):
        return simulate(Scenario(server=server, workload=Workload(io_ms=50, view=view,
                                 pool="db"), pools=(Pool("db", 2),), arrivals=ClosedLoop(6),
                                 requests=60), trace=True)
    wsgi, asgi = traced(WSGIServer(threads=6), "sync"), traced(ASGIServer(), "async")
    blocking = traced(ASGIServer(), "async_blocking")
    lanes = set(WSGIServer(threads=6).lane_names)
    assert {s.where for s in wsgi.spans if s.kind == "pool"} <= lanes
    assert any(s.kind == "pool" for s in asgi.spans)
    for res in (wsgi, asgi):
        for r in res.records:  # pool wait + I/O tile each request's life (no CPU here)
            own = [s for s in res.spans if s.request_id == r.id]
            assert sum(s.end_s - s.start_s for s in own) == pytest.approx(r.latency_s, abs=1e-9)
    # a blocking driver in an async view holds the loop: only one request at a time gets
    # as far as the pool, so nobody ever waits for a connection there
    assert not any(s.kind == "pool" for s in blocking.spans)
    assert {s.kind for s in blocking.spans} >= {"blocked", "queue"}


def test_a_request_without_io_takes_no_connection():
    res = simulate(Scenario(server=WSGIServer(threads=4), workload=Workload(cpu_ms=1,
                   pool="db"), pools=(Pool("db", 1),), arrivals=ClosedLoop(4), requests=200),
                   trace=True)
    assert not any(s.kind == "pool" for s in res.spans)


@pytest.mark.parametrize(("server", "view"),
                         [(ASGIServer(), "async"), (WSGIServer(threads=64), "sync")],
                         ids=["asgi", "wsgi-more-threads-than-connections"])
def test_the_wait_for_a_connection_is_erlang_c(server, view):
    # Poisson 60/s, exponential 50 ms of I/O, 4 connections: M/M/4 through the pool
    sc = Scenario(server=server, workload=Workload(io_ms=50, dist="exponential", view=view,
                                                   pool="db"),
                  pools=(Pool("db", 4),), arrivals=Poisson(60), requests=6_000, seed=11)
    rep = replicate(sc, runs=8, warmup_s=10, workers=1)
    mean = rep.ci("mean_latency_ms")
    assert mean.contains(1000 * theory.mmc_mean_response(4, 60, 20)), mean
    assert mean.half_width < 0.08 * mean.mean  # and narrow enough to mean something
    p95 = rep.ci("p95_ms")
    assert p95.mean == pytest.approx(1000 * theory.mmc_response_percentile(4, 60, 20, 95),
                                     rel=0.04)


def test_the_share_of_requests_that_wait_for_a_connection_is_erlang_c():
    res = simulate(Scenario(server=ASGIServer(), workload=Workload(
        io_ms=50, dist="exponential", view="async", pool="db"), pools=(Pool("db", 4),),
        arrivals=Poisson(60), requests=30_000, seed=5), trace=True)
    t0 = 20.0
    ids = {r.id for r in res.records if r.arrival_s >= t0}
    waited = {s.request_id for s in res.spans if s.kind == "pool" and s.request_id in ids}
    assert len(waited) / len(ids) == pytest.approx(theory.erlang_c(4, 60, 20), abs=0.02)


@pytest.mark.parametrize("make,message", [
    (lambda: Pool("db", size=0), "size must be a whole number from 1"),
    (lambda: Pool("", size=3), "name must be a non-empty string"),
    (lambda: Pool("db", size=3, per_process="yes"), "per_process must be True"),
    (lambda: Workload(io_ms=5, pool=""), "pool must be the name of a Pool"),
    (lambda: Scenario(server=WSGIServer(), workload=Workload(io_ms=5, pool="db"),
                      arrivals=Poisson(5), requests=10), "Add pools=\\(Pool\\('db'"),
    (lambda: Scenario(server=WSGIServer(), workload=Workload(io_ms=5, pool="cache"),
                      arrivals=Poisson(5), requests=10, pools=DB), "pools are 'db'"),
    (lambda: Scenario(server=WSGIServer(), workload=Workload(io_ms=5), arrivals=Poisson(5),
                      requests=10, pools=(Pool("db"), Pool("db"))), "names must differ"),
    (lambda: Scenario(server=WSGIServer(), workload=Workload(io_ms=5), arrivals=Poisson(5),
                      requests=10, pools=[Pool("db")]), "pools must be a tuple"),
])
def test_bad_pools_fail_at_once_with_what_to_try(make, message):
    with pytest.raises(ValueError, match=message):
        make()
