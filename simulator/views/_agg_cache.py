"""Agg that remembers: each text is rasterised once, legends are pasted when unchanged.

A dashboard picture holds about sixty pieces of text (tick labels, titles, legends, the
percentile labels); most are the same from one slider change to the next ("0.5",
"requests", "WSGI 1x4: lanes") and the others differ in a few digits. matplotlib 3.11's
Agg lays out and renders text one glyph at a time from Python: about 0.5 ms for a short
label on a Binder-class machine, every time it is drawn.

:class:`FastCanvas` renders like ``FigureCanvasAgg`` except for text: a string's coverage
mask (its anti-aliased glyphs, in grey) is rasterised by FreeType in one call, as
matplotlib's Agg did up to 3.10 (``FT2Font.set_text`` and ``draw_glyphs_to_bitmap``,
public API; about ten times faster for a new string), kept in a small cache by string,
font, size and dpi, and composited by Agg in the text's colour at its position and
angle. As in matplotlib 3.10, a text lands on whole pixels. Math text, and texts with
font features or a language, are drawn by Agg itself.

Legends are the same story, larger: laying out a legend's boxes, handles and labels
costs more than drawing them. :func:`stamp_legends` makes a legend remember its pixels
for as long as what it shows (labels, handles' colours and styles, place, size) stays
the same, and paste them where Agg would have drawn it, in the same drawing order.

What this leans on in matplotlib, beyond its public API, is pinned by
``tests/test_views_render_data.py`` (a test fails if it moves) and falls back to plain
Agg when missing: the Agg renderer's ``draw_text_image``, a legend's ``_loc``, and the
font manager's list of fallback fonts for a font.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from types import MethodType
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager, get_font
from matplotlib.legend import Legend

CACHE_SIZE = 4096  # distinct texts; a mask is a few kB
Mask = tuple[np.ndarray, float, float]  # coverage, and where the anchor lies in it
_MASKS: OrderedDict[tuple[Any, ...], Mask | None] = OrderedDict()


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


def _font_files(prop: FontProperties) -> Any:
    """The font for ``prop`` with its fallbacks, as Agg chooses them."""
    find = getattr(fontManager, "_find_fonts_by_props", None)
    return find(prop) if find is not None else findfont(prop)


def text_mask(s: str, prop: FontProperties, dpi: float, antialiased: bool) -> Mask | None:
    """Coverage of ``s`` drawn at angle 0, cropped, and where its anchor (the left end of
    its baseline) lies in it, in pixels from the mask's left and top; remembered.

    None for a string of spaces (nothing to draw).
    """
    key = (s, _font_key(prop), dpi, antialiased)
    if key in _MASKS:
        _MASKS.move_to_end(key)
        return _MASKS[key]
    font = get_font(_font_files(prop))
    font.clear()
    font.set_size(prop.get_size_in_points(), dpi)
    font.set_text(s, 0.0, flags=get_hinting_flag())
    font.draw_glyphs_to_bitmap(antialiased=antialiased)
    image = np.asarray(font.get_image())
    xo, yo = (v / 64.0 for v in font.get_bitmap_offset())
    descent = font.get_descent() / 64.0
    found: Mask | None = None
    rows = np.flatnonzero(image.any(axis=1))
    if rows.size:
        cols = np.flatnonzero(image.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        # matplotlib 3.10 put the image's left edge at x + xo and its bottom edge one
        # pixel below y + yo + descent (y downwards), where (x, y) is the anchor.
        ax, ay = -xo, image.shape[0] - (yo + descent + 1)
        found = (np.ascontiguousarray(image[r0:r1, c0:c1]), ax - c0, ay - r0)
    _MASKS[key] = found
    while len(_MASKS) > CACHE_SIZE:
        _MASKS.popitem(last=False)
    return found


class CachedTextRenderer(RendererAgg):
    """``RendererAgg`` that stamps cached text masks (see the module docstring)."""

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties,
                  angle: float, ismath: Any = False, mtext: Any = None) -> None:
        stamp = getattr(self._renderer, "draw_text_image", None)
        if (ismath or stamp is None
                or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language()))):
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            return
        found = text_mask(s, prop, float(self.dpi), bool(gc.get_antialiased()))
        if found is None:
            return
        img, ox, oy = found
        # Agg rotates the image about its bottom-left corner; put the anchor at (x, y).
        vx, vy = ox, oy - img.shape[0]
        a = -math.radians(angle)
        cos, sin = math.cos(a), math.sin(a)
        left = x - (vx * cos - vy * sin)
        bottom = y - (vx * sin + vy * cos)
        stamp(img, round(left), round(bottom), angle, gc)


class FastCanvas(FigureCanvasAgg):
    """``FigureCanvasAgg`` whose renderer remembers texts (:class:`CachedTextRenderer`)."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if getattr(self, "_fast_key", None) != key or not isinstance(
                getattr(self, "renderer", None), CachedTextRenderer):
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._fast_key = key
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
