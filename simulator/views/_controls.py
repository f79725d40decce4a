"""The dashboard's controls, and the scenario they describe.

The controls change a few things of the scenario a dashboard was given (server kind,
processes, threads, view, durations, CPU and I/O, load, run length); everything else is
kept from that scenario, field by field, with ``dataclasses.replace``: its seed, cores,
client timeout, further traffic classes, the server's costs and limits, the workload's
spread, and whatever fields descriptions gain later. Switching the server kind carries
over the fields both kinds have (``overhead_ms``, ``switch_ms``).

Sliders update on release (``continuous_update=False``): one release means one run,
so a drag does not queue up dozens of simulations behind it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import ipywidgets as widgets

from ..model import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Constant,
    Poisson,
    Scenario,
    Workload,
    WSGIServer,
)
from ..model.arrivals import Arrivals
from ..model.servers import Server
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
    base: Scenario = field(default=DEFAULT)  # what the controls do not change comes from here

    @classmethod
    def from_scenario(cls, sc: Scenario) -> Controls:
        """Controls preset to ``sc`` (its first traffic class); the rest of ``sc`` is kept.

        A slider's range stretches to include the scenario's own value; the run length
        is capped at 5,000 requests (a dashboard answers at once, or not at all).
        """
        t = sc.classes[0]
        w, a, s = t.workload, t.arrivals, sc.server
        closed = isinstance(a, ClosedLoop)
        rate = float(getattr(a, "rate_per_s", 60.0))
        users = a.users if isinstance(a, ClosedLoop) else 16
        n = min(sc.requests or 400, MAX_REQUESTS)
        return cls(
            server=widgets.ToggleButtons(options=[("WSGI", "wsgi"), ("ASGI", "asgi")],
                                         value=s.kind, description="server", style=_WIDE),
            processes=_slider(widgets.IntSlider, s.processes, 1, max(8, s.processes), 1,
                              "processes"),
            threads=_slider(widgets.IntSlider, getattr(s, "threads", 4), 1,
                            max(64, getattr(s, "threads", 4)), 1, "threads (WSGI)"),
            view=widgets.Dropdown(options=list(VIEWS), value=w.view, description="view",
                                  style=_WIDE),
            dist=widgets.Dropdown(options=list(DISTS), value=w.dist, description="durations",
                                  style=_WIDE),
            io_ms=_slider(widgets.FloatSlider, w.io_ms, 0, max(500.0, w.io_ms), 5, "I/O (ms)"),
            cpu_ms=_slider(widgets.FloatSlider, w.cpu_ms, 0, max(50.0, w.cpu_ms), 0.5,
                           "CPU (ms)"),
            load=widgets.ToggleButtons(options=[("open: req/s", "open"),
                                                ("closed: users", "closed")],
                                       value="closed" if closed else "open",
                                       description="load", style=_WIDE),
            rate=_slider(widgets.FloatSlider, rate, min(1.0, rate), max(500.0, rate), 1,
                         "arrivals (req/s)"),
            users=_slider(widgets.IntSlider, users, 1, max(200, users), 1, "users"),
            requests=_slider(widgets.IntSlider, n, min(100, n), MAX_REQUESTS, 100, "requests"),
            base=sc,
        )

    def all(self) -> list[widgets.Widget]:
        return [getattr(self, f.name) for f in fields(self) if f.name != "base"]

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
        """The first class's workload, with the controls' CPU, I/O, durations and view."""
        return replace(self.base.classes[0].workload, cpu_ms=float(self.cpu_ms.value),
                       io_ms=float(self.io_ms.value), dist=self.dist.value,
                       view=self.view.value)

    def arrivals(self) -> Arrivals:
        """The first class's arrivals at the controls' rate or users (same kind if it fits)."""
        given = self.base.classes[0].arrivals
        if self.load.value == "closed":
            users = int(self.users.value)
            if isinstance(given, ClosedLoop):
                return replace(given, users=users)  # keeps think_ms
            return ClosedLoop(users=users)
        rate = float(self.rate.value)
        if isinstance(given, (Poisson, Constant)):
            return replace(given, rate_per_s=rate)
        if isinstance(given, Bursts):
            same = math.isclose(given.rate_per_s, rate)
            return given if same else replace(given, every_s=given.size / rate)
        return Poisson(rate_per_s=rate)

    def server_of(self, kind: str) -> Server:
        """A ``kind`` server with the controls' processes (and threads): the given server
        if it is of that kind, else one of that kind that keeps what the given one set
        (fields both kinds have and the given one changed from its kind's default; the
        other kind's own defaults, e.g. its memory per process, stay its own)."""
        given = self.base.server
        cls: type[WSGIServer] | type[ASGIServer] = WSGIServer if kind == "wsgi" else ASGIServer
        if not isinstance(given, cls):
            names = {f.name for f in fields(cls)} - {"processes", "threads"}
            default = type(given)()
            given = cls(**{f.name: getattr(given, f.name) for f in fields(given)
                           if f.name in names
                           and getattr(given, f.name) != getattr(default, f.name)})
        p = int(self.processes.value)
        if isinstance(given, WSGIServer):
            return replace(given, processes=p, threads=int(self.threads.value))
        return replace(given, processes=p)

    def scenario(self, kind: str | None = None) -> Scenario:
        """The given scenario as the controls change it (``kind`` overrides the toggle)."""
        base = self.base
        first = base.classes[0]
        sc = replace(base, server=self.server_of(kind or self.server.value),
                     requests=int(self.requests.value), duration_s=None)
        if base.workload is not None:  # the first class is the scenario's own "main"
            return replace(sc, workload=self.workload(), arrivals=self.arrivals())
        traffic = (replace(first, workload=self.workload(), arrivals=self.arrivals()),
                   *base.traffic[1:])
        return replace(sc, traffic=traffic)

    def panel(self, with_server: bool = True) -> widgets.HBox:
        """The controls laid out in three columns: server, work, load."""
        first = [self.server] if with_server else []
        return widgets.HBox([
            widgets.VBox([*first, self.processes, self.threads]),
            widgets.VBox([self.view, self.dist, self.io_ms, self.cpu_ms]),
            widgets.VBox([self.load, self.rate, self.users, self.requests]),
        ])
