"""A blocking call, seen from outside: every quick request's latency, and the loop's lag.

Quick requests arrive at a steady rate; in the middle, one culprit request. Each quick
request is a dot at its arrival time, as high as its latency; the loop-lag monitor's
readings (how late a 10 ms timer fired) are a line on the same scale; the culprit's
time in flight is shaded. On a healthy server the dots lie along the bottom. A blocking
call in an async view lifts every dot that arrives during it, and the lag line rises to
the length of the block; on a WSGI server the same call holds one thread and the dots
stay down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from matplotlib.axes import Axes

from ..results import RunResult
from ._common import check_result, get_ax
from .style import GREY, LIVE_COLOR, SIM_COLOR


class DrillLike(Protocol):
    """What :func:`plot_drill` reads (:class:`simulator.live.loop_watch.Drill` has it)."""

    fast: RunResult
    culprit: tuple[float, float]
    lag: Sequence[tuple[float, float]]


def plot_drill(drill: DrillLike, ax: Axes | None = None, *, title: str | None = None,
               culprit: str = "the culprit request") -> Axes:
    """Draw a drill: quick requests' latency (dots), loop lag (line), the culprit (shaded),
    in ms against seconds since the start; return the Axes."""
    fast = check_result(drill.fast, "plot_drill", "drill.fast")
    ax = get_ax(ax, (12.8, 4.0))
    ok = [r for r in fast.records if r.status == "ok"]
    ax.plot([r.arrival_s for r in ok], [1000 * r.latency_s for r in ok], "o",
            color=LIVE_COLOR, markersize=4, label="quick requests: latency")
    if drill.lag:
        ts, vs = zip(*drill.lag, strict=True)
        ax.plot(ts, [1000 * v for v in vs], color=SIM_COLOR, linewidth=1.6,
                label="loop lag (monitor)")
    sent, done = drill.culprit
    if not (math.isnan(sent) or math.isnan(done)):
        ax.axvspan(sent, done, color=GREY, alpha=0.3,
                   label=f"{culprit} in flight ({1000 * (done - sent):.0f} ms)")
    ax.set_xlabel("time since the first quick request (s)")
    ax.set_ylabel("ms")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return ax
