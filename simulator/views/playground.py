"""The playground: every knob of the model in one place, for a lecturer's "what if".

:func:`playground` is three tabs:

1. **Playground**: one server with every knob the simulator has: server kind,
   processes, threads, view style, CPU and I/O per request and their distribution, open
   or closed load, a database pool (shared, or one per process), the client's timeout,
   retries and backoff, the host's cores. Each change simulates again and redraws the
   lanes, the requests in flight and the latencies, with the headline numbers (goodput
   and attempts per request when clients retry, the server's memory and the most it can
   carry). "Run it for real" serves the same work on a real server here and loads it the
   same way, where this machine can (:mod:`simulator.live.scenario_run` says what it
   cannot, politely).
2. **WSGI vs ASGI**: :func:`~simulator.views.compare_dashboard`, the same work on both.
3. **Capacity planner**: :func:`~simulator.views.planner.planner`.

The second and third tabs are built the first time they are opened.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..capacity import capacity_rps
from ..des import simulate
from ..model import ASGIServer, ClosedLoop, Poisson, Pool, Scenario, Workload, WSGIServer
from ..model.workload import DISTS, VIEWS
from ..results import RunResult
from ._widgets import png, slider
from .compare import plot_compare
from .in_flight import plot_in_flight
from .lanes import plot_lanes
from .latency import plot_latency
from .style import HD_DPI, HD_SIZE_IN, use_style

__all__ = ["Playground", "PlaygroundTabs", "playground"]

LANE_REQUESTS = 120
MAX_REQUESTS = 5_000
_STYLE = {"description_width": "120px"}
TABS = ("Playground", "WSGI vs ASGI", "Capacity planner")


class Playground(widgets.VBox):
    """Every knob, one server: ``scenario()`` is what the controls describe, ``result``
    the last simulation, ``live`` the last measurement (``None`` until the button is
    pressed, and again after any change), ``error`` the last refusal in words."""

    def __init__(self, *, style: str = "projector") -> None:
        self.style = style
        w = widgets
        self.server = w.ToggleButtons(options=[("WSGI", "wsgi"), ("ASGI", "asgi")],
                                      value="wsgi", description="server", style=_STYLE)
        self.processes = slider(w.IntSlider, 1, 1, 8, 1, "processes")
        self.threads = slider(w.IntSlider, 4, 1, 64, 1, "threads (WSGI)")
        self.cores = slider(w.IntSlider, 2, 1, 16, 1, "cores")
        self.view = w.Dropdown(options=list(VIEWS), value="sync", description="view",
                               style=_STYLE)
        self.cpu_ms = slider(w.FloatSlider, 5, 0, 50, 0.5, "CPU (ms)")
        self.io_ms = slider(w.FloatSlider, 50, 0, 500, 5, "I/O (ms)")
        self.dist = w.Dropdown(options=list(DISTS), value="exponential",
                               description="durations", style=_STYLE)
        self.load = w.ToggleButtons(options=[("open: req/s", "open"),
                                             ("closed: users", "closed")],
                                    value="open", description="load", style=_STYLE)
        self.rate = slider(w.FloatSlider, 60, 1, 500, 1, "arrivals (req/s)")
        self.users = slider(w.IntSlider, 16, 1, 200, 1, "users")
        self.requests = slider(w.IntSlider, 600, 100, MAX_REQUESTS, 100, "requests")
        self.pool = slider(w.IntSlider, 0, 0, 100, 1, "DB pool (0: none)")
        self.per_process = w.Checkbox(value=False, description="a pool per process",
                                      style=_STYLE)
        self.timeout = slider(w.FloatSlider, 0, 0, 5, 0.05, "timeout (s, 0: none)")
        self.retries = slider(w.IntSlider, 0, 0, 3, 1, "retries")
        self.backoff = slider(w.FloatSlider, 0, 0, 1000, 10, "backoff (ms)")
        self.summary = w.HTML()
        self.live_button = w.Button(description="run it for real", icon="play",
                                    tooltip="serve the same work on 127.0.0.1 and load it")
        self.live_status = w.HTML()
        self.image = w.Image(format="png",
                             layout=w.Layout(width="100%", max_width="1280px"))
        self.figure = Figure(figsize=HD_SIZE_IN, dpi=HD_DPI)
        self.result: RunResult | None = None
        self.live: tuple[RunResult, RunResult] | None = None  # (simulated as served, real)
        self.error = ""
        for c in self.controls():
            c.observe(self._on_change, names="value")
        self.live_button.on_click(lambda _b: self.run_live())
        super().__init__([
            w.HBox([
                w.VBox([self.server, self.processes, self.threads, self.cores, self.view]),
                w.VBox([self.cpu_ms, self.io_ms, self.dist, self.pool, self.per_process]),
                w.VBox([self.load, self.rate, self.users, self.requests, self.timeout,
                        self.retries, self.backoff]),
            ]),
            w.HBox([self.live_button, self.live_status]),
            self.summary, self.image,
        ])
        self._sync_enabled()
        self.update()

    def controls(self) -> list[widgets.Widget]:
        """Every control, in the order shown."""
        return [self.server, self.processes, self.threads, self.cores, self.view,
                self.cpu_ms, self.io_ms, self.dist, self.pool, self.per_process, self.load,
                self.rate, self.users, self.requests, self.timeout, self.retries,
                self.backoff]

    def _sync_enabled(self) -> None:
        self.threads.disabled = self.server.value == "asgi"
        closed = self.load.value == "closed"
        self.rate.layout.display = "none" if closed else None
        self.users.layout.display = None if closed else "none"
        self.per_process.disabled = self.pool.value == 0
        self.retries.disabled = self.timeout.value == 0
        self.backoff.disabled = self.timeout.value == 0 or self.retries.value == 0

    def _on_change(self, _change: Any) -> None:
        self._sync_enabled()
        if self.live is not None:
            self.live = None
            self.live_status.value = "<i>changed: press the button to measure it</i>"
        self.update()

    def scenario(self) -> Scenario:
        """The scenario the controls describe (a ValueError says what does not fit)."""
        p = int(self.processes.value)
        server: WSGIServer | ASGIServer = (
            WSGIServer(processes=p, threads=int(self.threads.value))
            if self.server.value == "wsgi" else ASGIServer(processes=p))
        pooled = int(self.pool.value) > 0
        work = Workload(cpu_ms=float(self.cpu_ms.value), io_ms=float(self.io_ms.value),
                        dist=self.dist.value, view=self.view.value,
                        pool="db" if pooled else None)
        arrivals: Poisson | ClosedLoop = (ClosedLoop(users=int(self.users.value))
                                          if self.load.value == "closed"
                                          else Poisson(float(self.rate.value)))
        timeout = float(self.timeout.value) or None
        return Scenario(server=server, workload=work, arrivals=arrivals,
                        requests=int(self.requests.value), seed=1, cores=int(self.cores.value),
                        pools=(Pool("db", int(self.pool.value), bool(self.per_process.value)),)
                        if pooled else (),
                        timeout_s=timeout, retries=int(self.retries.value) if timeout else 0,
                        retry_backoff_ms=float(self.backoff.value))

    def update(self) -> None:
        """Simulate the controls' scenario and redraw (a refusal is shown in words)."""
        try:
            sc = self.scenario()
            self.result = simulate(sc, trace=True)
        except ValueError as err:
            self.error = str(err)
            self.summary.value = f"<b style='color:#D55E00'>{html.escape(self.error)}</b>"
            return
        self.error = ""
        self.redraw()

    def redraw(self) -> None:
        """Draw the last simulation (and the measurement, if any) and the numbers."""
        res = self.result
        if res is None:
            return
        fig = self.figure
        fig.clear()
        with use_style(self.style):
            top = fig.add_gridspec(1, 1, left=0.115, right=0.80, top=0.95, bottom=0.60)
            plot_lanes(res, ax=fig.add_subplot(top[0]), max_requests=LANE_REQUESTS)
            low = fig.add_gridspec(3, 2, left=0.06, right=0.985, top=0.48, bottom=0.085,
                                   wspace=0.24, hspace=0.15)
            plot_in_flight(res, ax=fig.add_subplot(low[:, 0]))
            if self.live is not None:
                cmp = fig.add_subplot(low[:2, 1])
                cmp.tick_params(labelbottom=False)
                plot_compare(self.live[0], self.live[1], ax=cmp,
                             residual_ax=fig.add_subplot(low[2, 1], sharex=cmp))
            else:
                plot_latency(res, ax=fig.add_subplot(low[:, 1]))
        self.image.value = png(fig)
        self.summary.value = self._numbers()

    def _numbers(self) -> str:
        assert self.result is not None and self.result.scenario is not None
        sc = self.result.scenario
        t = sc.classes[0]
        cap = capacity_rps(sc.server, t.workload, sc.cores, sc.pools)
        rows = [("simulated", self.result)]
        if self.live is not None:
            rows += [("simulated as served", self.live[0]), ("measured", self.live[1])]
        head = ("<tr><th></th><th>throughput</th><th>p50</th><th>p95</th><th>p99</th>"
                "<th>failed</th><th>goodput</th><th>attempts/request</th></tr>")
        body = "".join(_row(name, r) for name, r in rows)
        carry = "no limit from lanes, loops, cores or pool" if math.isinf(cap) \
            else f"{cap:,.0f} req/s"
        style = "<style>.pg td,.pg th{padding:0 9px;text-align:right}</style>"
        return (f"{style}<table class='pg'>{head}{body}</table>"
                f"<p>{html.escape(sc.server.describe())}: about {sc.server.memory_mb:,.0f} MB "
                f"(model); the most it can carry for this work: {carry}.</p>")

    def run_live(self) -> None:
        """Run the controls' scenario for real (where it can run here) and overlay it."""
        if self.result is None or self.result.scenario is None:
            return
        from ..live import scenario_run  # noqa: PLC0415 - the live lab only when pressed

        sc = self.result.scenario
        reason = scenario_run.why_not(sc)
        if reason:
            self.live_status.value = f"<i>Not run for real: {html.escape(reason)}</i>"
            return
        self.live_button.disabled = True
        self.live_status.value = "<i>\u23f3 serving and loading a real server (seconds) ...</i>"
        try:
            real = scenario_run.run_scenario(sc, self.result.summary().throughput_rps)
        except Exception as err:  # a live run can fail in many ways: say which
            self.live_status.value = f"<b>The live run failed:</b> {html.escape(repr(err))}"
            return
        finally:
            self.live_button.disabled = False
        served = scenario_run.served_as(sc)
        sim = self.result if served is sc else simulate(served, label="simulated, constant")
        self.live = (sim, real)
        note = "" if served is sc else (" The live app's durations are constant: compared "
                                        "with a simulation with constant durations.")
        self.live_status.value = f"measured {len(real.records)} requests.{html.escape(note)}"
        self.redraw()


def _row(name: str, res: RunResult) -> str:
    s = res.summary()
    cells = [f"{s.throughput_rps:,.1f} req/s", *(_ms(v) for v in (s.p50_ms, s.p95_ms,
                                                                   s.p99_ms)),
             str(s.failed), _pct(s.goodput), "-" if math.isnan(s.attempts_per_request)
             else f"{s.attempts_per_request:.2f}"]
    return (f"<tr><th>{html.escape(name)}</th>"
            + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")


def _ms(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:,.1f} ms"


def _pct(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.0%}"


class PlaygroundTabs(widgets.Tab):
    """The three tabs of :func:`playground`; ``playground`` is the first one's widget."""

    def __init__(self, *, style: str = "projector") -> None:
        self.style = style
        self.playground = Playground(style=style)
        super().__init__(children=[self.playground, widgets.HTML("<i>opening ...</i>"),
                                   widgets.HTML("<i>opening ...</i>")])
        for i, title in enumerate(TABS):
            self.set_title(i, title)
        self.observe(self._build, names="selected_index")

    def _build(self, change: dict[str, Any]) -> None:
        i = change["new"]
        kids: list[Any] = list(getattr(self, "children"))  # noqa: B009 - a trait mypy cannot see
        if i is None or not isinstance(kids[i], widgets.HTML):
            return
        from .dashboard import compare_dashboard  # noqa: PLC0415 - built when opened
        from .planner import planner  # noqa: PLC0415

        kids[i] = compare_dashboard(style=self.style) if i == 1 else planner()
        setattr(self, "children", kids)  # noqa: B010


def playground(*, style: str = "projector") -> PlaygroundTabs:
    """The playground, the WSGI-vs-ASGI dashboard and the planner, one tab each (the
    last two are built when first opened)."""
    return PlaygroundTabs(style=style)
