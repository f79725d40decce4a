"""The bridge and the highway, animated: press play and watch requests cross.

``bridge(scenario)`` simulates a short run with its trace and shows it as cars: queueing
at a one-lane-per-worker bridge (WSGI) or flowing on a many-lane highway (ASGI). Give
several scenarios or runs to watch them side by side on one clock, e.g. the same load on
WSGI and on ASGI, or an ASGI view that awaits its I/O next to one that blocks:

>>> from simulator import ASGIServer, Poisson, Scenario, Workload, WSGIServer
>>> load = dict(workload=Workload(io_ms=50, view="async"), arrivals=Poisson(30))
>>> w = bridge(Scenario(server=WSGIServer(threads=2), requests=60, **load),
...            Scenario(server=ASGIServer(), requests=60, **load))
>>> [frame.kind for frame in w.picture.frames], w.slider.max
(['bridge', 'highway'], 119)

The play button advances a time slider in the browser (linked with ``jslink``, so it
runs without a round trip through Python); each slider position is redrawn in the
kernel from :func:`~simulator.views.road.frame_at`. A frame pastes the still scenery and
draws only the cars and the counters over it, and is remembered once drawn, so the
kernel keeps up with the play button (``benchmarks/bench_views.py``; the frame rate in a
browser is measured by ``tests/test_browser_latency.py``). Running the cell again stops
the animation it made before, rather than leaving it playing unseen.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..des import simulate
from ..model import Scenario
from ..model._check import check_int
from ..results import RunResult
from ._agg_cache import FastCanvas
from ._render import canvas_png
from ._road_art import RoadArt
from .road import Frame, Road, build_road, frame_at
from .style import KIND_COLORS, use_style

FRAME_DPI = 80


def _run_of(item: Scenario | RunResult, requests: int) -> RunResult:
    if isinstance(item, RunResult):
        return item
    if isinstance(item, Scenario):
        return simulate(replace(item, requests=requests, duration_s=None), trace=True)
    raise ValueError(f"bridge(...): got {type(item).__name__}; give Scenario(...) or "
                     "RunResult objects (from simulate(..., trace=True)).")


class RoadPicture:
    """One figure with a road per run, redrawn to any time: :meth:`png` renders it."""

    def __init__(self, roads: list[Road], style: str = "projector") -> None:
        self.roads = roads
        self.t_end = max(r.t_end for r in roads)
        with use_style(style):
            height = sum(1.3 + 0.42 * len(r.track_names) for r in roads) + 0.5
            self.figure = Figure(figsize=(12.8, min(height, 9.0)), dpi=FRAME_DPI,
                                 layout="constrained")
            ratios = [len(r.track_names) + 1.5 for r in roads]
            axes = self.figure.subplots(len(roads), 1, squeeze=False,
                                        gridspec_kw={"height_ratios": ratios})[:, 0]
            self.arts = [RoadArt(ax, road) for ax, road in zip(axes, roads, strict=True)]
            kinds = ("queue", "cpu", "io", "ready", "blocked")
            handles = [_swatch(k) for k in kinds]
            self.figure.legend(handles=handles, loc="outside lower center", ncol=len(kinds),
                               fontsize="small")
            # Lay out once, then freeze: the scenery does not move between frames.
            self.canvas = FastCanvas(self.figure)
            self.canvas.draw()
        self.figure.set_layout_engine("none")
        # The still scenery, drawn once; frames paste it and draw the moving parts on top.
        self.moving = sorted((a for art in self.arts for a in art.moving()),
                             key=lambda a: a.get_zorder())
        for artist in self.moving:
            artist.set_animated(True)
        self.canvas.draw()
        self.scenery = self.canvas.copy_from_bbox(self.figure.bbox)
        self.frames: list[Frame] = []

    def show(self, t_s: float) -> list[Frame]:
        """Move every road to ``t_s`` (seconds since the first request); return the frames."""
        self.frames = [frame_at(road, t_s) for road in self.roads]
        for art, f in zip(self.arts, self.frames, strict=True):
            art.update(f)
        return self.frames

    def png(self) -> bytes:
        """The figure as PNG bytes (at 80 dpi: about 1024 pixels wide)."""
        self.canvas.restore_region(self.scenery)
        renderer = self.canvas.get_renderer()
        for artist in self.moving:
            artist.draw(renderer)
        return canvas_png(self.canvas)


_SHORT = {"queue": "waiting to get on", "cpu": "CPU", "io": "I/O wait",
          "ready": "ready (waits for GIL, core or loop)", "blocked": "blocking call"}


def _swatch(kind: str) -> Patch:
    return Patch(facecolor=KIND_COLORS[kind], edgecolor="black", label=_SHORT[kind])


_PLAYING: dict[str, list[weakref.ref[Bridge]]] = {}  # cell id -> the bridges it made


def _cell_id() -> str | None:
    """The notebook cell being run (JupyterLab and Notebook 7 say so), else None."""
    try:
        from IPython import get_ipython  # noqa: PLC0415 - only inside a kernel

        kernel: Any = getattr(get_ipython(), "kernel", None)
        cell = kernel.get_parent("shell").get("metadata", {}).get("cellId")
    except Exception:  # not in a kernel, or one that does not say
        return None
    return str(cell) if cell else None


class Bridge(widgets.VBox):
    """The animated picture: a play button and a time slider over a :class:`RoadPicture`."""

    def __init__(self, roads: list[Road], *, frames: int = 120, interval_ms: int = 120,
                 style: str = "projector") -> None:
        self.picture = RoadPicture(roads, style)
        self.times = [self.picture.t_end * i / (frames - 1) for i in range(frames)]
        self.play = widgets.Play(value=0, min=0, max=frames - 1, step=1, interval=interval_ms,
                                 description="play")
        self.slider = widgets.IntSlider(value=0, min=0, max=frames - 1, readout=False,
                                        description="time", continuous_update=True,
                                        layout=widgets.Layout(width="50%"))
        self.link = widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.clock = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self._pngs: dict[int, bytes] = {}  # frames drawn so far: a replay costs nothing
        self.slider.observe(self._on_slider, names="value")
        self.show_frame(0)
        super().__init__([widgets.HBox([self.play, self.slider, self.clock]), self.image])
        self._replace_earlier()

    def _replace_earlier(self) -> None:
        """Stop the bridges this notebook cell made on its earlier runs."""
        cell = _cell_id()
        if cell is None:
            return
        for ref in _PLAYING.pop(cell, []):
            old = ref()
            if old is not None and old is not self:
                old.stop()
        _PLAYING[cell] = [weakref.ref(self)]

    def stop(self) -> None:
        """Stop playing and close the widgets: the browser's play timer ends with them."""
        self.play.playing = False
        self.slider.unobserve(self._on_slider, names="value")
        for w in (self.link, self.play, self.slider, self.clock, self.image, self):
            w.close()

    def _on_slider(self, change: dict[str, object]) -> None:
        self.show_frame(int(change["new"]))  # type: ignore[call-overload]

    def show_frame(self, i: int) -> None:
        """Draw frame ``i`` (0 to frames - 1) into the image."""
        t = self.times[i]
        self.picture.show(t)
        self.clock.value = f"<b>t = {t:.3f} s</b> (simulated)"
        if i not in self._pngs:
            self._pngs[i] = self.picture.png()
        self.image.value = self._pngs[i]


def bridge(*runs: Scenario | RunResult, requests: int = 60, frames: int = 120,
           interval_ms: int = 120, window_s: tuple[float, float] | None = None,
           style: str = "projector") -> Bridge:
    """The bridge (WSGI) or highway (ASGI) of each run, animated on one clock.

    Parameters
    ----------
    runs:
        One or more scenarios (simulated here with their trace, ``requests`` requests)
        or results of ``simulate(..., trace=True)``.
    requests:
        Requests to show per road (1-2,000; the first ones), default 60.
    frames:
        Positions of the time slider (10-2,000), spread evenly over the run.
    interval_ms:
        Milliseconds between frames while playing (20-5,000).
    window_s:
        Show only the requests arriving in (start, end), seconds since the first.
    style:
        ``"projector"`` or ``"notebook"``.
    """
    if not runs:
        raise ValueError("bridge(): give at least one Scenario or RunResult.")
    if len(runs) > 4:
        raise ValueError(f"bridge(): {len(runs)} runs; give 1 to 4 to keep them readable.")
    check_int("bridge", "frames", frames, low=10, high=2_000, hint="Try frames=120.")
    check_int("bridge", "interval_ms", interval_ms, low=20, high=5_000,
              hint="Milliseconds between frames; try interval_ms=120.")
    roads = [build_road(_run_of(r, requests), max_requests=requests, window_s=window_s)
             for r in runs]
    return Bridge(roads, frames=frames, interval_ms=interval_ms, style=style)
