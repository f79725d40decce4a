"""Pictures of a deployment: what each configuration costs, the rule of thumb beside the
planner, the pool that caps, refusals and timeouts under overload, the retry storm, and
Django's database connections.

Every function draws on the Axes it is given (or a new figure) and returns them. Where a
measurement stands beside the model, the measured marks are orange and the model's blue,
as everywhere in the course; outcomes have their own colours (answered green, refused
with 503 yellow, timed out vermillion).

>>> from simulator import Workload, WSGIServer, ASGIServer
>>> mem, cap = plot_costs([WSGIServer(threads=8), ASGIServer()],
...                       {"I/O-bound": Workload(cpu_ms=1, io_ms=49)})
>>> [round(b.get_height()) for b in mem.patches]
[70, 93]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
from matplotlib.axes import Axes

from ..capacity import RetryCurve, RuleVsPlan, capacity_rps
from ..model import Pool, Server, Workload
from ..replicate import Estimate
from ..results import RunResult
from ._common import get_ax
from .style import GREY, LIVE_COLOR, OKABE_ITO, SIM_COLOR, THEORY_COLOR

__all__ = ["plot_connections", "plot_costs", "plot_memory", "plot_outcomes",
           "plot_pool_cap", "plot_retry_storm", "plot_rule_vs_plan", "plot_versus"]

OUTCOME_COLORS = {"ok": OKABE_ITO["bluish_green"], "rejected": OKABE_ITO["yellow"],
                  "timeout": OKABE_ITO["vermillion"], "error": OKABE_ITO["black"]}
OUTCOME_LABELS = {"ok": "answered", "rejected": "refused: 503", "timeout": "client gave up",
                  "error": "error"}
_WIDE = (12.8, 4.8)


def _two(axes: Sequence[Axes] | None) -> tuple[Axes, Axes]:
    if axes is not None:
        if len(axes) != 2:
            raise ValueError(f"axes={axes!r}: give two Axes (left, right) or None.")
        return get_ax(axes[0]), get_ax(axes[1])
    import matplotlib.pyplot as plt  # noqa: PLC0415 - a new figure only when asked

    _, (left, right) = plt.subplots(1, 2, figsize=_WIDE, layout="constrained")
    return left, right


def _grouped(ax: Axes, names: Sequence[str], series: Mapping[str, tuple[Sequence[float], str]],
             fmt: str | None = "{:,.0f}") -> np.ndarray:
    """Bars of several series side by side per name (values written on them unless
    ``fmt`` is None); NaN draws no bar, inf says "overloaded". Returns the bars' x."""
    x = np.arange(len(names), dtype=float)
    width = 0.8 / max(len(series), 1)
    top = max([v for vals, _ in series.values() for v in vals if math.isfinite(v)] + [1.0])
    for i, (label, (values, color)) in enumerate(series.items()):
        pos = x - 0.4 + width * (i + 0.5)
        heights = [v if math.isfinite(v) else 0.0 for v in values]
        ax.bar(pos, heights, width, color=color, label=label)
        for p, v in zip(pos, values, strict=True):
            if math.isinf(v):
                ax.annotate("overloaded:\ngrows\nwithout\nbound", (p, 0), xytext=(0, 4),
                            textcoords="offset points", ha="center", va="bottom",
                            fontsize="small", color=OKABE_ITO["vermillion"])
            elif math.isfinite(v) and fmt is not None:
                ax.annotate(fmt.format(v), (p, v), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, names)
    ax.set_ylim(0, top * 1.18)
    ax.grid(False, axis="x")
    return x


def plot_versus(names: Sequence[str], series: Mapping[str, Sequence[float]],
                ax: Axes | None = None, *, ylabel: str = "", title: str = "",
                colors: Sequence[str] | None = None, fmt: str = "{:,.0f}",
                log: bool = False) -> Axes:
    """Grouped bars: one group per name, one bar per series (e.g. WSGI beside ASGI);
    ``log=True`` for a log scale. An infinite value says "overloaded" (no bar)."""
    if not names or not series:
        raise ValueError("plot_versus: give at least one name and one series.")
    palette = list(colors or [OKABE_ITO["sky_blue"], OKABE_ITO["bluish_green"],
                              OKABE_ITO["reddish_purple"], OKABE_ITO["orange"]])
    for label, values in series.items():
        if len(values) != len(names):
            raise ValueError(f"plot_versus(series[{label!r}]): {len(values)} values for "
                             f"{len(names)} names.")
    ax = get_ax(ax, _WIDE)
    _grouped(ax, names, {k: (v, palette[i % len(palette)])
                         for i, (k, v) in enumerate(series.items())}, fmt)
    if log:
        seen = [v for vals in series.values() for v in vals if math.isfinite(v) and v > 0]
        ax.set_yscale("log")
        ax.set_ylim(min(seen, default=1.0) / 3, max(seen, default=10.0) * 4)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


def plot_costs(servers: Sequence[Server], workloads: Mapping[str, Workload], *,
               cores: int = 2, axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Left: each server's memory (``.memory_mb``); right: the requests per second it can
    carry for each workload (:func:`~simulator.capacity.capacity_rps`, log scale)."""
    if not servers or not workloads:
        raise ValueError("plot_costs: give at least one server and one workload.")
    left, right = _two(axes)
    names = [s.describe() for s in servers]
    _grouped(left, names, {"memory (model)": ([s.memory_mb for s in servers], GREY)})
    left.set_ylabel("resident memory (MB)")
    left.set_title("what it costs: memory")
    colors = [OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"], OKABE_ITO["reddish_purple"]]
    caps = {f"{name}: {w.cpu_ms:g} ms CPU + {w.io_ms:g} ms I/O":
            ([capacity_rps(s, w, cores) for s in servers], colors[i % len(colors)])
            for i, (name, w) in enumerate(workloads.items())}
    _grouped(right, names, caps)
    right.set_yscale("log")
    seen = [v for vals, _ in caps.values() for v in vals if math.isfinite(v)]
    right.set_ylim(10, max(seen, default=100.0) * 3)
    right.set_ylabel("most requests per second")
    right.set_title(f"what it carries, on {cores} cores")
    for ax in (left, right):
        ax.tick_params(axis="x", labelrotation=30)
    right.legend(loc="upper left", fontsize="small", frameon=False)
    return left, right


class _Served(Protocol):
    run: RunResult
    master_mb: float

    @property
    def workers_mb(self) -> float: ...


def plot_memory(measured: Mapping[str, _Served], model: Mapping[str, float],
                ax: Axes | None = None, *, title: str = "") -> Axes:
    """Measured RSS of the workers (orange) with the master stacked on top (hatched),
    beside the model's ``memory_mb`` of the workers (blue); MB."""
    names = list(measured)
    if not names:
        raise ValueError("plot_memory(measured={}): give at least one measurement.")
    ax = get_ax(ax, (8.0, 4.8))
    x = np.arange(len(names), dtype=float)
    workers = [measured[n].workers_mb for n in names]
    master = [measured[n].master_mb for n in names]
    ax.bar(x - 0.2, workers, 0.38, color=LIVE_COLOR, label="measured: workers (RSS)")
    ax.bar(x - 0.2, master, 0.38, bottom=workers, color="white", edgecolor=LIVE_COLOR,
           hatch="//", label="measured: gunicorn's master")
    ax.bar(x + 0.2, [model.get(n, math.nan) for n in names], 0.38, color=SIM_COLOR,
           label="model: workers (.memory_mb)")
    for i, n in enumerate(names):
        ax.annotate(f"{workers[i] + master[i]:.0f}", (x[i] - 0.2, workers[i] + master[i]),
                    xytext=(0, 2), textcoords="offset points", ha="center", fontsize="small")
        if n in model:
            ax.annotate(f"{model[n]:.0f}", (x[i] + 0.2, model[n]), xytext=(0, 2),
                        textcoords="offset points", ha="center", fontsize="small")
    ax.set_xticks(x, names)
    ax.set_ylabel("resident memory (MB)")
    ax.set_ylim(0, max(w + m for w, m in zip(workers, master, strict=True)) * 1.3)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    ax.grid(False, axis="x")
    ax.set_title(title or "memory: measured (RSS) beside the model")
    return ax


def plot_rule_vs_plan(rows: Sequence[RuleVsPlan], *,
                      axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Left: p95 of the rule of thumb's configuration and of the planner's, per workload,
    with 95 % intervals and the target; right: their memory."""
    if not rows:
        raise ValueError("plot_rule_vs_plan(rows=[]): give the rows of rule_vs_plan().")
    left, right = _two(axes)
    best = [r.best for r in rows]
    names = [f"{r.workload}\nplanner: {b.description if b else 'none'}"
             for r, b in zip(rows, best, strict=True)]
    target = rows[0].plan.target_p95_ms
    ests: dict[str, list[Estimate | None]] = {
        "rule": [r.rule_p95_ms for r in rows],
        "plan": [b.p95_ms if b is not None else None for b in best]}
    x = _grouped(left, names, {
        f"rule of thumb: {rows[0].rule.describe()}": (
            [e.mean if e is not None else math.nan for e in ests["rule"]],
            OKABE_ITO["sky_blue"]),
        "the planner's choice": (
            [e.mean if e is not None else math.nan for e in ests["plan"]],
            OKABE_ITO["bluish_green"])}, fmt=None)
    for offset, series in ((-0.2, ests["rule"]), (0.2, ests["plan"])):
        for xi, e in zip(x + offset, series, strict=True):
            if e is None or not math.isfinite(e.mean):
                continue
            if e.runs > 1:
                left.errorbar(xi, e.mean, yerr=[[e.mean - e.low], [e.high - e.mean]],
                              color="black", capsize=4, linewidth=1)
            left.annotate(f"{e.mean:.0f}", (xi, max(e.high, e.mean)), xytext=(0, 2),
                          textcoords="offset points", ha="center", fontsize="small")
    finite = [e.high for es in ests.values() for e in es
              if e is not None and math.isfinite(e.high)]
    left.axhline(target, color=THEORY_COLOR, linestyle="--", linewidth=1.5,
                 label=f"target p95 {target:g} ms")
    left.set_ylim(0, max([target, *finite]) * 1.3)
    left.set_ylabel("p95 latency (ms), simulated")
    left.set_title("does it meet the target?")
    left.legend(loc="upper right", fontsize="small", frameon=False)
    _grouped(right, names, {"rule": ([r.rule_mb for r in rows], OKABE_ITO["sky_blue"]),
                            "planner": ([b.memory_mb if b is not None else math.nan
                                         for b in best], OKABE_ITO["bluish_green"])})
    right.set_ylabel("memory (MB, model)")
    right.set_title("and what it costs")
    right.legend(loc="upper right", fontsize="small", frameon=False)
    return left, right


def plot_pool_cap(threads: Sequence[int], sweep: Mapping[str, Sequence[float]], *,
                  pool: Pool, io_ms: float, live: Mapping[str, tuple[float, float]] | None = None,
                  ax: Axes | None = None) -> Axes:
    """Throughput against WSGI threads, with and without the pool (model lines), ASGI's
    one loop (dashed), the pool's ceiling ``size / io`` (black), and measured points
    (``live``: label -> (threads, req/s); an ASGI point is drawn at the right edge)."""
    ax = get_ax(ax, (10.0, 5.0))
    ax.plot(threads, sweep["WSGI, no pool"], color=GREY, marker="o", linestyle=":",
            label="WSGI, no pool (model)")
    ax.plot(threads, sweep["WSGI"], color=SIM_COLOR, marker="o",
            label=f"WSGI, pool of {pool.size} (model)")
    ax.axhline(sweep["ASGI"][0], color=SIM_COLOR, linestyle="--", linewidth=1.2,
               label=f"ASGI, 1 loop, pool of {pool.size} (model)")
    ceiling = pool.size / (io_ms / 1000.0)
    ax.axhline(ceiling, color=THEORY_COLOR, linewidth=2,
               label=f"pool: {pool.size} / {io_ms:g} ms = {ceiling:.0f} req/s")
    for i, (label, (x, y)) in enumerate((live or {}).items()):
        ax.plot([x], [y], marker="D", markersize=9, color=LIVE_COLOR, linestyle="none",
                label="measured" if i == 0 else "_nolegend_")
        ax.annotate(label, (x, y), xytext=(-8, -16), textcoords="offset points",
                    fontsize="small", color=LIVE_COLOR, ha="right")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(threads), [str(t) for t in threads])
    ax.set_xlabel("WSGI worker threads")
    ax.set_ylabel("throughput (req/s)")
    top = max(ceiling, *sweep["WSGI"])
    ax.set_ylim(0, top * 1.6)
    ax.legend(loc="upper left", fontsize="small", frameon=False, ncols=2)
    ax.set_title("more workers do not help past the pool")
    return ax


def _fractions(run: RunResult) -> dict[str, float]:
    n = max(len(run.records), 1)
    return {k: sum(r.status == k for r in run.records) / n for k in OUTCOME_COLORS}


def plot_outcomes(measured: Mapping[str, RunResult], model: Mapping[str, RunResult],
                  ax: Axes | None = None, *, title: str = "") -> Axes:
    """For each configuration, two stacked bars (model, measured) of what happened to
    the requests: answered, refused with 503, given up by the client; the p95 of the
    answered ones is written above each bar."""
    names = list(dict.fromkeys([*model, *measured]))
    if not names:
        raise ValueError("plot_outcomes: give at least one run.")
    ax = get_ax(ax, (10.0, 5.0))
    x = np.arange(len(names), dtype=float)
    for offset, runs, edge in ((-0.2, model, SIM_COLOR), (0.2, measured, LIVE_COLOR)):
        for xi, name in zip(x, names, strict=True):
            if name not in runs:
                continue
            fr = _fractions(runs[name])
            bottom = 0.0
            for kind, share in fr.items():
                ax.bar(xi + offset, 100 * share, 0.36, bottom=bottom,
                       color=OUTCOME_COLORS[kind], edgecolor=edge, linewidth=2,
                       label=OUTCOME_LABELS[kind] if xi == 0 and offset < 0 else "_nolegend_")
                bottom += 100 * share
            p95 = runs[name].summary().p95_ms
            said = "model" if offset < 0 else "measured"
            ax.annotate(f"{said}\np95 {p95:.0f} ms" if math.isfinite(p95) else said,
                        (xi + offset, 100), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, names)
    ax.set_ylim(0, 130)
    ax.set_ylabel("share of requests (%)")
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    ax.grid(False, axis="x")
    ax.set_title(title or "under overload: who is answered, refused, or given up on")
    return ax


def plot_retry_storm(rates: Sequence[float], sweep: Mapping[int, RetryCurve], *,
                     capacity: float, live: Mapping[int, tuple[float, RunResult]] | None = None,
                     axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Left: the share of requests that finally succeed (goodput) against the offered
    load, for each number of retries (model: the mean of its runs, the band from the
    lowest to the highest; measured: diamonds); right: the load the server really
    receives (first sends x attempts per request)."""
    left, right = _two(axes)
    colors = [SIM_COLOR, OKABE_ITO["reddish_purple"], OKABE_ITO["vermillion"],
              OKABE_ITO["black"]]
    r = np.asarray(rates, dtype=float)
    for i, (k, curve) in enumerate(sorted(sweep.items())):
        label = "no retries" if k == 0 else f"{k} retr{'y' if k == 1 else 'ies'}"
        c = colors[i % len(colors)]
        left.plot(r, 100 * curve.goodput, color=c, marker="o", label=f"{label} (model)")
        left.fill_between(r, 100 * curve.goodput_low, 100 * curve.goodput_high, color=c,
                          alpha=0.15, linewidth=0)
        right.plot(r, r * curve.attempts, color=c, marker="o", label=f"{label} (model)")
        if live and k in live:
            rate, run = live[k]
            s = run.summary()
            for ax, y in ((left, 100 * s.goodput), (right, rate * s.attempts_per_request)):
                ax.plot([rate], [y], marker="D", markersize=10, color=c,
                        markeredgecolor=LIVE_COLOR, markeredgewidth=2.5, linestyle="none",
                        label=f"{label} (measured)")
    for ax in (left, right):
        ax.axvline(capacity, color=THEORY_COLOR, linewidth=1.5, linestyle="--")
        ax.set_xlabel("offered load: first sends per second")
    left.annotate(f" capacity {capacity:.0f}/s", (capacity, 5), fontsize="small")
    right.plot(r, r, color=GREY, linestyle=":", label="what the users offer")
    right.axhline(capacity, color=THEORY_COLOR, linewidth=1)
    left.set_ylim(0, 105)
    left.set_ylabel("requests that finally succeeded (%)")
    left.set_title("goodput falls as the load rises (band: lowest to highest run)")
    right.set_ylabel("attempts per second the server receives")
    right.set_title("because retries multiply the load")
    left.legend(loc="lower left", fontsize="small", frameon=False)
    right.legend(loc="upper left", fontsize="small", frameon=False)
    return left, right


class _Count(Protocol):
    label: str
    opened: int
    peak_open: int
    open_after: int
    requests: int


def plot_connections(counts: Sequence[_Count], ax: Axes | None = None) -> Axes:
    """Database connections of each run: opened for its requests, at most open at once,
    and still open when the load stopped (counted on a live Django server)."""
    if not counts:
        raise ValueError("plot_connections(counts=[]): give the runs of count_connections().")
    names = [c.label.replace(", ", "\n") for c in counts]
    ax = get_ax(ax, _WIDE)
    _grouped(ax, names, {
        "connections opened": ([float(c.opened) for c in counts], OKABE_ITO["sky_blue"]),
        "most open at once": ([float(c.peak_open) for c in counts], OKABE_ITO["blue"]),
        "still open after the run": ([float(c.open_after) for c in counts],
                                     OKABE_ITO["vermillion"]),
    })
    ax.set_ylabel(f"connections (for {counts[0].requests} requests)")
    ax.set_title("Django's database connections, counted live (the /orm view)")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.2)
    ax.legend(loc="upper center", fontsize="small", frameon=False, ncols=3)
    return ax
