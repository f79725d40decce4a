"""Drawing one road (a bridge or a highway) and moving its cars from frame to frame.

The scenery is drawn once; each frame only moves two collections of rectangles (the
cars on the road and the cars in the queue), rewrites two texts and recolours the loop.
Those are the :meth:`RoadArt.moving` artists: the picture pastes the still scenery and
draws only them on top (blitting), so a frame costs a few milliseconds and its PNG.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from .road import Frame, Road
from .style import GREY, KIND_COLORS, KIND_LABELS, OKABE_ITO

ROAD_LEN = 12.0
QUEUE_LEN = 9.0
CAR_W, CAR_H = 0.55, 0.5
GAP = 0.68  # distance between queued cars
MAX_QUEUED = int(QUEUE_LEN / GAP)
WATER = "#CFE8F7"
BANK = "#E4E4E4"
DECK = "#BDBDBD"
ASPHALT = "#6B6B6B"
POOL_MARK = "\u25a0"  # a filled square in the pool's colour, as a legend swatch


def _boxes(xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    x0, x1 = xs - CAR_W / 2, xs + CAR_W / 2
    y0, y1 = ys - CAR_H / 2, ys + CAR_H / 2
    return list(np.stack([np.column_stack(p) for p in
                          ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], axis=1))


class RoadArt:
    """The artists of one road on one Axes; :meth:`update` moves them to a frame."""

    def __init__(self, ax: Axes, road: Road) -> None:
        self.ax = ax
        self.road = road
        n = len(road.track_names)
        self.queue_y = (n - 1) / 2
        ax.set_xlim(-QUEUE_LEN - 0.3, ROAD_LEN + 2.6)
        ax.set_ylim(n - 0.3, -1.1)
        ax.set_axis_off()
        if road.kind == "bridge":
            self._bridge(n)
        else:
            self._highway(n)
        self.cars = PolyCollection([], edgecolors="black", linewidths=0.6, zorder=4)
        self.waiting = PolyCollection([], facecolors=GREY, edgecolors="black",
                                      linewidths=0.6, zorder=4)
        ax.add_collection(self.cars)
        ax.add_collection(self.waiting)
        self.status = ax.text(ROAD_LEN + 2.6, -0.85, "", ha="right", va="center",
                              fontsize="small")
        self.more = ax.text(-QUEUE_LEN - 0.2, self.queue_y - 0.55, "", ha="left",
                            va="bottom", fontsize="x-small")
        if road.waits_for_pool:  # the figure's legend lists the usual kinds only
            ax.text(-QUEUE_LEN - 0.2, n - 0.5, f"{POOL_MARK} {KIND_LABELS['pool']}",
                    color=KIND_COLORS["pool"], ha="left", va="bottom", fontsize="small",
                    fontweight="bold")

    def _bridge(self, n: int) -> None:
        ax = self.ax
        lanes = "lane" if n == 1 else "lanes"
        ax.text(-QUEUE_LEN - 0.3, -0.85, f"{self.road.label}: a bridge of {n} {lanes}",
                va="center", fontsize="small", fontweight="bold")
        ax.add_patch(Rectangle((0, -0.6), ROAD_LEN, n + 0.2, color=WATER, zorder=0))
        ax.add_patch(Rectangle((-QUEUE_LEN - 0.3, -0.6), QUEUE_LEN + 0.3, n + 0.2,
                               color=BANK, zorder=0))
        ax.add_patch(Rectangle((ROAD_LEN, -0.6), 2.6, n + 0.2, color=BANK, zorder=0))
        for i, name in enumerate(self.road.track_names):
            ax.add_patch(Rectangle((0, i - 0.36), ROAD_LEN, 0.72, facecolor=DECK,
                                   edgecolor="0.3", linewidth=1.0, zorder=1))
            if n <= 16:
                ax.text(ROAD_LEN + 0.1, i, name, va="center", fontsize="x-small", color="0.25")

    def _highway(self, n: int) -> None:
        ax = self.ax
        road = self.road
        ax.text(-QUEUE_LEN - 0.3, -0.85, f"{road.label}: a highway", va="center",
                fontsize="small", fontweight="bold")
        ax.add_patch(Rectangle((-QUEUE_LEN - 0.3, -0.6), QUEUE_LEN + 0.3, n + 0.2,
                               color=BANK, zorder=0))
        ax.add_patch(Rectangle((0, -0.5), ROAD_LEN, n, color=ASPHALT, zorder=0))
        ax.add_patch(Rectangle((ROAD_LEN, -0.6), 2.6, n + 0.2, color=BANK, zorder=0))
        for i in range(1, n):
            ax.plot([0, ROAD_LEN], [i - 0.5, i - 0.5], color="white", linestyle=(0, (4, 4)),
                    linewidth=1.0, zorder=1)
        if road.used_tracks < n:
            # Tracks no car used in this window: shown closed, so a collapse is visible.
            top = road.used_tracks - 0.5
            ax.add_patch(Rectangle((0, top), ROAD_LEN, n - road.used_tracks, facecolor="none",
                                   edgecolor="0.85", hatch="//", linewidth=0, zorder=1))
            why = ": a blocking call\nholds the loop" if road.view == "async_blocking" else ""
            ax.text(ROAD_LEN / 2, top + (n - road.used_tracks) / 2,
                    f"lanes unused{why}", ha="center", va="center",
                    color="white", fontsize="small", zorder=2,
                    bbox={"facecolor": ASPHALT, "edgecolor": "none", "alpha": 0.8})
        self.loop = Rectangle((-0.45, -0.5), 0.3, n, facecolor=OKABE_ITO["black"], zorder=2)
        ax.add_patch(self.loop)
        ax.text(-0.3, n - 0.35, "loop", ha="center", va="top", fontsize="x-small")

    def moving(self) -> list[Artist]:
        """The artists a frame changes (drawn over the still scenery, in this order)."""
        loop = [self.loop] if self.road.kind == "highway" else []
        return [*loop, self.status, self.more, self.cars, self.waiting]

    def update(self, f: Frame) -> None:
        """Move the cars and rewrite the texts to show frame ``f``."""
        if f.cars:
            xs = np.array([CAR_W / 2 + c.progress * (ROAD_LEN - CAR_W) for c in f.cars])
            ys = np.array([float(c.track) for c in f.cars])
            self.cars.set_verts(_boxes(xs, ys))
            self.cars.set_facecolor([KIND_COLORS.get(c.phase, GREY) for c in f.cars])
            held = set(f.loop_holders)
            self.cars.set_edgecolor(["white" if c.id in held else "black" for c in f.cars])
            self.cars.set_linewidth([2.5 if c.id in held else 0.6 for c in f.cars])
        else:
            self.cars.set_verts([])
        shown = min(len(f.queue), MAX_QUEUED)
        if shown:
            xs = -0.7 - GAP * np.arange(shown)
            self.waiting.set_verts(_boxes(xs, np.full(shown, self.queue_y)))
        else:
            self.waiting.set_verts([])
        extra = len(f.queue) - shown
        self.more.set_text(f"+{extra} more waiting" if extra > 0 else "")
        on = "bridge" if f.kind == "bridge" else "highway"
        fail = f"   failed {f.failed}" if f.failed else ""
        self.status.set_text(f"t = {f.t_s:.3f} s   waiting {len(f.queue)}   on the {on} "
                             f"{len(f.cars)}   done {f.done}{fail}")
        if f.kind == "highway":
            held = set(f.loop_holders)
            kinds = {c.phase for c in f.cars if c.id in held}
            color = KIND_COLORS["blocked"] if "blocked" in kinds else KIND_COLORS["cpu"]
            self.loop.set_facecolor(color if held else "0.2")
