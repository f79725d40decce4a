"""The myths-and-pitfalls lab: its apps, its measurements and the wrong-server helper.

Every claim notebook 08 makes is checked here on real servers, by behaviour (statuses,
error messages, which threads ran what), never by how fast this machine is; the one
timed check is causal (a request cannot be answered before a held thread is let go).
"""

from __future__ import annotations

import json
import os
import time
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from simulator import ClosedLoop
from simulator.live import django_project, myths, serve, stop_all, try_on_gunicorn
from simulator.live.myth_runs import pinned_by_websockets, server_cost, statuses
from simulator.live.threads import peak_threads, threads_used
from simulator.live.wrong_server import gunicorn_version
from tests._leaks import leftovers, snapshot

POOL = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor size here


@pytest.fixture
def _no_servers_left():
    yield
    stop_all()


# -- units: no server ---------------------------------------------------------------------
def test_the_blocking_app_refuses_an_unknown_fix_and_names_the_choices():
    with pytest.raises(ValueError, match=r"fix='later': fix must be one of blocking, await"):
        myths.blocking_fixes_asgi(fix="later")


def test_server_extras_lists_only_keys_outside_pep_3333():
    environ: dict = {"gunicorn.socket": object(), "wsgi.input_terminated": True}
    setup_testing_defaults(environ)  # every PEP 3333 key, as a server would set them
    body = b"".join(myths.server_extras_wsgi(environ, lambda status, headers: None))
    extras = json.loads(body)["extras"]
    assert extras == {"gunicorn.socket": "object", "wsgi.input_terminated": "bool"}


def test_try_on_gunicorn_checks_its_arguments_before_starting_anything():
    with pytest.raises(ValueError, match="worker_class must be one of sync, gthread"):
        try_on_gunicorn(django_project.ASGI_APP, worker_class="uvicorn")
    with pytest.raises(ValueError, match="import string"):
        try_on_gunicorn("not an import string")
    with pytest.raises(ValueError, match="timeout_s"):
        try_on_gunicorn(django_project.ASGI_APP, timeout_s=0)


def test_peak_threads_sees_threads_that_come_and_go():
    import threading

    def spawn(n: int) -> str:
        ts = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return "done"

    before = threading.active_count()
    result, peak = peak_threads(os.getpid(), spawn, 5)
    assert result == "done" and peak >= before + 5


# -- an ASGI app on a WSGI server ------------------------------------------------------------
@pytest.mark.live
@pytest.mark.parametrize(("spec", "callable_name"), [
    (django_project.ASGI_APP, "ASGIHandler.__call__()"),
    ("simulator.live.myths:raw_asgi", "raw_asgi()"),
    ("simulator.live.myths:starlette_app()", "Starlette.__call__()"),
])
def test_an_asgi_app_on_gunicorns_sync_worker_fails_every_request_with_the_real_error(
        spec, callable_name):
    before = snapshot()
    run = try_on_gunicorn(spec)
    assert run.status == 500 and "Internal Server Error" in run.reply
    assert "Using worker: sync" in run.log
    assert "self.wsgi(environ, resp.start_response)" in run.traceback
    assert run.error == (f"TypeError: {callable_name} missing 1 required positional "
                         "argument: 'send'")
    assert not leftovers(before)


@pytest.mark.live
@pytest.mark.parametrize("worker", ["uvicorn_worker.UvicornWorker", "asgi"])
def test_an_asgi_worker_class_serves_the_same_app(worker):
    if worker == "asgi" and gunicorn_version() < (24, 0):
        pytest.skip("gunicorn's own ASGI worker came in gunicorn 24")
    run = try_on_gunicorn(django_project.ASGI_APP, worker_class=worker)
    assert run.ok, run.log
    assert run.traceback == "" and "/async" in run.reply


@pytest.mark.live
def test_a_wsgi_app_on_the_sync_worker_is_fine_and_a_broken_import_is_reported():
    assert try_on_gunicorn("simulator.live.apps:wsgi_app").ok
    broken = try_on_gunicorn("simulator.live.no_such_module:app")
    assert broken.status is None and "no HTTP reply" in broken.reply
    assert "ModuleNotFoundError" in broken.error


# -- websockets bolted onto WSGI ----------------------------------------------------------
@pytest.mark.live
@pytest.mark.slow
@pytest.mark.usefixtures("_no_servers_left")
def test_websockets_on_gunicorn_threads_pin_them_until_they_close():
    hold_s = 2.0
    with serve("simulator.live.myths:websocket_wsgi", interface="wsgi", server="gunicorn",
               threads=2, name="bolted-on", quiet=True) as srv:
        pinning = pinned_by_websockets(srv, hold_s=hold_s)
    assert pinning.open_sockets == (0, 1, 2)
    # With a thread free, the page does not wait for the sockets to close ...
    assert pinning.wait_ms[0] < 1000 * hold_s * 0.75
    assert pinning.wait_ms[1] < 1000 * hold_s * 0.75
    # ... with both held, it cannot be answered before one closes (causal, not a speed).
    assert pinning.wait_ms[2] >= 1000 * hold_s * 0.95
    assert pinning.server_threads[2] > pinning.server_threads[0]
    assert "2 open websocket(s)" in str(pinning)


# -- a blocking call in an async view, and its fixes ------------------------------------------
@pytest.mark.live
@pytest.mark.usefixtures("_no_servers_left")
def test_each_fix_waits_where_the_notebook_says():
    with serve(myths.blocking_fixes_asgi(io_ms=100), interface="asgi", name="fixes") as srv:
        used = {fix: threads_used(srv.url_for("/", fix=fix), myths.WAIT_THREAD, n=12)
                for fix in myths.FIXES}
        bad = httpx.get(srv.url_for("/", fix="nope"), timeout=10)
    loop_thread = used["await"]
    assert len(loop_thread) == 1 and used["blocking"] == loop_thread  # both on the loop
    assert 1 < len(used["to_thread"]) <= min(POOL, 12)                # the default pool
    assert len(used["sync_to_async"]) == 12                           # a thread per request
    assert len(used["sync_to_async_no_context"]) == 1                 # one shared thread
    assert used["sync_to_async_no_context"] != loop_thread
    assert bad.status_code == 400 and "fix must be one of" in bad.text


@pytest.mark.live
@pytest.mark.usefixtures("_no_servers_left")
def test_a_blocking_call_makes_the_loop_one_lane_and_await_does_not():
    from simulator.live import run_load

    with serve(myths.blocking_fixes_asgi(io_ms=50), interface="asgi", name="fixes") as srv:
        blocked = run_load(srv.url_for("/", fix="blocking"), ClosedLoop(users=8),
                           requests=16, progress=False)
        freed = run_load(srv.url_for("/", fix="await"), ClosedLoop(users=8), requests=16,
                         progress=False)
    # Little's law on the run: a blocked loop holds at most one request at a time, so
    # the 8 users wait for each other; awaited, their waits overlap.
    assert blocked.summary().mean_latency_ms > 3 * freed.summary().mean_latency_ms


# -- ASGI without Django, WSGI under an ASGI server ---------------------------------------
@pytest.mark.live
@pytest.mark.usefixtures("_no_servers_left")
def test_raw_asgi_and_starlette_answer_on_uvicorn_with_a_websocket_too():
    from websockets.sync.client import connect

    with serve(myths.raw_asgi, interface="asgi", name="raw") as srv:
        reply = httpx.get(srv.url_for("/x"), timeout=10)
        assert reply.text == "hello from a raw ASGI app, path /x\n"
    with serve(myths.starlette_app(), interface="asgi", name="starlette") as srv:
        assert httpx.get(srv.url_for("/items/7"), timeout=10).json() == {
            "item": 7, "framework": "Starlette"}
        with connect(srv.ws_url + "/ws", open_timeout=5) as ws:
            ws.send("hi")
            assert ws.recv(timeout=5) == "hi"


@pytest.mark.live
@pytest.mark.slow
@pytest.mark.usefixtures("_no_servers_left")
def test_the_wsgi_app_through_a2wsgi_runs_on_a_thread_and_costs_the_server_cpu():
    with serve("simulator.live.myths:wsgi_on_asgi()", interface="asgi", name="a2wsgi",
               quiet=True) as srv:
        reply = httpx.get(srv.url, timeout=10)
        cost = server_cost(srv, requests=100, users=4)
    assert reply.headers["x-lane"] == "thread"  # the WSGI app ran on the adapter's thread
    assert reply.headers["x-thread"] != "MainThread"
    assert cost.cpu_ms > 0 and cost.result.summary().completed == 100
    assert cost.ceiling_rps == pytest.approx(1000 / cost.cpu_ms)


@pytest.mark.live
@pytest.mark.usefixtures("_no_servers_left")
def test_the_same_django_project_answers_every_view_on_both_interfaces():
    paths = ["/", "/sync", "/async", "/async_blocking", "/cpu", "/orm", "/orm_async"]
    for interface in ("wsgi", "asgi"):
        app = django_project.application(interface)
        with serve(app, interface=interface, name="django") as srv:
            assert set(statuses(srv, paths, io_ms=1, cpu_ms=1).values()) == {200}


@pytest.mark.live
def test_server_extras_shows_gunicorns_socket_and_none_from_waitress():
    with serve(myths.server_extras_wsgi, interface="wsgi", name="extras") as srv:
        waitress = httpx.get(srv.url, timeout=10).json()["extras"]
    with serve("simulator.live.myths:server_extras_wsgi", interface="wsgi",
               server="gunicorn", name="extras", quiet=True) as srv:
        gunicorn = httpx.get(srv.url, timeout=10).json()["extras"]
    assert gunicorn["gunicorn.socket"] == "socket"
    assert not any("socket" in key for key in waitress)
