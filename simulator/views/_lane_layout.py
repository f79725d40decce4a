"""Where each bar of the lane picture goes: rows, bands, and the time window.

The lane picture (:func:`~simulator.views.plot_lanes`) has *rows* and *bands*. A row is
one thing that can serve one request at a time: a WSGI thread, or an ASGI event loop
(CPU bursts only). A band holds many requests at once, each on its own thin line: the
queue in front of a WSGI server, or the requests in flight on an ASGI loop. Requests are
packed into a band's lines greedily (first free line), so a band is as tall as the most
requests it held at once, and its outline traces the queue length.

This module only computes rectangles; drawing is the caller's business.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..metrics import lane_sort_key
from ..model import ASGIServer, WSGIServer
from ..results import RequestRecord, RunResult, Span
from ._common import check_window

Bar = tuple[float, float, float, float]  # x0_s, x1_s, y_top, height


@dataclass
class Layout:
    """Rectangles by kind, failure marks, row labels and band dividers (y grows downward)."""

    bars: dict[str, list[Bar]] = field(default_factory=dict)
    marks: list[tuple[float, float]] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    dividers: list[float] = field(default_factory=list)
    starts: list[tuple[float, float, float]] = field(default_factory=list)  # x, y_top, h
    height: float = 0.0

    def add(self, kind: str, x0: float, x1: float, y: float, h: float) -> None:
        self.bars.setdefault(kind, []).append((x0, x1, y, h))

    def row(self, label: str, h: float = 1.0) -> float:
        """Reserve a row of height ``h``; return its top y."""
        top = self.height
        self.ticks.append((top + h / 2, label))
        self.height += h
        return top

    def band(self, label: str, lines: int, h: float) -> tuple[float, float]:
        """Reserve a band of ``lines`` thin lines in height ``h``; return (top, pitch)."""
        if self.height > 0:
            self.dividers.append(self.height)
        top = self.height
        self.ticks.append((top + h / 2, label))
        self.height += h
        return top, h / max(lines, 1)


def choose_window(
    records: Sequence[RequestRecord], window_s: tuple[float, float] | None, max_requests: int
) -> tuple[float, float]:
    """The absolute time window (s) to draw.

    With ``window_s`` = (from, to) in seconds since the first arrival, that; otherwise
    from the first arrival until the ``max_requests``-th arrives (the whole run if it has
    no more requests than that).
    """
    t0 = min(r.arrival_s for r in records)
    if window_s is not None:
        a, b = check_window("plot_lanes", window_s)
        return t0 + a, t0 + b
    arrivals = sorted(r.arrival_s for r in records)
    if len(arrivals) <= max_requests:
        return t0, max(r.end_s for r in records)
    return t0, max(arrivals[max_requests - 1], t0 + 1e-6)


def pack(intervals: Sequence[tuple[float, float]], gap: float = 0.0) -> tuple[list[int], int]:
    """Greedy interval packing: a line per interval, no two overlapping on one line.

    A line is reused only ``gap`` seconds after its last interval ended, so neighbours
    stay visibly apart. Returns (line of each interval, number of lines), lowest first.
    """
    lines = [0] * len(intervals)
    busy: list[tuple[float, int]] = []  # (end, line)
    free: list[int] = []
    count = 0
    for i in sorted(range(len(intervals)), key=lambda k: intervals[k][0]):
        start, end = intervals[i]
        while busy and busy[0][0] <= start + 1e-9:  # back to back, up to rounding
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            line = heapq.heappop(free)
        else:
            line = count
            count += 1
        lines[i] = line
        heapq.heappush(busy, (end + gap, line))
    return lines, count


def _clip(a: float, b: float, t0: float, t1: float) -> tuple[float, float] | None:
    a, b = max(a, t0), min(b, t1)
    return (a, b) if b > a else None


def wsgi_lane_names(res: RunResult, spans: Iterable[Span] = ()) -> list[str]:
    """The lanes of a WSGI run: every thread of the scenario, else those seen."""
    sc = res.scenario
    if sc is not None and isinstance(sc.server, WSGIServer):
        return list(sc.server.lane_names)
    names = {r.lane for r in res.records if r.lane} | {
        s.where for s in spans if s.where not in ("queue",)
    }
    return sorted((n for n in names if "-th" not in n), key=lane_sort_key)


def _loop_names(res: RunResult) -> list[str]:
    sc = res.scenario
    if sc is not None and isinstance(sc.server, ASGIServer):
        return list(sc.server.lane_names)
    return [lane for lane in res.lanes if "loop" in lane]


def band_height(lines: int, cap: float) -> float:
    """Height of a band (in row units): one row per line, at most ``cap``."""
    return float(min(max(lines, 1), cap))


def wsgi_layout(res: RunResult, recs: list[RequestRecord], spans: list[Span],
                t0: float, t1: float, origin: float) -> Layout:
    """Rows for the lanes, a band for the queue; spans (or records) placed on them."""
    lay = Layout()
    lanes = wsgi_lane_names(res, spans) or ["lane"]
    waits = [(r, w) for r in recs if (w := _wait(r, spans, t0, t1)) is not None]
    lines, count = pack([w for _, w in waits])
    if count:
        top, pitch = lay.band("queue", count, band_height(count, max(1.5, len(lanes) / 2)))
        for (_, (a, b)), line in zip(waits, lines, strict=True):
            lay.add("queue", a - origin, b - origin, top + line * pitch, pitch * 0.85)
    queue_y = lay.ticks[0][0] if count else -0.5
    if lay.height:
        lay.dividers.append(lay.height)
    row_top = {name: lay.row(name) for name in lanes}
    for r in recs:
        if r.lane in row_top and r.start_s is not None and t0 < r.start_s < t1:
            lay.starts.append((r.start_s - origin, row_top[r.lane] + 0.1, 0.8))
    if spans:
        for s in spans:
            if s.kind != "queue" and s.where in row_top:
                iv = _clip(s.start_s, s.end_s, t0, t1)
                if iv:
                    lay.add(s.kind, iv[0] - origin, iv[1] - origin, row_top[s.where] + 0.1, 0.8)
    else:
        for r in recs:
            if r.lane in row_top:
                # Without server timing all we know is the whole latency.
                kind = "service" if r.start_s is not None else "latency"
                a = r.start_s if r.start_s is not None else r.arrival_s
                iv = _clip(a, r.end_s, t0, t1)
                if iv:
                    lay.add(kind, iv[0] - origin, iv[1] - origin, row_top[r.lane] + 0.1, 0.8)
    for r in recs:
        if r.status != "ok" and t0 <= r.end_s <= t1:
            y = row_top[r.lane] + 0.5 if r.lane in row_top else queue_y
            lay.marks.append((r.end_s - origin, y))
    return lay


def _wait(r: RequestRecord, spans: list[Span], t0: float, t1: float) -> tuple[float, float] | None:
    """The request's wait for a lane, clipped to the window (None if it did not wait)."""
    if r.start_s is None:
        end = r.end_s if r.status != "ok" else r.arrival_s
        return _clip(r.arrival_s, end, t0, t1)
    return _clip(r.arrival_s, r.start_s, t0, t1)


def asgi_layout(res: RunResult, recs: list[RequestRecord], spans: list[Span],
                t0: float, t1: float, origin: float) -> Layout:
    """A row per event loop (what holds it), then every request in flight on its line."""
    lay = Layout()
    loops = _loop_names(res) if spans else []
    row_top = {name: lay.row(name + " (held)") for name in loops}
    ivs = [(max(r.arrival_s, t0), min(r.end_s, t1)) for r in recs]
    lines, count = pack(ivs, gap=0.005 * (t1 - t0))
    top, pitch = lay.band("requests\nin flight", count, band_height(count, 6.0))
    line_of = {r.id: top + line * pitch for r, line in zip(recs, lines, strict=True)}
    h = pitch * 0.85
    if spans:
        for s in spans:
            iv = _clip(s.start_s, s.end_s, t0, t1)
            if iv is None:
                continue
            x0, x1 = iv[0] - origin, iv[1] - origin
            if s.where in row_top and s.kind in ("cpu", "blocked"):
                lay.add(s.kind, x0, x1, row_top[s.where] + 0.1, 0.8)
            if s.request_id in line_of:
                lay.add(s.kind, x0, x1, line_of[s.request_id], h)
    else:
        for r in recs:
            y = line_of[r.id]
            if r.start_s is None:
                iv = _clip(r.arrival_s, r.end_s, t0, t1)
                if iv:
                    lay.add("latency", iv[0] - origin, iv[1] - origin, y, h)
                continue
            for kind, a, b in (("queue", r.arrival_s, r.start_s), ("service", r.start_s, r.end_s)):
                iv = _clip(a, b, t0, t1)
                if iv:
                    lay.add(kind, iv[0] - origin, iv[1] - origin, y, h)
    for r in recs:
        if r.status != "ok" and t0 <= r.end_s <= t1:
            lay.marks.append((r.end_s - origin, line_of[r.id] + h / 2))
    return lay
