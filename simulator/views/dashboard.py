"""The dashboards: move a slider, the server is simulated again and redrawn.

``dashboard()`` shows one server: its lanes (or loop), the requests in flight and the
latency distribution, with headline numbers and, where the scenario is a textbook queue,
what theory predicts. ``compare_dashboard()`` runs the same work and load on a WSGI and
an ASGI server side by side. Both have a "run it for real" button that measures the
same scenario on a real server on 127.0.0.1 and overlays the measurement.

Each update simulates a few hundred requests (the ``requests`` slider, up to 5,000) and
renders one 1280x720 picture; ``benchmarks/bench_views.py`` measures the time it takes.
"""

from __future__ import annotations

from dataclasses import replace

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..model import Scenario
from ..results import RunResult
from ._common import clear_data
from ._controls import DEFAULT
from ._dash_base import DashboardBase
from ._live import Measured
from .compare import plot_compare
from .in_flight import plot_in_flight
from .lanes import plot_lanes
from .latency import plot_latency

LANE_REQUESTS = 120  # requests drawn in the lane picture: enough to see queues form


class Dashboard(DashboardBase):
    """One server: lanes on top, requests in flight and latency below.

    ``controls`` holds the widgets by name (``controls.threads``, ``controls.io_ms``...),
    ``results`` the last simulated run, ``live`` the last measurement (or None),
    ``timer.stages`` the milliseconds of the last update.
    """

    def __init__(self, scenario: Scenario | None = None, *, style: str = "projector") -> None:
        super().__init__(scenario, style=style, with_server=True)

    def scenarios(self) -> list[Scenario]:
        return [self.controls.scenario()]

    def draw(self, fig: Figure, results: list[RunResult],
             live: list[Measured] | None) -> None:
        res = results[0]
        ax = self.axes(fig, bool(live))
        plot_lanes(res, ax=clear_data(ax["lanes"]), max_requests=LANE_REQUESTS)
        plot_in_flight(res, ax=clear_data(ax["flight"]))
        if live:
            plot_compare(live[0].sim, live[0].real, ax=clear_data(ax["cmp"]),
                         residual_ax=clear_data(ax["resid"]))
        else:
            plot_latency(res, ax=clear_data(ax["latency"]))

    def layout(self, fig: Figure, live: bool, made: dict[str, Axes]) -> list[str]:
        # Fixed margins, tuned for 1280x720 and the projector fonts: a layout engine
        # would add its cost to every redraw (benchmarks/bench_views.py, docs/views.md).
        top = fig.add_gridspec(1, 1, left=0.115, right=0.80, top=0.95, bottom=0.60)
        low = fig.add_gridspec(3, 2, left=0.06, right=0.985, top=0.48, bottom=0.085,
                               wspace=0.24, hspace=0.15)
        if not made:
            made["lanes"] = fig.add_subplot(top[0])
            made["flight"] = fig.add_subplot(low[:, 0])
        if live and "cmp" not in made:
            made["cmp"] = fig.add_subplot(low[:2, 1])
            made["resid"] = fig.add_subplot(low[2, 1], sharex=made["cmp"])
            made["cmp"].tick_params(labelbottom=False)
        if not live and "latency" not in made:
            made["latency"] = fig.add_subplot(low[:, 1])
        return ["lanes", "flight", *(("cmp", "resid") if live else ("latency",))]


class CompareDashboard(DashboardBase):
    """WSGI and ASGI side by side: the same work and load, one column each.

    The server toggle is hidden; ``threads`` applies to the WSGI column and
    ``processes`` to both.
    """

    def __init__(self, scenario: Scenario | None = None, *, style: str = "projector") -> None:
        if scenario is None:  # an async view: the case where the two servers differ
            w = DEFAULT.classes[0].workload
            scenario = replace(DEFAULT, workload=replace(w, view="async"))
        self._lanes_drawn: dict[int, RunResult] = {}
        super().__init__(scenario, style=style, with_server=False)

    def scenarios(self) -> list[Scenario]:
        return [self.controls.scenario("wsgi"), self.controls.scenario("asgi")]

    def draw(self, fig: Figure, results: list[RunResult],
             live: list[Measured] | None) -> None:
        ax = self.axes(fig, bool(live))
        right = 0.0
        lat_axes = []
        for i, res in enumerate(results):
            if self._lanes_drawn.get(i) is not res:  # a side whose run did not change stays
                plot_lanes(res, ax=clear_data(ax[f"lanes{i}"]),
                           max_requests=LANE_REQUESTS // 2, legend=i == 1)
                self._lanes_drawn[i] = res
            if live:
                plot_compare(live[i].sim, live[i].real, ax=clear_data(ax[f"cmp{i}"]),
                             residual_ax=clear_data(ax[f"resid{i}"]),
                             title=f"{res.label}: simulated vs measured")
            else:
                lat = plot_latency(res, ax=clear_data(ax[f"latency{i}"]))
                lat_axes.append(lat)
                right = max(right, lat.get_xlim()[1])
        for lat in lat_axes:
            # The same latency scale on both sides, or the eye compares the wrong things.
            lat.set_xlim(right=right)

    def layout(self, fig: Figure, live: bool, made: dict[str, Axes]) -> list[str]:
        top = fig.add_gridspec(1, 2, left=0.095, right=0.84, top=0.95, bottom=0.57,
                               wspace=0.32)
        low = fig.add_gridspec(3, 2, left=0.06, right=0.985, top=0.46, bottom=0.085,
                               wspace=0.24, hspace=0.15)
        names = []
        for i in range(2):
            if f"lanes{i}" not in made:
                made[f"lanes{i}"] = fig.add_subplot(top[0, i])
            if live and f"cmp{i}" not in made:
                made[f"cmp{i}"] = fig.add_subplot(low[:2, i])
                made[f"resid{i}"] = fig.add_subplot(low[2, i])
                made[f"cmp{i}"].tick_params(labelbottom=False)
            if not live and f"latency{i}" not in made:
                made[f"latency{i}"] = fig.add_subplot(low[:, i])
            names += [f"lanes{i}", *((f"cmp{i}", f"resid{i}") if live else (f"latency{i}",))]
        return names


def dashboard(scenario: Scenario | None = None, *, style: str = "projector") -> Dashboard:
    """An interactive dashboard of one server (an ipywidgets widget).

    ``scenario`` presets the controls (its first traffic class; default WSGI 1x4, 5 ms
    CPU + 50 ms exponential I/O, 60 req/s, 400 requests). ``style`` is ``"projector"``
    (default: the picture is scaled down in a notebook) or ``"notebook"``.
    """
    return Dashboard(scenario, style=style)


def compare_dashboard(scenario: Scenario | None = None, *,
                      style: str = "projector") -> CompareDashboard:
    """WSGI and ASGI side by side on the same scenario (an ipywidgets widget)."""
    return CompareDashboard(scenario, style=style)
