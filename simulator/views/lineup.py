"""A line-up in one figure: each configuration's measured bar beside its model's.

For a handful of server configurations (waitress with 1, 4, 16 threads, uvicorn,
gunicorn with 2 processes, ...) one metric as bars: measured (orange) beside simulated
(blue), and, where theory has a ceiling, a black line across the pair. The eye compares
each bar with its neighbour and with the line; a table would make it read numbers.

>>> ax = plot_lineup({"a": 190.0, "b": 370.0}, {"a": 200.0, "b": 400.0},
...                  theory={"a": 200.0, "b": 400.0}, ylabel="throughput (req/s)")
>>> [round(p.get_height()) for p in ax.patches]
[190, 370, 200, 400]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from ..results import RunResult
from ._common import get_ax
from .style import LIVE_COLOR, SIM_COLOR, THEORY_COLOR

METRIC_LABELS = {
    "throughput_rps": "throughput (req/s)",
    "p50_ms": "median latency (ms)",
    "p95_ms": "p95 latency (ms)",
    "mean_latency_ms": "mean latency (ms)",
}
Value = RunResult | float


def plot_lineup(
    live: Mapping[str, Value],
    sim: Mapping[str, Value] | None = None,
    ax: Axes | None = None,
    *,
    metric: str = "throughput_rps",
    theory: Mapping[str, float] | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    labels: tuple[str, str] = ("measured", "simulated"),
) -> Axes:
    """Bars of ``metric`` per configuration (the keys of ``live``), the simulated bar
    beside each measured one, theory as a black line; return the Axes.

    Values are runs (``metric`` is read from their summary: ``"throughput_rps"``,
    ``"p50_ms"``, ...) or plain numbers. ``sim`` and ``theory`` may miss some keys.
    """
    if not live:
        raise ValueError("plot_lineup(live={}): give at least one configuration, "
                         "e.g. {'waitress 1x4': run}.")
    ax = get_ax(ax, (12.8, 4.8))
    names = list(live)
    x = np.arange(len(names), dtype=float)
    width = 0.38 if sim else 0.6
    measured = [_value(live[n], metric) for n in names]
    left = x - width / 2 if sim else x
    bars = ax.bar(left, measured, width, color=LIVE_COLOR, label=labels[0])
    ax.bar_label(bars, fmt="%.0f", fontsize="small", padding=2)
    if sim:
        modelled = [_value(sim[n], metric) if n in sim else np.nan for n in names]
        bars = ax.bar(x + width / 2, modelled, width, color=SIM_COLOR, label=labels[1])
        ax.bar_label(bars, fmt="%.0f", fontsize="small", padding=2)
    if theory:
        label = "theory: ceiling"
        for i, n in enumerate(names):
            if n in theory:
                ax.hlines(theory[n], x[i] - 0.48, x[i] + 0.48, color=THEORY_COLOR,
                          linewidth=2.2, label=label)
                label = "_nolegend_"
    ax.set_xticks(x, names)
    ax.set_ylabel(ylabel or METRIC_LABELS.get(metric, metric))
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.12)
    ax.grid(False, axis="x")
    ax.legend(loc="upper left", fontsize="small", ncols=3)
    if title:
        ax.set_title(title)
    return ax


def _value(v: Value, metric: str) -> float:
    if isinstance(v, RunResult):
        if metric not in METRIC_LABELS and not hasattr(v.summary(), metric):
            raise ValueError(f"plot_lineup(metric={metric!r}): not a Summary field; try "
                             "'throughput_rps' or 'p95_ms'.")
        return float(getattr(v.summary(), metric))
    return float(v)
