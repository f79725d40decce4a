"""Where a Django request ran, step by step, and what its hops cost the server.

- :func:`plot_switches`: one row per traced request
  (:func:`simulator.live.django_project.switches.trace`), each step a box, blue on the
  event loop, orange on a thread: every change of colour is a switch, two make a hop.
- :func:`plot_hop_cost`: the server's CPU per request against the hops counted, with
  the straight line "a fixed cost plus a price per hop" (:func:`hop_cost`) through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from ._common import get_ax
from .style import HD_SIZE_IN, LIVE_COLOR, OKABE_ITO, SIM_COLOR

__all__ = ["LOOP_COLOR", "THREAD_COLOR", "hop_cost", "plot_hop_cost", "plot_switches"]

LOOP_COLOR = OKABE_ITO["sky_blue"]
THREAD_COLOR = OKABE_ITO["orange"]
STEP_NAMES = {"SyncOnly": "sync\nmw", "AsyncOnly": "async\nmw"}


def plot_switches(traces: Sequence[Any], ax: Axes | None = None) -> Axes:
    """One row per traced request: its steps in order, blue on the event loop, orange on
    a thread. Every change of colour is a switch; two switches make a hop.

    Each trace needs ``steps`` (``(name, "loop" | "thread")`` pairs), ``hops`` and
    ``label()``, as :class:`simulator.live.django_project.switches.Trace` has.
    """
    if not traces:
        raise ValueError("plot_switches(traces=[]): give at least one trace.")
    longest = max(len(t.steps) for t in traces)
    if ax is None:
        _, ax = plt.subplots(figsize=(HD_SIZE_IN[0], 0.9 + 1.05 * len(traces)),
                             layout="constrained")
    for row, tr in enumerate(traces):
        y = len(traces) - 1 - row
        for i, (name, where) in enumerate(tr.steps):
            colour = LOOP_COLOR if where == "loop" else THREAD_COLOR
            ax.add_patch(FancyBboxPatch((i - 0.42, y - 0.3), 0.84, 0.6,
                                        boxstyle="round,pad=0.02", facecolor=colour,
                                        edgecolor="white"))
            ax.text(i, y, STEP_NAMES.get(name, name), ha="center", va="center",
                    fontsize="x-small")
            if i and tr.steps[i - 1][1] != where:
                ax.annotate("", (i - 0.42, y), (i - 0.58, y),
                            arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO["black"]})
        ax.text(-0.6, y, f"{tr.label()}\n{tr.hops} hop{'s' if tr.hops != 1 else ''}",
                ha="right", va="center", fontsize="small")
    ax.set_xlim(-0.6, longest - 0.4)
    ax.set_ylim(-0.6, len(traces) - 0.4)
    ax.axis("off")
    ax.plot([], [], "s", color=LOOP_COLOR, markersize=10, label="on the event loop")
    ax.plot([], [], "s", color=THREAD_COLOR, markersize=10, label="on a thread")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize="small")
    ax.set_title("where each step of one request ran (left to right)", loc="left")
    return ax


def hop_cost(hops: Sequence[float], cpu_ms: Sequence[float]) -> tuple[float, float]:
    """The straight line ``cpu = fixed + per_hop x hops`` through the measurements
    (least squares): ``(fixed_ms, per_hop_ms)``."""
    x = np.asarray(hops, dtype=float)
    y = np.asarray(cpu_ms, dtype=float)
    if x.size < 2 or x.size != y.size or np.ptp(x) == 0:
        raise ValueError("hop_cost: give CPU times for at least two different hop counts.")
    per_hop, fixed = np.polyfit(x, y, 1)
    return float(fixed), float(per_hop)


def plot_hop_cost(hops: Sequence[float], cpu_ms: Sequence[float], labels: Sequence[str],
                  ax: Axes | None = None) -> Axes:
    """The server's CPU per request (ms) against the hops per request, one point per
    middleware stack (``labels``), with the fitted line of :func:`hop_cost`."""
    if not len(hops) == len(cpu_ms) == len(labels):
        raise ValueError("plot_hop_cost: hops, cpu_ms and labels must have the same length.")
    ax = get_ax(ax, (HD_SIZE_IN[0] / 2, 4.2))
    fixed, per_hop = hop_cost(hops, cpu_ms)
    grid = np.linspace(0, max(hops) + 0.5, 50)
    ax.plot(grid, fixed + per_hop * grid, color=SIM_COLOR, linestyle="--",
            label=f"model: {fixed:.2f} ms + {per_hop:.2f} ms per hop")
    ax.plot(hops, cpu_ms, "o", color=LIVE_COLOR, markersize=8, label="measured (uvicorn)")
    same_x: dict[float, int] = {}
    for x, y, text in zip(hops, cpu_ms, labels, strict=True):
        below = same_x[x] = same_x.get(x, -1) + 1  # stacks with equal hops: one label each
        ax.annotate(text, (x, y), xytext=(8, 4 - 13 * below), textcoords="offset points",
                    fontsize="small", color=OKABE_ITO["black"])
    ax.set_xlabel("hops per request (counted)")
    ax.set_ylabel("server CPU per request (ms)")
    ax.set_xlim(0, max(hops) + 1.5)
    ax.set_ylim(0, 1.25 * max(cpu_ms))
    ax.legend(loc="lower right", fontsize="small")
    return ax
