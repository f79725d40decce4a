"""The latency distribution, with the percentiles that service-level objectives quote.

A histogram of how long successful requests took, from arrival to the end of the
response, with the median (p50) and the tail (p95, p99) marked. The tail is where queueing
shows first: a server at 80 % utilisation can have a fine median and a p99 ten times
larger. Failed requests are not in the histogram; their count is written on the plot.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .. import metrics
from ..model._check import check_int
from ..results import RunResult
from ._common import check_result, failed_text, fmt_ms, get_ax, kept, no_data, title_of
from .style import LIVE_COLOR, PERCENTILE_COLORS, SIM_COLOR

_STYLES = {50: "-", 95: "--", 99: ":"}
LOG_SPREAD = 20.0  # p99 / p50 beyond which a log axis shows the shape better


def plot_latency(
    res: RunResult,
    ax: Axes | None = None,
    *,
    bins: int = 60,
    log: bool | None = None,
    color: str | None = None,
    label: str | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the histogram of latencies (ms) with p50, p95 and p99 marked; return the Axes.

    Parameters
    ----------
    res:
        A simulated or live run; only requests with status ``"ok"`` are counted.
    ax:
        Where to draw (default: a new figure).
    bins:
        Number of histogram bins, 5-500.
    log:
        Logarithmic latency axis; ``None`` chooses it when p99 is over 20 times p50.
    color, label, title:
        Override the bars' colour (default blue for simulated, orange for measured),
        their legend label and the title.
    """
    res = check_result(res, "plot_latency")
    check_int("plot_latency", "bins", bins, low=5, high=500, hint="Try bins=60.")
    ax = get_ax(ax)
    ax.set_title(title if title is not None else title_of(res, "latency"))
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("requests")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    lat = np.asarray(res.latencies_ms("ok"), dtype=float)
    failed = failed_text(res.records)
    if lat.size == 0:
        no_data(ax, "no requests in this run" if not res.records
                else f"no request succeeded\n({failed})")
        return ax
    p50, p95, p99 = metrics.percentiles(lat.tolist(), (50, 95, 99))
    lo, hi = float(lat.min()), float(lat.max())
    if log is None:
        log = lo > 0 and p50 > 0 and p99 / p50 > LOG_SPREAD
    if log and lo > 0:
        edges = np.geomspace(lo, max(hi, lo * 1.01), bins + 1)
        ax.set_xscale("log")
    else:
        edges = np.linspace(0.0, max(hi, 1e-3) * 1.02, bins + 1)
    if color is None:
        color = SIM_COLOR if res.source == "sim" else LIVE_COLOR
    counts, _ = np.histogram(lat, bins=edges)
    # One filled step patch, not a rectangle per bin: the same picture, drawn faster
    # (benchmarks/bench_views.py; docs/views.md). Kept for the next redraw (clear_data).
    bars, reused = kept(ax, "latency:bars", lambda: ax.stairs(
        counts, edges, fill=True, color=color, alpha=0.75))
    bars.set_facecolor(color)
    bars.set_label(label if label is not None else f"{lat.size:,} requests ok")
    if reused:
        bars.set_data(counts, edges)
        # What adding the patch would have done to the limits: its outline's box.
        ax.update_datalim([(edges[0], 0.0), (edges[-1], float(counts.max()))])
        ax.autoscale_view()
    ax.set_ylim(0, max(1, int(counts.max())) * 1.25)  # headroom for the labels
    # Labels beside the lines, not in a legend: read at a glance, even from the back row.
    lo_x, hi_x = (np.log(edges[[0, -1]]) if log else edges[[0, -1]])
    for k, (q, v) in enumerate(zip((50, 95, 99), (p50, p95, p99), strict=True)):
        line, _ = kept(ax, f"latency:p{q}", partial(
            ax.axvline, v, color=PERCENTILE_COLORS[q], linestyle=_STYLES[q], linewidth=2.2))
        line.set_xdata([v, v])
        where = ((np.log(v) if log else v) - lo_x) / max(hi_x - lo_x, 1e-12)
        note, _ = kept(ax, f"latency:p{q}:label", partial(
            ax.annotate, "", (0.0, 0.0), xycoords=("data", "axes fraction"), xytext=(0, 0),
            textcoords="offset points", va="top", fontsize="small", color="0.1",
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                  "edgecolor": PERCENTILE_COLORS[q], "alpha": 0.85}))
        note.set_text(f"p{q} {fmt_ms(v)}")
        note.xy = (v, 0.97 - 0.1 * k)
        note.xyann = (4 if where < 0.7 else -4, 0)
        note.set_horizontalalignment("left" if where < 0.7 else "right")
    if title is None:
        extra = f"; {failed}" if failed else ""
        ax.set_title(title_of(res, f"latency ({lat.size:,} ok{extra})"))
    return ax
