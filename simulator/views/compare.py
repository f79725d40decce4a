"""Simulation against measurement: the same scenario, simulated and on the real server.

Both runs' latency percentiles are drawn on one axis (percentile 1 to 99 across, latency
up), and below them the residual: measured minus simulated, in milliseconds, at each
percentile. A residual that is flat and near zero says the simulation captured the server;
one that grows towards the tail says something queues in reality that the simulation lacks
(or the other way round); a constant offset is a per-request cost to calibrate
(``overhead_ms``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from mpl_toolkits.axes_grid1 import make_axes_locatable

from .. import metrics
from ..results import RunResult
from ._common import check_result, get_ax, no_data
from .style import HD_SIZE_IN, LIVE_COLOR, SIM_COLOR, THEORY_COLOR

QS = np.arange(1, 100)  # percentiles 1..99
TICKS = (1, 25, 50, 75, 90, 99)


def plot_compare(
    sim: RunResult,
    real: RunResult,
    ax: Axes | None = None,
    *,
    residual_ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Overlay two runs' latency percentiles (ms) with their residual Δ below; return ``ax``.

    Parameters
    ----------
    sim, real:
        The simulated and the measured run (any two runs work: they are labelled by
        their ``label``, or "simulated"/"measured").
    ax:
        Where the overlay goes (default: a new figure with both panels).
    residual_ax:
        Where the residual (real - sim, ms) goes; default: split off below ``ax``.
    title:
        Replace the default title.
    """
    sim = check_result(sim, "plot_compare", "sim")
    real = check_result(real, "plot_compare", "real")
    if ax is None and residual_ax is None:
        _, (ax, residual_ax) = plt.subplots(
            2, 1, sharex=True, figsize=HD_SIZE_IN, layout="constrained",
            gridspec_kw={"height_ratios": (2, 1)})
    ax = get_ax(ax, HD_SIZE_IN)
    if residual_ax is None:
        residual_ax = make_axes_locatable(ax).append_axes("bottom", size="45%", pad=0.5,
                                                          sharex=ax)
    ax.set_title(title if title is not None else "simulation vs measurement")
    ax.set_ylabel("latency (ms)")
    residual_ax.set_ylabel("Δ (ms)")
    residual_ax.set_xlabel("percentile of requests (%)")
    residual_ax.set_xticks(TICKS)
    a = np.asarray(sim.latencies_ms("ok"), dtype=float)
    b = np.asarray(real.latencies_ms("ok"), dtype=float)
    if a.size == 0 or b.size == 0:
        which = "simulated" if a.size == 0 else "measured"
        no_data(ax, f"no successful {which} requests to compare")
        return ax
    pa = np.array(metrics.percentiles(a.tolist(), QS.tolist()), dtype=float)
    pb = np.array(metrics.percentiles(b.tolist(), QS.tolist()), dtype=float)
    ax.plot(QS, pa, color=SIM_COLOR, label=_label(sim, "simulated"))
    ax.plot(QS, pb, color=LIVE_COLOR, marker="o", markersize=3.5, linestyle="-",
            label=_label(real, "measured"))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")
    resid = pb - pa
    residual_ax.axhline(0.0, color=THEORY_COLOR, linewidth=1.0)
    residual_ax.fill_between(QS, resid, color=LIVE_COLOR, alpha=0.35, linewidth=0)
    residual_ax.plot(QS, resid, color=LIVE_COLOR, linewidth=1.5)
    p50 = int(np.searchsorted(QS, 50))
    residual_ax.text(0.01, 0.04, f"Δ = measured - simulated: {resid[p50]:+.3g} ms at p50, "
                     f"{resid[94]:+.3g} ms at p95",
                     transform=residual_ax.transAxes, va="bottom", fontsize="small",
                     bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    residual_ax.set_xlim(0, 100)
    return ax


def _label(res: RunResult, default: str) -> str:
    s = res.summary()
    name = f"{default}: {res.label}" if res.label else default
    return f"{name} ({s.completed:,} ok, {s.throughput_rps:.3g} req/s)"
