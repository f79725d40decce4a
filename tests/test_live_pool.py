"""A real pool of 10 connections on real servers, against the model.

64 users, 50 ms of I/O through a pool of 10: at most 10 / 0.05 = 200 requests a second,
on waitress with 32 threads and on uvicorn alike; the simulator says the same. The
servers run in subprocesses, so that the load generator does not share their GIL.
Tolerances allow for a busy 2-core host.
"""

from __future__ import annotations

import pytest

from simulator import ClosedLoop, Pool, Scenario, Workload, simulate
from simulator.live import pooled, run_load, serve, stop_all

pytestmark = pytest.mark.live

USERS = ClosedLoop(users=64)
RUN_S = 3.0


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


@pytest.mark.parametrize(("interface", "factory", "view", "kw"), [
    ("wsgi", "pool_wsgi", "sync", {"threads": 32}),
    ("asgi", "pool_asgi", "async", {}),
], ids=["waitress-32-threads", "uvicorn"])
def test_the_pool_caps_a_real_server_where_the_model_says(interface, factory, view, kw):
    app = f"simulator.live.pooled:{factory}(size=10, io_ms=50)"
    with serve(app, interface=interface, quiet=True, start_timeout_s=15.0, **kw) as srv:
        run_load(srv.url, ClosedLoop(users=8), requests=40, progress=False)  # warm up
        real = run_load(srv.url, USERS, duration_s=RUN_S, progress=False)
        model = srv.model()
    sim = simulate(Scenario(server=model, workload=Workload(io_ms=50, view=view, pool="db"),
                            pools=(Pool("db", 10),), arrivals=USERS, duration_s=RUN_S))
    r, s = real.summary(warmup_s=0.5), sim.summary(warmup_s=0.5)
    assert r.failed == 0
    print(f"real {r.throughput_rps:.1f} req/s p50 {r.p50_ms:.0f} ms; model "
          f"{s.throughput_rps:.1f} req/s p50 {s.p50_ms:.0f} ms")
    # both count the last answers after sending stopped (64 users x 0.32 s to drain), so
    # neither reaches 200 over 3 s; they must agree with each other
    assert r.throughput_rps == pytest.approx(s.throughput_rps, rel=0.12)
    assert r.throughput_rps <= 205
    # 64 users queue for 10 connections: about 64 / 200 = 0.32 s each, in both
    assert r.p50_ms == pytest.approx(s.p50_ms, rel=0.15)


def test_the_pool_is_fifo_and_never_hands_out_more_than_its_size():
    app = pooled.pool_wsgi(size=3, io_ms=20)
    with serve(app, interface="wsgi", threads=12) as srv:
        res = run_load(srv.url, ClosedLoop(users=12), requests=240, progress=False)
    assert res.summary().failed == 0
    assert app.pool.peak == 3 and app.pool.in_use == 0
    # 12 threads, 3 connections of 20 ms: 150 requests a second at most
    assert res.summary(warmup_s=0.2).throughput_rps <= 155


def test_asgi_pool_app_awaits_on_the_loop():
    app = pooled.pool_asgi(size=2, io_ms=20)
    with serve(app, interface="asgi") as srv:
        res = run_load(srv.url, ClosedLoop(users=8), requests=120, progress=False)
    assert res.summary().failed == 0 and res.lanes == ["p0-loop"]
    assert app.pool.peak == 2 and app.pool.in_use == 0
