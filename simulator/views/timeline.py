"""The timeline: one row per thread (or coroutine), and what it was doing, ms by ms.

A close-up of a few requests, for the lessons on the GIL and the event loop. Each row is
a thread (rows by ``"where"``) or a request class (rows by ``"traffic"``), and along it
the kinds of time every picture of the course uses: vermillion while it runs Python
(holding the GIL, or the loop), yellow while it is *ready* but someone else runs, sky
blue while it waits on I/O and needs nobody.

It draws a simulated trace (``simulate(sc, trace=True)``) and a live measurement
(:func:`simulator.live.gil.convoy`, :func:`simulator.live.coroutines.trace_coroutines`)
alike, so the two can share an axis. ``holder="GIL"`` (or ``"event loop"``) adds a top
row with every running span of every row, each in its row's colour: whoever holds the
GIL or the loop, at most one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..metrics import lane_sort_key
from ..model._check import check_choice
from ..results import RunResult, Span
from ._common import check_result, check_window, get_ax, no_data, title_of
from .style import KIND_COLORS, KIND_LABELS, OKABE_ITO

ROWS = ("where", "traffic")
_KINDS = ("io", "ready", "queue", "blocked", "cpu")  # drawing order: running on top
_HOLDER_COLORS = ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "black")


def plot_timeline(
    res: RunResult,
    ax: Axes | None = None,
    *,
    rows: str = "where",
    origin: str | float | None = None,
    window_ms: tuple[float, float] | None = None,
    labels: Mapping[str, str] | None = None,
    holder: str | None = None,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw each row's spans against time (ms) and return the Axes.

    Parameters
    ----------
    res:
        A run with spans: simulated with ``trace=True``, or a live instrument's.
    rows:
        ``"where"`` (a row per thread or lane) or ``"traffic"`` (a row per traffic class,
        for a few named requests).
    origin:
        Time zero: ``None`` (the first arrival), a traffic class name (its first
        arrival) or an absolute time in seconds.
    window_ms:
        (start, end) in ms after the origin; default: everything.
    labels:
        Row names to show instead of the raw ones (e.g. ``{"p0-t3": "I/O request"}``);
        rows named here come first, in this order.
    holder:
        Label of an extra top row showing who runs (e.g. ``"GIL"``, ``"event loop"``).
    """
    res = check_result(res, "plot_timeline")
    check_choice("plot_timeline", "rows", rows, ROWS)
    ax = get_ax(ax, (12.8, 4.0))
    ax.set_xlabel("time (ms)")
    ax.set_title(title if title is not None else title_of(res, "who runs when"))
    if not res.spans:
        no_data(ax, "no spans in this run: simulate with trace=True, or use a live instrument")
        return ax
    t0 = _origin(res, origin)
    row_of = _row_of(res, rows)
    names = _ordered(set(row_of(s) for s in res.spans), res, rows)
    if labels:
        names = [n for n in labels if n in names] + [n for n in names if n not in labels]
    top = 1 if holder else 0
    y = {name: top + i for i, name in enumerate(names)}
    for kind in _KINDS:
        for name in names:
            bars = [((s.start_s - t0) * 1000, (s.end_s - s.start_s) * 1000)
                    for s in res.spans if s.kind == kind and row_of(s) == name]
            if bars:
                ax.broken_barh(bars, (y[name] - 0.4, 0.8), facecolors=KIND_COLORS[kind],
                               edgecolors=KIND_COLORS[kind], linewidth=0.3)
    shown = [labels.get(n, n) if labels else n for n in names]
    if holder:
        _holder_row(ax, res, names, row_of, t0)
        shown = [holder, *shown]
    ax.set_yticks(range(len(shown)), shown)
    ax.set_ylim(len(shown) - 0.4, -0.6)
    ax.tick_params(axis="y", length=0)
    ax.grid(False, axis="y")
    if window_ms is not None:
        ax.set_xlim(*check_window("plot_timeline", (window_ms[0], window_ms[1])))
    if legend:
        kinds = [k for k in ("cpu", "ready", "io", "blocked", "queue")
                 if any(s.kind == k for s in res.spans)]
        ax.legend(handles=[Patch(color=KIND_COLORS[k], label=KIND_LABELS[k]) for k in kinds],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  borderaxespad=0.0, handlelength=1.2)
    return ax


def _origin(res: RunResult, origin: str | float | None) -> float:
    if origin is None:
        return min(r.arrival_s for r in res.records) if res.records else 0.0
    if isinstance(origin, str):
        arrivals = [r.arrival_s for r in res.records if r.traffic == origin]
        if not arrivals:
            kinds = sorted({r.traffic for r in res.records})
            raise ValueError(f"plot_timeline(origin={origin!r}): no request of that traffic "
                             f"class; this run has {kinds}.")
        return min(arrivals)
    return float(origin)


def _row_of(res: RunResult, rows: str) -> Callable[[Span], str]:
    if rows == "where":
        return lambda s: s.where
    traffic = {r.id: r.traffic for r in res.records}
    return lambda s: traffic.get(s.request_id, "?")


def _ordered(found: set[str], res: RunResult, rows: str) -> list[str]:
    if rows == "traffic":  # in order of the first request of each class
        order = [r.traffic for r in sorted(res.records, key=lambda r: (r.arrival_s, r.id))]
        firsts = list(dict.fromkeys(order))
        return [n for n in firsts if n in found] + sorted(found - set(firsts))
    return sorted(found, key=lane_sort_key)


def _holder_row(ax: Axes, res: RunResult, names: list[str], row_of: Callable[[Span], str],
                t0: float) -> None:
    """Every running span on row 0, in its row's colour, named where it is wide enough."""
    colors = {n: OKABE_ITO[_HOLDER_COLORS[i % len(_HOLDER_COLORS)]] for i, n in enumerate(names)}
    running: list[Span] = [s for s in res.spans if s.kind in ("cpu", "blocked")]
    width = max((s.end_s for s in res.spans), default=t0) - t0
    for s in running:
        name = row_of(s)
        x, w = (s.start_s - t0) * 1000, (s.end_s - s.start_s) * 1000
        ax.broken_barh([(x, w)], (-0.4, 0.8), facecolors=colors[name], edgecolors="white",
                       linewidth=0.3)
        if width > 0 and w > 0.12 * width * 1000:  # room for the name
            ax.text(x + w / 2, 0, name, ha="center", va="center", color="white",
                    fontsize="small", clip_on=True)
