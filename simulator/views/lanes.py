"""The lane picture: who held what, when.

For a **WSGI** server each thread is a lane (a row), and each request it serves is a
bar along it: vermillion while it computes, sky blue while it waits on I/O (still holding
the lane: nobody else can use it), yellow while it waits for the GIL or a core. Above the
lanes, the queue: every request that found all lanes taken, a grey line from its arrival
until a lane freed up.

For an **ASGI** server the top row is the event loop: it is held only during CPU bursts
(and, in the pitfall, by a blocking call: reddish purple). Below it every request in
flight has a thin line of its own, showing that many requests wait on I/O at once while
the loop serves whoever is ready.

A live run has no trace: then each request is one bar from its server-side start to its
end (green), after a grey wait from its arrival; without server timing, one orange bar
for its whole latency. Failed requests end in a black cross.

Big runs: only a window is drawn, by default the time in which the first 150 requests
arrived; ``window_s=(2.0, 4.0)`` picks seconds since the first request instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

from ..model._check import check_int
from ..results import RunResult, Span
from ._common import TIME_LABEL, check_result, get_ax, kept, no_data, server_kind, title_of
from ._lane_layout import Layout, asgi_layout, choose_window, wsgi_layout
from .style import HD_SIZE_IN, KIND_COLORS, KIND_LABELS

DEFAULT_REQUESTS = 150
MAX_TICKS = 16
_THIN = ("cpu", "blocked", "ready")  # short bursts: give them an outline so they show
_RECT_CODES = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
_ORDER = ("queue", "cpu", "ready", "pool", "io", "blocked", "service", "latency")
# Drawing order, fixed: a redraw that shows a kept artist again draws it in its place.
_Z = {**{kind: 1.0 + i / 100 for i, kind in enumerate(_ORDER)}, "starts": 1.09,
      "dividers": 2.01}


def plot_lanes(
    res: RunResult,
    ax: Axes | None = None,
    *,
    window_s: tuple[float, float] | None = None,
    max_requests: int = DEFAULT_REQUESTS,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw the lanes (WSGI threads or ASGI loop) over time and return the Axes.

    Parameters
    ----------
    res:
        A simulated (``simulate(sc, trace=True)`` for the CPU/I/O split) or live run.
    ax:
        Where to draw (default: a new figure).
    window_s:
        (start, end) in seconds since the first request. Default: the time in which the
        first ``max_requests`` requests arrived.
    max_requests:
        Size of the default window, 1-100,000 requests.
    legend, title:
        Draw a legend; replace the default title.
    """
    res = check_result(res, "plot_lanes")
    check_int("plot_lanes", "max_requests", max_requests, low=1, high=100_000,
              hint="About 150 reads well.")
    ax = get_ax(ax, HD_SIZE_IN)
    ax.set_xlabel(TIME_LABEL)
    if not res.records:
        ax.set_title(title if title is not None else title_of(res, "lanes"))
        ax.set_yticks([])
        no_data(ax, "no requests in this run")
        return ax
    t0, t1 = choose_window(res.records, window_s, max_requests)
    recs = [r for r in res.records if r.arrival_s <= t1 and r.end_s >= t0]
    ids = {r.id for r in recs}
    spans: list[Span] = [s for s in res.spans if s.request_id in ids and s.start_s < t1
                         and s.end_s > t0]
    origin = min(r.arrival_s for r in res.records)
    kind = server_kind(res)
    layout_fn = wsgi_layout if kind == "wsgi" else asgi_layout
    lay = layout_fn(res, recs, spans, t0, t1, origin)
    _draw(ax, lay)
    ax.set_xlim(t0 - origin, t1 - origin)
    if legend:
        _legend(ax, lay)
    if title is None:
        shown = "" if len(recs) == len(res.records) else (
            f" ({len(recs)} of {len(res.records):,} requests)")
        title = title_of(res, "lanes") + shown
    ax.set_title(title)
    return ax


def bars_path(bars: list[tuple[float, float, float, float]]) -> Path:
    """One path of many rectangles (x0, x1, y_top, height): drawn in one go."""
    a = np.asarray(bars, dtype=float).reshape(-1, 4)
    x0, x1, y, h = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
    verts = np.stack([np.column_stack(p) for p in
                      ((x0, y), (x1, y), (x1, y + h), (x0, y + h), (x0, y))], axis=1)
    codes = np.tile(_RECT_CODES, len(a))
    return Path(verts.reshape(-1, 2), codes)


def _draw(ax: Axes, lay: Layout) -> None:
    for kind in _ORDER:
        bars = lay.bars.get(kind)
        if not bars:
            continue
        color = KIND_COLORS[kind]
        thin = kind in _THIN
        # One compound path per kind, not a path per bar: hundreds of bars cost one
        # draw call. Snapped to whole pixels, as single rectangles are, so thin bars stay
        # crisp. Kept from one redraw to the next (clear_data), with new bars.

        def new_collection(color: str = color, thin: bool = thin, kind: str = kind) -> Any:
            return ax.add_collection(PathCollection(
                [], facecolors=color, edgecolors=color if thin else "none",
                linewidths=0.6 if thin else 0.0, label=KIND_LABELS[kind], snap=True,
                zorder=_Z[kind]), autolim=False)

        coll, _ = kept(ax, f"lanes:{kind}", new_collection)
        coll.set_paths([bars_path(bars)])
    if lay.marks:
        mx, my = zip(*lay.marks, strict=True)
        marks, _ = kept(ax, "lanes:failed", lambda: ax.plot(
            [], [], "x", color=KIND_COLORS["failed"], markersize=7, mew=2,
            label=KIND_LABELS["failed"], linestyle="none")[0])
        marks.set_data(mx, my)
    if lay.starts:
        # A white tick where each request takes its lane: back-to-back requests stay apart.
        # One path of short vertical strokes; the limits are set below, not from them.
        s = np.asarray(lay.starts, dtype=float)
        verts = np.stack([s[:, :2], np.column_stack((s[:, 0], s[:, 1] + s[:, 2]))], axis=1)
        strokes = Path(verts.reshape(-1, 2), np.tile([Path.MOVETO, Path.LINETO], len(s)))
        starts, _ = kept(ax, "lanes:starts", lambda: ax.add_collection(PathCollection(
            [], facecolors="none", edgecolors="white", linewidths=1.0, snap=True,
            zorder=_Z["starts"]), autolim=False))
        starts.set_paths([strokes])
    for i, level in enumerate(lay.dividers):
        line, _ = kept(ax, f"lanes:divider{i}", lambda: ax.axhline(
            0.0, color="0.6", linewidth=0.8, zorder=_Z["dividers"]))
        line.set_ydata([level, level])
    ax.set_ylim(lay.height, 0)
    ticks = lay.ticks
    if len(ticks) > MAX_TICKS:
        step = -(-len(ticks) // MAX_TICKS)
        ticks = [t for i, t in enumerate(ticks) if i % step == 0 or "\n" in t[1]
                 or t[1] == "queue"]
    ax.set_yticks([y for y, _ in ticks], [label for _, label in ticks])
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8))
    ax.grid(False, axis="y")


def _legend(ax: Axes, lay: Layout) -> None:
    handles: list[Patch] = [Patch(color=KIND_COLORS[k], label=KIND_LABELS[k])
                            for k in _ORDER if lay.bars.get(k)]
    lines = [h for h in ax.get_lines() if h.get_label() == KIND_LABELS["failed"]
             and h.get_visible()]
    entries = [*handles, *lines]
    # A legend of the same entries is shown again rather than made anew.
    names = tuple(h.get_label() for h in entries)
    legend, reused = kept(ax, f"lanes:legend:{names}", lambda: ax.legend(
        handles=entries, loc="upper left", bbox_to_anchor=(1.01, 1.0),
        fontsize="small", borderaxespad=0.0, handlelength=1.2))
    if reused:
        ax.legend_ = legend
