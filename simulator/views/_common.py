"""Small helpers shared by the plots: axes, the time origin, empty-run messages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ..results import RequestRecord, RunResult

TIME_LABEL = "time since the first request (s)"


def check_result(res: Any, func: str, name: str = "res") -> RunResult:
    """Return ``res`` if it is a RunResult, else raise a ValueError that says what to pass."""
    if not isinstance(res, RunResult):
        raise ValueError(
            f"{func}({name}={type(res).__name__}): expected a RunResult, from "
            "simulate(scenario) or run_load(...)."
        )
    return res


def get_ax(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax`` itself, or the Axes of a new pyplot figure (shown inline in a notebook)."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise ValueError(f"ax={ax!r}: expected a matplotlib Axes or None.")
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def clear_data(ax: Axes) -> Axes:
    """Take everything drawn off ``ax`` and forget its data limits; return ``ax``.

    The Axes itself stays: its spines, ticks, labels and position. A plot then drawn on
    it comes out as on a fresh Axes, without the cost of making one (the dashboards
    redraw on the same Axes at every slider change).
    """
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    if ax.get_xscale() != "linear":
        ax.set_xscale("linear")
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    ax.relim()  # no artists left: the data limits start again from nothing
    ax.autoscale(True)
    return ax


def origin_s(records: Sequence[RequestRecord]) -> float:
    """The first arrival (s): plots count time from here, so live clocks start at 0 too."""
    return min((r.arrival_s for r in records), default=0.0)


def no_data(ax: Axes, message: str) -> None:
    """Write ``message`` in the middle of an Axes that has nothing to draw."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            color="0.35", wrap=True)


def server_kind(res: RunResult) -> str:
    """``"wsgi"``, ``"asgi"`` or ``"unknown"``: from the scenario, else from lane names."""
    if res.scenario is not None:
        return str(res.scenario.server.kind)
    lanes = res.lanes
    if any("loop" in lane for lane in lanes):
        return "asgi"
    if any("-t" in lane for lane in lanes):
        return "wsgi"
    return "unknown"


def failed_text(records: Sequence[RequestRecord]) -> str:
    """``"12 failed: 10 rejected, 2 timeout"`` or ``""`` when every request succeeded."""
    counts: dict[str, int] = {}
    for r in records:
        if r.status != "ok":
            counts[r.status] = counts.get(r.status, 0) + 1
    if not counts:
        return ""
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return f"{sum(counts.values())} failed: {parts}"


def fmt_ms(value: float) -> str:
    """``"212 ms"``, ``"1.35 s"`` or ``"n/a"``: a latency for a label."""
    if math.isnan(value):
        return "n/a"
    if value >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:.3g} ms"


def title_of(res: RunResult, what: str) -> str:
    """A short title: the run's label, then what the plot shows."""
    head = res.label or ("measured" if res.source != "sim" else "simulated")
    return f"{head}: {what}"


def check_window(func: str, window_s: tuple[float, float]) -> tuple[float, float]:
    """``window_s`` = (start, end) in seconds since the first request, checked."""
    a, b = window_s
    if not (math.isfinite(a) and math.isfinite(b) and b > a):
        raise ValueError(
            f"{func}(window_s={window_s!r}): give (start, end) in seconds since the first "
            "request, with end > start, e.g. window_s=(0, 2)."
        )
    return a, b
