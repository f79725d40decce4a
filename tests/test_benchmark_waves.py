"""The ``waves`` statistic of ``benchmarks/sim_vs_real.py``: how bunched the sends were."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from simulator.results import RequestRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from sim_vs_real import waves


def _sends(times: list[float], live: bool = True) -> SimpleNamespace:
    """A run whose requests were sent at ``times`` (``sent_s`` live, ``arrival_s`` else)."""
    records = [RequestRecord(i, t, t, t + 0.05, "ok", "p0-loop", sent_s=t if live else None)
               for i, t in enumerate(times)]
    return SimpleNamespace(records=records)


def test_sends_at_random_score_about_one():
    rng = random.Random(3)
    t, times = 0.0, []
    while t < 6.0:
        t += rng.expovariate(1000.0)
        times.append(t)
    assert waves(_sends(times)) == pytest.approx(1.0, abs=0.1)


def test_evenly_spaced_sends_score_below_one():
    # one in the middle of every millisecond (the counting starts 0.5 s after the first)
    times = [0.0] + [0.0005 + i / 1000 for i in range(5000)]
    assert waves(_sends(times, live=False)) < 0.05


def test_bunched_sends_score_far_above_one():
    # 20 users answered in one turn of the loop every 50 ms: bunches of 20
    times = [k * 0.05 + j * 0.00005 for k in range(100) for j in range(20)]
    assert waves(_sends(times)) > 10


def test_the_start_up_is_left_out():
    # Everyone sends at once at the start, evenly after: the start-up does not count.
    times = [0.0] * 500 + [0.6005 + i / 1000 for i in range(3000)]
    assert waves(_sends(times)) < 0.05


def test_too_few_sends_give_nan():
    assert math.isnan(waves(_sends([0.001 * i for i in range(20)])))


def test_where_the_time_went_splits_each_latency_at_the_server_stamps():
    from sim_vs_real import where_time_went
    # sent at 0, the app began 2 ms later and ran 50 ms, the answer was parsed 1 ms after
    records = [RequestRecord(i, 0.1 * i, 0.1 * i + 0.002, 0.1 * i + 0.053, "ok", "p0-loop",
                             done_s=0.1 * i + 0.052, sent_s=0.1 * i) for i in range(20)]
    records.append(RequestRecord(99, 0.0, None, 5.0, "timeout", None))  # not answered
    went = where_time_went(SimpleNamespace(records=records))
    assert went["before"] == pytest.approx((2.0, 2.0))
    assert went["in"] == pytest.approx((50.0, 50.0))
    assert went["after"] == pytest.approx((1.0, 1.0))
