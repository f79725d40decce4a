"""Dashboards without a browser: controls change the scenario, and the picture changes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from dataclasses import fields, replace

import ipywidgets as widgets
import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    RunResult,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
)
from simulator.views import (
    CompareDashboard,
    Dashboard,
    _live,
    compare_dashboard,
    dashboard,
)
from simulator.views._live import LiveUnavailable


def _measured(sc: Scenario, requests: int = 200) -> RunResult:
    """Stand-in for a live run: the simulation, shifted by 2 ms, labelled as measured."""
    from simulator import simulate

    sim = simulate(sc)
    recs = tuple(r._replace(end_s=r.end_s + 0.002, sent_s=r.arrival_s) for r in sim.records)
    return RunResult(records=recs, source="live", label="measured")


def test_dashboard_is_a_widget_with_a_picture():
    d = dashboard()
    assert isinstance(d, widgets.Widget) and isinstance(d, Dashboard)
    assert bytes(d.image.value).startswith(b"\x89PNG")
    assert d.results[0].summary().completed == 400
    assert "throughput" in d.summary.value
    assert set(d.timer.stages) == {"simulate", "draw", "render"}


@pytest.mark.parametrize("kind, control, value, check", [
    ("wsgi", "threads", 8, lambda sc: sc.server.threads == 8),
    ("wsgi", "processes", 2, lambda sc: sc.server.processes == 2),
    ("wsgi", "io_ms", 120.0, lambda sc: sc.workload.io_ms == 120.0),
    ("wsgi", "cpu_ms", 12.0, lambda sc: sc.workload.cpu_ms == 12.0),
    ("asgi", "view", "async_blocking", lambda sc: sc.workload.view == "async_blocking"),
    ("wsgi", "rate", 20.0, lambda sc: sc.arrivals.rate_per_s == 20.0),
    ("asgi", "server", "wsgi", lambda sc: sc.server.kind == "wsgi"),
    ("asgi", "load", "closed", lambda sc: isinstance(sc.arrivals, ClosedLoop)),
])
def test_a_control_change_resimulates_and_redraws(kind, control, value, check):
    d = dashboard()
    if kind == "asgi":  # the view style matters on ASGI (on WSGI, async = sync here)
        d.controls.server.value = "asgi"
        d.controls.view.value = "async"
    before = bytes(d.image.value)
    getattr(d.controls, control).value = value
    assert check(d.results[0].scenario)
    assert bytes(d.image.value) != before, f"changing {control} changed the picture"


def test_controls_that_do_not_apply_are_disabled_or_hidden():
    d = dashboard()
    assert not d.controls.threads.disabled
    d.controls.server.value = "asgi"
    assert d.controls.threads.disabled
    assert d.controls.users.layout.display == "none"
    d.controls.load.value = "closed"
    assert d.controls.rate.layout.display == "none"
    assert d.controls.users.layout.display is None


def test_sliders_update_on_release():
    d = dashboard()
    sliders = [w for w in d.controls.all() if isinstance(w, (widgets.IntSlider,
                                                             widgets.FloatSlider))]
    assert sliders and all(not s.continuous_update for s in sliders)


def test_impossible_scenario_is_explained_not_raised():
    d = dashboard(Scenario(server=WSGIServer(), workload=Workload(io_ms=10),
                           arrivals=ClosedLoop(users=4), requests=200))
    picture = d.image.value
    d.controls.io_ms.value = 0.0
    d.controls.cpu_ms.value = 0.0
    assert "never move" in d.summary.value
    assert d.image.value == picture, "the last good picture stays"


def test_dashboard_presets_from_a_scenario():
    sc = Scenario(server=WSGIServer(processes=2, threads=3), workload=Workload(io_ms=20),
                  arrivals=ClosedLoop(users=5), requests=300)
    d = dashboard(sc, style="notebook")
    got = d.results[0].scenario
    assert (got.server.threads, got.server.processes, got.arrivals.users) == (3, 2, 5)
    with pytest.raises(ValueError, match="style"):
        dashboard(style="poster")


def test_compare_dashboard_runs_both_servers():
    d = compare_dashboard()
    assert isinstance(d, CompareDashboard)
    kinds = [r.scenario.server.kind for r in d.results]
    assert kinds == ["wsgi", "asgi"]
    before = d.image.value
    d.controls.io_ms.value = 200.0
    assert [r.scenario.workload.io_ms for r in d.results] == [200.0, 200.0]
    assert d.image.value != before


def test_live_button_overlays_the_measurement(monkeypatch):
    monkeypatch.setattr(_live, "measure", _measured)
    d = dashboard()
    before = d.image.value
    axes_before = sum(ax.get_visible() for ax in d.figure.axes)
    d.live_button.click()
    assert d.live is not None and d.live[0].real.source == "live"
    assert d.live[0].sim.scenario.workload.dist == "constant", "compared like with like"
    shown = sum(ax.get_visible() for ax in d.figure.axes)
    assert shown == axes_before + 1, "overlay and residual replace the histogram"
    assert d.image.value != before
    assert "measured" in d.summary.value
    d.controls.threads.value = 2
    assert d.live is None, "a measurement of another scenario is not overlaid"
    assert "scenario changed" in d.live_status.value


def test_live_button_without_the_live_lab_says_so(monkeypatch):
    def unavailable(sc: Scenario, requests: int = 200) -> RunResult:
        raise LiveUnavailable("The live lab (simulator.live) is not available here.")

    monkeypatch.setattr(_live, "measure", unavailable)
    d = compare_dashboard()
    d.live_button.click()
    assert "not available" in d.live_status.value
    assert d.live is None
    assert not d.live_button.disabled


# ---------------------------------------------------------------- the scenario given

GIVEN = Scenario(
    server=WSGIServer(processes=1, threads=4, overhead_ms=0.5, switch_ms=0.3, backlog=50),
    workload=Workload(cpu_ms=5, io_ms=50, dist="lognormal", cv=2.0, view="sync"),
    arrivals=Poisson(rate_per_s=60),
    traffic=(Traffic("health", Workload(io_ms=1), Poisson(rate_per_s=5)),),
    requests=400, seed=9, cores=4, timeout_s=1.0,
)
GIVEN_ASGI = replace(GIVEN, server=ASGIServer(processes=2, overhead_ms=0.2, switch_ms=1.0,
                                              sync_stretches=2, limit_concurrency=100),
                     workload=replace(GIVEN.workload, view="async"),
                     arrivals=ClosedLoop(users=20, think_ms=30.0))


def _same_fields(got: object, want: object, skip: set[str] = frozenset()) -> None:
    """Every dataclass field of ``want`` (and its nested descriptions) is in ``got``."""
    for f in fields(want):
        if f.name in skip:
            continue
        assert getattr(got, f.name) == getattr(want, f.name), f"{f.name} was not kept"


@pytest.mark.parametrize("sc", [GIVEN, GIVEN_ASGI], ids=["wsgi", "asgi"])
def test_dashboard_shows_the_scenario_it_was_given(sc):
    d = dashboard(sc)
    got = d.results[0].scenario
    _same_fields(got, sc)
    _same_fields(got.server, sc.server)
    _same_fields(got.classes[0].workload, sc.classes[0].workload)
    _same_fields(got.classes[0].arrivals, sc.classes[0].arrivals)
    assert got == sc


def test_what_no_control_changes_survives_the_controls():
    d = dashboard(GIVEN)
    d.controls.threads.value = 8
    d.controls.io_ms.value = 80.0
    got = d.results[0].scenario
    _same_fields(got, GIVEN, skip={"server", "workload"})
    _same_fields(got.server, GIVEN.server, skip={"threads"})
    _same_fields(got.workload, GIVEN.workload, skip={"io_ms"})
    assert (got.server.threads, got.workload.io_ms) == (8, 80.0)
    d.controls.server.value = "asgi"  # the fields both kinds have carry over
    got = d.results[0].scenario
    assert got.server == ASGIServer(processes=1, overhead_ms=0.5, switch_ms=0.3)
    _same_fields(got, GIVEN, skip={"server", "workload"})
    d.controls.server.value = "wsgi"  # and back: the given server's own fields again
    assert d.results[0].scenario.server == replace(GIVEN.server, threads=8)
    d.controls.load.value = "closed"
    d.controls.load.value = "open"
    assert d.results[0].scenario.arrivals == GIVEN.arrivals


def test_closed_loop_keeps_its_think_time():
    d = dashboard(GIVEN_ASGI)
    d.controls.users.value = 40
    assert d.results[0].scenario.arrivals == ClosedLoop(users=40, think_ms=30.0)


@pytest.mark.parametrize("sc", [GIVEN, GIVEN_ASGI], ids=["wsgi", "asgi"])
def test_compare_dashboard_keeps_the_scenario_on_both_sides(sc):
    d = compare_dashboard(sc)
    wsgi, asgi = (r.scenario for r in d.results)
    for got in (wsgi, asgi):
        _same_fields(got, sc, skip={"server"})
    own, other = (wsgi, asgi) if sc.server.kind == "wsgi" else (asgi, wsgi)
    assert own == sc
    shared = {f.name for f in fields(other.server)} & {f.name for f in fields(sc.server)}
    given_default, other_default = type(sc.server)(), type(other.server)()
    for name in shared - {"processes"}:
        set_here = getattr(sc.server, name) != getattr(given_default, name)
        # what the given server set carries over; the other kind's own defaults stay
        want = getattr(sc.server if set_here else other_default, name)
        assert getattr(other.server, name) == want, name


@pytest.mark.parametrize("make", [dashboard, compare_dashboard])
def test_the_last_picture_is_the_picture_of_the_last_values(make):
    d = make()
    moves = [("threads", 2), ("io_ms", 120.0), ("threads", 3), ("view", "async"),
             ("rate", 90.0), ("io_ms", 60.0)]
    if make is dashboard:
        moves.insert(2, ("server", "asgi"))
    for control, value in moves:
        getattr(d.controls, control).value = value
    fresh = make(d.results[0].scenario)
    assert [r.scenario for r in fresh.results] == [r.scenario for r in d.results]
    assert bytes(d.image.value) == bytes(fresh.image.value), "same values, same picture"
    assert "io 60 ms" in d.summary.value


def test_going_back_to_a_setting_shows_its_remembered_picture():
    d = dashboard()
    first = bytes(d.image.value)
    d.controls.server.value = "asgi"
    d.controls.server.value = "wsgi"
    assert set(d.timer.stages) == {"remembered"}, "nothing simulated or drawn again"
    assert bytes(d.image.value) == first
    d.picture_cache = 0
    d.controls.server.value = "asgi"
    assert "simulate" in d.timer.stages
