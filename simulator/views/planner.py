"""The capacity planner as a widget: traffic and work in, the cheapest configuration out.

:func:`planner` shows sliders for the traffic (requests per second), the work of one
request (a preset mix, or CPU and I/O times of your own, their distribution, the view
style), an optional database pool, the p95 target, and the host (cores, memory). Every
change runs :func:`~simulator.plan` again (a few seconds: the line above the picture says
it is working) and shows what it found: a picture of every configuration it tried, with
each p95 and its 95 % interval against the target, and the table of what it tried and
why each was kept or ruled out. What the planner refuses (a search too large, a bad
value) is said in its own words, in red.

:func:`plot_plan` draws the same picture for a :class:`~simulator.Plan` in a notebook
cell, and :func:`plan_table_html` makes the table.

>>> from simulator import Poisson, Workload, plan
>>> p = plan(workload=Workload(io_ms=50, dist="exponential"), arrivals=Poisson(60),
...          target_p95_ms=180, servers=("wsgi",))
>>> ax = plot_plan(p)
>>> [t.get_text() for t in ax.get_xticklabels()]
['WSGI 1x3', 'WSGI 1x4', 'WSGI 1x5']
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..model import Poisson, Pool, Workload
from ..model.workload import DISTS
from ..planner import Plan, plan
from ._common import get_ax, no_data
from ._widgets import png, slider
from .style import GREY, OKABE_ITO, THEORY_COLOR, use_style

__all__ = ["MIXES", "PlannerWidget", "plan_table_html", "planner", "plot_plan"]

MIXES: dict[str, tuple[float, float]] = {
    "I/O-bound: 2 ms CPU + 100 ms I/O": (2.0, 100.0),
    "mixed: 4 ms CPU + 20 ms I/O": (4.0, 20.0),
    "CPU-bound: 8 ms CPU + 2 ms I/O": (8.0, 2.0),
}
"""Preset workload mixes (CPU ms, I/O ms), the three of notebook 09."""
CUSTOM = "my own (the two sliders below)"
WIDGET_RUNS = 3  # replications per candidate: enough for an interval, quick for a widget
WIDGET_REQUESTS = 2_000
_STYLE = {"description_width": "150px"}
_VERDICT = {"meets": OKABE_ITO["bluish_green"], "simulation": OKABE_ITO["vermillion"],
            "theory": OKABE_ITO["reddish_purple"], "rule": GREY}


def plot_plan(p: Plan, ax: Axes | None = None) -> Axes:
    """Every configuration the planner tried, in the order tried: its p95 (a bar, with
    its 95 % interval), coloured by verdict, the target as a dashed line, and the chosen
    one outlined. Configurations ruled out without simulating get a grey stub and the
    rule's first words."""
    ax = get_ax(ax, (12.8, 4.8))
    rows = list(p.table)
    if not rows:
        no_data(ax, p.reason)
        ax.set_axis_off()
        return ax
    x = np.arange(len(rows), dtype=float)
    seen = [v for c in rows for v in (c.p95_ms.mean, c.p95_ms.high) if math.isfinite(v)]
    top = max([p.target_p95_ms, *seen]) * 1.25
    for xi, c in zip(x, rows, strict=True):
        e = c.p95_ms
        color = _VERDICT["meets"] if c.meets else _VERDICT.get(c.by, GREY)
        chosen = p.best is not None and c.server == p.best and c.meets
        if math.isfinite(e.mean):
            ax.bar(xi, e.mean, 0.7, color=color, edgecolor="black" if chosen else color,
                   linewidth=3 if chosen else 0)
            if e.runs > 1:
                ax.errorbar(xi, e.mean, yerr=[[e.mean - e.low], [e.high - e.mean]],
                            color="black", capsize=4, linewidth=1)
        else:
            ax.bar(xi, top * 0.08, 0.7, color=GREY, hatch="//", edgecolor="white")
            ax.annotate(f"ruled out:\n{c.why.split(':')[0]}", (xi, top * 0.08),
                        xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize="small")
    ax.axhline(p.target_p95_ms, color=THEORY_COLOR, linestyle="--", linewidth=1.5)
    ax.annotate(f"target p95 {p.target_p95_ms:g} ms", (x[-1] + 0.4, p.target_p95_ms),
                xytext=(0, 3), textcoords="offset points", ha="right", fontsize="small")
    ax.set_xticks(x, [c.description for c in rows])
    ax.tick_params(axis="x", labelrotation=30 if len(rows) > 6 else 0)
    ax.set_ylim(0, top)
    ax.set_ylabel("p95 latency (ms)")
    best = p.best.describe() if p.best is not None else "nothing meets the target"
    ax.set_title(f"what the planner tried, in order: {best}")
    ax.grid(False, axis="x")
    handles = [Patch(color=c, label=t) for t, c in (
        ("meets (outlined: the choice)", _VERDICT["meets"]),
        ("misses: simulated", _VERDICT["simulation"]),
        ("misses: Erlang C", _VERDICT["theory"]),
        ("ruled out without simulating", GREY))]
    ax.legend(handles=handles, loc="upper left", fontsize="small", frameon=False, ncols=2)
    return ax


def plan_table_html(p: Plan) -> str:
    """The planner's answer and its table as HTML (one row per configuration tried)."""
    head = ("<tr><th>server</th><th>p95 ms [95% interval]</th><th>req/s</th><th>CPU</th>"
            "<th>lanes busy</th><th>MB</th><th>verdict</th></tr>")
    rows = []
    for c in p.table:
        e = c.p95_ms
        p95 = ("-" if math.isnan(e.mean) else f"{e.mean:.0f}" if e.runs == 0
               else f"{e.mean:.0f} [{e.low:.0f}, {e.high:.0f}]")
        thr = "-" if math.isnan(c.throughput_rps) else f"{c.throughput_rps:.0f}"
        pct = [("-" if math.isnan(v) else f"{v:.0%}") for v in (c.cpu_util, c.lane_util)]
        mark = "<b style='color:#009E73'>meets</b>" if c.meets else "no"
        cells = [c.description, p95, thr, *pct, f"{c.memory_mb:,.0f}",
                 f"{mark}: {html.escape(c.why)}"]
        rows.append("<tr>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>")
    style = ("<style>.plan-table td,.plan-table th{padding:1px 8px;text-align:left}"
             ".plan-table td:nth-child(n+2):nth-child(-n+6){text-align:right}"
             ".plan-table td:first-child{white-space:nowrap}</style>")
    table = f"<table class='plan-table'>{head}{''.join(rows)}</table>" if rows else ""
    return f"{style}<p><b>{html.escape(p.reason)}</b></p>{table}"


def _wide(cls: Any, value: float, lo: float, hi: float, step: float, text: str) -> Any:
    return slider(cls, value, lo, hi, step, text, label_px=150, width_px=360)


class PlannerWidget(widgets.VBox):
    """The planner's controls, its status line, its picture and its table.

    ``plan`` holds the last :class:`~simulator.Plan` (``None`` after a refusal),
    ``error`` the last refusal's message (``""`` if none).
    """

    def __init__(self, *, rate: float = 150.0, mix: str = next(iter(MIXES)),
                 target_p95_ms: float = 400.0, cores: int = 2, memory_mb: float = 1024.0,
                 style: str = "notebook") -> None:
        if mix not in MIXES and mix != CUSTOM:
            raise ValueError(f"planner(mix={mix!r}): choose one of {list(MIXES)}.")
        cpu, io_ms = MIXES.get(mix, (2.0, 100.0))
        self.style = style
        self.rate = _wide(widgets.FloatSlider, rate, 5, 1000, 5, "traffic (req/s)")
        self.mix = widgets.Dropdown(options=[*MIXES, CUSTOM], value=mix,
                                    description="workload mix", style=_STYLE,
                                    layout=widgets.Layout(width="420px"))
        self.cpu_ms = _wide(widgets.FloatSlider, cpu, 0, 50, 0.5, "CPU per request (ms)")
        self.io_ms = _wide(widgets.FloatSlider, io_ms, 0, 500, 5, "I/O per request (ms)")
        self.dist = widgets.Dropdown(options=list(DISTS), value="exponential",
                                     description="durations", style=_STYLE)
        self.view = widgets.Dropdown(options=[("async def views", "async"),
                                              ("def views", "sync")], value="async",
                                     description="view style", style=_STYLE)
        self.pool = _wide(widgets.IntSlider, 0, 0, 200, 1, "DB pool (0: none)")
        self.target = _wide(widgets.FloatSlider, target_p95_ms, 10, 5000, 10,
                              "p95 target (ms)")
        self.cores = _wide(widgets.IntSlider, cores, 1, 16, 1, "cores")
        self.memory = _wide(widgets.FloatSlider, memory_mb, 128, 16_384, 128,
                              "memory (MB)")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width="100%", max_width="1280px"))
        self.table = widgets.HTML()
        self.plan: Plan | None = None
        self.error = ""
        self._setting_mix = False
        self.figure = Figure(figsize=(12.8, 4.8), dpi=100, layout="constrained")
        self.mix.observe(self._on_mix, names="value")
        for w in (self.cpu_ms, self.io_ms):
            w.observe(self._on_work, names="value")
        for w in (self.rate, self.dist, self.view, self.pool, self.target, self.cores,
                  self.memory):
            w.observe(lambda _change: self.update(), names="value")
        super().__init__([
            widgets.HBox([
                widgets.VBox([self.rate, self.mix, self.cpu_ms, self.io_ms, self.dist]),
                widgets.VBox([self.view, self.pool, self.target, self.cores, self.memory]),
            ]),
            self.status, self.image, self.table,
        ])
        self.update()

    def _on_mix(self, change: dict[str, Any]) -> None:
        if change["new"] in MIXES:
            self._setting_mix = True
            try:
                self.cpu_ms.value, self.io_ms.value = MIXES[change["new"]]
            finally:
                self._setting_mix = False
        self.update()

    def _on_work(self, change: dict[str, Any]) -> None:
        if self._setting_mix:
            return
        if self.mix.value != CUSTOM and MIXES[self.mix.value] != (self.cpu_ms.value,
                                                                   self.io_ms.value):
            self.mix.value = CUSTOM  # observing the mix runs the update
            return
        self.update()

    def inputs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~simulator.plan` the controls describe."""
        pool = int(self.pool.value)
        w = Workload(cpu_ms=float(self.cpu_ms.value), io_ms=float(self.io_ms.value),
                     dist=self.dist.value, view=self.view.value,
                     pool="db" if pool and self.io_ms.value > 0 else None)
        return {"workload": w, "arrivals": Poisson(float(self.rate.value)),
                "target_p95_ms": float(self.target.value), "cores": int(self.cores.value),
                "memory_mb": float(self.memory.value),
                "pools": (Pool("db", pool),) if w.pool else (),
                "runs": WIDGET_RUNS, "requests": WIDGET_REQUESTS}

    def update(self) -> None:
        """Plan again for the controls' values; show the answer, or why there is none."""
        self.status.value = ("<i>\u23f3 planning: rules, theory, then simulations of the "
                             "short list (a few seconds) ...</i>")
        began = time.perf_counter()
        try:
            self.plan = plan(**self.inputs())
        except ValueError as err:  # PlanTooLarge too: said as the planner says it
            self.plan, self.error = None, str(err)
            self.status.value = f"<b style='color:#D55E00'>{html.escape(self.error)}</b>"
            self.table.value = ""
            return
        self.error = ""
        self.figure.clear()
        with use_style(self.style):
            plot_plan(self.plan, self.figure.add_subplot())
        self.image.value = png(self.figure)
        self.table.value = plan_table_html(self.plan)
        tried = len(self.plan.table)
        if self.plan.best is None:
            self.status.value = (f"<b style='color:#D55E00'>{html.escape(self.plan.reason)}"
                                 "</b>")
            return
        self.status.value = (f"planned in {time.perf_counter() - began:.1f} s: {tried} "
                             f"configuration{'s' if tried != 1 else ''} tried, each "
                             f"simulated {WIDGET_RUNS} times x {WIDGET_REQUESTS:,} requests "
                             "where the rules and Erlang C could not decide.")


def planner(*, rate: float = 150.0, mix: str = next(iter(MIXES)),
            target_p95_ms: float = 400.0, cores: int = 2, memory_mb: float = 1024.0,
            style: str = "notebook") -> PlannerWidget:
    """The capacity planner widget (see the module docstring); the arguments preset it."""
    return PlannerWidget(rate=rate, mix=mix, target_p95_ms=target_p95_ms, cores=cores,
                         memory_mb=memory_mb, style=style)
