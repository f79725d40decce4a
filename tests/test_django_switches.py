"""Where Django switches between the event loop and a thread, counted on real requests.

Django adapts its middleware chain only where a sync piece meets an async one
(``BaseHandler.load_middleware``): two sync middlewares side by side share one trip to a
thread, an async middleware between them costs two more hops, and every ASGI request
pays one hop to close its response. These tests serve the lab's project with uvicorn and
count, so that the notebooks' claims, and the model's count of hops
(``ASGIServer(sync_stretches=...)``), are Django's real behaviour, not our reading of it.
"""

from __future__ import annotations

import httpx
import pytest

from simulator import ASGIServer
from simulator.live import django_project, running, serve
from simulator.live.django_project import switches
from simulator.live.server_cpu import measure_cpu
from simulator.model import thread_hops

pytestmark = pytest.mark.live


@pytest.mark.parametrize(("stack", "view", "hops"), [
    ((), "async", 1),                    # only closing the response
    ((), "sync", 2),                     # the view's thread, and the close
    (("sync",), "async", 3),
    (("sync", "sync"), "async", 3),      # side by side: no more than one
    (("sync", "async", "sync"), "async", 5),
    (("sync",), "sync", 4),              # back to the loop for urls, out again to the view
    (("sync", "sync", "async", "sync", "sync"), "sync", 6),
    (("async", "async"), "async", 1),
])
def test_hops_are_counted_where_sync_meets_async(stack, view, hops):
    t = switches.trace(stack, view=view)
    assert t.hops == hops, str(t)
    assert t.switches == 2 * hops
    names = [name for name, _ in t.steps]
    assert names[0] == "server" and names[-1] == "end" and "view" in names
    assert names.count("SyncOnly") == 2 * stack.count("sync")
    assert dict(t.steps)["view"] == ("loop" if view == "async" else "thread")
    # the model counts the same: two per sync stretch, one for a sync view, and the close
    assert t.hops == thread_hops(ASGIServer(sync_stretches=t.stretches), view) + 1
    assert not running()


def test_a_sync_view_behind_sync_middleware_goes_back_to_the_loop_in_between():
    # Django's innermost handler (URL resolution, then the view) is async under ASGI
    t = switches.trace(("sync", "sync"), view="sync")
    view = [name for name, _ in t.steps].index("view")
    assert t.steps[view - 2: view + 1] == (("SyncOnly", "thread"), ("urls", "loop"),
                                           ("view", "thread")), t.path()
    assert t.hops == 4 and t.stretches == 1


def test_stretches_are_runs_of_adjacent_sync_middleware():
    assert [switches.sync_stretches(s) for s in
            [(), ("async",), ("sync", "sync"), ("sync", "async", "sync"),
             ("async", "sync", "sync", "async", "sync")]] == [0, 0, 1, 2, 2]
    with pytest.raises(ValueError, match="'sync' and 'async'"):
        switches.sync_stretches(("sync", "threaded"))


def test_sync_middlewares_side_by_side_run_on_one_thread():
    t = switches.trace(("sync", "sync"), view="async")
    on_threads = {thread for (name, where), thread in zip(t.steps, t.threads, strict=True)
                  if name == "SyncOnly"}
    assert len(on_threads) == 1


def test_the_middleware_stack_is_checked():
    with pytest.raises(ValueError, match="'sync' and 'async'"):
        django_project.application("asgi", middleware=("sync", "fast"))
    with pytest.raises(ValueError, match="'sync' and 'async'"):
        switches.stack_app("sync")
    with pytest.raises(ValueError, match="view must be"):
        switches.trace((), view="async_blocking")


def test_a_stack_runs_in_a_subprocess_by_its_import_string():
    spec = switches.stack_app(("sync", "async"))
    with serve(spec, interface="asgi", server="uvicorn", quiet=True) as srv:
        r = httpx.get(srv.url_for("/async", io_ms=0), timeout=10)
        assert r.status_code == 200 and r.headers["x-sync-middleware"] != r.headers["x-thread"]
        assert measure_cpu(srv.url_for("/async", io_ms=0), requests=20).cpu_ms > 0


@pytest.mark.slow
def test_cost_of_stacks_measures_each_stack_on_the_same_server():
    cpu = switches.cost_of_stacks([(), ("sync",)], requests=30, rounds=2)
    assert len(cpu) == 2 and all(c > 0 for c in cpu)
    assert not running()
