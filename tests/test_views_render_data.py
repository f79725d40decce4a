"""The pictures keep their content: the same requests in the same lanes, the same lines.

``tests/fixtures/views_render_data.json.gz`` holds what a set of fixed scenarios drew
(rectangles by colour, lines, texts, ticks, limits, legends), read back from the Axes'
artists. Any change to how the plots are built (reused artists, one collection per kind,
cached layouts) must draw the same data; pixels are not compared (fonts and antialiasing
may differ between machines), the data behind them is.

Regenerate the fixture only when a picture is *meant* to change:
``.venv/bin/python tests/test_views_render_data.py --save``.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_hex, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch
from matplotlib.path import Path as MplPath

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    RunResult,
    Scenario,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.views import (
    compare_dashboard,
    dashboard,
    plot_in_flight,
    plot_lanes,
    plot_latency,
)

FIXTURE = Path(__file__).parent / "fixtures" / "views_render_data.json.gz"
DIGITS = 6


def _r(x: Any) -> Any:
    """Round floats (and nested lists of them) for a stable comparison."""
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_r(v) for v in x]
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return None if math.isnan(v) else round(v, DIGITS)
    if isinstance(x, np.integer):
        return int(x)
    return x


def _color(c: Any) -> str:
    arr = to_rgba_array(c)
    return to_hex(arr[0], keep_alpha=True) if len(arr) else "none"


def _rects(col: Collection) -> list[list[float]]:
    """Bounds of every polygon (a path of several rectangles counts each one)."""
    out = []
    for p in col.get_paths():
        for poly in p.to_polygons(closed_only=False):
            v = np.asarray(poly, dtype=float)
            if v.size:
                out.append([v[:, 0].min(), v[:, 0].max(), v[:, 1].min(), v[:, 1].max()])
    return sorted(_r(out))


def _strokes(path: MplPath) -> list[list[list[float]]]:
    """The polylines of a path, split at each MOVETO (no simplification)."""
    out: list[list[list[float]]] = []
    for (x, y), code in path.iter_segments(simplify=False, curves=False):
        if code == MplPath.MOVETO or not out:
            out.append([])
        out[-1].append([float(x), float(y)])
    return out


def axes_data(ax: Axes) -> dict[str, Any]:
    """What one Axes shows, from its artists (visible ones only)."""
    polys: dict[str, list[Any]] = {}
    segs: list[Any] = []
    for col in ax.collections:
        if not col.get_visible():
            continue
        if isinstance(col, LineCollection):
            segs.extend(_r([np.asarray(s).tolist() for s in col.get_segments()]))
        elif len(col.get_facecolor()) == 0:  # strokes only: a path of line segments
            for p in col.get_paths():
                segs.extend(_r(_strokes(p)))
        elif isinstance(col, (PolyCollection, PathCollection)):
            rects = _rects(col)
            if rects:
                key = _color(col.get_facecolor())
                if len(rects) == 1 and len(col.get_paths()[0].vertices) > 5:
                    # A filled area (fill_between), not a rectangle: keep its outline.
                    v = np.asarray(col.get_paths()[0].vertices, dtype=float)
                    polys.setdefault(f"area {key}", []).append(_r(v.tolist()))
                else:
                    polys.setdefault(key, []).extend(rects)
    lines = []
    for ln in ax.get_lines():
        if not ln.get_visible() or (isinstance(ln, Line2D) and len(ln.get_xdata()) == 0):
            continue
        xy = np.asarray(ln.get_xydata(), dtype=float)
        trans_axes = ln.get_transform() != ax.transData
        lines.append({
            "color": _color(ln.get_color()), "style": str(ln.get_linestyle()),
            "marker": str(ln.get_marker()), "drawstyle": str(ln.get_drawstyle()),
            "xy": _r(xy.tolist()) if not trans_axes else _r(_axline_value(ln)),
        })
    stairs = [{"values": _r(np.asarray(p.get_data().values).tolist()),
               "edges": _r(np.asarray(p.get_data().edges).tolist()),
               "color": _color(p.get_facecolor())}
              for p in ax.patches if isinstance(p, StepPatch) and p.get_visible()]
    texts = sorted((t.get_text(), _r(list(t.get_position()))) for t in ax.texts
                   if t.get_visible() and t.get_text())
    legend = ax.get_legend()
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(),
        "xlim": _r(list(ax.get_xlim())),
        "ylim": _r(list(ax.get_ylim())),
        "yticks": _r(list(ax.get_yticks())),
        "yticklabels": [t.get_text() for t in ax.get_yticklabels()],
        "xticks": _r(list(ax.get_xticks())),
        "polys": {k: sorted(v) for k, v in sorted(polys.items())},
        "segments": sorted(segs),
        "lines": sorted(lines, key=lambda d: json.dumps(d, sort_keys=True)),
        "stairs": stairs,
        "texts": _r(texts),
        "legend": [t.get_text() for t in legend.get_texts()] if legend is not None else [],
    }


def _axline_value(ln: Line2D) -> list[float]:
    """An axhline/axvline: its data coordinate (the other one spans the Axes)."""
    x, y = np.asarray(ln.get_xdata(), dtype=float), np.asarray(ln.get_ydata(), dtype=float)
    return [float(y[0])] if np.all(y == y[0]) and not np.all(x == x[0]) else [float(x[0])]


def figure_data(fig: Figure) -> list[dict[str, Any]]:
    """Every visible Axes of ``fig``, ordered by position (top to bottom, left to right)."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    axes.sort(key=lambda ax: (-round(ax.get_position().y1, 3), round(ax.get_position().x0, 3)))
    return [axes_data(ax) for ax in axes]


# ------------------------------------------------------------------------- the cases

WORK = Workload(cpu_ms=5, io_ms=50, dist="exponential")


def _sc(server: Any, view: str = "sync", arrivals: Any = None, **kw: Any) -> Scenario:
    w = Workload(cpu_ms=WORK.cpu_ms, io_ms=WORK.io_ms, dist=WORK.dist, view=view)
    return Scenario(server=server, workload=w, arrivals=arrivals or Poisson(60.0),
                    requests=kw.pop("requests", 400), seed=kw.pop("seed", 1), **kw)


def _live_like(res: RunResult) -> RunResult:
    recs = tuple(r._replace(sent_s=r.arrival_s + 1e-4, start_s=r.start_s if r.id % 3 else None)
                 for r in res.records)
    return RunResult(records=recs, source="live", label="measured")


def _plots(res: RunResult) -> Figure:
    fig = plt.figure(figsize=(12.8, 7.2))
    gs = fig.add_gridspec(2, 2)
    plot_lanes(res, ax=fig.add_subplot(gs[0, :]))
    plot_in_flight(res, ax=fig.add_subplot(gs[1, 0]))
    plot_latency(res, ax=fig.add_subplot(gs[1, 1]))
    return fig


def _dash(sc: Scenario | None, **changes: Any) -> Figure:
    d = dashboard(sc)
    for name, value in changes.items():
        getattr(d.controls, name).value = value
    return d.figure


def _compare(sc: Scenario | None, **changes: Any) -> Figure:
    d = compare_dashboard(sc)
    for name, value in changes.items():
        getattr(d.controls, name).value = value
    return d.figure


CASES: dict[str, Callable[[], Figure]] = {
    "dashboard-default": lambda: _dash(None),
    "dashboard-after-moves": lambda: _dash(None, threads=2, io_ms=100.0, view="async",
                                           processes=2),
    "dashboard-asgi-async": lambda: _dash(_sc(ASGIServer(), "async")),
    "dashboard-asgi-blocking": lambda: _dash(_sc(ASGIServer(), "async_blocking",
                                                 Poisson(15.0))),
    "dashboard-wsgi-2x4-closed": lambda: _dash(_sc(WSGIServer(processes=2, threads=4),
                                                   arrivals=ClosedLoop(users=32))),
    "dashboard-asgi-sync-closed": lambda: _dash(_sc(ASGIServer(), "sync",
                                                    ClosedLoop(users=8))),
    "compare-default": lambda: _compare(None),
    "compare-moved": lambda: _compare(None, io_ms=200.0, rate=30.0),
    "plots-wsgi-timeouts": lambda: _plots(simulate(
        _sc(WSGIServer(threads=2), timeout_s=0.3), trace=True)),
    "plots-asgi-lognormal": lambda: _plots(simulate(Scenario(
        server=ASGIServer(), workload=Workload(cpu_ms=1, io_ms=30, dist="lognormal", cv=3.0,
                                               view="async"),
        arrivals=Poisson(80.0), requests=400, seed=2), trace=True)),
    "plots-live-like": lambda: _plots(_live_like(simulate(_sc(WSGIServer(threads=3))))),
    "plots-wsgi-backlog": lambda: _plots(simulate(
        _sc(WSGIServer(threads=1, backlog=3), arrivals=Poisson(40.0)), trace=True)),
}


def compute() -> dict[str, Any]:
    out = {}
    for name, make in CASES.items():
        fig = make()
        fig.canvas.draw()  # ticks and layout as they are when shown
        out[name] = figure_data(fig)
        plt.close("all")
    return out


def _diff(want: Any, got: Any, path: str = "") -> str | None:
    """Where two nested structures first differ (floats within 1e-6 relative)."""
    if isinstance(want, dict) and isinstance(got, dict):
        if set(want) != set(got):
            return f"{path}: keys {sorted(set(want) ^ set(got))} differ"
        for k in want:
            d = _diff(want[k], got[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return f"{path}: {len(want)} items before, {len(got)} now"
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            d = _diff(a, b, f"{path}[{i}]")
            if d:
                return d
        return None
    if (isinstance(want, float) and isinstance(got, (int, float))
            and math.isclose(want, got, rel_tol=1e-6, abs_tol=1e-6)):
        return None
    if want != got:
        return f"{path}: {want!r} before, {got!r} now"
    return None


@pytest.fixture(scope="module")
def saved() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rt") as f:
        data: dict[str, Any] = json.load(f)
    return data


@pytest.mark.parametrize("case", list(CASES))
def test_the_pictures_draw_the_same_data(case: str, saved: dict[str, Any]) -> None:
    fig = CASES[case]()
    fig.canvas.draw()
    got = json.loads(json.dumps(figure_data(fig)))
    plt.close("all")
    where = _diff(saved[case], got, case)
    assert where is None, f"the picture's content changed at {where}"


if __name__ == "__main__" and "--save" in sys.argv:
    data = compute()
    with gzip.open(FIXTURE, "wt") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"saved {len(data)} cases to {FIXTURE} ({FIXTURE.stat().st_size / 1000:.0f} kB)")
