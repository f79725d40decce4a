"""How much one short run varies: the band a single live run of that length falls in.

A live run of a few seconds is one draw of a random process; its p95 moves from one run
to the next even when nothing else changes. :func:`seed_spread` simulates the same
scenario with ``seeds`` different seeds at each rate, and :func:`plot_seed_spread`
shades the range they cover, with their median: a live point inside the band agrees with
the model as well as a run that short can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from matplotlib.axes import Axes

from ..des import simulate
from ..model import Poisson, Scenario
from ._common import get_ax
from .bars import check_metric
from .style import HD_SIZE_IN, SIM_COLOR

__all__ = ["plot_seed_spread", "seed_spread"]


def seed_spread(scenario: Scenario, rates: Sequence[float], *, duration_s: float,
                seeds: int = 10, metric: str = "p95_ms") -> np.ndarray:
    """``metric`` of ``seeds`` runs of ``duration_s`` seconds at each rate (Poisson):
    an array of shape (len(rates), seeds)."""
    if not 2 <= seeds <= 50:
        raise ValueError(f"seed_spread(seeds={seeds!r}): give 2 to 50 seeds.")
    check_metric("seed_spread", metric)
    out = np.empty((len(rates), seeds))
    for i, rate in enumerate(rates):
        for s in range(seeds):
            sc = replace(scenario, arrivals=Poisson(float(rate)), requests=None,
                         duration_s=duration_s, seed=s)
            out[i, s] = getattr(simulate(sc).summary(), metric)
    return out


def plot_seed_spread(scenario: Scenario, rates: Sequence[float], ax: Axes | None = None, *,
                     duration_s: float, seeds: int = 10, metric: str = "p95_ms",
                     label: str | None = None) -> Axes:
    """Shade the range of ``metric`` over ``seeds`` simulated runs of ``duration_s`` s at
    each rate, and mark their median: where one run that short may land."""
    ax = get_ax(ax, HD_SIZE_IN)
    values = seed_spread(scenario, rates, duration_s=duration_s, seeds=seeds, metric=metric)
    xs = np.asarray(rates, dtype=float)
    name = label or f"sim, {seeds} runs of {duration_s:g} s"
    ax.fill_between(xs, values.min(axis=1), values.max(axis=1), color=SIM_COLOR, alpha=0.18,
                    linewidth=0, label=f"{name}: lowest to highest")
    ax.plot(xs, np.median(values, axis=1), color=SIM_COLOR, linestyle="--", linewidth=1.2,
            label=f"{name}: median")
    ax.set_ylim(top=max(ax.get_ylim()[1], 1.1 * float(values.max())))
    return ax
