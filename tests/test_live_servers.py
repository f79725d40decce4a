"""Live servers: start, answer, stop completely; clear errors; a registry for reruns."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from simulator.live import ServerStartError, apps, running, serve, stop_all
from simulator.live._leaks import leftovers, snapshot
from simulator.live._net import wait_closed

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
    began = time.monotonic()
    with serve(make(), **kwargs) as srv:
        assert time.monotonic() - began < 5.0
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


@pytest.mark.parametrize(("app", "kwargs", "processes"), SUBPROCESS)
def test_subprocess_server_answers_and_leaves_nothing(app, kwargs, processes):
    before = snapshot()
    began = time.monotonic()
    with serve(app, quiet=True, **kwargs) as srv:
        assert time.monotonic() - began < 5.0
        assert not srv.in_process and srv.pid != 0
        pids = {_get(srv.url_for("/")).headers["x-pid"] for _ in range(12)}
        assert str(srv.pid) not in pids or processes == 1
        assert 1 <= len(pids) <= processes
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


def test_import_failure_is_a_clear_error_and_fast():
    before = snapshot()
    began = time.monotonic()
    with pytest.raises(ServerStartError, match="could not be imported") as info:
        serve("simulator.live.no_such_module:app", interface="asgi", quiet=True)
    assert time.monotonic() - began < 5.0
    assert "no_such_module" in str(info.value)
    with pytest.raises(ServerStartError, match="could not be imported"):
        serve("simulator.live.apps:no_such_app", interface="wsgi", processes=2, quiet=True)
    assert running() == []
    assert leftovers(before) == []


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


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"app": apps.hello_asgi(), "interface": "asgi", "threads": 4}, r"threads=4.*WSGI"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "processes": 2},
     r"processes=2.*import string"),
    ({"app": apps.hello_wsgi(), "server": "wsgiref", "threads": 2}, r"one lane"),
    ({"app": WSGI_APP, "interface": "wsgi", "server": "waitress", "processes": 2},
     r"gunicorn"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "server": "uvicorn"},
     r"uvicorn serves ASGI"),
    ({"app": apps.hello_wsgi(), "interface": "http"}, r"interface must be"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "threads": 0}, r"threads=0.*1 to 256"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "port": 80}, r"port=80.*1024"),
    ({"app": "not an import string", "interface": "wsgi"}, r"module:attribute"),
    ({"app": WSGI_APP}, r"interface='wsgi' or interface='asgi'"),
    ({"app": 42}, r"callable"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "limit_concurrency": 4},
     r"only uvicorn"),
    ({"app": apps.hello_asgi(), "interface": "asgi", "start_timeout_s": 0},
     r"start_timeout_s"),
    ({"app": apps.hello_asgi(), "interface": "asgi", "name": " "}, r"name"),
    ({"app": "simulator.live.apps:sleep_asgi(ms=5)", "interface": "asgi", "processes": 2,
      "server": "uvicorn"}, r"cannot call a factory"),
    ({"app": apps.hello_asgi(), "interface": "asgi", "server": "nginx"}, r"server must be"),
])
def test_bad_arguments_are_value_errors_that_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        serve(**kwargs)
    assert running() == []


def test_interface_is_guessed_for_objects_and_model_matches():
    with serve(apps.hello_asgi(), name="guess-asgi") as a, \
            serve(apps.hello_wsgi(), threads=4, name="guess-wsgi") as w:
        assert a.interface == "asgi" and w.interface == "wsgi"
        assert a.model().describe() == "ASGI 1 loop"
        assert w.model(overhead_ms=0.2).describe() == "WSGI 1x4"
        assert w.describe() == "waitress 1x4" and a.describe() == "uvicorn 1 loop"
