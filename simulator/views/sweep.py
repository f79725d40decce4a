"""The load sweep: the same server under more and more load, and the "hockey stick".

Run one scenario at increasing load (more users, or a higher arrival rate) and plot two
things against the load: throughput, which rises with the load until the busiest
resource saturates and then stays flat; and latency, which stays near the time a
request needs alone and then, past the knee, climbs steeply. Theory is drawn beside the
simulation where it applies (see :mod:`simulator.views._theory_curves`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from mpl_toolkits.axes_grid1 import make_axes_locatable

from ..des import simulate
from ..model import ClosedLoop, Constant, Poisson, Scenario
from ..model._check import check_choice
from ..results import RunResult
from ._common import get_ax, no_data
from ._theory_curves import TheoryCurve, sweep_theory
from .style import HD_SIZE_IN, THEORY_COLOR

PARAMS = {"users": "concurrent users", "rate_per_s": "arrival rate (req/s)"}
MAX_POINTS = 40


@dataclass(frozen=True)
class SweepPoint:
    """One load level: x (users or req/s) and what the run achieved."""

    x: float
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    failed: int


@dataclass(frozen=True)
class Sweep:
    """A series of runs of one scenario at increasing load (``param`` is the load knob)."""

    param: str
    points: tuple[SweepPoint, ...]
    scenario: Scenario | None = None
    label: str = ""
    source: str = "sim"

    @classmethod
    def from_results(cls, param: str, xs: Sequence[float], results: Sequence[RunResult],
                     label: str = "") -> Sweep:
        """Build a sweep from runs made elsewhere (e.g. live measurements), one per x."""
        _check_param(param)
        if len(xs) != len(results):
            raise ValueError(f"Sweep.from_results: {len(xs)} xs but {len(results)} results.")
        pts = tuple(_point(float(x), r) for x, r in zip(xs, results, strict=True))
        src = results[0].source if results else "sim"
        return cls(param, pts, results[0].scenario if results else None, label, src)


def sweep(scenario: Scenario, *, users: Sequence[int] | None = None,
          rates: Sequence[float] | None = None, requests: int | None = None,
          label: str | None = None) -> Sweep:
    """Simulate ``scenario`` once per load level and collect throughput and latency.

    Give exactly one of ``users`` (closed loop: that many users, the scenario's think
    time) or ``rates`` (open loop, requests per second). ``requests`` per run defaults to
    the scenario's, or 2,000 when it is set by duration. The first 10 % of each run's
    time is dropped as warm-up.
    """
    if not isinstance(scenario, Scenario) or len(scenario.classes) != 1:
        raise ValueError("sweep(scenario=...): expected a Scenario with one traffic class "
                         "(workload= and arrivals=).")
    if (users is None) == (rates is None):
        raise ValueError("sweep: give exactly one of users=[1, 2, 4, ...] or "
                         "rates=[10, 20, 40, ...] (req/s).")
    xs = list(users if users is not None else rates)  # type: ignore[arg-type]
    if not 1 <= len(xs) <= MAX_POINTS:
        raise ValueError(f"sweep: {len(xs)} load levels; give 1 to {MAX_POINTS}.")
    n = requests if requests is not None else (scenario.requests or 2_000)
    base = scenario.classes[0].arrivals
    pts = []
    for x in xs:
        if users is not None:
            think = base.think_ms if isinstance(base, ClosedLoop) else 0.0
            arr: Poisson | Constant | ClosedLoop = ClosedLoop(users=int(x), think_ms=think)
        elif isinstance(base, Constant):
            arr = Constant(float(x))
        else:
            arr = Poisson(float(x))
        sc = replace(scenario, arrivals=arr, requests=n, duration_s=None)
        pts.append(_point(float(x), simulate(sc)))
    param = "users" if users is not None else "rate_per_s"
    name = label if label is not None else scenario.server.describe()
    return Sweep(param, tuple(pts), scenario, name)


def _point(x: float, res: RunResult) -> SweepPoint:
    span = res.summary().span_s
    s = res.summary(warmup_s=0.1 * span if math.isfinite(span) else 0.0)
    return SweepPoint(x, s.throughput_rps, s.p50_ms, s.p95_ms, s.mean_latency_ms, s.failed)


def _check_param(param: str) -> None:
    check_choice("Sweep", "param", param, tuple(PARAMS))


def plot_sweep(sweeps: Sweep | Sequence[Sweep], ax: Axes | None = None, *,
               latency_ax: Axes | None = None, theory: bool = True) -> Axes:
    """Throughput (top) and p95 latency (bottom) against load; return the top Axes.

    ``latency_ax`` is where the latency goes (default: split off below ``ax``). Theory is
    drawn in black for the first sweep when ``theory`` is true and a prediction exists.
    """
    items = [sweeps] if isinstance(sweeps, Sweep) else list(sweeps)
    if not all(isinstance(s, Sweep) for s in items):
        raise ValueError("plot_sweep(sweeps=...): expected a Sweep (from sweep(...)) or a "
                         "list of them.")
    if ax is None and latency_ax is None:
        _, (ax, latency_ax) = plt.subplots(2, 1, sharex=True, figsize=HD_SIZE_IN,
                                           layout="constrained")
    ax = get_ax(ax, HD_SIZE_IN)
    if latency_ax is None:
        latency_ax = make_axes_locatable(ax).append_axes("bottom", size="100%", pad=0.6,
                                                         sharex=ax)
    ax.set_ylabel("throughput (req/s)")
    latency_ax.set_ylabel("latency (ms)")
    param = items[0].param if items else "users"
    latency_ax.set_xlabel(PARAMS.get(param, param))
    ax.set_title("load sweep: throughput and latency")
    if not items or not any(s.points for s in items):
        no_data(ax, "no load levels to draw")
        return ax
    for i, sw in enumerate(items):
        color = f"C{i}"
        xs = np.array([p.x for p in sw.points])
        marker = "o" if sw.source == "sim" else "s"
        ax.plot(xs, [p.throughput_rps for p in sw.points], marker=marker, color=color,
                label=sw.label or sw.source)
        latency_ax.plot(xs, [p.p95_ms for p in sw.points], marker=marker, color=color,
                        label=f"{sw.label or sw.source} p95")
        latency_ax.plot(xs, [p.mean_ms for p in sw.points], color=color, linewidth=1.2,
                        linestyle=":", label=f"{sw.label or sw.source} mean")
    first = items[0]
    if theory and first.scenario is not None and first.points:
        xs = np.array([p.x for p in first.points], dtype=float)
        grid = np.linspace(0.0 if first.param == "rate_per_s" else 1.0, xs.max(), 200)
        curve = sweep_theory(first.scenario, first.param, grid)
        if curve is not None:
            _draw_theory(ax, latency_ax, curve, first.label)
    ax.set_ylim(bottom=0)
    # Theory runs to infinity at saturation: scale to what was simulated.
    seen = [v for sw in items for p in sw.points for v in (p.p95_ms, p.mean_ms)
            if math.isfinite(v)]
    latency_ax.set_ylim(0, 1.2 * max(seen) if seen else 1.0)
    ax.legend(loc="upper left", fontsize="small")
    latency_ax.legend(loc="upper left", fontsize="small")
    return ax


def _draw_theory(ax: Axes, lat_ax: Axes, c: TheoryCurve, whose: str) -> None:
    what = f"{c.name}" if c.exact else "bound"
    cap = f", capacity {c.capacity_rps:.3g} req/s" if math.isfinite(c.capacity_rps) else ""
    of = f" for {whose}" if whose else ""
    ax.plot(c.xs, c.throughput_rps, color=THEORY_COLOR, linestyle="--", linewidth=1.8,
            label=f"theory{of} ({what}{cap})")
    lat_ax.plot(c.xs, c.latency_ms, color=THEORY_COLOR, linestyle="--", linewidth=1.8,
                label=c.latency_label + of)
