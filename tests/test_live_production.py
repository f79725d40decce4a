"""The live parts of notebooks 09 and 10, on real servers on 127.0.0.1: the retrying client
and its server, the hybrid router, Django's connections counted, gunicorn's worker
classes, and a playground scenario run for real."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from simulator import ASGIServer, ClosedLoop, Poisson, Pool, Scenario, Workload, WSGIServer
from simulator.live import apps, serve, stop_all
from simulator.live.db_connections import count_connections
from simulator.live.retry_storm import retry_load
from simulator.live.router import hold_websockets, hybrid_app
from simulator.live.scenario_run import run_scenario, why_not
from simulator.live.worker_classes import WORKER_CLASSES, WorkerClass, measure_worker_classes

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


def test_a_timed_out_attempt_is_sent_again_at_the_give_up_time_plus_the_backoff():
    with serve(apps.sleep_asgi(ms=300), interface="asgi", quiet=True) as srv:
        res = retry_load(srv.url, rate_per_s=20, duration_s=0.3, timeout_s=0.05, retries=2,
                         retry_backoff_ms=40)
    s = res.summary()
    assert s.goodput == 0.0 and s.attempts_per_request == pytest.approx(3.0)
    assert {r.status for r in res.records} == {"timeout"}
    by_id: dict[int, list] = {}
    for r in res.records:
        by_id.setdefault(r.id, []).append(r)
    for chain in by_id.values():
        a0, a1, a2 = sorted(chain, key=lambda r: r.attempt)
        assert [a0.attempt, a1.attempt, a2.attempt] == [0, 1, 2]
        assert a1.arrival_s - a0.arrival_s == pytest.approx(0.05 + 0.04, abs=1e-9)
        assert a2.arrival_s - a1.arrival_s == pytest.approx(0.05 + 0.08, abs=1e-9)


def test_an_answered_request_is_not_retried_and_bad_input_is_refused():
    with serve(apps.sleep_asgi(ms=5), interface="asgi", quiet=True) as srv:
        res = retry_load(srv.url, rate_per_s=40, duration_s=0.5, timeout_s=1.0, retries=2)
        with pytest.raises(ValueError, match="attempts"):
            retry_load(srv.url, rate_per_s=1000, duration_s=10, timeout_s=1, retries=5)
    assert res.summary().goodput == 1.0 and res.summary().attempts_per_request == 1.0
    with pytest.raises(ValueError, match="this machine"):
        retry_load("http://example.com/", rate_per_s=1, duration_s=1, timeout_s=1, retries=0)


def test_the_storm_server_holds_one_of_its_pooled_connections_per_request():
    app = "simulator.live.retry_storm:storm_asgi(size=2, io_ms=20)"
    with serve(app, interface="asgi", quiet=True, name="storm") as srv:
        from simulator.live import run_load

        res = run_load(srv.url, ClosedLoop(users=8), requests=120, progress=False)
    # two connections, 20 ms on average each: about 100 a second, whatever the 8 users
    assert 60 < res.summary().throughput_rps < 110


def test_the_router_sends_websockets_to_asgi_and_pages_to_wsgi():
    router = hybrid_app(wsgi_threads=4, page_io_ms=1)
    with serve(router, interface="asgi", quiet=True, name="hybrid") as srv:
        page = httpx.get(srv.url_for("/", io_ms=1))
        members = httpx.get(srv.url_for("/ws/room"))
        with hold_websockets(srv.ws_url + "/ws/room", 5) as n:
            during = httpx.get(srv.url_for("/ws/room")).json()["members"]
        after = httpx.get(srv.url_for("/ws/room")).json()["members"]

        async def echo() -> str:
            from websockets.asyncio.client import connect

            async with connect(srv.ws_url + "/echo") as ws:
                await ws.send("hi")
                return str(await ws.recv())

        echoed = asyncio.run(echo())
    assert page.headers["x-routed-to"] == "wsgi" and page.text == "ok\n"
    assert members.headers["x-routed-to"] == "asgi" and members.json() == {"members": 0}
    assert (n, during, after, echoed) == (5, 5, 0, "hi")
    assert router.counts["websocket -> asgi"] == 6 and router.counts["http -> wsgi"] == 1


@pytest.mark.slow
def test_django_opens_a_connection_per_request_under_asgi_and_keeps_none_for_reuse():
    wsgi = count_connections("wsgi", 60, users=4, requests=40, threads=4)
    asgi = count_connections("asgi", 60, users=4, requests=40)
    closed = count_connections("asgi", 0, users=4, requests=40)
    assert wsgi.opened <= 4 and wsgi.open_after == wsgi.opened  # one per thread, reused
    assert asgi.opened == 40 and asgi.threads == 40  # a new thread, a new connection
    assert closed.opened == 40 and closed.open_after == 0
    assert asgi.peak_open > closed.peak_open  # persistent ones pile up until collected
    assert wsgi.after_gc == asgi.after_gc == 0


def test_a_worker_class_knows_its_command_and_its_model():
    sync, gthread, uvi = WORKER_CLASSES
    assert sync.command.endswith("--worker-class sync")
    assert "gthread --threads 8" in gthread.command
    assert "asgi:application" in uvi.command and "uvicorn_worker.UvicornWorker" in uvi.command
    assert gthread.model() == WSGIServer(processes=2, threads=8)
    assert uvi.model() == ASGIServer(processes=2)
    with pytest.raises(ValueError, match="gthread needs threads"):
        WorkerClass("x", "gthread", threads=1)


@pytest.mark.slow
def test_gunicorn_serves_the_django_project_and_its_memory_is_read():
    served = measure_worker_classes([WORKER_CLASSES[0]], io_ms=5, users=4, seconds=0.3)
    s = served[WORKER_CLASSES[0].label]
    assert s.run.summary().completed >= 8 and s.run.summary().failed == 0
    assert len(s.worker_mb) == 2 and all(mb > 10 for mb in s.worker_mb) and s.master_mb > 10


def test_what_cannot_run_here_is_said_and_a_pooled_scenario_runs():
    pooled = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=10, pool="db"),
                      pools=(Pool("db", 2),), arrivals=ClosedLoop(users=4), requests=40)
    assert why_not(pooled) == ""
    assert "processes" in why_not(Scenario(server=WSGIServer(processes=8), workload=Workload(
        io_ms=10), arrivals=Poisson(10), requests=40))
    assert "CPU" in why_not(Scenario(server=WSGIServer(), workload=Workload(
        cpu_ms=1, io_ms=10, pool="db"), pools=(Pool("db", 2),), arrivals=Poisson(10),
        requests=40))
    assert "Poisson" in why_not(Scenario(server=WSGIServer(), workload=Workload(io_ms=10),
                                         arrivals=ClosedLoop(users=2), requests=40,
                                         timeout_s=1, retries=1))
    real = run_scenario(pooled, expected_rps=200)
    s = real.summary()
    assert s.completed == 40 and s.failed == 0
    assert 100 < s.throughput_rps < 210  # 2 connections, 10 ms each: at most 200 a second


def test_a_storm_run_serves_loads_and_stops_its_server():
    from simulator.live import running
    from simulator.live.retry_storm import storm

    res = storm(rate_per_s=20, retries=1, duration_s=0.5, timeout_s=1.0, size=4, io_ms=10)
    s = res.summary()
    assert s.goodput == 1.0 and s.attempts_per_request == 1.0 and s.completed >= 3
    assert not [srv for srv in running() if srv.name == "storm"]
