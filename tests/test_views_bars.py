"""The one bar chart of the course, and the grid of answers: what is drawn, not pixels."""

from __future__ import annotations

import math
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.views import plot_answers, plot_bars
from simulator.views.style import LIVE_COLOR, OKABE_ITO, SIM_COLOR, THEORY_COLOR

BASE = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50),
                arrivals=ClosedLoop(users=8), requests=300)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _runs():
    wsgi = simulate(BASE)
    asgi = simulate(replace(BASE, server=ASGIServer(), workload=Workload(io_ms=50, view="async")))
    return {"WSGI 2 threads": wsgi, "ASGI": asgi}


def _hex(patch) -> str:
    return matplotlib.colors.to_hex(patch.get_facecolor())


def test_each_measured_bar_stands_left_of_its_model_with_its_value_written():
    runs = _runs()
    live = {k: replace(v, source="live") for k, v in runs.items()}
    ax = plot_bars(live, runs, metric="p50_ms")
    measured, modelled = ax.patches[:2], ax.patches[2:]
    want = [r.summary().p50_ms for r in runs.values()]
    assert [p.get_height() for p in measured] == pytest.approx(want)
    assert [p.get_height() for p in modelled] == pytest.approx(want)
    assert all(a.get_x() < b.get_x() for a, b in zip(measured, modelled, strict=True))
    assert {_hex(p) for p in measured} == {LIVE_COLOR.lower()}
    assert {_hex(p) for p in modelled} == {SIM_COLOR.lower()}
    assert f"{want[1]:.3g}" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(runs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured", "simulated"]
    assert ax.get_ylabel() == "median latency (ms)"


def test_numbers_and_runs_mix_and_a_missing_model_draws_no_bar_and_no_number():
    ax = plot_bars({"a": 1.0, "b": 2.5}, {"a": 3.0}, labels=("live", "model"),
                   ylabel="server CPU per request (ms)", title="t")
    heights = [p.get_height() for p in ax.patches]
    assert heights[:3] == [1.0, 2.5, 3.0] and math.isnan(heights[3])
    assert [t.get_text() for t in ax.texts] == ["1", "2.5", "3"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["live", "model"]
    assert (ax.get_ylabel(), ax.get_title()) == ("server CPU per request (ms)", "t")


def test_theory_is_a_black_line_across_its_pair_only():
    ax = plot_bars({"a": 190.0, "b": 370.0}, {"a": 200.0, "b": 400.0}, theory={"b": 400.0})
    (lines,) = ax.collections
    ((x0, y0), (x1, y1)), = lines.get_segments()
    assert y0 == y1 == 400.0
    assert 0.5 < x0 < 1.0 < x1 < 1.5  # across the second pair, centred at x = 1
    assert matplotlib.colors.to_hex(lines.get_color()[0]) == THEORY_COLOR.lower()
    assert "theory" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_simulated_runs_alone_are_blue_and_called_simulated():
    ax = plot_bars(_runs())
    assert {_hex(p) for p in ax.patches} == {SIM_COLOR.lower()}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["simulated"]


def test_a_latency_spanning_orders_of_magnitude_is_drawn_on_a_log_scale():
    slow = simulate(replace(BASE, arrivals=Poisson(60), requests=1_000,
                            workload=Workload(io_ms=50, dist="exponential")))
    fast = simulate(replace(BASE, server=ASGIServer(), arrivals=Poisson(60), requests=1_000,
                            workload=Workload(io_ms=50, dist="exponential", view="async")))
    runs = {"slow": slow, "fast": fast}
    assert slow.summary().p95_ms / fast.summary().p95_ms > 30
    assert plot_bars(runs, metric="p95_ms").get_yscale() == "log"
    assert plot_bars(runs).get_yscale() == "linear"  # a throughput, not a latency
    close = {"a": 50.0, "b": 60.0}
    assert plot_bars(close, metric="p95_ms").get_yscale() == "linear"


def test_traffic_reads_one_class_of_the_runs():
    slow = Traffic("slow", Workload(io_ms=500), ClosedLoop(users=2))
    res = simulate(replace(BASE, traffic=(slow,)))
    ax = plot_bars({"x": res}, metric="p50_ms", traffic="slow")
    assert ax.patches[0].get_height() == pytest.approx(res.summary(traffic="slow").p50_ms)
    assert ax.patches[0].get_height() > 400


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"metric": "speed"}, r"metric='speed'.*choose from throughput_rps"),
    ({"metric": "label"}, "not a number"),
    ({"measured": {}}, "at least one configuration"),
    ({"model": {"x": 1.0}}, "'x' is not one of the measured"),
    ({"theory": {"y": 1.0}}, "'y' is not one of the measured"),
    ({"measured": {"a": "fast"}}, r"measured\['a'\]=str.*RunResult .* or a number"),
    ({"labels": ("only one",)}, "give two names"),
])
def test_bad_input_is_a_clear_value_error(kwargs, match):
    args = {"measured": {"a": 1.0}, **kwargs}
    with pytest.raises(ValueError, match=match):
        plot_bars(**args)


def test_the_answers_grid_is_green_for_2xx_and_writes_every_code():
    ax = plot_answers({"waitress": {"/": 200, "/x": 500}, "uvicorn": {"/": 200}})
    grid = ax.images[0].get_array()
    assert grid.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert sorted(t.get_text() for t in ax.texts) == ["-", "200", "200", "500"]
    cmap = ax.images[0].get_cmap()
    assert matplotlib.colors.to_hex(cmap(1.0)) == OKABE_ITO["bluish_green"].lower()
