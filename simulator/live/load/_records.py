"""From the generator's samples to the simulator's records, with an honest verdict.

Times become seconds from the run's start (``t0``), the server's stamps become lanes
(``p0-t2``, ``p0-loop``), and the run is judged by :mod:`._verdict`: how much of the
latencies was the generator's own time, and whether it, not the server, set the pace.
The result says so in ``notes`` when it matters, and always in ``meta``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...results import RequestRecord, RunResult
from .._stamp import lane_names
from ._driver import Sample
from ._verdict import judge


def _ms_percentiles(values_s: list[float]) -> tuple[float, float, float]:
    if not values_s:
        return math.nan, math.nan, math.nan
    a = np.asarray(values_s) * 1000.0
    p50, p99 = np.percentile(a, (50, 99))
    return float(p50), float(p99), float(a.max())


def _steady(samples: list[Sample]) -> list[Sample]:
    """The samples that judge the schedule: for a closed loop, all but each user's first.

    At the start of a closed loop every user sends at once; opening those connections one
    after another makes the first wave a few milliseconds late however fast the
    generator is, which says nothing about the rest of the run.
    """
    seen: set[int] = set()
    later = []
    for s in samples:  # sorted by id: a user's first request comes first
        if s.user is None:
            return samples
        if s.user in seen:
            later.append(s)
        seen.add(s.user)
    return later or samples


def _rel(t: float | None, t0: float) -> float | None:
    return None if t is None or math.isnan(t) else t - t0


def build(samples: list[Sample], *, t0: float, label: str, traffic: str,
          busy: float, loop_lags: list[float], pool_waits: int, connections: int,
          capped: str | None, meta: Mapping[str, Any], closed: bool = False,
          in_process: bool | None = None, refused: str | None = None) -> RunResult:
    """Records, notes and meta of a finished run (see the module docstring)."""
    samples = sorted(samples, key=lambda s: s.id)
    lanes = lane_names(s.where for s in samples)
    # An open loop's arrivals are its schedule as drawn (bit for bit the simulator's for the
    # same seed); (t0 + x) - t0 would round differently from run to run.
    records = tuple(
        RequestRecord(s.id, s.arrival - t0 if s.offset is None else s.offset,
                      _rel(s.start, t0), s.end - t0, s.status, lane, traffic, s.code,
                      _rel(s.done, t0), s.user, _rel(s.sent, t0))
        for s, lane in zip(samples, lanes, strict=True)
    )
    lag50, lag99, lagmax = _ms_percentiles([s.dispatched - s.arrival for s in _steady(samples)])
    sent = [s.sent - s.arrival for s in samples if s.sent is not None]
    _, send99, _ = _ms_percentiles(sent)
    loop95 = float(np.percentile(np.asarray(loop_lags) * 1000.0, 95)) if loop_lags \
        else math.nan
    verdict = judge(samples, loop_lags, busy, closed)
    notes: list[str] = [] if refused is None else [refused]
    notes += verdict.notes(in_process=in_process)
    if pool_waits:
        notes.append(
            f"{pool_waits} requests waited for one of the generator's {connections} "
            "connections (all busy): the server fell behind the offered load. Their "
            "latency still counts from the scheduled time.")
    if capped:
        notes.append(capped)
    pids = sorted({s.where[0] for s in samples if s.where is not None})
    full_meta = {
        **meta,
        "requests_sent": len(samples),
        "t0_monotonic_s": t0,
        "lag_p50_ms": lag50,
        "lag_p99_ms": lag99,
        "lag_max_ms": lagmax,
        "send_lag_p99_ms": send99,
        "loop_lag_p95_ms": loop95,
        "generator_busy": busy,
        **verdict.meta(),
        "generator_verdict": verdict.short(),
        "connections": connections,
        "pool_waits": pool_waits,
        "pids": {f"p{i}": pid for i, pid in enumerate(pids)},
    }
    return RunResult(records=records, source="live", label=label, notes=tuple(notes),
                     meta=full_meta)
