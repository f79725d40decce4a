"""Agg with remembered words: each distinct text is rasterised once, then stamped.

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
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import FontProperties, fontManager, get_font

CACHE_SIZE = 4096  # distinct texts; a mask is a few kB


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


@lru_cache(maxsize=CACHE_SIZE)
def _mask(s: str, font: tuple[Any, ...], dpi: float, antialiased: bool,
          prop: FontProperties) -> tuple[np.ndarray, float, float] | None:
    """Coverage of ``s`` drawn at angle 0, cropped, and where its anchor lies in it."""
    size_px = prop.get_size_in_points() * dpi / 72.0
    pad = int(math.ceil(2 * size_px)) + 4
    scratch = RendererAgg(1, 1, dpi)
    w, h, _ = scratch.get_text_width_height_descent(s, prop, False)
    width, height = int(math.ceil(w)) + 2 * pad, int(math.ceil(h)) + 2 * pad
    scratch = RendererAgg(width, height, dpi)
    gc = scratch.new_gc()
    gc.set_foreground((0.0, 0.0, 0.0, 1.0), isRGBA=True)
    gc.set_antialiased(antialiased)
    ax, ay = float(pad), float(pad + h)  # the anchor, y down, well inside the scratch
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
        font = get_font(fontManager._find_fonts_by_props(prop))
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


class FastCanvas(FigureCanvasAgg):
    """``FigureCanvasAgg`` whose renderer remembers texts (:class:`CachedTextRenderer`)."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
