"""Getting a figure to the browser: PNG bytes into an ``ipywidgets.Image``.

We measured three ways to redraw a figure when a slider moves (``docs/views.md``,
``benchmarks/bench_views.py``): clearing an ``Output`` widget and displaying the figure
again (matplotlib-inline), an ipympl canvas, and replacing the bytes of an ``Image``
widget. The ``Image`` widget is as fast as the fastest, never flickers (the browser swaps
the picture in place, with no empty frame between), needs no Jupyter extension (so it
works the same in JupyterLab, Notebook 7, Voila and on Binder), and keeps the last
picture in the saved notebook.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ._agg_cache import FastCanvas

# zlib level 1 encodes faster than the default 6, for somewhat larger files (measured by
# benchmarks/bench_views.py; figures in docs/views.md).
COMPRESS_LEVEL = 1
# A plot has a few flat colours and their anti-aliased edges: 256 colours hold it (no
# channel off by more than 15 of 255 in the dashboard picture). A palette image is a
# third of the pixels to compress: the default dashboard's PNG took 32 ms and 103 kB as
# RGB, 21 ms and 48 kB as a palette, which also halves what Binder sends to the browser.
PALETTE_COLORS = 256


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` (at its own size and dpi) to PNG bytes.

    One Agg draw, then Pillow encodes the pixels: ``savefig`` would draw the figure a
    second time on a fresh canvas, which costs as much as the first.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FastCanvas(fig)
    canvas.draw()
    return canvas_png(canvas)


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What ``canvas`` holds now, as PNG bytes (no drawing: for pictures blitted in place)."""
    fig = canvas.figure
    size = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    if tuple(fig.get_facecolor())[-1] == 1.0:  # opaque: a palette of the colours used
        image = image.convert("RGB").quantize(PALETTE_COLORS, Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=COMPRESS_LEVEL)
    return buf.getvalue()


@dataclass
class Timer:
    """Milliseconds spent per stage of the last update (for benchmarks and curiosity)."""

    stages: dict[str, float] = field(default_factory=dict)
    _t: float = 0.0

    def start(self) -> None:
        self.stages = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = 1000.0 * (now - self._t)
        self._t = now
