"""Bars for comparisons: the model beside the measurement, one pair per configuration.

A myth is settled by a comparison: four servers, five fixes, two interfaces. Each
configuration gets a pair of bars, the simulator's prediction (blue) beside what the
real server did (orange), with the numbers written on them and an optional note under
each pair (threads used, CPU per request). :func:`plot_answers` draws a grid of HTTP
statuses: which path answered on which server.

>>> ax = plot_bars(["WSGI 4 threads", "ASGI"], measured=[78.0, 301.0],
...                model=[80.0, 320.0], ylabel="requests per second")
>>> [round(b.get_height()) for b in ax.patches]
[80, 320, 78, 301]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from ._common import get_ax
from .style import LIVE_COLOR, OKABE_ITO, SIM_COLOR

__all__ = ["plot_answers", "plot_bars"]

_SIZE = (8.0, 4.5)


def plot_bars(labels: Sequence[str], measured: Sequence[float] | None = None,
              model: Sequence[float] | None = None, ax: Axes | None = None, *,
              ylabel: str = "", title: str = "", notes: Sequence[str] | None = None,
              log: bool = False, fmt: str = "{:,.0f}") -> Axes:
    """Pairs of bars, ``model`` (simulated) beside ``measured``, one pair per label.

    Either series may be omitted (``None``) and any value may be ``nan`` (no bar).
    ``notes`` are written under each pair; ``log=True`` uses a log scale; ``fmt`` formats
    the value written on each bar. Returns the Axes.
    """
    n = len(labels)
    if n == 0:
        raise ValueError("plot_bars(labels=[]): give at least one label.")
    series = [(name, values, color) for name, values, color in
              (("model", model, SIM_COLOR), ("measured", measured, LIVE_COLOR))
              if values is not None]
    if not series:
        raise ValueError("plot_bars: give measured=..., model=... or both.")
    for name, values, _ in series:
        if len(values) != n:
            raise ValueError(f"plot_bars({name}=...): {len(values)} values for {n} labels; "
                             "give one value per label.")
    if notes is not None and len(notes) != n:
        raise ValueError(f"plot_bars(notes=...): {len(notes)} notes for {n} labels.")
    ax = get_ax(ax, _SIZE)
    width = 0.8 / len(series)
    x = np.arange(n)
    for i, (name, values, color) in enumerate(series):
        heights = [float(v) for v in values]
        pos = x - 0.4 + width * (i + 0.5)
        bars = ax.bar(pos, [0.0 if math.isnan(h) else h for h in heights], width,
                      color=color, label=name)
        for bar, h in zip(bars, heights, strict=True):
            if not math.isnan(h):
                ax.annotate(fmt.format(h), (bar.get_x() + bar.get_width() / 2, h),
                            ha="center", va="bottom", fontsize="small",
                            xytext=(0, 2), textcoords="offset points")
    ticks = [label if notes is None else f"{label}\n{note}"
             for label, note in zip(labels, notes or [""] * n, strict=True)]
    ax.set_xticks(x, ticks)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.15)
    ax.legend(loc="best", frameon=False)
    return ax


def plot_answers(statuses: Mapping[str, Mapping[str, int]], ax: Axes | None = None, *,
                 title: str = "") -> Axes:
    """A grid of HTTP statuses: one column per server, one row per path.

    ``statuses`` maps a server's label to ``{path: status}`` (as
    :func:`simulator.live.myth_runs.statuses` returns). 2xx is green, anything else
    vermillion; each cell shows the code.
    """
    servers = list(statuses)
    if not servers:
        raise ValueError("plot_answers(statuses={}): give at least one server.")
    paths = list(dict.fromkeys(p for s in servers for p in statuses[s]))
    grid = np.array([[1.0 if 200 <= statuses[s].get(p, 0) < 300 else 0.0 for s in servers]
                     for p in paths])
    ax = get_ax(ax, (2.0 + 1.6 * len(servers), 0.9 + 0.42 * len(paths)))
    cmap = ListedColormap([OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"]])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i, p in enumerate(paths):
        for j, s in enumerate(servers):
            code = statuses[s].get(p)
            ax.text(j, i, "-" if code is None else str(code), ha="center", va="center",
                    color="white", fontweight="bold")
    ax.set_xticks(range(len(servers)), servers)
    ax.set_yticks(range(len(paths)), paths)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title)
    return ax
