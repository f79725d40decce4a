"""A server's own CPU per request, from the clock its responses report: one way for all."""

from __future__ import annotations

import pytest

from simulator import ClosedLoop
from simulator.live import Calibration, measure_cpu, running, serve
from simulator.live import server_cpu as sc
from simulator.results import RequestRecord, RunResult


def _no_stamp(environ, start_response):
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"no clock here"]


@pytest.mark.live
def test_five_ms_of_work_costs_the_server_at_least_five_ms_and_nothing_costs_less():
    with serve("simulator.live.apps:wsgi_app", interface="wsgi", threads=2,
               name="cpu-clock", quiet=True) as srv:
        work = measure_cpu(srv.url_for("/", cpu_ms=5), ClosedLoop(users=2), requests=40,
                           warmup=5, require_all=True, label="5 ms")
        idle = measure_cpu(srv.url_for("/"), ClosedLoop(users=2), requests=40)
    assert work.label == "5 ms" and work.result.summary().completed == 40
    assert work.cpu_ms >= 4.5  # the view's 5 ms of its thread's CPU, and the server's own
    assert 0 < idle.cpu_ms < work.cpu_ms
    assert work.throughput_rps == work.result.summary().throughput_rps
    assert work.ceiling_rps == pytest.approx(1000.0 / work.cpu_ms)
    assert running() == []


@pytest.mark.live
def test_an_app_without_the_clock_is_told_what_would_have_it():
    with serve(_no_stamp, interface="wsgi", name="no-clock") as srv, \
            pytest.raises(RuntimeError, match="no x-cpu-s header"):
        measure_cpu(srv.url, requests=5)


def test_best_of_keeps_the_least_disturbed_run(monkeypatch):
    def run(rate: float) -> RunResult:
        recs = tuple(RequestRecord(i, i / rate, i / rate, i / rate + 0.001, "ok", "p0-t0")
                     for i in range(10))
        return RunResult(records=recs, source="live", label="x")

    runs = iter([(2.0, run(100.0)), (1.0, run(400.0)), (3.0, run(50.0))])
    monkeypatch.setattr(sc, "_once", lambda *args: next(runs))
    cost = measure_cpu("http://127.0.0.1:1/", requests=10, best_of=3)
    assert cost.cpu_ms == 1.0 and cost.throughput_rps > 400  # the fastest of the three
    with pytest.raises(ValueError, match="best_of"):
        measure_cpu("http://127.0.0.1:1/", requests=10, best_of=0)


def test_a_calibration_names_its_overhead_by_interface():
    cal = Calibration(wsgi_overhead_ms=0.3, asgi_overhead_ms=0.2, django_wsgi_overhead_ms=1.5,
                      django_asgi_overhead_ms=None, switch_ms=None, client_ms=0.1,
                      base_latency_ms=1.0, requests=100)
    assert cal.overhead("wsgi") == 0.3 and cal.overhead("wsgi", django=True) == 1.5
    assert cal.overhead("asgi", django=True) == 0.0  # not measured
    assert cal.asgi().overhead_ms == 0.2
    with pytest.raises(ValueError, match="interface"):
        cal.overhead("cgi")
