"""Small helpers shared by the plots: axes, the time origin, empty-run messages."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ..results import RequestRecord, RunResult

TIME_LABEL = "time since the first request (s)"
A = TypeVar("A", bound=Any)


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
    redraw on the same Axes at every slider change). Artists the last plot *kept*
    (:func:`kept`) are only hidden: the next plot shows them again with its own data,
    instead of making new ones (a legend or a histogram costs more to make than to
    update); those it does not need stay hidden.
    """
    store = _kept(ax)
    keep = {id(a) for a in store.values()}
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
        if id(artist) in keep:
            artist.set_visible(False)
        else:
            artist.remove()
    if ax.legend_ is not None:
        if id(ax.legend_) in keep:
            ax.legend_.set_visible(False)
        else:
            ax.legend_.remove()
    ax._course_free = set(store)  # type: ignore[attr-defined]
    if ax.get_xscale() != "linear":
        ax.set_xscale("linear")
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    ax.relim(visible_only=True)  # nothing visible left: the data limits start again
    ax.autoscale(True)
    return ax


def _kept(ax: Axes) -> dict[str, Any]:
    """The artists kept on ``ax`` by name. They live on the Axes itself, so they go with
    it (a table beside the Axes, holding artists that point back at it, would keep every
    figure ever drawn alive)."""
    store: dict[str, Any] | None = getattr(ax, "_course_kept", None)
    if store is None:
        store = {}
        ax._course_kept = store  # type: ignore[attr-defined]
    return store


def kept(ax: Axes, name: str, make: Callable[[], A]) -> tuple[A, bool]:
    """The artist ``name`` of the last plot on ``ax``, shown again, or a new one.

    Returns ``(artist, reused)``. An artist is reused only after :func:`clear_data`
    cleared ``ax`` (the dashboards' redraw); otherwise ``make()`` makes a new one, so a
    plot drawn twice on the same Axes still draws twice.
    """
    free: set[str] | None = getattr(ax, "_course_free", None)
    if free is not None and name in free:
        free.discard(name)
        artist: A = _kept(ax)[name]
        artist.set_visible(True)
        return artist, True
    artist = make()
    _kept(ax)[name] = artist
    return artist, False


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
