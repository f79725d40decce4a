"""Demo apps and the Django project: stamps, lanes, views under both interfaces."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from simulator import ClosedLoop
from simulator.live import apps, django_project, run_load, serve, stop_all

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10.0)


@pytest.mark.parametrize("view", ["sync", "async", "async_blocking"])
def test_raw_apps_stamp_every_response_in_every_view_style(view):
    with serve(apps.work_wsgi(), interface="wsgi", name="w") as w, \
            serve(apps.work_asgi(), interface="asgi", name="a") as a:
        for srv, lane in ((w, "thread"), (a, "loop")):
            r = _get(srv.url_for("/", io_ms=20, cpu_ms=2, view=view))
            assert r.status_code == 200, r.text
            start, end = float(r.headers["x-start-s"]), float(r.headers["x-end-s"])
            assert 0.020 <= end - start < 0.5
            assert r.headers["x-lane"] == lane
            assert r.headers["x-pid"].isdigit() and r.headers["x-thread"]
            assert float(r.headers["x-cpu-s"]) > 0


def test_bad_query_is_a_400_that_says_what_to_try():
    with serve(apps.sleep_asgi(), interface="asgi") as srv:
        r = _get(srv.url_for("/", io_ms="soon"))
        assert r.status_code == 400 and "io_ms" in r.text and "try" in r.text
        r = _get(srv.url_for("/", view="threaded"))
        assert r.status_code == 400 and "sync, async, async_blocking" in r.text


def test_factory_defaults_and_query_overrides():
    with serve(apps.sleep_wsgi(ms=120), interface="wsgi") as srv:
        slow = _get(srv.url)
        fast = _get(srv.url_for("/", io_ms=0))
    took = [float(r.headers["x-end-s"]) - float(r.headers["x-start-s"]) for r in (slow, fast)]
    assert took[0] >= 0.12 and took[1] < 0.05


def test_live_lanes_name_threads_and_loops_like_the_simulator():
    with serve(apps.sleep_wsgi(ms=30), interface="wsgi", threads=4) as srv:
        res = run_load(srv.url, ClosedLoop(users=8), requests=48, progress=False)
    assert set(res.lanes) == {"p0-t0", "p0-t1", "p0-t2", "p0-t3"}  # 8 users keep all 4 busy
    # Two worker processes: every connection stays with the process that accepted it, so
    # 16 users' connections spread over both loops (and both must serve).
    with serve("simulator.live.apps:asgi_app", interface="asgi", processes=2,
               server="gunicorn", quiet=True) as srv:
        for _ in range(5):  # which process accepts is the kernel's choice: try again
            res = run_load(srv.url_for("/", io_ms=20), ClosedLoop(users=16), requests=160,
                           progress=False)
            if set(res.lanes) == {"p0-loop", "p1-loop"}:
                break
    assert set(res.lanes) == {"p0-loop", "p1-loop"}
    assert all(r.start_s is not None and r.arrival_s <= r.start_s + 0.005 <= r.end_s + 0.005
               for r in res.records)


# -- Django --------------------------------------------------------------------------
DJANGO_PATHS = ["/sync?io_ms=10", "/async?io_ms=10", "/async_blocking?io_ms=10",
                "/cpu?cpu_ms=2", "/orm", "/orm_async"]


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_django_views_answer_under_waitress_and_uvicorn(interface):
    app = django_project.application(interface)
    kw = {"threads": 2} if interface == "wsgi" else {}
    with serve(app, interface=interface, name=f"django-{interface}", **kw) as srv:
        assert srv.server == ("waitress" if interface == "wsgi" else "uvicorn")
        for path in DJANGO_PATHS:
            r = _get(srv.url + path)
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
            assert r.headers["x-lane"] == ("thread" if interface == "wsgi" else "loop")
        assert _get(srv.url + "/orm").json()["count"] == 50
        res = run_load(srv.url + "/async?io_ms=20", ClosedLoop(users=4), requests=20,
                       progress=False)
    assert res.summary().completed == 20


def test_django_error_is_logged_and_named_never_a_silent_500(capsys):
    with serve(django_project.application("wsgi"), interface="wsgi") as srv:
        r = _get(srv.url + "/error")
    assert r.status_code == 500
    assert "RuntimeError: an error inside a view" in r.text and "log" in r.text
    assert "raised on purpose" in django_project.recent_errors()[-1]
    assert "Traceback" in django_project.recent_errors()[-1]
    assert "Internal Server Error: /error" in capsys.readouterr().err


def test_sync_middleware_switch_costs_a_hop_only_under_asgi():
    with serve(django_project.application("asgi", sync_middleware=True),
               interface="asgi", name="with") as srv:
        r = _get(srv.url + "/async?io_ms=1")
        assert r.status_code == 200
        assert r.headers["x-sync-middleware"] != r.headers["x-thread"]  # off the loop
    with serve(django_project.application("asgi"), interface="asgi", name="without") as srv:
        assert "x-sync-middleware" not in _get(srv.url + "/async?io_ms=1").headers
    with serve(django_project.application("wsgi", sync_middleware=True),
               interface="wsgi", name="wsgi") as srv:
        r = _get(srv.url + "/sync?io_ms=1")
        assert r.headers["x-sync-middleware"] == r.headers["x-thread"]  # same thread


def test_django_sync_views_get_a_thread_each_under_asgi_and_share_lanes_under_wsgi():
    async def threads_of(url: str, n: int) -> set[str]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=n)) as client:
            replies = await asyncio.gather(*(client.get(url, timeout=10) for _ in range(n)))
        assert {r.status_code for r in replies} == {200}
        return {r.headers["x-view-thread"] for r in replies}

    with serve(django_project.application("asgi"), interface="asgi", name="a") as srv:
        names = asyncio.run(threads_of(srv.url_for("/sync", io_ms=200), 8))
        loop = _get(srv.url_for("/async", io_ms=1)).headers
    assert len(names) == 8  # one thread per request, no cap
    assert loop["x-view-thread"] == loop["x-thread"]  # an async view runs on the loop
    with serve(django_project.application("wsgi"), interface="wsgi", threads=4,
               name="w") as srv:
        names = asyncio.run(threads_of(srv.url_for("/sync", io_ms=100), 8))
    assert names <= {f"waitress-{i}" for i in range(4)}


@pytest.mark.parametrize(("app", "interface"), [(django_project.WSGI_APP, "wsgi"),
                                                (django_project.ASGI_APP, "asgi")])
def test_django_entry_points_serve_in_a_subprocess(app, interface):
    with serve(app, interface=interface, quiet=True, start_timeout_s=15) as srv:
        for path in ("/sync?io_ms=5", "/async?io_ms=5", "/orm_async"):
            assert _get(srv.url + path).status_code == 200, path
        assert _get(srv.url + "/error").status_code == 500
        deadline = time.monotonic() + 5.0  # the child's output arrives through a pipe
        while "Internal Server Error: /error" not in srv.log():
            assert time.monotonic() < deadline, srv.log()
            time.sleep(0.05)
