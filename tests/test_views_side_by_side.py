"""The side-by-side pictures: bars beside their model, seed spreads, switches, hop cost."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simulator import ASGIServer, ClosedLoop, Poisson, Scenario, Workload, WSGIServer, simulate
from simulator.views.side_by_side import (
    LOOP_COLOR,
    THREAD_COLOR,
    hop_cost,
    plot_bars,
    plot_hop_cost,
    plot_seed_spread,
    plot_switches,
    seed_spread,
)

BASE = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50),
                arrivals=ClosedLoop(users=8), requests=300)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _runs():
    wsgi = simulate(BASE)
    asgi = simulate(replace(BASE, server=ASGIServer(),
                            workload=Workload(io_ms=50, view="async")))
    return {"WSGI 2 threads": wsgi, "ASGI": asgi}


def test_bars_show_each_run_beside_its_model_with_the_numbers_on_top():
    runs = _runs()
    live_like = {k: replace(v, source="live") for k, v in runs.items()}
    ax = plot_bars(live_like, runs, metrics=("throughput_rps", "p50_ms"))
    axes = ax.figure.axes
    assert len(axes) == 2
    heights = [p.get_height() for p in axes[0].patches]
    assert len(heights) == 4  # two measured, two modelled
    assert heights[0] == pytest.approx(runs["WSGI 2 threads"].summary().throughput_rps)
    texts = [t.get_text() for t in axes[0].texts]
    assert f"{runs['ASGI'].summary().throughput_rps:.3g}" in texts
    assert [t.get_text() for t in axes[0].get_xticklabels()] == list(runs)
    assert {t.get_text() for t in axes[0].get_legend().get_texts()} == {"measured", "model"}


def test_a_latency_spanning_orders_of_magnitude_is_drawn_on_a_log_scale():
    slow = simulate(replace(BASE, arrivals=Poisson(60), requests=1_000,
                            workload=Workload(io_ms=50, dist="exponential")))
    fast = simulate(replace(BASE, server=ASGIServer(), arrivals=Poisson(60), requests=1_000,
                            workload=Workload(io_ms=50, dist="exponential", view="async")))
    ax = plot_bars({"slow": slow, "fast": fast}, metrics=("throughput_rps", "p95_ms"))
    assert ax.figure.axes[1].get_yscale() == "log"
    assert ax.get_yscale() == "linear"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"runs": {}}, "at least one run"),
    ({"metrics": ("speed",)}, "choose from"),
    ({"model": {"x": 1}}, "expected a RunResult"),
])
def test_bars_refuse_bad_input(kwargs, match):
    args = {"runs": _runs(), **kwargs}
    with pytest.raises(ValueError, match=match):
        plot_bars(**args)


def test_seed_spread_gives_one_value_per_rate_and_seed_and_a_band():
    sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50),
                  arrivals=Poisson(10), requests=100)
    values = seed_spread(sc, [20, 70], duration_s=2, seeds=4)
    assert values.shape == (2, 4)
    assert np.all(values[1] >= 50.0)
    assert np.ptp(values[1]) > 0  # different seeds, different short runs
    ax = plot_seed_spread(sc, [20, 70], duration_s=2, seeds=4)
    assert ax.collections and ax.get_ylim()[1] >= values.max()
    with pytest.raises(ValueError, match="seeds"):
        seed_spread(sc, [20], duration_s=2, seeds=1)


class FakeTrace(NamedTuple):
    steps: tuple[tuple[str, str], ...]
    hops: int

    def label(self) -> str:
        return "a stack"


def test_switches_colour_each_step_by_where_it_ran():
    t = FakeTrace((("server", "loop"), ("SyncOnly", "thread"), ("view", "loop")), 1)
    ax = plot_switches([t, t])
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours.count(LOOP_COLOR.lower()) == 4 and colours.count(THREAD_COLOR.lower()) == 2
    assert sum("1 hop" in txt.get_text() for txt in ax.texts) == 2
    with pytest.raises(ValueError, match="at least one"):
        plot_switches([])


def test_hop_cost_is_the_least_squares_line_and_is_drawn():
    fixed, per_hop = hop_cost([1, 3, 5], [2.0, 2.4, 2.8])
    assert fixed == pytest.approx(1.8) and per_hop == pytest.approx(0.2)
    ax = plot_hop_cost([1, 3, 5], [2.0, 2.4, 2.8], ["a", "b", "c"])
    assert "0.20 ms per hop" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="two different"):
        hop_cost([3, 3], [1.0, 2.0])
