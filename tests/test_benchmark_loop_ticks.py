"""``benchmarks/loop_ticks.py``: the event loop's timers, measured on a real uvicorn."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simulator import ClosedLoop
from simulator.live import run_load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from loop_ticks import per_tick, serve_ticks, ticks, timer_stats


def test_per_tick_counts_the_requests_due_in_the_same_millisecond():
    # 10 requests due in ms 7, one alone in ms 9: most requests see a bunch of 10
    assert per_tick([7] * 10 + [9]) == (10.0, 10.0)
    assert per_tick([1, 2, 3, 4]) == (1.0, 1.0)


def test_timer_stats_measures_lateness_and_leaves_out_the_start():
    # (began, due, rang, back) in seconds; the first is in the start-up and is left out
    records = [[0.0, 0.05, 0.09, 0.10]] + [
        [1.0 + i / 1000, 1.05 + i / 1000, 1.0505 + i / 1000, 1.0515 + i / 1000]
        for i in range(20)]
    st = timer_stats(records)
    assert st["tick"] == (1.0, 1.0)
    assert st["late"][0] == pytest.approx(0.5)
    assert st["after"][0] == pytest.approx(1.0)


def test_timer_stats_refuses_an_empty_record():
    with pytest.raises(ValueError, match="no records"):
        timer_stats([])


def test_the_tick_app_records_every_request_on_a_real_server():
    with serve_ticks() as srv:
        url = srv.url
        assert ticks(url)["records"] == []
        run_load(url + "/", ClosedLoop(users=4), requests=40, progress=False)
        got = ticks(url)
        assert got["loop"] in ("uvloop", "asyncio")
        assert len(got["records"]) == 40
        for began, due, rang, back in got["records"]:
            # the timer was due 50 ms after it was set, within the loop's 1 ms clock
            assert 0.048 <= due - began <= 0.0505
            assert rang >= due - 0.0015 and back >= rang
        assert ticks(url)["records"] == []  # read once, then forgotten
    assert not srv.running
