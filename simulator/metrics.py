"""Metrics: pure functions over request records.

Each takes a sequence of :class:`~simulator.results.RequestRecord` (or anything with
the same attributes) and returns numbers; nothing here depends on how the records were
made, so simulated and live runs are measured the same way.

Little's law, measured: over a window, the time-average number of requests in the
system equals the arrival rate times the mean time each spends in it.

>>> from simulator import Poisson, Scenario, Workload, WSGIServer, simulate
>>> res = simulate(Scenario(server=WSGIServer(threads=4), arrivals=Poisson(60),
...                         workload=Workload(io_ms=50, dist="exponential"),
...                         requests=20_000, seed=1))
>>> level, rate, mean_s = littles_law(res.records, t0=10.0, t1=300.0)
>>> round(level, 2), round(rate * mean_s, 2)
(4.48, 4.48)
>>> percentiles([10, 20, 30, 40, 50], (50, 95))
(30.0, 48.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def percentiles(values: Sequence[float], qs: Iterable[float]) -> tuple[float, ...]:
    """Percentiles ``qs`` (0-100) of ``values``; NaN for each when ``values`` is empty."""
    qs = tuple(qs)
    if len(values) == 0:
        return tuple(math.nan for _ in qs)
    return tuple(float(v) for v in np.percentile(np.asarray(values, dtype=float), qs))


def span(records: Sequence[Any]) -> float:
    """Seconds from the first arrival to the last end (0 for no records)."""
    if not records:
        return 0.0
    return max(r.end_s for r in records) - min(r.arrival_s for r in records)


def throughput(records: Sequence[Any]) -> float:
    """Completed ok requests per second: ok count / (last ok completion - first arrival)."""
    ok_ends = [r.end_s for r in records if r.status == "ok"]
    if not ok_ends:
        return 0.0
    elapsed = max(ok_ends) - min(r.arrival_s for r in records)
    return len(ok_ends) / elapsed if elapsed > 0 else math.nan


def arrival_rate(records: Sequence[Any]) -> float:
    """Requests per second arriving, between the first and the last arrival."""
    if len(records) < 2:
        return math.nan
    arrivals = [r.arrival_s for r in records]
    elapsed = max(arrivals) - min(arrivals)
    return (len(records) - 1) / elapsed if elapsed > 0 else math.nan


def in_flight_series(records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step functions of requests in the system and in the queue over time.

    Returns ``(times_s, in_system, in_queue)``: after the event at ``times_s[i]`` there
    are ``in_system[i]`` requests between arrival and end, ``in_queue[i]`` of them not yet
    started (waiting for a lane or the loop).
    """
    if not records:
        empty = np.zeros(0)
        return empty, empty, empty
    t, d_sys, d_q = [], [], []
    for r in records:
        t.append(r.arrival_s)
        d_sys.append(1)
        d_q.append(1)
        t.append(r.end_s)
        d_sys.append(-1)
        d_q.append(0)
        leave_queue = r.start_s if r.start_s is not None and r.start_s < r.end_s else r.end_s
        t.append(leave_queue)
        d_sys.append(0)
        d_q.append(-1)
    times = np.asarray(t, dtype=float)
    order = np.argsort(times, kind="stable")
    return (
        times[order],
        np.cumsum(np.asarray(d_sys)[order]),
        np.cumsum(np.asarray(d_q)[order]),
    )


def time_average(times: np.ndarray, values: np.ndarray, t0: float, t1: float) -> float:
    """Time-average of the step function (``values[i]`` holds from ``times[i]``) on [t0, t1]."""
    if t1 <= t0 or len(times) == 0:
        return math.nan
    edges = np.clip(np.append(times, t1), t0, t1)
    widths = np.diff(edges)
    return float(np.sum(widths * values) / (t1 - t0))


def mean_in_system(records: Sequence[Any]) -> float:
    """Time-average number of requests in the system over the whole run (Little's L)."""
    if not records:
        return math.nan
    times, in_sys, _ = in_flight_series(records)
    return time_average(times, in_sys, float(times[0]), float(times[-1]))


def littles_law(records: Sequence[Any], t0: float, t1: float) -> tuple[float, float, float]:
    """Measure the three sides of Little's law, L = lambda * W, on the window [t0, t1].

    Returns ``(L, lam, W)``: L the time-average number in the system (from the step
    function), lam the arrival rate in the window (req/s), W the mean time in system (s)
    of the requests that arrived in it. With a window long against the latencies,
    ``L`` and ``lam * W`` agree to within edge effects.
    """
    times, in_sys, _ = in_flight_series(records)
    level = time_average(times, in_sys, t0, t1)
    inside = [r for r in records if t0 <= r.arrival_s < t1]
    lam = len(inside) / (t1 - t0)
    w = sum(r.end_s - r.arrival_s for r in inside) / len(inside) if inside else math.nan
    return level, lam, w


_LANE = re.compile(r"(\d+)|(\D+)")


def lane_sort_key(lane: str) -> tuple[Any, ...]:
    """Sort ``"p0-t10"`` after ``"p0-t9"`` (numbers compared as numbers)."""
    return tuple(int(n) if n else s for n, s in _LANE.findall(lane))
