"""``benchmarks/loop_ticks.py``: the event loop's timers, measured on a real uvicorn."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simulator import ClosedLoop
from simulator.live import run_load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from loop_ticks import per_turn, serve_ticks, ticks, timer_stats


def test_per_turn_counts_the_timers_that_fired_back_to_back():
    # 10 callbacks 5 us apart (one turn), one alone a millisecond later: most requests
    # see a turn of 10; callbacks 0.1 ms apart are turns of their own
    assert per_turn([0.007 + i * 5e-6 for i in range(10)] + [0.008]) == (10.0, 10.0)
    assert per_turn([0.0, 1e-4, 2e-4, 3e-4]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="no timers"):
        per_turn([])


def test_timer_stats_measures_lateness_and_leaves_out_the_start():
    # (began, due, rang, back) in seconds; the first is in the start-up and is left out
    records = [[0.0, 0.05, 0.09, 0.10]] + [
        [1.0 + i / 1000, 1.05 + i / 1000, 1.0505 + i / 1000, 1.0515 + i / 1000]
        for i in range(20)]
    st = timer_stats(records)
    assert st["turn"] == (1.0, 1.0) and st["start"] == (1.0, 1.0)
    assert st["late"][0] == pytest.approx(0.5)
    assert st["after"][0] == pytest.approx(1.0)


def test_timer_stats_refuses_an_empty_record():
    with pytest.raises(ValueError, match="no records"):
        timer_stats([])


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_the_tick_app_records_every_request_on_a_real_server(loop):
    with serve_ticks(loop) as srv:
        url = srv.url
        assert ticks(url)["records"] == []
        run_load(url + "/", ClosedLoop(users=4), requests=40, progress=False)
        got = ticks(url)
        assert got["loop"] == loop  # the loop asked for is the loop that ran
        assert len(got["records"]) == 40
        for began, due, rang, back in got["records"]:
            # the timer was due 50 ms after it was set, within the loop's 1 ms clock
            assert 0.048 <= due - began <= 0.0505
            assert rang >= due - 0.0015 and back >= rang
        assert ticks(url)["records"] == []  # read once, then forgotten
    assert not srv.running


def test_uvicorn_workers_run_on_the_loop_asked_for():
    with serve_ticks("asyncio", processes=2) as srv:
        kinds = {ticks(srv.url)["loop"] for _ in range(6)}
    assert kinds == {"asyncio"}
