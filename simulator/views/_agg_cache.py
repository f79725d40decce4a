"""Agg that remembers: texts, their layouts and legends are worked out once, then reused.

A dashboard picture holds about sixty pieces of text (tick labels, titles, legends, the
percentile labels) and most of them are the same from one slider change to the next:
"0.5", "requests", "WSGI 1x4: lanes". Agg rasterises every glyph of every text on every
draw, and on a slow machine that was half of the whole draw (matplotlib 3.11 lays out and
renders each glyph from Python: about 0.2 ms a glyph on a Binder-class machine).

:class:`FastCanvas` renders like ``FigureCanvasAgg`` except that a text's coverage mask
(its anti-aliased glyphs, in grey) is computed once per string, font, size and dpi, kept
in a small cache, and composited with Agg's own ``draw_text_image`` in the text's colour,
at its position and angle. Positions are snapped to whole pixels, as matplotlib before
3.11 did; the letters are the ones Agg drew. Math text and texts with font features fall
through to Agg unchanged.

Before drawing a text matplotlib lays it out (where each line goes around the anchor),
twice per tick label per draw; during a :class:`FastCanvas` draw the layouts are
remembered too, by text, font, spacing, alignment, rotation and dpi.

Legends are the same story, larger: laying out a legend's boxes, handles and labels was
a third of a dashboard's draw. :func:`stamp_legends` makes a legend remember its pixels
for as long as what it shows (labels, handles' colours and styles, place, size) stays
the same, and paste them where Agg would have drawn it, in the same drawing order.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache
from types import MethodType
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.legend import Legend
from matplotlib.text import Text

CACHE_SIZE = 4096  # distinct texts; a mask is a few kB


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


@lru_cache(maxsize=CACHE_SIZE)
def _mask(s: str, font: tuple[Any, ...], dpi: float, antialiased: bool,
          prop: FontProperties) -> tuple[np.ndarray, float, float] | None:
    """Coverage of ``s`` drawn at angle 0, cropped, and where its anchor lies in it."""
    size_px = prop.get_size_in_points() * dpi / 72.0
    # Room enough for any glyphs without measuring them first (measuring lays the text
    # out once more): a glyph is at most about one em wide.
    pad = math.ceil(2 * size_px) + 4
    width = math.ceil(1.3 * size_px * max(len(s), 1)) + 2 * pad
    height = math.ceil(3 * size_px) + 2 * pad
    scratch = RendererAgg(width, height, dpi)
    gc = scratch.new_gc()
    gc.set_foreground((0.0, 0.0, 0.0, 1.0), isRGBA=True)
    gc.set_antialiased(antialiased)
    ax, ay = float(pad), float(pad + 2 * size_px)  # the anchor, y down, well inside
    RendererAgg.draw_text(scratch, gc, ax, ay, s, prop, 0.0)
    gc.restore()
    alpha = np.asarray(scratch.buffer_rgba())[..., 3]
    rows = np.flatnonzero(alpha.any(axis=1))
    cols = np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        return None  # only spaces: nothing to stamp
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return np.ascontiguousarray(alpha[r0:r1, c0:c1]), ax - c0, ay - r0


_HEIGHTS: dict[tuple[Any, ...], tuple[float, float, float] | None] = {}


def _height_metrics(prop: FontProperties, dpi: float) -> tuple[float, float, float] | None:
    """(ascent, descent, line gap) in pixels of a font, as ``Text`` computes them."""
    key = (_font_key(prop), dpi)
    if key not in _HEIGHTS:
        font: Any = get_font(fontManager._find_fonts_by_props(prop))
        found = None
        for table_name, gap, up, down in (("OS/2", "sTypoLineGap", "sTypoAscender",
                                           "sTypoDescender"),
                                          ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is not None:
                em = font.get_sfnt_table("head")["unitsPerEm"]
                scale = prop.get_size_in_points() * dpi / 72 / em
                found = (table[up] * scale, -table[down] * scale, table[gap] * scale)
                break
        _HEIGHTS[key] = found
    return _HEIGHTS[key]


class CachedTextRenderer(RendererAgg):
    """``RendererAgg`` that stamps cached text masks (see the module docstring)."""

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[Any, Any, Any]:
        # Text asks its renderer first; matplotlib would read the font's tables again
        # for every text at every draw.
        found = _height_metrics(prop, float(self.dpi))
        return found if found is not None else (None, None, None)

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties,
                  angle: float, ismath: Any = False, mtext: Any = None) -> None:
        if ismath or (mtext is not None and (mtext.get_fontfeatures()
                                             or mtext.get_language())):
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            return
        found = _mask(s, _font_key(prop), float(self.dpi), bool(gc.get_antialiased()),
                      prop.copy())
        if found is None:
            return
        img, ox, oy = found
        # Agg rotates the image about its bottom-left corner; put the anchor at (x, y).
        vx, vy = ox, oy - img.shape[0]
        a = -math.radians(angle)
        cos, sin = math.cos(a), math.sin(a)
        left = x - (vx * cos - vy * sin)
        bottom = y - (vx * sin + vy * cos)
        self._renderer.draw_text_image(img, round(left), round(bottom), angle, gc)


LAYOUT_CACHE = 4096
_LAYOUTS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_agg_text_layout = Text._get_layout  # type: ignore[attr-defined]


def _remembered_layout(text: Any, renderer: Any) -> Any:
    """``Text._get_layout``, remembered: where each line of a text goes around its anchor.

    It depends only on the text and its font, spacing, alignment, rotation and dpi, yet
    matplotlib works it out twice per tick label per draw (once to measure, once to
    draw). Wrapped, TeX or path-effect texts are laid out afresh.
    """
    if not isinstance(renderer, CachedTextRenderer) or text.get_wrap() or text.get_usetex():
        return _agg_text_layout(text, renderer)
    try:
        key = (text.get_text(), _font_key(text.get_fontproperties()), text.get_parse_math(),
               text._linespacing, text._get_multialignment(), text.get_rotation(),
               text.get_horizontalalignment(), text.get_verticalalignment(),
               text.get_rotation_mode(), text.get_figure(root=True).dpi)
    except AttributeError:  # a matplotlib without these: lay out as it does
        return _agg_text_layout(text, renderer)
    found = _LAYOUTS.get(key)
    if found is None:
        found = _LAYOUTS[key] = _agg_text_layout(text, renderer)
        while len(_LAYOUTS) > LAYOUT_CACHE:
            _LAYOUTS.popitem(last=False)
    return found


class FastCanvas(FigureCanvasAgg):
    """``FigureCanvasAgg`` whose renderer remembers texts (:class:`CachedTextRenderer`)
    and whose draws remember text layouts."""

    def draw(self) -> None:
        # For the length of this draw only; the learner's own figures are left alone.
        setattr(Text, "_get_layout", _remembered_layout)  # noqa: B010
        try:
            super().draw()
        finally:
            setattr(Text, "_get_layout", _agg_text_layout)  # noqa: B010

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


LEGEND_CACHE = 64  # distinct legends remembered
_LEGENDS: OrderedDict[tuple[Any, ...], tuple[np.ndarray, int, int]] = OrderedDict()
_LEGENDS_SEEN: OrderedDict[tuple[Any, ...], None] = OrderedDict()
_HANDLE_PROPS = ("get_facecolor", "get_edgecolor", "get_color", "get_linewidth",
                 "get_linestyle", "get_alpha", "get_marker", "get_markersize",
                 "get_markeredgewidth", "get_hatch")


def _plain(value: Any) -> Any:
    """A hashable stand-in for a property value (arrays become tuples)."""
    if isinstance(value, np.ndarray):
        return tuple(np.round(value.ravel(), 6).tolist())
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _legend_key(legend: Legend, renderer: RendererAgg) -> tuple[Any, ...]:
    """Everything that decides how ``legend`` looks and where it goes."""
    handles = tuple(
        (type(h).__name__, *(_plain(getattr(h, name)()) for name in _HANDLE_PROPS
                             if hasattr(h, name)))
        for h in legend.legend_handles)
    texts = tuple((t.get_text(), t.get_fontsize(), _plain(t.get_color()))
                  for t in legend.texts)
    where = (getattr(legend, "_loc", None), tuple(legend.get_bbox_to_anchor().bounds))
    return (texts, handles, where,
            legend.get_frame_on(), renderer.width, renderer.height, renderer.dpi)


def _stamped_draw(legend: Legend, renderer: Any) -> None:
    """``Legend.draw``, pasted from the cache when the legend has not changed."""
    if not legend.get_visible():
        return
    if not isinstance(renderer, RendererAgg):
        Legend.draw(legend, renderer)
        return
    key = _legend_key(legend, renderer)
    hit = _LEGENDS.get(key)
    if hit is None and key not in _LEGENDS_SEEN:
        # First sight: draw it as Agg does (a legend whose labels hold a changing number
        # may never come back); remember its pixels only if it is drawn again.
        _LEGENDS_SEEN[key] = None
        while len(_LEGENDS_SEEN) > 4 * LEGEND_CACHE:
            _LEGENDS_SEEN.popitem(last=False)
        Legend.draw(legend, renderer)
        return
    if hit is None:
        scratch = CachedTextRenderer(renderer.width, renderer.height, renderer.dpi)
        Legend.draw(legend, scratch)
        box = legend.get_window_extent(scratch)
        height = int(scratch.height)
        x0, y0 = max(math.floor(box.x0) - 2, 0), max(math.floor(box.y0) - 2, 0)
        x1 = min(math.ceil(box.x1) + 2, int(scratch.width))
        y1 = min(math.ceil(box.y1) + 2, height)
        # Agg pastes images bottom row first.
        rgba = np.asarray(scratch.buffer_rgba())[height - y1:height - y0, x0:x1][::-1].copy()
        hit = (rgba, x0, y0)
        _LEGENDS[key] = hit
        while len(_LEGENDS) > LEGEND_CACHE:
            _LEGENDS.popitem(last=False)
    else:
        _LEGENDS.move_to_end(key)
    rgba, x0, y0 = hit
    if rgba.size:
        gc = renderer.new_gc()
        renderer.draw_image(gc, x0, y0, rgba)
        gc.restore()
    legend.stale = False


def stamp_legends(fig: Figure) -> None:
    """Make every legend of ``fig`` paste its remembered pixels (see the module docstring)."""
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and "draw" not in vars(legend):
            legend.draw = MethodType(_stamped_draw, legend)  # type: ignore[method-assign]
