"""Calibration: this machine's per-request costs, handed to the simulator."""

from __future__ import annotations

import pytest

from simulator import ClosedLoop, Scenario, Workload, simulate
from simulator.live import Calibration, calibrate, running
from simulator.model import ASGIServer, WSGIServer

pytestmark = pytest.mark.live


def test_calibrate_measures_plausible_costs_and_feeds_the_simulator():
    cal = calibrate(requests=200, users=4)
    assert isinstance(cal, Calibration) and running() == []
    for value in (cal.wsgi_overhead_ms, cal.asgi_overhead_ms, cal.client_ms):
        assert 0.0 < value < 5.0
    assert cal.django_wsgi_overhead_ms is not None and cal.django_asgi_overhead_ms is not None
    assert cal.django_asgi_overhead_ms > cal.asgi_overhead_ms  # Django does more per request
    assert cal.switch_ms is not None and 0.0 <= cal.switch_ms < 5.0
    assert 0.05 < cal.base_latency_ms < 20.0
    w, a = cal.wsgi(threads=4), cal.asgi(django=True, sync_stretches=1)
    assert isinstance(w, WSGIServer) and w.threads == 4
    assert w.overhead_ms == pytest.approx(cal.wsgi_overhead_ms)
    assert isinstance(a, ASGIServer) and a.sync_stretches == 1
    assert a.overhead_ms == pytest.approx(cal.django_asgi_overhead_ms)
    assert a.switch_ms == pytest.approx(cal.switch_ms)
    res = simulate(Scenario(server=w, workload=Workload(io_ms=50), arrivals=ClosedLoop(16),
                            requests=200, seed=1))
    assert 70 < res.summary().throughput_rps < 80
    assert "switch" in cal.table() and "not measured" not in cal.table()
