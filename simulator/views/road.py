"""Who is where at time t: the state behind the bridge and the highway picture.

A WSGI server is a **bridge** with one lane per worker thread: a car (request) waits at
the bank until a lane is free, then crosses; it keeps its lane the whole way, including
the stretch where it only waits for its database (I/O). An ASGI server is a **highway**:
every request that has been let on drives in a lane of its own, and the event loop is
the single toll officer who must serve each car's CPU work, one car at a time. A
blocking call in an async view keeps the officer busy: nobody else is let on, and the
highway collapses into one lane. A car waiting for a database connection (a pool) is
drawn in the pool's colour where it waits: on its bridge lane, which it keeps, or on
the highway, off the loop.

Everything here is computed from a run's records and trace, not drawn by hand:
:func:`build_road` prepares a run once, :func:`frame_at` answers "where is everyone at
time t" as plain data (so it can be tested without drawing).

The rows of the picture are called *tracks* here: on the bridge a track is a lane (a
worker thread, as in :attr:`RequestRecord.lane <simulator.results.RequestRecord>`); on
the highway it is only a place to draw one request driving, as many as were on the road
at once. The highway's "lanes" of the metaphor are these tracks, not the event loop that
an ASGI request's ``lane`` names.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from ..model._check import check_int
from ..results import RunResult
from ._common import server_kind
from ._lane_layout import pack, wsgi_lane_names

MIN_HIGHWAY_TRACKS = 6
MAX_HIGHWAY_TRACKS = 24


@dataclass(frozen=True)
class Car:
    """A request on the road: its track, how far along (0-1) and what it is doing."""

    id: int
    track: int
    progress: float
    phase: str  # "cpu", "io", "ready", "pool", "blocked" or "service" (no trace)


@dataclass(frozen=True)
class Frame:
    """The road at ``t_s`` (seconds since the first request)."""

    t_s: float
    kind: str  # "bridge" (WSGI) or "highway" (ASGI)
    tracks: int
    used_tracks: int
    queue: tuple[int, ...]  # ids waiting to get on, first come first
    cars: tuple[Car, ...]
    done: int
    failed: int
    loop_holders: tuple[int, ...]  # ids holding an event loop now (highway only)


@dataclass
class Road:
    """A run prepared for :func:`frame_at`: arrays per request, phases per request."""

    kind: str
    label: str
    view: str
    track_names: list[str]  # the lanes on a bridge; "track 1", ... on a highway
    used_tracks: int
    ids: np.ndarray
    arrival: np.ndarray  # s since the first request
    start: np.ndarray  # NaN where the request never started
    end: np.ndarray
    ok: np.ndarray
    track: np.ndarray  # per request
    phases: dict[int, tuple[list[float], list[float], list[str]]]  # id -> starts, ends, kinds
    loop_spans: list[tuple[float, float, int]]  # (start, end, id) holding a loop
    t_end: float

    @property
    def waits_for_pool(self) -> bool:
        """Whether any request on this road waited for a connection of a pool."""
        return any("pool" in kinds for _, _, kinds in self.phases.values())


def build_road(res: RunResult, *, max_requests: int = 60,
               window_s: tuple[float, float] | None = None) -> Road:
    """Prepare the first ``max_requests`` requests (or those arriving in ``window_s``)."""
    if not isinstance(res, RunResult):
        raise ValueError("build_road(res=...): expected a RunResult from simulate(...).")
    check_int("build_road", "max_requests", max_requests, low=1, high=2_000,
              hint="About 60 cars read well.")
    recs = sorted(res.records, key=lambda r: r.arrival_s)
    origin = recs[0].arrival_s if recs else 0.0
    if window_s is not None:
        recs = [r for r in recs if window_s[0] <= r.arrival_s - origin < window_s[1]]
    else:
        recs = recs[:max_requests]
    kind = "bridge" if server_kind(res) == "wsgi" else "highway"
    view = res.scenario.classes[0].workload.view if res.scenario is not None else ""
    arrival = np.array([r.arrival_s - origin for r in recs], dtype=float)
    start = np.array([math.nan if r.start_s is None else r.start_s - origin for r in recs])
    end = np.array([r.end_s - origin for r in recs], dtype=float)
    ok = np.array([r.status == "ok" for r in recs], dtype=bool)
    if kind == "bridge":
        names = wsgi_lane_names(res) or ["lane"]
        index = {n: i for i, n in enumerate(names)}
        track = np.array([index.get(r.lane or "", 0) for r in recs], dtype=int)
        used = len(names)
    else:
        ivs = [(s, e) if not math.isnan(s) else (e, e) for s, e in zip(start, end, strict=True)]
        slots, used = pack(ivs)
        n_tracks = min(max(used, MIN_HIGHWAY_TRACKS), MAX_HIGHWAY_TRACKS)
        names = [f"track {i + 1}" for i in range(n_tracks)]
        track = np.array([s % n_tracks for s in slots], dtype=int)
    wanted = {r.id for r in recs}
    phases: dict[int, tuple[list[float], list[float], list[str]]] = {}
    loop_spans: list[tuple[float, float, int]] = []
    for s in sorted(res.spans, key=lambda s: s.start_s):
        if s.request_id not in wanted or s.kind == "queue":
            continue
        a, b = s.start_s - origin, s.end_s - origin
        st, en, kd = phases.setdefault(s.request_id, ([], [], []))
        st.append(a)
        en.append(b)
        kd.append(s.kind)
        if s.kind in ("cpu", "blocked") and s.where.endswith("loop"):
            loop_spans.append((a, b, s.request_id))
    t_end = float(end.max()) if end.size else 1.0
    if window_s is not None:
        t_end = float(window_s[1])
    label = f"{res.label}, {view} view" if view else res.label
    return Road(kind, label, view, names, min(used, len(names)),
                np.array([r.id for r in recs], dtype=int), arrival, start, end, ok, track,
                phases, loop_spans, max(t_end, 1e-3))


def frame_at(road: Road, t_s: float) -> Frame:
    """Where every request of ``road`` is at ``t_s`` seconds since the first request."""
    if not math.isfinite(t_s):
        raise ValueError(f"frame_at(t_s={t_s!r}): give a finite time in seconds.")
    arrived = road.arrival <= t_s
    started = ~np.isnan(road.start) & (road.start <= t_s)
    finished = road.end <= t_s
    waiting = arrived & ~started & ~finished
    queue = tuple(int(i) for i in road.ids[waiting][np.argsort(road.arrival[waiting],
                                                               kind="stable")])
    on = np.flatnonzero(started & ~finished)
    cars = []
    for k in on:
        rid = int(road.ids[k])
        s, e = road.start[k], road.end[k]
        progress = float((t_s - s) / (e - s)) if e > s else 1.0
        cars.append(Car(rid, int(road.track[k]), min(max(progress, 0.0), 1.0),
                        _phase(road, rid, t_s)))
    holders = tuple(sorted({rid for a, b, rid in road.loop_spans if a <= t_s < b}))
    return Frame(
        t_s=float(t_s), kind=road.kind, tracks=len(road.track_names),
        used_tracks=road.used_tracks, queue=queue, cars=tuple(cars),
        done=int(np.sum(finished & road.ok)), failed=int(np.sum(finished & ~road.ok)),
        loop_holders=holders,
    )


def _phase(road: Road, rid: int, t: float) -> str:
    """What request ``rid`` does at ``t``: the kind of its span covering ``t``."""
    spans = road.phases.get(rid)
    if spans is None:
        return "service"
    starts, ends, kinds = spans
    i = bisect.bisect_right(starts, t) - 1
    if i >= 0 and t < ends[i]:
        return kinds[i]
    return "ready"  # between spans: waiting for its next turn
