"""Ticks drawn in a handful of calls: the grid in one stroke, the marks in one, labels stamped.

matplotlib draws every tick as five artists of its own (a grid line, two marks, two
labels), lays out each label twice per draw and works the ticks out twice per axis (once
to draw them, once to place the axis label clear of them). A dashboard picture has about
fifty ticks, and on a Binder-class machine that was half of its Agg draw.

:func:`fast_ticks` makes an Axes draw its axes differently, with the same result: the
locator and formatter say where the ticks go and what they read, as always; then all
grid lines of an axis are one line with breaks, all tick marks one line of markers (one
Agg call each, drawn by matplotlib's own ``Line2D`` with the ticks' own styles), and each
label is drawn where matplotlib's text layout puts it, found once per string and style
and then remembered. The axis label goes where matplotlib would put it, clear of the
tick labels. Anything out of the ordinary (minor ticks, an offset such as "1e6", ticks
or labels on the far side) is drawn by matplotlib as usual.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from types import MethodType
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis, XAxis
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import NullLocator
from matplotlib.transforms import Bbox, IdentityTransform

PLACED_CACHE = 4096  # (label, style) pairs remembered
# Where a label's lines go around its anchor (display pixels, y up) and its box.
Placed = tuple[tuple[tuple[float, float, str, float, Any], ...],
               tuple[float, float, float, float]]
_PLACED: OrderedDict[tuple[Any, ...], Placed] = OrderedDict()


class _Recorder(RendererAgg):
    """A renderer that notes where ``Text.draw`` would put each line, and draws nothing."""

    def __init__(self, dpi: float) -> None:
        super().__init__(1, 1, dpi)
        self.calls: list[tuple[float, float, str, float, Any]] = []

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        self.calls.append((x, y, s, angle, ismath))


def _style_key(label: Text, dpi: float) -> tuple[Any, ...]:
    prop = label.get_fontproperties()
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(),
            label.get_horizontalalignment(), label.get_verticalalignment(),
            label.get_rotation(), label.get_rotation_mode(), label.get_linespacing(), dpi)


def placed(label: Text, s: str, dpi: float) -> Placed:
    """Where matplotlib's layout puts ``s`` in the style of ``label``, about its anchor.

    Found once by drawing a copy of ``label`` on a renderer that only records, then
    remembered: the same text in the same style always goes to the same place.
    """
    key = (s, *_style_key(label, dpi))
    found = _PLACED.get(key)
    if found is not None:
        return found
    rec = _Recorder(dpi)
    probe = Text(0.0, 0.0, s)
    probe.update_from(label)
    probe.set_rotation_mode(label.get_rotation_mode())
    probe.set_text(s)
    probe.set_figure(label.get_figure(root=False))  # type: ignore[arg-type]
    probe.set_transform(IdentityTransform())
    probe.set_clip_on(False)
    probe.set_visible(True)
    probe.draw(rec)
    height = rec.get_canvas_width_height()[1]
    lines = tuple((x, height - y if rec.flipy() else y, line, angle, ismath)
                  for x, y, line, angle, ismath in rec.calls)
    box = probe.get_window_extent(rec)
    found = (lines, (box.x0, box.y0, box.x1, box.y1))
    _PLACED[key] = found
    while len(_PLACED) > PLACED_CACHE:
        _PLACED.popitem(last=False)
    return found


def _inside(locs: np.ndarray, axis: Axis) -> np.ndarray:
    """Which ticks matplotlib draws: those in the view interval, up to rounding."""
    lo, hi = sorted(axis.get_view_interval())
    trans = axis.get_transform()
    a, b = sorted(trans.transform([lo, hi]))
    t = trans.transform(locs)
    slack = (b - a) * 1e-10
    return np.asarray((t >= a - slack) & (t <= b + slack), dtype=bool)


class FastAxis:
    """What one axis keeps between draws: the proxy lines for its grid and its marks."""

    def __init__(self) -> None:
        self.grid = Line2D([], [])
        self.marks = Line2D([], [])
        self.fast_draws = 0  # how many draws took the fast path (tests read it)

    def plan(self, axis: Axis) -> tuple[np.ndarray, list[str], Any] | None:
        """The ticks to draw (locations, labels, a tick to copy styles from), or None
        when matplotlib should draw this axis itself."""
        if not isinstance(axis.get_minor_locator(), NullLocator):
            return None
        locator = axis.get_major_locator()
        locs = np.asarray([] if isinstance(locator, NullLocator)
                          else axis.get_majorticklocs(), dtype=float)
        formatter = axis.get_major_formatter()
        labels = list(formatter.format_ticks(list(locs))) if locs.size else []
        if formatter.get_offset():
            return None
        spine = axis.axes.spines.get(axis.get_label_position())
        if spine is not None and spine.get_position() != ("outward", 0.0):
            return None
        tick = axis.get_major_ticks(1)[0]
        label = tick.label1
        if (tick.tick2line.get_visible() or tick.label2.get_visible() or not tick.get_visible()
                or label.get_usetex() or label.get_path_effects()):
            return None
        keep = _inside(locs, axis) if locs.size else np.zeros(0, dtype=bool)
        return locs[keep], [s for s, k in zip(labels, keep, strict=True) if k], tick

    def draw(self, axis: Axis, renderer: RendererBase) -> None:
        """Draw ``axis`` (ticks, grid, labels, axis label) as matplotlib would."""
        if not axis.get_visible():
            return
        plan = self.plan(axis) if isinstance(renderer, RendererAgg) else None
        if plan is None:
            type(axis).draw(axis, renderer)
            return
        locs, labels, tick = plan
        is_x = isinstance(axis, XAxis)
        renderer.open_group("axis", gid=axis.get_gid())
        if locs.size:
            self._lines(self.grid, tick.gridline, locs, is_x, renderer, broken=True)
            self._lines(self.marks, tick.tick1line, locs, is_x, renderer, broken=False)
        boxes = self._labels(tick.label1, locs, labels, is_x, renderer) \
            if tick.label1.get_visible() and locs.size else []
        _place_axis_label(axis, boxes, tick, bool(locs.size))
        axis.label.draw(renderer)
        renderer.close_group("axis")
        self.fast_draws += 1
        axis.stale = False

    @staticmethod
    def _lines(proxy: Line2D, like: Line2D, locs: np.ndarray, is_x: bool,
               renderer: RendererBase, *, broken: bool) -> None:
        """All ticks' grid lines (``broken``: one segment each) or marks as one Line2D."""
        if not like.get_visible():
            return
        style = (like.get_color(), like.get_linewidth(), like.get_linestyle(), like.get_alpha(),
                 like.get_marker(), like.get_markersize(), like.get_markeredgewidth(),
                 like.get_markeredgecolor(), like.get_transform())
        if getattr(proxy, "style", None) != style:
            proxy.update_from(like)
            proxy.set_transform(like.get_transform())
            proxy.set_figure(like.get_figure(root=False))  # type: ignore[arg-type]
            proxy.set_visible(True)
            proxy.style = style  # type: ignore[attr-defined]
        other = np.asarray(like.get_ydata() if is_x else like.get_xdata(), dtype=float)
        if broken:  # each grid line is (loc, 0) -> (loc, 1), then a break
            along = np.repeat(locs, 3)
            along[2::3] = np.nan
            across = np.tile(np.append(other[:2], np.nan), len(locs))
        else:
            along, across = locs, np.full(len(locs), other[0])
        proxy.set_data((along, across) if is_x else (across, along))
        proxy.draw(renderer)

    @staticmethod
    def _labels(label: Text, locs: np.ndarray, labels: list[str], is_x: bool,
                renderer: RendererBase) -> list[Bbox]:
        """Draw the tick labels where their Text would go; return their boxes."""
        dpi = float(label.get_figure(root=True).dpi)  # type: ignore[union-attr]
        x0, y0 = label.get_position()
        xy = np.column_stack([locs, np.full(len(locs), y0)] if is_x
                             else [np.full(len(locs), x0), locs])
        anchors = label.get_transform().transform(xy)
        gc = renderer.new_gc()
        gc.set_foreground(to_rgba(label.get_color()), isRGBA=True)
        gc.set_alpha(label.get_alpha())  # type: ignore[arg-type]
        gc.set_antialiased(label.get_antialiased())
        gc.set_snap(label.get_snap())
        _, height = renderer.get_canvas_width_height()
        prop = label.get_fontproperties()
        boxes = []
        for (ax_, ay), s in zip(anchors, labels, strict=True):
            if not s or not (math.isfinite(ax_) and math.isfinite(ay)):
                continue
            lines, (bx0, by0, bx1, by1) = placed(label, s, dpi)
            for dx, dy, line, angle, ismath in lines:
                y = ay + dy
                renderer.draw_text(gc, ax_ + dx, height - y if renderer.flipy() else y,
                                   line, prop, angle, ismath=ismath)
            boxes.append(Bbox([[ax_ + bx0, ay + by0], [ax_ + bx1, ay + by1]]))
        gc.restore()
        return boxes


def _place_axis_label(axis: Axis, boxes: list[Bbox], tick: Any, ticked: bool) -> None:
    """Put the axis label clear of the tick labels and the spine, as matplotlib does.

    The spine lies on the Axes' edge (:meth:`FastAxis.plan` leaves moved spines to
    matplotlib) and reaches as far out as the tick marks when there are ticks.
    """
    if not getattr(axis, "_autolabelpos", True):  # placed by hand: leave it
        return
    dpi = axis.get_figure(root=True).dpi  # type: ignore[union-attr]
    ax: Axes = axis.axes
    where = axis.get_label_position()
    out = 0.0
    if where in ax.spines and ticked and tick.tick1line.get_visible():
        out = tick.get_tick_padding() * dpi / 72
    box = ax.bbox
    pad = axis.labelpad * dpi / 72
    x, y = axis.label.get_position()
    if where == "bottom":
        axis.label.set_position((x, min([box.y0 - out, *(b.y0 for b in boxes)]) - pad))
    elif where == "top":
        axis.label.set_position((x, max([box.y1 + out, *(b.y1 for b in boxes)]) + pad))
    elif where == "left":
        axis.label.set_position((min([box.x0 - out, *(b.x0 for b in boxes)]) - pad, y))
    else:
        axis.label.set_position((max([box.x1 + out, *(b.x1 for b in boxes)]) + pad, y))


def fast_ticks(ax: Axes) -> Axes:
    """Make ``ax`` draw its two axes in a few calls (see the module docstring)."""
    for axis in (ax.xaxis, ax.yaxis):
        if "draw" not in vars(axis):
            keeper = FastAxis()
            axis.draw = MethodType(  # type: ignore[method-assign]
                lambda self, renderer, keeper=keeper: keeper.draw(self, renderer), axis)
            axis.fast = keeper  # type: ignore[union-attr]
    return ax
