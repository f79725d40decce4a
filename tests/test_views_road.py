"""The bridge and the highway: who is where at time t, computed from the trace.

The scenarios are small enough to work out by hand: requests arrive every 50 ms and each
waits 100 ms on I/O (constant), so two are always in progress once things settle.
"""

from __future__ import annotations

import importlib
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image

from simulator import ASGIServer, Constant, Scenario, Workload, WSGIServer, simulate
from simulator.views import Bridge, bridge, build_road, frame_at
from simulator.views._render import canvas_png


def _run(server, view="sync", n=12):
    sc = Scenario(server=server, workload=Workload(io_ms=100, view=view),
                  arrivals=Constant(20), requests=n)
    return simulate(sc, trace=True)

# The module, not the function of the same name that simulator.views exports.
bridge_module = importlib.import_module("simulator.views.bridge")


def test_one_lane_bridge_by_hand():
    road = build_road(_run(WSGIServer(threads=1)))
    assert road.kind == "bridge"
    assert road.track_names == ["p0-t0"]
    # t = 0.12 s after the first arrival: #0 ran 0-0.1 (done); #1 arrived at 0.05 and has
    # the lane since 0.1 (20 % across); #2 arrived at 0.10 and waits; #3 not yet here.
    f = frame_at(road, 0.12)
    assert f.done == 1
    assert f.queue == (2,)
    assert len(f.cars) == 1
    car = f.cars[0]
    assert (car.id, car.track, car.phase) == (1, 0, "io")
    assert car.progress == pytest.approx(0.2)


def test_queue_grows_on_an_overloaded_bridge():
    road = build_road(_run(WSGIServer(threads=1)))
    # arrivals every 50 ms (12 of them), 100 ms each: one more waits every 100 ms
    waits = [len(frame_at(road, t).queue) for t in (0.21, 0.41, 0.56)]
    assert waits == [2, 4, 6]


def test_two_lane_bridge_keeps_up():
    road = build_road(_run(WSGIServer(threads=2)))
    for t in (0.12, 0.31, 0.44):
        f = frame_at(road, t)
        assert f.queue == ()
        assert sorted(c.track for c in f.cars) == [0, 1]


def test_highway_lets_cars_on_side_by_side():
    road = build_road(_run(ASGIServer(), view="async"))
    assert road.kind == "highway"
    assert road.used_tracks == 2
    f = frame_at(road, 0.12)
    assert f.queue == ()
    assert {c.id for c in f.cars} == {1, 2}
    assert len({c.track for c in f.cars}) == 2
    assert all(c.phase == "io" for c in f.cars), "awaiting I/O holds no loop"
    assert f.loop_holders == ()


def test_blocking_call_collapses_the_highway_into_one_lane():
    road = build_road(_run(ASGIServer(), view="async_blocking"))
    assert road.used_tracks == 1
    assert len(road.track_names) > 1, "the other tracks are drawn, unused"
    f = frame_at(road, 0.12)
    assert f.queue == (2,)
    assert [c.phase for c in f.cars] == ["blocked"]
    assert f.loop_holders == (1,), "the blocked request holds the loop"


def test_before_and_after_the_run():
    road = build_road(_run(WSGIServer(threads=1), n=3))
    start, end = frame_at(road, -1.0), frame_at(road, 10.0)
    assert (start.cars, start.queue, start.done) == ((), (), 0)
    assert (end.cars, end.queue, end.done) == ((), (), 3)
    with pytest.raises(ValueError, match="t_s"):
        frame_at(road, float("nan"))


def test_bridge_widget_plays_the_trace():
    sc = Scenario(server=WSGIServer(threads=1), workload=Workload(io_ms=100),
                  arrivals=Constant(20), requests=10)
    w = bridge(sc, frames=20)
    assert isinstance(w, Bridge)
    assert w.play.max == w.slider.max == 19
    first = w.image.value
    w.slider.value = 7
    assert w.image.value != first, "moving the time slider redraws"
    assert w.picture.frames[0].t_s == pytest.approx(w.times[7])


def test_bridge_side_by_side_on_one_clock():
    base = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50, view="async"),
                    arrivals=Constant(30), requests=10)
    w = bridge(base, simulate(Scenario(server=ASGIServer(), workload=base.workload,
                                       arrivals=base.arrivals, requests=10), trace=True),
               frames=10)
    w.show_frame(5)
    kinds = [f.kind for f in w.picture.frames]
    assert kinds == ["bridge", "highway"]


@pytest.mark.parametrize("bad, word", [
    (bridge, "at least one"),
    (lambda: bridge("x"), "Scenario"),
    (lambda: bridge(_run(WSGIServer()), frames=1), "frames must be a whole number from 10"),
    (lambda: bridge(_run(WSGIServer()), interval_ms=5), "interval_ms must be .* from 20"),
    (lambda: build_road(_run(WSGIServer()), max_requests=0),
     "max_requests must be a whole number from 1 to 2000"),
])
def test_bad_arguments(bad, word):
    with pytest.raises(ValueError, match=word):
        bad()


def test_a_blitted_frame_is_the_whole_picture():
    """Frames paste the scenery and draw the cars over it: the same pixels as a full draw."""
    load = dict(workload=Workload(cpu_ms=5, io_ms=50, view="async_blocking"),
                arrivals=Constant(30))
    w = bridge(Scenario(server=WSGIServer(threads=2), requests=40, **load),
               Scenario(server=ASGIServer(), requests=40, **load))
    for i in (40, 41, 40):  # the third is remembered, not drawn again
        w.slider.value = i
    shown = np.asarray(Image.open(io.BytesIO(bytes(w.image.value))).convert("RGB"))
    pic = w.picture
    for artist in pic.moving:
        artist.set_animated(False)
    pic.canvas.draw()
    full = np.asarray(Image.open(io.BytesIO(canvas_png(pic.canvas))).convert("RGB"))
    assert shown.shape == full.shape and np.array_equal(shown, full)


def test_running_the_cell_again_stops_the_animation_it_made(monkeypatch):
    monkeypatch.setattr(bridge_module, "_cell_id", lambda: "cell-7")
    sc = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50),
                  arrivals=Constant(20), requests=20)
    first = bridge(sc)
    first.play.playing = True
    monkeypatch.setattr(bridge_module, "_cell_id", lambda: "cell-8")
    elsewhere = bridge(sc)
    elsewhere.play.playing = True
    monkeypatch.setattr(bridge_module, "_cell_id", lambda: "cell-7")
    second = bridge(sc)
    assert not first.play.playing and first.play.comm is None, "the old one stopped"
    assert first.image.comm is None and first.slider.comm is None
    assert elsewhere.play.playing and elsewhere.play.comm is not None, "other cells play on"
    assert second.play.comm is not None
