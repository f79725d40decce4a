"""The event-loop instruments: traced coroutines, streamed chunks, adapters, the drill.

Each live test checks behaviour that holds on a slow machine too: who ran at the same
time, how many threads served, in which order chunks arrived, which request was slowed.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from simulator import ClosedLoop, simulate
from simulator.live.coroutines import check_plan, plan_scenario, trace_coroutines
from simulator.live.loop_watch import Drill, drill, log_lines
from simulator.views import plot_chunks, plot_drill, plot_timeline

PLAN = {"A": [("cpu", 3), ("await", 10)], "hog": [("cpu", 15)], "C": [("cpu", 3), ("await", 10)]}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _running(res, name):
    return [(s.start_s, s.end_s) for s in res.spans if s.kind == "cpu" and s.where == name]


def test_the_loop_runs_one_coroutine_at_a_time():
    res = trace_coroutines(PLAN)
    runs = sorted(iv for name in PLAN for iv in _running(res, name))
    assert all(a[1] <= b[0] + 1e-6 for a, b in itertools.pairwise(runs))  # one at a time
    a_end = max(e for _, e in _running(res, "A"))
    hog_end = max(e for _, e in _running(res, "hog"))
    # A's 10 ms wait ends while hog computes: A is ready, and resumes only after hog.
    assert a_end >= hog_end
    assert any(s.kind == "ready" and s.where == "A" for s in res.spans)


def test_the_model_of_the_plan_draws_the_same_order():
    sim = simulate(plan_scenario(PLAN), trace=True)
    ends = {r.traffic: r.end_s for r in sim.records}
    assert ends["A"] == pytest.approx(0.021)  # ready at 13 ms; after hog (3-18) and C (18-21)
    assert ends["hog"] == pytest.approx(0.018)
    ax = plot_timeline(sim, rows="traffic", holder="event loop")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["event loop", "A", "hog", "C"]


@pytest.mark.parametrize("plan, match", [
    ({}, "1-12 coroutines"),
    ({"A": []}, "at least one step"),
    ({"A": [("think", 3)]}, "must be"),
    ({"A": [("cpu", -1)]}, "cpu ms"),
])
def test_bad_plans_are_refused(plan, match):
    with pytest.raises(ValueError, match=match):
        check_plan(plan)


def test_plan_scenario_refuses_what_the_model_cannot_do():
    with pytest.raises(ValueError, match="compute, then await"):
        plan_scenario({"A": [("await", 5), ("cpu", 3)]})


def test_log_lines_keeps_continuation_lines():
    text = ("10:00 x WARNING: the event loop busy for 120 ms; it is now at:\n"
            '  File "app.py", line 3, in view\n    time.sleep(1)\n'
            "10:00 asyncio WARNING: Executing <Task 'GET /r'> took 0.3 seconds\nnoise\n")
    found = log_lines(text, "busy for", "took")
    assert len(found) == 2 and "time.sleep" in found[0]


def test_plot_drill_draws_requests_lag_and_culprit():
    from simulator import RequestRecord, RunResult

    fast = RunResult(records=tuple(RequestRecord(i, 0.02 * i, 0.02 * i, 0.02 * i + 0.002, "ok",
                                                 "p0-loop") for i in range(20)), source="live")
    d = Drill(fast=fast, culprit=(0.1, 0.4), lag=((0.1, 0.0), (0.4, 0.3)))
    ax = plot_drill(d)
    assert len(ax.lines) == 2 and "300 ms" in ax.get_legend().get_texts()[-1].get_text()


# -- live ----------------------------------------------------------------------------
def _stream_wsgi(environ, start_response):
    start_response("200 OK", [("content-type", "text/plain")])

    def body():
        for i in range(3):
            yield f"{i}\n".encode()
            time.sleep(0.1)
    return body()


async def _stream_asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for i in range(3):
        await send({"type": "http.response.body", "body": f"{i}\n".encode(), "more_body": True})
        await asyncio.sleep(0.1)
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.live
def test_streams_arrive_chunk_by_chunk_and_wsgi_streams_hold_threads():
    from simulator.live import serve
    from simulator.live.streaming import chunk_arrivals

    with serve(_stream_wsgi, interface="wsgi", threads=2, name="stream-test") as srv:
        wsgi = chunk_arrivals(srv.url, clients=4)
    with serve(_stream_asgi, interface="asgi", name="stream-test") as srv:
        asgi = chunk_arrivals(srv.url, clients=4)
    for res in (wsgi, asgi):
        assert all(len(times) == 3 for times in res.meta["chunks"])  # three separate sends
    firsts = sorted(times[0] for times in wsgi.meta["chunks"])
    lasts = sorted(times[-1] for times in wsgi.meta["chunks"])
    # Two threads: the third stream starts only after one of the first two has ended.
    assert firsts[2] >= lasts[0] - 0.01
    # One loop: every stream has started before any has sent its second chunk.
    assert max(t[0] for t in asgi.meta["chunks"]) < min(t[1] for t in asgi.meta["chunks"])
    assert len(plot_chunks(wsgi).lines) == 4


@pytest.mark.live
@pytest.mark.slow
@pytest.mark.parametrize("app, threads", [
    ("simulator.live.adapters:a2wsgi_app(workers=2, io_ms=20)", 2),
    ("simulator.live.adapters:asgiref_app(io_ms=20)", 1),
])
def test_an_adapter_runs_the_wsgi_app_on_its_thread_pool(app, threads):
    from simulator.live import run_load, serve

    with serve(app, interface="asgi", quiet=True, name="adapter-test") as srv:
        res = run_load(srv.url, ClosedLoop(users=8), requests=60, progress=False)
    ok = [r for r in res.records if r.status == "ok"]
    assert ok
    # However many requests the loop holds, the WSGI app runs on the pool's threads only.
    assert len({r.lane for r in ok}) == threads


def test_a2wsgi_app_checks_workers():
    from simulator.live.adapters import a2wsgi_app

    with pytest.raises(ValueError, match="workers"):
        a2wsgi_app(workers=0)


@pytest.mark.live
@pytest.mark.slow
def test_drill_finds_the_blocking_call_in_an_async_app():
    from simulator.live import serve

    with serve("simulator.live.loop_watch:watched_asgi(slow_ms=100)", interface="asgi",
               quiet=True, name="drill-test") as srv:
        bug = drill(srv.url, "/report?block_ms=300")
        fixed = drill(srv.url, "/report_fixed?block_ms=300")
        background = drill(srv.url, "/background?work_ms=200")
        log = log_lines(srv.log(400), "took", "busy for")
    # The blocked loop delays a quick request by most of the block; the fix does not.
    assert bug.worst_fast_ms() > 150, bug
    assert bug.max_lag_ms() > 150, bug
    assert fixed.worst_fast_ms() < bug.worst_fast_ms() / 2, (fixed, bug)
    assert fixed.max_lag_ms() < bug.max_lag_ms() / 2, (fixed, bug)
    # Background work: its own client is answered before the work; the others wait.
    assert background.culprit_ms < background.worst_fast_ms() / 2, background
    assert background.worst_fast_ms() > 100, background
    assert any("GET /report'" in e and "took" in e for e in log)
    assert any("fetch_report" in e and "time.sleep" in e for e in log)
    assert any("GET /background'" in e for e in log)


@pytest.mark.live
@pytest.mark.slow
def test_the_same_blocking_call_in_a_sync_app_holds_one_thread():
    from simulator.live import serve

    with serve("simulator.live.loop_watch:watched_wsgi(slow_ms=100)", interface="wsgi",
               threads=4, quiet=True, name="drill-test") as srv:
        d = drill(srv.url, "/report?block_ms=300")
        log = log_lines(srv.log(400), "busy for")
    assert d.culprit_ms > 250
    assert d.worst_fast_ms() < d.culprit_ms / 2  # the quick requests use the other threads
    assert not d.lag  # a WSGI app has no loop to monitor
    assert any("fetch_report" in e for e in log)
