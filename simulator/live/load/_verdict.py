"""Was the load generator part of what it measured? A verdict from its own timestamps.

A load generator is an instrument, and an instrument that is late adds its lateness to
what it reports. This one times every request at each step (:mod:`._driver`), so it can
say, from measurements, two different things:

1. **How much of a latency was its own time.** A latency runs from the scheduled (due)
   time to the moment the parser saw the answer's last byte. The generator's share of it
   is the time *before* the request went out (due -> dispatched -> on the wire: measured
   for every request) plus the time the finished answer *waited for the generator's
   event loop* before it was read. That wait cannot be timed per request (the kernel
   does not say when the bytes arrived), so it is estimated by the loop's lag (how late a
   5 ms sleep woke up) and, when the server stamps its answers, bounded by the return
   leg (server's end stamp -> parsed), whichever is smaller. Added at p50 and at p95,
   against the run's p50 and p95, this is the share of the reading that the generator
   could have put there.
2. **Whether it set the pace** ("the generator was the limit"): an open loop that could
   not keep its schedule (it sent more slowly than asked), a closed loop whose users
   spent a large share of their time waiting on the generator rather than on the server,
   or a generator thread busy all the time.

Both are flagged when the share passes :data:`SHARE_LIMIT`, 10%: the tolerance within
which the course calls a model and a measurement in agreement. Below it, the generator's
time cannot by itself turn agreement into disagreement, and the figure reads the same
with a perfect client; above it, it can. Rare late wake-ups (a busy shared machine
stalls any process now and then) touch the p99, not the p50 or p95, and are reported
without a flag.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._driver import Sample

SHARE_LIMIT = 0.10  # a share of a reading above this changes what the reading says
BUSY_LIMIT = 0.9  # the generator's thread computing this share of the time: saturated
TAIL = 0.1  # an open loop's pace is judged on its last tenth of requests


@dataclass(frozen=True)
class Verdict:
    """The generator's part in one run (times in ms, shares as fractions)."""

    before_p50_ms: float  # generator time before the request went out
    before_p95_ms: float
    read_p50_ms: float  # estimated wait of a finished answer for the generator's loop
    read_p95_ms: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_share: float  # max over p50, p95 of (before + read) / latency
    pace_share: float  # open: how much slower than its schedule; closed: users' wait share
    busy: float
    closed: bool
    behind_ms: float  # open loop: how late its last requests left (median)
    asked_rps: float
    sent_rps: float
    gap_ms: float = math.nan  # closed loop: mean time from an answer to that user's next send

    @property
    def added_p50_ms(self) -> float:
        return self.before_p50_ms + self.read_p50_ms

    @property
    def added_p95_ms(self) -> float:
        return self.before_p95_ms + self.read_p95_ms

    @property
    def skewed(self) -> bool:
        """Its own time is a large enough share of p50 or p95 to change the reading."""
        return self.latency_share > SHARE_LIMIT

    @property
    def limited(self) -> bool:
        """It, not the server, set the pace of the run."""
        return self.pace_share > SHARE_LIMIT or self.busy > BUSY_LIMIT

    def meta(self) -> dict[str, Any]:
        """Flat fields for ``RunResult.meta``."""
        return {
            "generator_before_p50_ms": self.before_p50_ms,
            "generator_before_p95_ms": self.before_p95_ms,
            "generator_read_p50_ms": self.read_p50_ms,
            "generator_read_p95_ms": self.read_p95_ms,
            "generator_added_p50_ms": self.added_p50_ms,
            "generator_added_p95_ms": self.added_p95_ms,
            "generator_latency_share": self.latency_share,
            "generator_pace_share": self.pace_share,
            "user_gap_ms": self.gap_ms,
            "generator_skewed": self.skewed,
            "generator_limited": self.limited,
        }

    def notes(self, *, in_process: bool | None) -> list[str]:
        """What a student should read about the generator (empty when nothing to say)."""
        out = []
        fix = (" Run the server in a subprocess (an import string) so that it does not "
               "share this process's GIL with the generator." if in_process else
               " Lower the rate or the users, or close other busy programs.")
        if self.limited:
            out.append(f"The load generator was the limit, not the server: {self._pace()}."
                       + fix)
        if self.skewed:
            a50, a95, l50, l95 = (self.added_p50_ms, self.added_p95_ms, self.latency_p50_ms,
                                  self.latency_p95_ms)
            out.append(
                f"The load generator's own time could have added about {a50:.1f} ms to "
                f"the p50 ({a50 / l50:.0%} of {l50:.1f} ms) and {a95:.1f} ms to the p95 "
                f"({a95 / l95:.0%} of {l95:.1f} ms) it reports: "
                f"{self.before_p95_ms:.1f} ms before sending and {self.read_p95_ms:.1f} ms "
                "before reading the answer (p95). More than "
                f"{SHARE_LIMIT:.0%} of a figure is enough to change what it says."
                + ("" if self.limited else fix))
        return out

    def _pace(self) -> str:
        if self.busy > BUSY_LIMIT:
            return f"its thread was busy {self.busy:.0%} of the time"
        if self.closed:
            return (f"its users spent {self.pace_share:.0%} of their time waiting on the "
                    "generator rather than on the server")
        return (f"it could not keep its schedule: it sent {self.sent_rps:,.0f} requests "
                f"per second of the {self.asked_rps:,.0f} asked, and its last requests "
                f"left {self.behind_ms:,.0f} ms late")

    def short(self) -> str:
        """One line for the progress bar ("" when there is nothing to say)."""
        if self.limited:
            return "the generator was the limit (see .notes)"
        if self.skewed:
            return (f"the generator's own time is {self.latency_share:.0%} of a latency "
                    "(see .notes)")
        return ""


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if values.size else math.nan


def judge(samples: list[Sample], loop_lags: list[float], busy: float,
          closed: bool) -> Verdict:
    """The verdict on one run (``samples`` sorted by id; times in seconds)."""
    ok = [s for s in samples if s.status == "ok"]
    lat = np.array([s.end - s.arrival for s in ok]) * 1000.0
    before = np.array([(s.dispatched - s.arrival)
                       + (s.sent - s.acquired if s.sent is not None and s.acquired is not None
                          else 0.0) for s in ok]) * 1000.0
    loop = np.asarray(loop_lags) * 1000.0
    back = np.array([s.end - s.done for s in ok
                     if s.done is not None and not math.isnan(s.done)]) * 1000.0
    read = []
    for q in (50, 95):
        est = _pct(loop, q) if loop.size else 0.0
        if back.size == len(ok) and back.size:  # every answer stamped: a per-request bound
            est = min(est, max(_pct(back, q), 0.0))
        read.append(est)
    lat50, lat95 = _pct(lat, 50), _pct(lat, 95)
    b50, b95 = _pct(before, 50), _pct(before, 95)
    share = 0.0
    if ok:
        share = max((b50 + read[0]) / max(lat50, 1e-9), (b95 + read[1]) / max(lat95, 1e-9))
    gap = math.nan
    if closed:
        read_mean = float(loop.mean()) if loop.size else 0.0
        if back.size == len(ok) and back.size:
            read_mean = min(read_mean, max(float(back.mean()), 0.0))
        pace, gap = _closed_pace(ok, float(before.mean()) if ok else 0.0, read_mean)
        behind, asked, sent = 0.0, math.nan, math.nan
    else:
        pace, behind, asked, sent = _open_pace(samples)
    return Verdict(before_p50_ms=b50, before_p95_ms=b95, read_p50_ms=read[0],
                   read_p95_ms=read[1], latency_p50_ms=lat50, latency_p95_ms=lat95,
                   latency_share=share, pace_share=pace, busy=busy, closed=closed,
                   behind_ms=behind, asked_rps=asked, sent_rps=sent, gap_ms=gap)


def _open_pace(samples: list[Sample]) -> tuple[float, float, float, float]:
    """(shortfall, ms behind at the end, asked req/s, sent req/s) of an open loop.

    The schedule was kept if the last requests left about when they were due. How late
    they left, against the schedule's length, is how much slower than asked it sent.
    """
    if len(samples) < 2:
        return 0.0, 0.0, math.nan, math.nan
    due = np.array([s.arrival for s in samples])
    lag = np.array([s.dispatched - s.arrival for s in samples])
    tail = max(1, int(len(samples) * TAIL))
    behind = max(float(np.median(lag[-tail:])), 0.0)
    span = float(due[-1] - due[0])
    if span <= 0:
        return 0.0, behind * 1000.0, math.inf, math.inf
    asked = (len(samples) - 1) / span
    sent = (len(samples) - 1) / (span + behind)
    return behind / (span + behind), behind * 1000.0, asked, sent


def _closed_pace(ok: list[Sample], before_ms: float, read_ms: float) -> tuple[float, float]:
    """The share of a closed-loop user's cycle spent waiting on the generator, and the
    mean time (ms) from an answer to the same user's next request (think included).

    A user's cycle runs from one due time to the next: the latency, then the time until
    the answer was in the user's hands and it could go on (``got - end``), then its think
    time. Of it, the generator's part is that hand-over, the time before sending and the
    estimated read wait. Means, since throughput is users / mean cycle (a stall that
    held every user up did lower it).
    """
    by_user: dict[int | None, list[Sample]] = {}
    for s in ok:
        by_user.setdefault(s.user, []).append(s)
    pairs = [(a, b) for mine in by_user.values() for a, b in itertools.pairwise(mine)]
    if not pairs:
        return 0.0, math.nan
    handover = float(np.mean([s.got - s.end for s in ok])) * 1000.0
    cycle = float(np.mean([b.arrival - a.arrival for a, b in pairs])) * 1000.0
    gap = float(np.mean([b.arrival - a.end for a, b in pairs])) * 1000.0
    return (handover + before_ms + read_ms) / max(cycle, 1e-9), gap
