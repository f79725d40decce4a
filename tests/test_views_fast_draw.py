"""The dashboards' fast draw paints what matplotlib paints, and it is really taken.

The dashboards draw their axes' ticks in a few calls (``_fast_axis``), stamp remembered
text masks and paste remembered legends (``_agg_cache``). Here the same figure is drawn
both ways: every pixel outside the texts must be the same, and every text must carry as
much ink as matplotlib's own (whole-pixel placement and FreeType's one-call rasteriser
move a glyph's edge by a pixel, no more). Then: the fast paths must be the ones taken,
so that a matplotlib release that moves what they lean on fails here, not silently slow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.legend import Legend
from matplotlib.text import Text

from simulator.views import compare_dashboard, dashboard
from simulator.views._agg_cache import FastCanvas, text_mask

PAD_PX = 3  # a text's box, grown by this, holds every pixel its drawing may touch


def _pixels(canvas: FigureCanvasAgg) -> np.ndarray:
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def _plain(fig: Figure) -> tuple[np.ndarray, list[Any]]:
    """``fig`` drawn by matplotlib's own Agg, axes and legends as matplotlib draws them;
    the pixels and the boxes of every visible text."""
    saved = []
    for ax in fig.axes:
        for obj in (ax.xaxis, ax.yaxis, ax.get_legend()):
            if obj is not None and "draw" in vars(obj):
                saved.append((obj, vars(obj).pop("draw")))
    own = fig.canvas
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip()
                 and (t.axes is None or t.axes.get_visible())]
        return _pixels(canvas), boxes
    finally:
        fig.set_canvas(own)
        for obj, draw in saved:
            obj.draw = draw


def _text_mask(shape: tuple[int, ...], boxes: list[Any]) -> np.ndarray:
    height, width = shape[:2]
    inside = np.zeros((height, width), dtype=bool)
    for b in boxes:
        x0, x1 = max(int(b.x0) - PAD_PX, 0), min(int(b.x1) + PAD_PX + 1, width)
        y0, y1 = max(int(height - b.y1) - PAD_PX, 0), min(int(height - b.y0) + PAD_PX + 1, height)
        inside[y0:y1, x0:x1] = True
    return inside


def _ink(pixels: np.ndarray, box: Any, height: int) -> float:
    region = pixels[max(int(height - box.y1) - PAD_PX, 0):int(height - box.y0) + PAD_PX + 1,
                    max(int(box.x0) - PAD_PX, 0):int(box.x1) + PAD_PX + 1]
    return float((255 - region).sum())


@pytest.mark.parametrize("make", [dashboard, compare_dashboard])
def test_the_fast_draw_paints_what_matplotlib_paints(make: Any) -> None:
    board = make()
    board.controls.rate.value = 80  # a redraw on the kept axes, as a slider does
    fig = board.figure
    assert isinstance(fig.canvas, FastCanvas)
    fast = _pixels(fig.canvas)
    plain, boxes = _plain(fig)
    assert fast.shape == plain.shape
    assert len(boxes) > 30  # titles, tick labels, legends, percentile labels
    texts = _text_mask(plain.shape, boxes)
    outside = np.abs(fast - plain).max(axis=2)[~texts]
    assert outside.max() == 0, f"{(outside > 0).sum()} pixels differ outside the texts"
    height = plain.shape[0]
    for box in boxes:
        want, got = _ink(plain, box, height), _ink(fast, box, height)
        assert got == pytest.approx(want, rel=0.15, abs=255 * 20), box


def test_the_fast_paths_are_the_ones_taken() -> None:
    board = dashboard()
    board.controls.rate.value = 80
    board.controls.rate.value = 90
    fig = board.figure
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert shown
    for ax in shown:
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.fast.fast_draws > 0, (ax.get_title(), "ticks drawn by matplotlib")
    legends = [ax.get_legend() for ax in shown if ax.get_legend() is not None]
    assert legends and all("draw" in vars(lg) for lg in legends)
    # What the fast paths lean on beyond matplotlib's public API: if one moves, they
    # fall back to plain Agg (correct, slow) and this test says which.
    assert hasattr(RendererAgg(4, 4, 72)._renderer, "draw_text_image")
    assert hasattr(Legend(fig.axes[0], [], []), "_loc")
    assert callable(getattr(fontManager, "_find_fonts_by_props", None))
    prop = fig.axes[0].title.get_fontproperties()
    mask = text_mask("p95 288 ms", prop, 100.0, True)
    assert mask is not None and mask[0].ndim == 2 and mask[0].max() > 200


def test_a_closed_figure_is_freed_with_its_kept_artists() -> None:
    """Artists kept for the next redraw go with their Axes: closing a figure frees it."""
    import gc
    import weakref

    import matplotlib.pyplot as plt

    from simulator import Poisson, Scenario, Workload, WSGIServer, simulate
    from simulator.views import plot_in_flight, plot_lanes, plot_latency

    res = simulate(Scenario(server=WSGIServer(), workload=Workload(io_ms=50),
                            arrivals=Poisson(rate_per_s=40), requests=300), trace=True)
    fig, axes = plt.subplots(1, 3)
    for plot, ax in zip((plot_latency, plot_lanes, plot_in_flight), axes, strict=True):
        plot(res, ax=ax)
    alive = weakref.ref(fig)
    plt.close(fig)
    del fig, axes, ax
    gc.collect()
    assert alive() is None
