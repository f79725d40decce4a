"""The pictures and widgets of notebooks 09 and 10: the planner widget answers and refuses
in words, the playground turns every knob into a scenario, and each plot draws what its
numbers say."""

from __future__ import annotations

import math
import sys

import matplotlib.pyplot as plt
import pytest

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Pool,
    Scenario,
    Workload,
    WSGIServer,
    simulate,
)
from simulator.planner import PlanTooLarge
from simulator.views.planner import CUSTOM, planner, plot_plan
from simulator.views.playground import playground
from simulator.views.production import plot_costs, plot_outcomes, plot_pool_cap, plot_versus


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_planner_widget_answers_with_a_picture_and_the_table_it_tried():
    w = planner(rate=60, target_p95_ms=400)
    assert w.plan is not None and w.plan.best is not None
    assert bytes(w.image.value).startswith(b"\x89PNG")
    assert "meets" in w.table.value and w.plan.best.describe() in w.table.value
    assert w.status.value.startswith("planned in")
    before = bytes(w.image.value)
    w.rate.value = 300  # more traffic: more threads, a new picture
    assert w.plan is not None and bytes(w.image.value) != before


def test_the_planner_widget_says_what_the_planner_says_when_it_cannot(monkeypatch):
    w = planner(rate=60)
    w.target.value = 50  # below the work's own p95: explained, nothing simulated
    assert w.plan is not None and w.plan.best is None and not w.plan.table
    assert "Impossible" in w.status.value and "Impossible" in w.table.value

    def too_large(**_kw):
        raise PlanTooLarge("plan: this search may simulate up to 99 configurations; try fewer.")

    # the module (simulator.views.planner the attribute is the function, as for dashboard)
    monkeypatch.setattr(sys.modules["simulator.views.planner"], "plan", too_large)
    w.target.value = 400
    assert w.plan is None and "99 configurations" in w.error
    assert "99 configurations" in w.status.value and w.table.value == ""


def test_the_planner_widget_mix_and_sliders_agree():
    w = planner(rate=60)
    w.mix.value = "CPU-bound: 8 ms CPU + 2 ms I/O"
    assert (w.cpu_ms.value, w.io_ms.value) == (8.0, 2.0)
    w.cpu_ms.value = 9.0
    assert w.mix.value == CUSTOM and w.inputs()["workload"].cpu_ms == 9.0
    w.pool.value = 20
    assert w.inputs()["pools"] == (Pool("db", 20),)


def test_plot_plan_marks_the_choice_and_the_rules():
    w = planner(rate=60)
    assert w.plan is not None
    ax = plot_plan(w.plan)
    assert [t.get_text() for t in ax.get_xticklabels()] == [c.description for c in w.plan.table]
    outlined = [p for p in ax.patches if p.get_linewidth() == 3]
    assert len(outlined) == 1


def test_the_playground_turns_every_knob_into_the_scenario():
    tabs = playground(style="notebook")
    pg = tabs.playground
    assert pg.result is not None and bytes(pg.image.value).startswith(b"\x89PNG")
    pg.server.value = "asgi"
    pg.view.value = "async"
    pg.processes.value = 2
    pg.pool.value = 5
    pg.per_process.value = True
    pg.timeout.value = 0.5
    pg.retries.value = 2
    pg.load.value = "closed"
    pg.users.value = 40
    sc = pg.scenario()
    assert sc.server == ASGIServer(processes=2)
    assert sc.pools == (Pool("db", 5, per_process=True),) and sc.classes[0].workload.pool == "db"
    assert (sc.timeout_s, sc.retries) == (0.5, 2)
    assert sc.classes[0].arrivals == ClosedLoop(users=40)
    assert pg.result.scenario == sc and not pg.error
    assert "ASGI 2 loops" in pg.summary.value and "attempts/request" in pg.summary.value


def test_the_playground_says_what_does_not_fit_and_what_cannot_run_here():
    pg = playground(style="notebook").playground
    pg.load.value = "closed"
    pg.cpu_ms.value = 0
    pg.io_ms.value = 0  # users who never wait on anything would never stop
    assert "never" in pg.error
    assert "D55E00" in pg.summary.value
    pg.io_ms.value = 50
    assert not pg.error
    pg.processes.value = 8
    pg.run_live()  # refused before any server starts
    assert "Not run for real" in pg.live_status.value and "processes" in pg.live_status.value
    assert pg.live is None


def test_the_other_tabs_open_on_their_first_click():
    tabs = playground(style="notebook")
    assert [type(c).__name__ for c in tabs.children][1:] == ["HTML", "HTML"]
    tabs.selected_index = 2
    assert type(tabs.children[2]).__name__ == "PlannerWidget"
    tabs.selected_index = 1
    assert type(tabs.children[1]).__name__ == "CompareDashboard"


def test_plot_costs_draws_memory_and_what_each_carries():
    mem, cap = plot_costs([WSGIServer(threads=8), ASGIServer(processes=2)],
                          {"io": Workload(cpu_ms=1, io_ms=49), "cpu": Workload(cpu_ms=10)})
    assert [round(p.get_height()) for p in mem.patches] == [70, 186]
    assert sorted(round(p.get_height()) for p in cap.patches) == [100, 160, 200, 2000]


def test_plot_versus_says_overloaded_instead_of_a_bar():
    ax = plot_versus(["a", "b"], {"WSGI": [10.0, math.inf], "ASGI": [12.0, 20.0]})
    texts = [t.get_text() for t in ax.texts]
    assert any("overloaded" in t for t in texts)
    with pytest.raises(ValueError, match="values for 2 names"):
        plot_versus(["a", "b"], {"WSGI": [1.0]})


def test_plot_outcomes_stacks_the_shares_of_each_run():
    w = Workload(io_ms=50, view="async", pool="db")
    runs = {f"limit {n}": simulate(Scenario(server=ASGIServer(limit_concurrency=n), workload=w,
                                            pools=(Pool("db", 10),), arrivals=Poisson(300),
                                            duration_s=1, timeout_s=0.5, seed=1))
            for n in (20, 1000)}
    ax = plot_outcomes({}, runs)
    refused = sum(r.status == "rejected" for r in runs["limit 20"].records)
    share = 100 * refused / len(runs["limit 20"].records)
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert round(share, 6) in heights and share > 10


def test_plot_pool_cap_draws_the_ceiling_and_the_measured_points():
    sweep = {"WSGI": [80.0, 200.0], "WSGI, no pool": [80.0, 320.0], "ASGI": [200.0]}
    ax = plot_pool_cap([4, 16], sweep, pool=Pool("db", 10), io_ms=50,
                       live={"waitress": (16, 190.0)})
    labels = [line.get_label() for line in ax.get_lines()]
    assert "pool: 10 / 50 ms = 200 req/s" in labels and "measured" in labels
