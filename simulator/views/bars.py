"""Bars for comparisons: each measurement beside its model, and theory as a line.

A comparison of a few configurations (waitress with 1, 4, 16 threads, uvicorn, gunicorn
with 2 processes; five fixes of a blocking call; a view alone and among neighbours) is
one metric as bars: the measured bar (orange) beside the simulated one (blue), the
number written on each, and, where theory has a value, a black line across the pair.
The eye compares each bar with its neighbour and with the line; a table would make it
read numbers. Several metrics are several calls, on several Axes.

Values are runs (the metric is read from their summary) or plain numbers, so a CPU time
per request or a count can be drawn the same way. A latency that spans more than 30x
between the bars is drawn on a log scale, so the short bars stay readable.

:func:`plot_answers` draws a grid of HTTP statuses: which path answered on which server.

>>> ax = plot_bars({"a": 190.0, "b": 370.0}, {"a": 200.0, "b": 400.0},
...                theory={"a": 200.0, "b": 400.0}, ylabel="throughput (req/s)")
>>> [round(p.get_height()) for p in ax.patches]
[190, 370, 200, 400]
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from ..results import RunResult, Summary
from ._common import get_ax
from .style import LIVE_COLOR, OKABE_ITO, SIM_COLOR, THEORY_COLOR

__all__ = ["METRIC_LABELS", "check_metric", "plot_answers", "plot_bars"]

Value = RunResult | float

METRIC_LABELS: dict[str, str] = {
    "throughput_rps": "throughput (req/s)",
    "p50_ms": "median latency (ms)",
    "p95_ms": "p95 latency (ms)",
    "p99_ms": "p99 latency (ms)",
    "mean_latency_ms": "mean latency (ms)",
    "mean_wait_ms": "mean wait (ms)",
    "max_latency_ms": "longest latency (ms)",
    "arrival_rate_rps": "arrivals (req/s)",
    "mean_in_system": "requests in the server (mean)",
    "goodput": "goodput (share of requests answered)",
    "attempts_per_request": "sends per request",
    "completed": "requests answered",
    "failed": "requests failed",
    "rejected": "requests rejected",
    "timeouts": "requests timed out",
    "errors": "requests in error",
    "span_s": "duration (s)",
}
"""The metrics a bar can show: every number of a run's :class:`~simulator.results.Summary`."""

LOG_SPAN = 30.0  # a latency whose bars span more than this factor is drawn on a log scale
_DEFAULT_LABELS = ("measured", "simulated")
# A number stays readable where a theory line crosses it.
_UNDER_TEXT = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
               "alpha": 0.85}
_SUMMARY_NUMBERS = {f.name for f in fields(Summary)} - {"label"}


def check_metric(func: str, metric: str) -> str:
    """``metric`` if a run's summary has that number, else a ValueError naming the choices."""
    if metric not in METRIC_LABELS or metric not in _SUMMARY_NUMBERS:
        raise ValueError(f"{func}(metric={metric!r}): not a number of a run's summary; "
                         f"choose from {', '.join(METRIC_LABELS)} (e.g. metric='p95_ms').")
    return metric


def plot_bars(
    measured: Mapping[str, Value],
    model: Mapping[str, Value] | None = None,
    ax: Axes | None = None,
    *,
    metric: str = "throughput_rps",
    theory: Mapping[str, float] | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    labels: tuple[str, str] = _DEFAULT_LABELS,
    traffic: str | None = None,
) -> Axes:
    """Bars of ``metric``, one group per key of ``measured``, and return the Axes.

    Parameters
    ----------
    measured:
        Configuration name (the label under its bars; ``\\n`` breaks a line) -> a run
        (live or simulated) or a number. Drawn orange; simulated runs here are drawn
        blue, for a comparison of simulations alone.
    model:
        The same names -> the model's run or number, drawn blue beside each measured
        bar. It may miss names (no bar there).
    metric:
        Which number of a run's summary: ``"throughput_rps"``, ``"p50_ms"``,
        ``"p95_ms"``, ... (see :data:`METRIC_LABELS`). Plain numbers are drawn as given.
    theory:
        Name -> a value of theory (a ceiling, a formula's latency): a black line across
        that group. It may miss names.
    ylabel, title:
        Default: the metric's name with its unit, and no title.
    labels:
        The legend's names of the two series.
    traffic:
        Read runs' metric over this traffic class only (e.g. ``"main"``).
    """
    check_metric("plot_bars", metric)
    if not measured:
        raise ValueError("plot_bars(measured={}): give at least one configuration, e.g. "
                         "{'waitress 4 threads': run}.")
    if not (isinstance(labels, tuple) and len(labels) == 2
            and all(isinstance(s, str) for s in labels)):
        raise ValueError(f"plot_bars(labels={labels!r}): give two names, e.g. "
                         "('measured', 'simulated').")
    names = list(measured)
    model = dict(model or {})
    theory = dict(theory or {})
    for what, given in (("model", model), ("theory", theory)):
        stray = [k for k in given if k not in measured]
        if stray:
            raise ValueError(f"plot_bars({what}=...): {stray[0]!r} is not one of the measured "
                             f"configurations ({', '.join(map(repr, names))}).")
    first = [_value(measured[n], metric, traffic, f"measured[{n!r}]") for n in names]
    second = [_value(model[n], metric, traffic, f"model[{n!r}]") if n in model else math.nan
              for n in names]
    simulated = all(isinstance(v, RunResult) and v.source == "sim" for v in measured.values())
    ax = get_ax(ax, (min(12.8, 3.2 + 1.9 * len(names)), 4.8))
    x = np.arange(len(names), dtype=float)
    width = 0.38 if model else 0.6
    name0 = "simulated" if simulated and labels == _DEFAULT_LABELS else labels[0]
    bars = ax.bar(x - width / 2 if model else x, first, width, label=name0,
                  color=SIM_COLOR if simulated else LIVE_COLOR)
    _write_values(ax, bars, first)
    if model:
        style: dict[str, Any] = ({"color": "white", "edgecolor": SIM_COLOR, "hatch": "//"}
                                 if simulated else {"color": SIM_COLOR})
        bars = ax.bar(x + width / 2, second, width, label=labels[1], **style)
        _write_values(ax, bars, second)
    line_label = "theory"
    for i, n in enumerate(names):
        if n in theory:
            ax.hlines(float(theory[n]), x[i] - 0.48, x[i] + 0.48, color=THEORY_COLOR,
                      linewidth=2.2, label=line_label)
            line_label = "_nolegend_"
    ax.set_xticks(x, ["\n".join(textwrap.fill(line, 22) for line in n.split("\n"))
                      for n in names])
    ax.set_ylabel(ylabel or METRIC_LABELS[metric])
    _scale(ax, metric, [*first, *second, *(float(v) for v in theory.values())])
    ax.grid(False, axis="x")
    ax.legend(loc="upper left", fontsize="small", ncols=3)
    if title:
        ax.set_title(title)
    return ax


def _value(v: Any, metric: str, traffic: str | None, where: str) -> float:
    if isinstance(v, RunResult):
        return float(getattr(v.summary(traffic=traffic), metric))
    if isinstance(v, int | float | np.number) and not isinstance(v, bool):
        return float(v)
    raise ValueError(f"plot_bars({where}={type(v).__name__}): expected a RunResult (from "
                     "simulate(...) or run_load(...)) or a number.")


def _write_values(ax: Axes, bars: Any, values: list[float]) -> None:
    """The number on top of each bar (none on a missing one)."""
    for bar, v in zip(bars, values, strict=True):
        if math.isfinite(v):
            text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, v), ha="center",
                        va="bottom", fontsize="small", xytext=(0, 2),
                        textcoords="offset points", zorder=4, bbox=_UNDER_TEXT)


def _scale(ax: Axes, metric: str, values: list[float]) -> None:
    """A log scale for a latency spanning more than :data:`LOG_SPAN`; room for the legend."""
    finite = [v for v in values if math.isfinite(v)]
    top = max(finite, default=1.0)
    positive = [v for v in finite if v > 0]
    if metric.endswith("_ms") and positive and max(positive) / min(positive) > LOG_SPAN:
        ax.set_yscale("log")
        ax.set_ylim(min(positive) / 2, 6 * max(positive))
    else:
        ax.set_ylim(min(0.0, *finite), 1.3 * top if top > 0 else 1.0)


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
