"""Live servers: start, answer, stop completely; clear errors; a registry for reruns."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import httpx
import pytest
from _leaks import leftovers, snapshot, wait_closed

from simulator import ClosedLoop
from simulator.live import (
    LiveLabWarning,
    ServerStartError,
    apps,
    run_load,
    running,
    serve,
    stop_all,
)

pytestmark = pytest.mark.live

WSGI_APP = "simulator.live.apps:wsgi_app"
ASGI_APP = "simulator.live.apps:asgi_app"


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=5.0)


IN_PROCESS = [
    pytest.param(lambda: apps.sleep_wsgi(ms=1), {"interface": "wsgi", "threads": 3},
                 "waitress", id="waitress"),
    pytest.param(lambda: apps.sleep_wsgi(ms=1), {"server": "wsgiref"}, "wsgiref",
                 id="wsgiref"),
    pytest.param(lambda: apps.sleep_asgi(ms=1), {}, "uvicorn", id="uvicorn"),
]

SUBPROCESS = [
    pytest.param(WSGI_APP, {"interface": "wsgi", "threads": 2}, 1, id="waitress-child"),
    pytest.param(ASGI_APP, {"interface": "asgi"}, 1, id="uvicorn-child"),
    pytest.param(WSGI_APP, {"interface": "wsgi", "processes": 2}, 2, id="gunicorn-sync"),
    pytest.param(WSGI_APP, {"interface": "wsgi", "processes": 2, "threads": 2}, 2,
                 id="gunicorn-gthread"),
    pytest.param(ASGI_APP, {"interface": "asgi", "processes": 2, "server": "gunicorn"}, 2,
                 id="gunicorn-uvicorn-workers"),
    pytest.param(ASGI_APP, {"interface": "asgi", "processes": 2}, 2, id="uvicorn-workers"),
    pytest.param("simulator.live.apps:work_asgi(io_ms=1.0, view='async')",
                 {"interface": "asgi", "processes": 2}, 2, id="asgi-factory-on-gunicorn"),
]


@pytest.mark.parametrize(("make", "kwargs", "kind"), IN_PROCESS)
def test_in_process_server_answers_and_leaves_nothing(make, kwargs, kind):
    before = snapshot()
    with serve(make(), **kwargs) as srv:
        assert srv.server == kind and srv.in_process and srv.running
        assert srv.url.startswith("http://127.0.0.1:")
        r = _get(srv.url_for("/", io_ms=2))
        assert r.status_code == 200
        assert float(r.headers["x-end-s"]) >= float(r.headers["x-start-s"])
        assert r.headers["x-lane"] == ("loop" if kind == "uvicorn" else "thread")
        port = srv.port
    assert not srv.running
    assert wait_closed(port, 2.0), "the port still accepts connections after stop()"
    assert leftovers(before) == []


async def _which_loop(scope, receive, send):
    if scope["type"] != "http":
        return
    kind = type(asyncio.get_running_loop()).__module__.split(".")[0]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": kind.encode()})


@pytest.mark.parametrize(("loop", "kind"), [("auto", "uvloop"), ("uvloop", "uvloop"),
                                            ("asyncio", "asyncio")])
def test_uvicorn_runs_on_the_loop_asked_for(loop, kind):
    # auto is uvicorn's own choice: uvloop, which the course installs
    with serve(_which_loop, loop=loop) as srv:
        assert _get(srv.url).text == kind
        assert (loop == "asyncio") == ("asyncio" in repr(srv))


def _pids_serving(url: str, processes: int) -> set[str]:
    """The worker pids that answer: rounds of concurrent slow requests until every worker
    has answered (a busy worker cannot take the next one), at most 20 rounds."""
    async def round_of(n: int) -> set[str]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=n)) as client:
            replies = await asyncio.gather(*(client.get(url, timeout=10.0) for _ in range(n)))
        return {r.headers["x-pid"] for r in replies}

    seen: set[str] = set()
    for _ in range(20):
        seen |= asyncio.run(round_of(2 * processes))
        if len(seen) >= processes:
            break
    return seen


@pytest.mark.parametrize(("app", "kwargs", "processes"), SUBPROCESS)
def test_subprocess_server_answers_and_leaves_nothing(app, kwargs, processes):
    before = snapshot()
    with serve(app, quiet=True, **kwargs) as srv:
        assert not srv.in_process and srv.pid != 0
        pids = _pids_serving(srv.url_for("/", io_ms=100), processes)
        assert len(pids) == processes, f"{processes} workers, answers from {sorted(pids)}"
        if processes > 1:
            assert str(srv.pid) not in pids  # the manager manages; its workers serve
        port = srv.port
    assert wait_closed(port, 2.0)
    assert leftovers(before) == []


def test_stop_is_idempotent_and_handle_works_without_with():
    srv = serve(apps.hello_wsgi(), interface="wsgi", name="handle")
    assert srv in running()
    assert _get(srv.url).status_code == 200
    srv.stop()
    srv.stop()
    assert srv not in running()
    assert "stopped" in repr(srv)


def test_rerunning_a_cell_stops_the_server_of_the_same_name():
    before = snapshot()
    first = serve(apps.hello_wsgi(), interface="wsgi", threads=2, name="lab")
    second = serve(apps.hello_asgi(), interface="asgi", name="lab")
    assert not first.running and second.running
    assert wait_closed(first.port, 2.0)
    assert [s.name for s in running()] == ["lab"]
    assert _get(second.url).headers["x-lane"] == "loop"
    other = serve(apps.hello_wsgi(), interface="wsgi", name="other")
    assert second.running and len(running()) == 2
    stop_all()
    assert running() == [] and not other.running
    assert leftovers(before) == []


def test_port_in_use_is_a_clear_error():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        with pytest.raises(ServerStartError, match=rf"port {port} .* already in use"):
            serve(apps.hello_wsgi(), interface="wsgi", port=port)
        with pytest.raises(ServerStartError, match="already in use"):
            serve(apps.hello_asgi(), interface="asgi", port=port)
    finally:
        blocker.close()
    assert running() == []


def test_import_failure_is_a_clear_error_and_does_not_wait_for_the_timeout():
    before = snapshot()
    began = time.monotonic()
    with pytest.raises(ServerStartError, match="could not be imported") as info:
        serve("simulator.live.no_such_module:app", interface="asgi", quiet=True,
              start_timeout_s=30)
    # The child exits at once; even a slow, busy machine takes far less than the 30 s
    # start timeout (margin 2x).
    assert time.monotonic() - began < 15.0
    assert "no_such_module" in str(info.value)
    with pytest.raises(ServerStartError, match="could not be imported"):
        serve("simulator.live.apps:no_such_app", interface="wsgi", processes=2, quiet=True)
    assert running() == []
    assert leftovers(before) == []


def test_a_server_that_does_not_start_in_time_is_a_clear_error():
    async def slow(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            await asyncio.sleep(30)  # a startup that hangs (a database that never answers)

    before = snapshot()
    with pytest.raises(ServerStartError, match=r"did not start within 0.5 s"):
        serve(slow, interface="asgi", start_timeout_s=0.5)
    assert running() == [] and leftovers(before) == []


def test_failed_lifespan_startup_raises_without_killing_the_process():
    async def broken(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})

    before = snapshot()
    with pytest.raises(ServerStartError, match="uvicorn stopped during startup"):
        serve(broken, interface="asgi")
    assert leftovers(before) == []
    with serve(apps.hello_asgi(), interface="asgi") as srv:  # the process carries on
        assert _get(srv.url).status_code == 200


def test_interface_is_guessed_for_objects_and_model_matches():
    with serve(apps.hello_asgi(), name="guess-asgi") as a, \
            serve(apps.hello_wsgi(), threads=4, name="guess-wsgi") as w:
        assert a.interface == "asgi" and w.interface == "wsgi"
        assert a.model().describe() == "ASGI 1 loop"
        assert w.model(overhead_ms=0.2).describe() == "WSGI 1x4"
        assert w.describe() == "waitress 1x4" and a.describe() == "uvicorn 1 loop"


def test_an_app_of_the_other_interface_is_warned_before_any_request_fails():
    with pytest.warns(LiveLabWarning, match=r"looks like an ASGI app.*interface='asgi'") as w:
        srv = serve(apps.hello_asgi(), interface="wsgi")
    srv.stop()
    assert w[0].filename == __file__  # points at the cell that called serve()
    with pytest.warns(LiveLabWarning, match=r"looks like a WSGI app.*interface='wsgi'"):
        srv = serve(apps.hello_wsgi(), interface="asgi")
    srv.stop()
    # the right pairings, and guessed interfaces, say nothing (warnings are errors here)
    for app, interface in ((apps.hello_asgi(), "asgi"), (apps.hello_wsgi(), "wsgi"),
                           (apps.hello_asgi(), None)):
        with serve(app, interface=interface) as srv:
            assert _get(srv.url).status_code == 200


def _busy_then_stopped(srv, io_ms: float, users: int, kind: str) -> None:
    """Leave requests queued or running in ``srv`` (the client gives up), then stop it."""
    url = srv.url_for("/", io_ms=io_ms)
    run_load(url, ClosedLoop(users=users), requests=users, timeout_s=0.2, progress=False)
    srv.stop()
    assert not srv.running, kind


def test_stopping_a_busy_server_prints_nothing_a_student_cannot_act_on(capfd, caplog):
    # Each of these printed something on stop before: waitress "Canceling 14 pending
    # task(s)", uvicorn "Cancel 2 running task(s), timeout graceful shutdown exceeded"
    # and a CancelledError traceback per request, gunicorn "Worker (pid:...) was sent
    # SIGKILL! Perhaps out of memory?" for a worker still busy after its grace period.
    _busy_then_stopped(serve(apps.sleep_wsgi(ms=50), interface="wsgi"), 50, 16, "waitress")
    _busy_then_stopped(serve(WSGI_APP, interface="wsgi"), 50, 16, "waitress child")
    _busy_then_stopped(serve(WSGI_APP, interface="wsgi", processes=2), 4000, 2, "gunicorn")
    _busy_then_stopped(serve(apps.sleep_asgi(ms=4000), interface="asgi"), 4000, 2,
                       "uvicorn")
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # the children's output, echoed until the stop
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_server_that_turns_requests_away_does_not_log_each_one(caplog):
    with serve(apps.sleep_asgi(ms=20), interface="asgi", limit_concurrency=2) as srv:
        res = run_load(srv.url, ClosedLoop(users=8), requests=40, progress=False)
    assert res.summary().rejected > 0  # recorded, one record each
    assert not any("concurrency limit" in r.getMessage() for r in caplog.records)
    logging.getLogger("uvicorn.error").error("a real error still shows")
    assert [r.getMessage() for r in caplog.records] == ["a real error still shows"]


def test_a_waitress_whose_trigger_pipe_was_closed_still_stops_cleanly(capfd, caplog):
    # Once in hundreds of stops in the suite, waitress's trigger (the pipe that wakes its
    # loop thread) was found closed, and stop() failed with "Bad file descriptor".
    import gc
    import os

    before = snapshot()
    srv = serve(apps.sleep_wsgi(ms=5), interface="wsgi", threads=2, name="dead-trigger")
    res = run_load(srv.url, ClosedLoop(users=4), requests=20, progress=False)
    assert res.summary().failed == 0
    port = srv.port
    os.close(srv._srv.trigger.trigger)  # the write end: the loop cannot be woken now
    srv.stop()
    assert not srv.running
    assert wait_closed(port, 2.0)
    assert leftovers(before) == []
    gc.collect()  # an unclosed copy of the pipe would warn here (warnings are errors)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
