"""What every dashboard shares: controls -> scenarios -> simulate -> draw -> PNG.

A dashboard is an ``ipywidgets.VBox``: the controls, a line of headline numbers, the
"run it for real" button and one picture (an ``Image`` widget fed with PNG bytes, see
:mod:`simulator.views._render`). Every change of a control runs :meth:`update`; the
subclass says which scenarios the controls describe and how to draw their results.
"""

from __future__ import annotations

import html
import math
from collections import OrderedDict
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..des import simulate
from ..model import Poisson, Scenario
from ..model._check import check_choice
from ..results import RunResult
from ._agg_cache import FastCanvas, stamp_legends
from ._controls import DEFAULT, Controls
from ._fast_axis import fast_ticks
from ._live import LiveUnavailable, Measured, live_notes, live_requests, measure_and_simulate
from ._render import Timer, figure_png
from ._theory_curves import sweep_theory
from .style import HD_DPI, HD_SIZE_IN, STYLES, use_style

# Titles sit on top of their Axes: with no ticks on top, that is where matplotlib puts
# them anyway, after measuring every tick label at every draw.
PINNED_TITLES: dict[str, Any] = {"axes.titley": 1.0}


class DashboardBase(widgets.VBox):
    """Controls, headline numbers, a live button and a picture; subclasses draw."""

    picture_cache = 16  # pictures remembered by scenario (0: always simulate and draw)

    def __init__(self, scenario: Scenario | None, *, style: str, with_server: bool,
                 figsize: tuple[float, float] = HD_SIZE_IN, dpi: int = HD_DPI) -> None:
        check_choice("dashboard", "style", style, tuple(STYLES))
        if scenario is not None and not isinstance(scenario, Scenario):
            raise ValueError(f"dashboard(scenario={scenario!r}): expected a Scenario or None.")
        self.style = style
        self.controls = Controls.from_scenario(scenario or DEFAULT)
        self.controls.sync_enabled()
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FastCanvas(self.figure)
        self._axes: dict[str, Axes] = {}
        self._pictures: OrderedDict[Any, tuple[list[RunResult], bytes, str]] = OrderedDict()
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width="100%", max_width="1280px"))
        self.summary = widgets.HTML()
        self.live_button = widgets.Button(description="run it for real", icon="play",
                                          tooltip="start a real server on 127.0.0.1 and "
                                          "load it the same way (takes a few seconds)")
        self.live_status = widgets.HTML()
        self.results: list[RunResult] = []
        self.live: list[Measured] | None = None
        self.timer = Timer()
        self.controls.observe(self._on_change)
        self.live_button.on_click(self._on_live)
        super().__init__([
            self.controls.panel(with_server=with_server),
            widgets.HBox([self.live_button, self.live_status]),
            self.summary,
            self.image,
        ])
        self.update()

    # -- what subclasses provide ------------------------------------------------------
    def scenarios(self) -> list[Scenario]:
        """The scenarios the controls describe now."""
        raise NotImplementedError

    def draw(self, fig: Figure, results: list[RunResult],
             live: list[Measured] | None) -> None:
        """Draw ``results`` (and the measurements, if any) on the Axes of :meth:`axes`."""
        raise NotImplementedError

    def layout(self, fig: Figure, live: bool, made: dict[str, Axes]) -> list[str]:
        """Add the Axes that the picture needs and ``made`` lacks; return their names.

        The picture without measurements and the one with the live overlay share most
        of their Axes: only the missing ones are made.
        """
        raise NotImplementedError

    def axes(self, fig: Figure, live: bool) -> dict[str, Axes]:
        """The picture's Axes by name, made once and then reused at every redraw.

        Making Axes (their ticks, spines and labels) cost a third of a redraw; the plots
        clear what they drew (:func:`~simulator.views._common.clear_data`) instead. Axes
        of the other layout are hidden.
        """
        names = self.layout(fig, live, self._axes)
        for name, ax in self._axes.items():
            fast_ticks(ax)
            ax.set_visible(name in names)
        return {name: self._axes[name] for name in names}

    # -- the update cycle -------------------------------------------------------------
    def _on_change(self, change: Any) -> None:
        self.controls.sync_enabled()
        if self.live is not None:
            self.live = None
            self.live_status.value = "<i>scenario changed: press the button to measure it</i>"
        self.update()

    def update(self) -> None:
        """Simulate the controls' scenarios and redraw (timings in ``self.timer``).

        The last few pictures are remembered by their scenarios: going back to a setting
        (WSGI, ASGI, WSGI again) shows its picture at once, without simulating again.
        """
        self.timer.start()
        try:
            scs = self.scenarios()
            key = (tuple(scs), self.style)
            if self.live is None and self.picture_cache > 0 and key in self._pictures:
                self.results, png, summary = self._pictures[key]
                self._pictures.move_to_end(key)
                self.image.value, self.summary.value = png, summary
                self.timer.lap("remembered")
                return
            # A scenario the controls did not change keeps its run (in the compare
            # dashboard, moving the threads changes only the WSGI side).
            same = {r.scenario: r for r in self.results if self.live is None}
            self.results = [same.get(sc) or simulate(sc, trace=True) for sc in scs]
        except ValueError as err:  # a bad combination of controls, said for a student
            self.summary.value = f"<b style='color:#D55E00'>{html.escape(str(err))}</b>"
            return
        self.timer.lap("simulate")
        self.redraw()
        if self.live is None and self.picture_cache > 0:
            self._pictures[key] = (self.results, self.image.value, self.summary.value)
            while len(self._pictures) > self.picture_cache:
                self._pictures.popitem(last=False)

    def redraw(self) -> None:
        """Draw the current results (and measurements) and show them."""
        rc: Any = PINNED_TITLES  # matplotlib types rc keys as literals
        with use_style(self.style), mpl.rc_context(rc):
            self.draw(self.figure, self.results, self.live)
        stamp_legends(self.figure)
        self.timer.lap("draw")
        self.image.value = figure_png(self.figure)
        self.timer.lap("render")
        self.summary.value = _summary_html(self.results, self.live)

    # -- live -------------------------------------------------------------------------
    def _on_live(self, button: Any) -> None:
        self.run_live()

    def run_live(self, requests: int | None = None) -> None:
        """Measure every scenario on a real server, then redraw with the overlay.

        ``requests`` per server defaults to what the simulated throughput gets through in
        about 12 s (30-200), since the kernel waits for the measurement.
        """
        scs = self.scenarios()
        counts = [requests or live_requests(r.summary().throughput_rps) for r in self.results]
        self.live_button.disabled = True
        self.live_status.value = (f"<i>measuring {', '.join(map(str, counts))} requests on a "
                                  "real server ...</i>")
        try:
            self.live = [measure_and_simulate(sc, res, n)
                         for sc, res, n in zip(scs, self.results, counts, strict=True)]
        except LiveUnavailable as err:
            self.live_status.value = html.escape(str(err))
            return
        except Exception as err:  # a live run can fail in many ways; say which
            self.live_status.value = (f"<b>the live run failed:</b> {html.escape(repr(err))}")
            return
        finally:
            self.live_button.disabled = False
        notes = sorted({n for sc in scs for n in live_notes(sc)})
        said = f" Note: {'; '.join(notes)}." if notes else ""
        self.live_status.value = (f"measured {', '.join(map(str, counts))} requests."
                                  f"{html.escape(said)}")
        self.redraw()


def _summary_html(results: list[RunResult], live: list[Measured] | None) -> str:
    rows = []
    for i, res in enumerate(results):
        rows.append(_row(res, "simulated"))
        if live is not None and i < len(live):
            if live[i].sim is not res:
                rows.append(_row(live[i].sim, "simulated as served"))
            rows.append(_row(live[i].real, "measured"))
    head = ("<tr><th></th><th>throughput</th><th>p50</th><th>p95</th><th>p99</th>"
            "<th>mean wait</th><th>failed</th></tr>")
    style = "<style>.sim-summary td,.sim-summary th{padding:0 10px;text-align:right}</style>"
    drawn = "<br>".join(html.escape(r.scenario.describe()) for r in results
                        if r.scenario is not None)
    caption = f"<div class='sim-drawn'><small>drawn: {drawn}</small></div>"
    return f"{style}<table class='sim-summary'>{head}{''.join(rows)}</table>{caption}"


def _row(res: RunResult, what: str) -> str:
    s = res.summary()
    cells = [f"{s.throughput_rps:.1f} req/s", _ms(s.p50_ms), _ms(s.p95_ms), _ms(s.p99_ms),
             _ms(s.mean_wait_ms), str(s.failed)]
    name = html.escape(f"{res.label} ({what})")
    extra = _theory_p95(res)
    tds = "".join(f"<td>{c}</td>" for c in cells)
    return f"<tr><th>{name}</th>{tds}</tr>{extra}"


def _theory_p95(res: RunResult) -> str:
    sc = res.scenario
    if res.source != "sim" or sc is None or not isinstance(sc.classes[0].arrivals, Poisson):
        return ""
    c = sweep_theory(sc, "rate_per_s", np.array([sc.classes[0].arrivals.rate_per_s]))
    if c is None or not c.exact:
        return ""
    p95 = float(c.latency_ms[0])
    said = "grows without bound (overloaded)" if math.isnan(p95) else _ms(p95)
    return (f"<tr><td>theory ({c.name})</td><td>{float(c.throughput_rps[0]):.1f} req/s</td>"
            f"<td></td><td>{said}</td><td></td><td></td><td></td></tr>")


def _ms(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.1f} ms"
