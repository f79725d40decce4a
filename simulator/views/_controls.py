"""The dashboard's controls, and the scenario they describe.

Sliders update on release (``continuous_update=False``): one release means one run,
so a drag does not queue up dozens of simulations behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..model import ASGIServer, ClosedLoop, Poisson, Scenario, Workload, WSGIServer
from ..model.workload import DISTS, VIEWS

DEFAULT = Scenario(
    server=WSGIServer(processes=1, threads=4),
    workload=Workload(cpu_ms=5, io_ms=50, dist="exponential", view="sync"),
    arrivals=Poisson(rate_per_s=60),
    requests=400,
    seed=1,
)
MAX_REQUESTS = 5_000
_WIDE = {"description_width": "110px"}


def _slider(cls: Any, value: float, lo: float, hi: float, step: float, text: str,
            **kw: Any) -> Any:
    return cls(value=value, min=lo, max=hi, step=step, description=text,
               continuous_update=False, style=_WIDE, layout=widgets.Layout(width="340px"), **kw)


@dataclass
class Controls:
    """Every control of a dashboard, by name, plus helpers to read and group them."""

    server: widgets.ToggleButtons
    processes: widgets.IntSlider
    threads: widgets.IntSlider
    view: widgets.Dropdown
    dist: widgets.Dropdown
    io_ms: widgets.FloatSlider
    cpu_ms: widgets.FloatSlider
    load: widgets.ToggleButtons
    rate: widgets.FloatSlider
    users: widgets.IntSlider
    requests: widgets.IntSlider

    @classmethod
    def from_scenario(cls, sc: Scenario) -> Controls:
        """Controls preset to ``sc`` (its first traffic class)."""
        t = sc.classes[0]
        w, a, s = t.workload, t.arrivals, sc.server
        closed = isinstance(a, ClosedLoop)
        rate = float(getattr(a, "rate_per_s", 60.0))
        return cls(
            server=widgets.ToggleButtons(options=[("WSGI", "wsgi"), ("ASGI", "asgi")],
                                         value=s.kind, description="server", style=_WIDE),
            processes=_slider(widgets.IntSlider, s.processes, 1, 8, 1, "processes"),
            threads=_slider(widgets.IntSlider, getattr(s, "threads", 4), 1, 64, 1,
                            "threads (WSGI)"),
            view=widgets.Dropdown(options=list(VIEWS), value=w.view, description="view",
                                  style=_WIDE),
            dist=widgets.Dropdown(options=list(DISTS), value=w.dist, description="durations",
                                  style=_WIDE),
            io_ms=_slider(widgets.FloatSlider, min(w.io_ms, 500.0), 0, 500, 5, "I/O (ms)"),
            cpu_ms=_slider(widgets.FloatSlider, min(w.cpu_ms, 50.0), 0, 50, 0.5, "CPU (ms)"),
            load=widgets.ToggleButtons(options=[("open: req/s", "open"),
                                                ("closed: users", "closed")],
                                       value="closed" if closed else "open",
                                       description="load", style=_WIDE),
            rate=_slider(widgets.FloatSlider, min(rate, 500.0), 1, 500, 1, "arrivals (req/s)"),
            users=_slider(widgets.IntSlider, a.users if isinstance(a, ClosedLoop) else 16, 1,
                          200, 1, "users"),
            requests=_slider(widgets.IntSlider, min(sc.requests or 400, MAX_REQUESTS), 100,
                             MAX_REQUESTS, 100, "requests"),
        )

    def all(self) -> list[widgets.Widget]:
        return [getattr(self, name) for name in self.__dataclass_fields__]

    def observe(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(change)`` when any control's value changes."""
        for w in self.all():
            w.observe(callback, names="value")

    def sync_enabled(self) -> None:
        """Grey out what does not apply: threads for ASGI, rate or users by load kind."""
        self.threads.disabled = self.server.value == "asgi"
        closed = self.load.value == "closed"
        self.rate.layout.display = "none" if closed else None
        self.users.layout.display = None if closed else "none"

    def workload(self) -> Workload:
        return Workload(cpu_ms=float(self.cpu_ms.value), io_ms=float(self.io_ms.value),
                        dist=self.dist.value, view=self.view.value)

    def arrivals(self) -> Poisson | ClosedLoop:
        if self.load.value == "closed":
            return ClosedLoop(users=int(self.users.value))
        return Poisson(rate_per_s=float(self.rate.value))

    def scenario(self, kind: str | None = None, seed: int = 1) -> Scenario:
        """The scenario the controls describe (``kind`` overrides the server toggle)."""
        kind = kind or self.server.value
        p = int(self.processes.value)
        server: WSGIServer | ASGIServer = (
            WSGIServer(processes=p, threads=int(self.threads.value)) if kind == "wsgi"
            else ASGIServer(processes=p))
        return Scenario(server=server, workload=self.workload(), arrivals=self.arrivals(),
                        requests=int(self.requests.value), seed=seed)

    def panel(self, with_server: bool = True) -> widgets.HBox:
        """The controls laid out in three columns: server, work, load."""
        first = [self.server] if with_server else []
        return widgets.HBox([
            widgets.VBox([*first, self.processes, self.threads]),
            widgets.VBox([self.view, self.dist, self.io_ms, self.cpu_ms]),
            widgets.VBox([self.load, self.rate, self.users, self.requests]),
        ])
