"""Side by side: measurements beside their model, for the comparisons of the course.

A table of numbers makes the eye do the comparing; these pictures do it for the eye.

- :func:`plot_bars`: a few runs (servers, view styles) as bars of throughput and
  latency, each measured bar beside the bar of its model when there is one.
- :func:`plot_seed_spread`: how much a short run of a random scenario varies from one
  seed to the next: the band a single live run of the same length falls in.
- :func:`plot_switches`: where each piece of one Django request ran, on the event loop
  or on a thread, so that every sync/async switch shows as a change of colour.
- :func:`plot_hop_cost`: the server's CPU per request against the hops counted, with
  the straight line "a fixed cost plus a price per hop" fitted through it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from ..des import simulate
from ..model import Poisson, Scenario
from ..results import RunResult
from ._common import check_result, get_ax
from .style import HD_SIZE_IN, LIVE_COLOR, OKABE_ITO, SIM_COLOR

METRICS = {
    "throughput_rps": "throughput (req/s)",
    "p50_ms": "median latency (ms)",
    "p95_ms": "p95 latency (ms)",
    "p99_ms": "p99 latency (ms)",
    "mean_latency_ms": "mean latency (ms)",
    "mean_wait_ms": "mean wait (ms)",
}
LOOP_COLOR = OKABE_ITO["sky_blue"]
THREAD_COLOR = OKABE_ITO["orange"]
STEP_NAMES = {"SyncOnly": "sync\nmw", "AsyncOnly": "async\nmw"}


def _metric(res: RunResult, metric: str, traffic: str | None) -> float:
    value = getattr(res.summary(traffic=traffic), metric)
    return float(value)


def plot_bars(runs: Mapping[str, RunResult], model: Mapping[str, RunResult] | None = None,
              *, metrics: Sequence[str] = ("throughput_rps", "p50_ms"),
              traffic: str | None = None, axes: Sequence[Axes] | None = None,
              title: str | None = None) -> Axes:
    """Bars of ``metrics`` (one panel each) for every run in ``runs`` (label -> result),
    with the run of the same label in ``model`` beside it; return the first Axes.

    Measured runs are orange, simulated ones blue (hatched when they are the model of a
    measurement). A latency panel whose values span more than 30x uses a log scale.
    ``traffic`` keeps one traffic class only.
    """
    if not runs:
        raise ValueError("plot_bars(runs={}): give at least one run, e.g. "
                         "{'waitress 4 threads': result}.")
    for key, res in runs.items():
        check_result(res, "plot_bars", f"runs[{key!r}]")
    model = dict(model or {})
    for key, res in model.items():
        check_result(res, "plot_bars", f"model[{key!r}]")
    bad = [m for m in metrics if m not in METRICS]
    if bad or not metrics:
        raise ValueError(f"plot_bars(metrics={list(metrics)!r}): choose from "
                         f"{', '.join(METRICS)}.")
    if axes is None:
        _, grid = plt.subplots(1, len(metrics), figsize=(HD_SIZE_IN[0], 4.2),
                               layout="constrained", squeeze=False)
        axes = list(grid[0])
    if len(axes) != len(metrics):
        raise ValueError(f"plot_bars: {len(axes)} axes for {len(metrics)} metrics.")
    labels = list(runs)
    xs = np.arange(len(labels))
    width = 0.38 if model else 0.6
    for ax, metric in zip(axes, metrics, strict=True):
        measured = [_metric(runs[k], metric, traffic) for k in labels]
        colours = [LIVE_COLOR if runs[k].source == "live" else SIM_COLOR for k in labels]
        shift = -width / 2 if model else 0.0
        bars = ax.bar(xs + shift, measured, width, color=colours,
                      label="measured" if any(r.source == "live" for r in runs.values())
                      else "simulated")
        _annotate(ax, bars, measured)
        values = list(measured)
        if model:
            modelled = [_metric(model[k], metric, traffic) if k in model else math.nan
                        for k in labels]
            mbars = ax.bar(xs + width / 2, modelled, width, color="white",
                           edgecolor=SIM_COLOR, hatch="//", linewidth=1.5, label="model")
            _annotate(ax, mbars, modelled)
            values += modelled
        ax.set_xticks(xs, [textwrap.fill(k, 16) for k in labels])
        ax.set_ylabel(METRICS[metric])
        ax.grid(axis="x", visible=False)
        finite = [v for v in values if math.isfinite(v) and v > 0]
        if metric != "throughput_rps" and finite and max(finite) / min(finite) > 30:
            ax.set_yscale("log")
            ax.set_ylim(top=2.0 * max(finite))
        else:
            ax.set_ylim(0, 1.15 * max(finite, default=1.0))
    if model:  # one legend, above the panels, clear of the bars and their numbers
        axes[0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=2,
                       fontsize="small", borderaxespad=0.0)
    if title:
        axes[0].figure.suptitle(title)
    return axes[0]


def _annotate(ax: Axes, bars: Any, values: Sequence[float]) -> None:
    for bar, v in zip(bars, values, strict=True):
        if math.isfinite(v):
            text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize="small", xytext=(0, 2),
                        textcoords="offset points")


def seed_spread(scenario: Scenario, rates: Sequence[float], *, duration_s: float,
                seeds: int = 10, metric: str = "p95_ms") -> np.ndarray:
    """``metric`` of ``seeds`` runs of ``duration_s`` seconds at each rate (Poisson):
    an array of shape (len(rates), seeds)."""
    if not 2 <= seeds <= 50:
        raise ValueError(f"seed_spread(seeds={seeds!r}): give 2 to 50 seeds.")
    if metric not in METRICS:
        raise ValueError(f"seed_spread(metric={metric!r}): choose from {', '.join(METRICS)}.")
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
