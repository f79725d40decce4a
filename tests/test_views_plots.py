"""Every plot draws for WSGI, ASGI, empty, all-failed and live-like runs, and says so."""

from __future__ import annotations

import io
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import PathCollection, PolyCollection

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    RequestRecord,
    RunResult,
    Scenario,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.views import (
    plot_compare,
    plot_in_flight,
    plot_lanes,
    plot_latency,
    plot_sweep,
    sweep,
)

WORK = Workload(cpu_ms=3, io_ms=40, dist="exponential")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _sim(server, view="sync", rate=40.0, n=200) -> RunResult:
    sc = Scenario(server=server, workload=replace(WORK, view=view), arrivals=Poisson(rate),
                  requests=n, seed=3)
    return simulate(sc, trace=True)


def live_like(res: RunResult, with_start: bool = True) -> RunResult:
    """A measured-looking run: client send times, some server starts missing, no spans."""
    recs = tuple(
        r._replace(sent_s=r.arrival_s + 1e-4, done_s=None,
                   start_s=r.start_s if with_start and r.id % 3 else None)
        for r in res.records
    )
    return RunResult(records=recs, source="live", label="measured")


def failed_run() -> RunResult:
    recs = tuple(RequestRecord(i, 0.01 * i, None, 0.01 * i + 0.001, "rejected", None, code=503)
                 for i in range(20))
    return RunResult(records=recs, label="all refused")


RUNS = {
    "wsgi": lambda: _sim(WSGIServer(threads=2)),
    "asgi": lambda: _sim(ASGIServer(), view="async"),
    "asgi_blocking": lambda: _sim(ASGIServer(), view="async_blocking", rate=15),
    "asgi_sync": lambda: _sim(ASGIServer(processes=2), view="sync"),
    "empty": lambda: RunResult(records=()),
    "failed": failed_run,
    "live": lambda: live_like(_sim(WSGIServer(threads=2))),
    "live_no_start": lambda: live_like(_sim(ASGIServer(), view="async"), with_start=False),
}
PLOTS = [plot_lanes, plot_in_flight, plot_latency]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("kind", list(RUNS))
def test_every_plot_draws_every_kind_of_run(plot, kind):
    res = RUNS[kind]()
    ax = plot(res)
    assert ax.get_xlabel(), "axes are labelled"
    assert "(" in ax.get_xlabel(), "with units"
    assert _png(ax.figure).startswith(b"\x89PNG")


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.__name__)
def test_plots_draw_on_the_given_axes(plot):
    fig, ax = plt.subplots()
    assert plot(_sim(WSGIServer(threads=2)), ax=ax) is ax
    assert len(fig.axes) == 1


def _bars(ax, label_start: str) -> int:
    """Rectangles drawn with this label (a path may hold many)."""
    return sum(len(p.to_polygons(closed_only=False)) for c in ax.collections
               if isinstance(c, (PolyCollection, PathCollection))
               and c.get_label().startswith(label_start) for p in c.get_paths())


def test_wsgi_lanes_are_threads_with_cpu_and_io():
    res = _sim(WSGIServer(threads=3), rate=60)
    ax = plot_lanes(res)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert {"p0-t0", "p0-t1", "p0-t2"} <= set(labels)
    assert _bars(ax, "CPU") > 0
    assert _bars(ax, "I/O") > 0


def test_asgi_lanes_show_the_loop_and_requests_in_flight():
    ax = plot_lanes(_sim(ASGIServer(), view="async_blocking", rate=15))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "p0-loop (held)" in labels
    assert any("in flight" in label for label in labels)
    assert _bars(ax, "blocking call") > 0


def test_waiting_is_drawn_as_such():
    ax = plot_lanes(_sim(WSGIServer(threads=1), rate=30))
    assert "queue" in [t.get_text() for t in ax.get_yticklabels()]
    assert _bars(ax, "waiting") > 0


def test_big_runs_draw_a_window():
    sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=40),
                  arrivals=Poisson(80), requests=20_000)
    res = simulate(sc, trace=True)
    ax = plot_lanes(res)
    assert "of 20,000 requests" in ax.get_title()
    assert ax.get_xlim()[1] < 5.0, "the default window is a couple of seconds, not 250"
    ax2 = plot_lanes(res, window_s=(100.0, 101.0))
    assert ax2.get_xlim() == pytest.approx((100.0, 101.0))


def test_latency_marks_percentiles():
    res = _sim(WSGIServer(threads=2))
    ax = plot_latency(res)
    texts = " ".join(t.get_text() for t in ax.texts)
    for q in ("p50", "p95", "p99"):
        assert q in texts
    assert ax.get_xlabel() == "latency (ms)"


def test_empty_and_failed_runs_say_why():
    ax = plot_latency(failed_run())
    assert any("no request succeeded" in t.get_text() for t in ax.texts)
    ax = plot_lanes(RunResult(records=()))
    assert any("no requests" in t.get_text() for t in ax.texts)


def test_in_flight_without_server_timing_has_no_queue():
    res = _sim(ASGIServer(), view="async")
    labels = [h.get_label() for h in plot_in_flight(res).collections]
    assert "in the queue" in labels  # with start times the queue is drawn...
    ax = plot_in_flight(live_like(res, with_start=False))
    assert "in the queue" not in [h.get_label() for h in ax.collections]  # ...without, not


def test_compare_overlays_and_residuals():
    sim = _sim(WSGIServer(threads=2))
    ax = plot_compare(sim, live_like(sim))
    assert len(ax.figure.axes) == 2
    assert ax.get_ylabel() == "latency (ms)"
    resid = ax.figure.axes[1]
    assert resid.get_ylabel() == "Δ (ms)"
    ax = plot_compare(sim, RunResult(records=()))
    assert any("no successful" in t.get_text() for t in ax.texts)


def test_compare_splits_a_given_axes():
    fig, ax = plt.subplots()
    assert plot_compare(_sim(ASGIServer(), "async"), failed_run(), ax=ax) is ax
    assert len(fig.axes) == 2


def test_sweep_draws_with_theory():
    sc = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=20, dist="exponential"),
                  arrivals=Poisson(10), requests=400)
    sw = sweep(sc, rates=[10, 40, 80, 110])
    assert [p.x for p in sw.points] == [10, 40, 80, 110]
    assert sw.points[-1].throughput_rps < 110, "past capacity (100 req/s) throughput stalls"
    ax = plot_sweep(sw)
    assert ax.get_ylabel() == "throughput (req/s)"
    assert any("M/M/2" in line.get_label() for line in ax.get_lines())
    closed = sweep(replace(sc, arrivals=ClosedLoop(users=1)), users=[1, 4], label="c")
    ax = plot_sweep([closed, sw])
    assert any("bound" in line.get_label() for line in ax.get_lines())


@pytest.mark.parametrize(("bad", "message"), [
    (lambda: plot_lanes("not a run"), r"plot_lanes\(res=str\): expected a RunResult"),
    (lambda: plot_lanes(RunResult(records=()), max_requests=0),
     r"max_requests must be a whole number from 1 to 100000\. About 150"),
    (lambda: plot_lanes(failed_run(), window_s=(2.0, 1.0)), r"window_s=.*end > start"),
    (lambda: plot_latency(failed_run(), bins=1), r"bins must be a whole number from 5 to 500"),
    (lambda: plot_in_flight(failed_run(), window_s=(1.0, 1.0)), r"window_s=.*end > start"),
    (lambda: sweep(Scenario(server=WSGIServer(), workload=WORK, arrivals=Poisson(1),
                            requests=10), users=[1], rates=[1]), r"exactly one of users="),
])
def test_bad_arguments_name_the_parameter_and_the_range(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
