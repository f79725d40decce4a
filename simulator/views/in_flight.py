"""Requests in the system, and in the queue, over time.

The count of requests between arrival and the end of their response steps up at every
arrival and down at every completion. The shaded part is the queue: requests that have
arrived but not yet got a lane (WSGI) or the loop (ASGI). On a WSGI server the queue
starts only once every lane is busy, which is why the capacity line is drawn; its time
average is Little's L, the dotted line.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .. import metrics
from ..model import WSGIServer
from ..results import RunResult
from ._common import (
    TIME_LABEL,
    check_result,
    check_window,
    get_ax,
    kept,
    no_data,
    origin_s,
    server_kind,
    title_of,
)
from .style import GREY, LIVE_COLOR, OKABE_ITO, SIM_COLOR, THEORY_COLOR


def plot_in_flight(
    res: RunResult,
    ax: Axes | None = None,
    *,
    window_s: tuple[float, float] | None = None,
    title: str | None = None,
) -> Axes:
    """Draw requests in the system and in the queue against time (s); return the Axes.

    Parameters
    ----------
    res:
        A simulated or live run. Live runs whose server does not report its start time
        have no queue line (the split between waiting and being served is unknown).
    ax:
        Where to draw (default: a new figure).
    window_s:
        (start, end) in seconds since the first request; default the whole run.
    title:
        Replace the default title.
    """
    res = check_result(res, "plot_in_flight")
    ax = get_ax(ax)
    ax.set_title(title if title is not None else title_of(res, "requests in flight"))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("requests")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    recs = res.records
    if not recs:
        no_data(ax, "no requests in this run")
        return ax
    t, in_sys, in_q = metrics.in_flight_series(recs)
    t = t - origin_s(recs)
    color = SIM_COLOR if res.source == "sim" else LIVE_COLOR
    # Thousands of steps drawn thick merge into a blot: thin lines for long runs.
    width = 1.0 if t.size > 3000 else mpl.rcParams["lines.linewidth"]
    # Each artist is kept for the next redraw (clear_data) and given new data then.
    system, _ = kept(ax, "flight:system", lambda: ax.step(
        [], [], where="post", label="in the system")[0])
    system.set_data(t, in_sys)
    system.set_color(color)
    system.set_linewidth(width)
    shown: list[Any] = [system]
    knows_start = all(r.start_s is not None for r in recs if r.status == "ok")
    if knows_start:
        queue, _ = kept(ax, "flight:queue", lambda: ax.fill_between(
            [], [], step="post", color=GREY, alpha=0.7, linewidth=0, label="in the queue"))
        queue.set_data(t, in_q, 0)
        shown.append(queue)
    lanes = _capacity(res)
    if lanes is not None:
        cap, _ = kept(ax, "flight:lanes", lambda: ax.axhline(
            0.0, color=THEORY_COLOR, linestyle="--", linewidth=2.0, zorder=4.99))
        cap.set_ydata([lanes, lanes])
        cap.set_label(f"lanes = {lanes} (beyond: queue)")
        shown.append(cap)
    level = metrics.time_average(t, in_sys, float(t[0]), float(t[-1]))
    if not math.isnan(level):
        avg, _ = kept(ax, "flight:average", lambda: ax.axhline(
            0.0, color=OKABE_ITO["bluish_green"], linestyle="-.", linewidth=2.2,
            zorder=5))
        avg.set_ydata([level, level])
        avg.set_label(f"time average L = {level:.2f}")
        shown.append(avg)
    ax.relim(visible_only=True)  # the limits of the new data
    ax.autoscale_view()
    if window_s is not None:
        ax.set_xlim(*check_window("plot_in_flight", window_s))
    else:
        ax.set_xlim(0, float(np.max(t)) if t.size else 1.0)
    ax.set_ylim(bottom=0)
    _legend(ax, shown)
    return ax


def _legend(ax: Axes, shown: list[Any]) -> None:
    """The legend of ``shown``: the last one with new labels when its entries are alike."""
    alike = tuple((type(a).__name__, a.get_gid(), str(a.get_zorder())) for a in shown)
    style = (shown[0].get_color(), shown[0].get_linewidth())
    legend, reused = kept(ax, f"flight:legend:{alike}:{style}", lambda: ax.legend(
        handles=shown, loc="upper left", fontsize="small"))
    if reused:
        ax.legend_ = legend
        for text, artist in zip(legend.get_texts(), shown, strict=True):
            text.set_text(artist.get_label())


def _capacity(res: RunResult) -> int | None:
    """Lanes of a WSGI server (requests it serves at once), else None.

    From the scenario when there is one; for a measured run, the lanes that served.
    """
    sc = res.scenario
    if sc is not None:
        return sc.server.lanes if isinstance(sc.server, WSGIServer) else None
    return len(res.lanes) if server_kind(res) == "wsgi" else None
