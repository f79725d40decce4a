"""Lecture-hall style, theory curves beside the sweep, and the direction of imports."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Scenario,
    Workload,
    WSGIServer,
    theory,
)
from simulator.views import KIND_COLORS, OKABE_ITO, use_style
from simulator.views._theory_curves import demands_s, sweep_theory

VIEWS_DIR = Path(__file__).resolve().parents[1] / "simulator" / "views"


def test_use_style_switches_and_restores():
    before = matplotlib.rcParams["font.size"]
    with use_style("projector"):
        assert matplotlib.rcParams["font.size"] >= 14
        assert matplotlib.rcParams["figure.figsize"] == [12.8, 7.2]
    assert matplotlib.rcParams["font.size"] == before
    with pytest.raises(ValueError, match="name must be one of 'notebook', 'projector'"):
        use_style("poster")


def test_palette_is_okabe_ito():
    assert len(set(OKABE_ITO.values())) == 8
    chromatic = {k: v for k, v in KIND_COLORS.items() if k not in ("queue",)}
    assert set(chromatic.values()) <= set(OKABE_ITO.values())
    assert len(set(KIND_COLORS.values())) == len(KIND_COLORS), "each kind its own colour"


def _open(server, view="sync", cpu_ms=0.0, dist="exponential"):
    return Scenario(server=server, workload=Workload(io_ms=50, cpu_ms=cpu_ms, dist=dist,
                                                     view=view),
                    arrivals=Poisson(10), requests=100)


def test_wsgi_open_loop_is_mmc():
    xs = np.array([20.0, 60.0, 79.0, 90.0])
    c = sweep_theory(_open(WSGIServer(threads=4)), "rate_per_s", xs)
    assert c is not None and c.exact and c.name == "M/M/4"
    want = 1000 * theory.mmc_response_percentile(4, 60.0, 20.0, 95)
    assert c.latency_ms[1] == pytest.approx(want)
    assert math.isnan(c.latency_ms[3]), "no steady state past capacity"
    assert c.throughput_rps[3] == pytest.approx(80.0)


def test_blocking_async_is_mmc_with_one_server_per_process():
    c = sweep_theory(_open(ASGIServer(processes=2), view="async_blocking"), "rate_per_s",
                     np.array([10.0]))
    assert c is not None and c.name == "M/M/2"
    c = sweep_theory(_open(ASGIServer(), view="async"), "rate_per_s", np.array([10.0, 500.0]))
    assert c is not None and c.name == "M/M/inf"
    assert c.latency_ms[0] == pytest.approx(-math.log(0.05) * 50)


def test_no_exact_theory_with_cpu_or_constant_durations():
    for sc in (_open(WSGIServer(threads=2), cpu_ms=5), _open(WSGIServer(), dist="constant")):
        c = sweep_theory(sc, "rate_per_s", np.array([10.0]))
        assert c is not None and not c.exact


def test_closed_loop_bounds_match_theory():
    sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50),
                  arrivals=ClosedLoop(users=1, think_ms=20), requests=100)
    users = np.array([1.0, 4.0, 16.0])
    c = sweep_theory(sc, "users", users)
    assert c is not None
    for i, n in enumerate(users):
        x_max, r_min = theory.closed_loop_bounds(int(n), 0.05, 4, 0.02)
        assert c.throughput_rps[i] == pytest.approx(x_max)
        assert c.latency_ms[i] == pytest.approx(1000 * r_min)


def test_cpu_is_the_bottleneck_of_an_async_loop():
    sc = _open(ASGIServer(), view="async", cpu_ms=5)
    d, d_max = demands_s(sc)
    assert (d, d_max) == pytest.approx((0.055, 0.005))


def test_views_never_import_the_engine_library():
    for path in VIEWS_DIR.glob("*.py"):
        text = path.read_text()
        assert "import simpy" not in text and "from simpy" not in text, path.name
