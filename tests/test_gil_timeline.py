"""The GIL instrument and the convoy: what it measures, the scenario beside it, and the plot.

Unit tests check the instrument's bookkeeping and the simulated convoy; the live tests
start the instrument in a subprocess and check behaviour, never absolute times: among
CPU-bound neighbours the I/O request spends most of its time *ready* (waiting for the
GIL), alone it does not.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from simulator import simulate
from simulator.live.gil import (
    _burn_spans,
    _io_spans,
    burn_traced,
    convoy,
    convoy_labels,
    convoy_scenario,
    free_threading_status,
    io_elapsed_ms,
    ready_ms,
    thread_race,
)
from simulator.views import plot_timeline


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_burn_traced_accounts_for_its_cpu_time():
    ran = burn_traced(20.0)
    total = sum(b - a for a, b in ran)
    assert all(b >= a for a, b in ran)
    assert all(ran[i][1] <= ran[i + 1][0] for i in range(len(ran) - 1))  # in order, apart
    # The wall time in which it ran holds at least the 20 ms of CPU it used.
    assert total >= 0.019


def test_spans_from_measurements_use_the_simulators_kinds():
    burn = _burn_spans(0, "p0-t1", [(0.0, 0.005), (0.010, 0.015)])
    assert [(s.kind, s.start_s, s.end_s) for s in burn] == [
        ("cpu", 0.0, 0.005), ("ready", 0.005, 0.010), ("cpu", 0.010, 0.015)]
    io = _io_spans(1, "p0-t0", [(0.0, 0.001, 0.004), (0.0041, 0.0051, 0.0052)])
    assert [s.kind for s in io] == ["io", "ready", "cpu", "io", "ready"]
    assert io[1].end_s - io[1].start_s == pytest.approx(0.003)


def test_simulated_convoy_waits_for_the_gil_only_among_neighbours():
    alone = simulate(convoy_scenario(neighbours=0), trace=True)
    crowded = simulate(convoy_scenario(neighbours=3), trace=True)
    assert ready_ms(alone) == 0.0
    # 20 steps, each behind the holder's slice and the two other waiting threads' slices.
    assert ready_ms(crowded) > 20 * 5.0
    assert io_elapsed_ms(crowded) > 10 * io_elapsed_ms(alone)
    labels = convoy_labels(crowded)
    assert sorted(labels.values()) == ["CPU-bound 1", "CPU-bound 2", "CPU-bound 3",
                                       "I/O request"]


def test_convoy_scenario_checks_its_arguments():
    with pytest.raises(ValueError, match="neighbours"):
        convoy_scenario(neighbours=-1)
    with pytest.raises(ValueError, match="io_elapsed_ms"):
        io_elapsed_ms(simulate(convoy_scenario(neighbours=1)))  # no trace, no spans


def test_two_threads_take_turns_on_the_gil():
    race = thread_race(threads=2, cpu_ms=30)
    cpu = {w: [(s.start_s, s.end_s) for s in race.spans if s.kind == "cpu" and s.where == w]
           for w in ("thread 0", "thread 1")}
    assert all(cpu.values())
    overlap = sum(max(0.0, min(b, d) - max(a, c)) for a, b in cpu["thread 0"]
                  for c, d in cpu["thread 1"])
    running = sum(b - a for spans in cpu.values() for a, b in spans)
    # One GIL: the two threads (almost) never run at the same moment.
    assert overlap < 0.05 * running


def test_free_threading_status_describes_this_interpreter():
    status = free_threading_status()
    assert status["switch interval"] == "5 ms"
    assert "GIL" in status["build"]


def test_plot_timeline_draws_rows_in_the_order_of_the_labels():
    res = simulate(convoy_scenario(neighbours=2, steps=5, cpu_ms=40), trace=True)
    labels = convoy_labels(res)
    ax = plot_timeline(res, origin="io", labels=labels, holder="GIL")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["GIL", "CPU-bound 1", "CPU-bound 2", "I/O request"]
    widths = sum(w for c in ax.collections for (_, w) in _bars(c))
    assert widths > 0


def _bars(collection):
    for path in collection.get_paths():
        xs = path.vertices[:, 0]
        yield xs.min(), xs.max() - xs.min()


def test_plot_timeline_refuses_what_it_cannot_draw():
    res = simulate(convoy_scenario(neighbours=1, steps=2), trace=True)
    with pytest.raises(ValueError, match="rows"):
        plot_timeline(res, rows="threads")
    with pytest.raises(ValueError, match="origin='nope'"):
        plot_timeline(res, origin="nope")
    ax = plot_timeline(simulate(convoy_scenario(neighbours=1, steps=2)))  # no trace
    assert "no spans" in ax.texts[0].get_text()


@pytest.mark.live
@pytest.mark.slow
def test_live_convoy_measures_the_wait_for_the_gil():
    from simulator.live import serve

    with serve("simulator.live.gil:gil_app", interface="wsgi", threads=4, quiet=True,
               name="gil-test") as srv:
        alone = convoy(srv.url, neighbours=0, steps=10)
        crowded = convoy(srv.url, neighbours=3, cpu_ms=200, steps=10)
    io = [r for r in crowded.records if r.traffic == "io"]
    assert len(io) == 1 and len(crowded.records) == 4
    assert len({r.lane for r in crowded.records}) == 4  # four threads, one each
    assert sum(s.kind == "io" for s in crowded.spans if s.request_id == io[0].id) == 10
    # Alone, resuming after a wait costs the OS's wake-up only; among three CPU-bound
    # neighbours most of the request's time is spent ready, waiting for the GIL.
    assert ready_ms(crowded) > 0.5 * io_elapsed_ms(crowded)
    assert ready_ms(alone) < 0.5 * io_elapsed_ms(alone)
    assert io_elapsed_ms(crowded) > 3 * io_elapsed_ms(alone)


@pytest.mark.live
def test_convoy_refuses_a_server_inside_the_kernel():
    from simulator.live import serve
    from simulator.live.gil import gil_app

    with serve(gil_app, interface="wsgi", threads=4, name="gil-inproc") as srv, \
            pytest.raises(ValueError, match="subprocess"):
        convoy(srv.url)


@pytest.mark.live
def test_gil_app_answers_bad_parameters_with_400():
    import httpx

    from simulator.live import serve
    from simulator.live.gil import gil_app

    with serve(gil_app, interface="wsgi", name="gil-400") as srv:
        r = httpx.get(srv.url_for("/burn", cpu_ms="lots"), trust_env=False)
        assert r.status_code == 400 and "cpu_ms" in r.text
        r = httpx.get(srv.url_for("/elsewhere"), trust_env=False)
        assert r.status_code == 400 and "/burn" in r.text
