"""The live lab's pure parts, tested without starting anything: argument checks, the
server configuration and its round trip to a child process, lane names, command lines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulator import ClosedLoop, Poisson
from simulator.live import ServerConfig, apps, broadcast_check, calibrate, run_load, running, serve
from simulator.live._stamp import lane_names
from simulator.live.serving._subprocess import command

WSGI_APP = "simulator.live.apps:wsgi_app"


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


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {}, r"exactly one"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"requests": 5, "duration_s": 1},
     r"exactly one"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"requests": 0}, r"requests=0"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"requests": 10**6}, r"1 to 50000"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"duration_s": 600}, r"duration_s=600"),
    (("http://127.0.0.1:1/", ClosedLoop(users=5000)), {"requests": 5}, r"users=5000"),
    (("http://127.0.0.1:1/", Poisson(rate_per_s=20_000)), {"requests": 5}, r"20000"),
    (("http://127.0.0.1:1/", Poisson(rate_per_s=4000)), {"duration_s": 100},
     r"more than the cap"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"requests": 5, "timeout_s": 0},
     r"timeout_s=0"),
    (("http://example.com/", ClosedLoop(users=1)), {"requests": 5}, r"this machine"),
    (("ftp://127.0.0.1/", ClosedLoop(users=1)), {"requests": 5}, r"http://"),
    (("http://127.0.0.1:1/", "fast"), {"requests": 5}, r"arrivals must be"),
    (("http://127.0.0.1:1/", ClosedLoop(users=1)), {"requests": 5, "max_connections": 0},
     r"max_connections=0"),
])
def test_caps_and_bad_arguments_are_value_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_load(*args, **kwargs)


def test_lane_names_follow_the_simulator():
    seen = [(900, "thread", "waitress-3"), (900, "thread", "waitress-0"),
            (700, "thread", "MainThread"), None, (800, "loop", "MainThread")]
    assert lane_names(seen) == ["p2-t3", "p2-t0", "p0-t0", None, "p1-loop"]
    # names without distinct trailing numbers are numbered in sorted order
    assert lane_names([(1, "thread", "b"), (1, "thread", "a")]) == ["p0-t1", "p0-t0"]


@pytest.mark.parametrize(("kwargs", "match"), [({"requests": 5}, "requests=5"),
                                               ({"users": 0}, "users=0")])
def test_calibrate_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        calibrate(**kwargs)


def test_broadcast_check_rejects_silly_sizes():
    with pytest.raises(ValueError, match="clients=0"):
        broadcast_check("ws://127.0.0.1:1", clients=0)


CONFIGS = [
    ServerConfig(interface="wsgi"),
    ServerConfig(interface="wsgi", threads=8, backlog=64, name="lab", app_label="x"),
    ServerConfig(interface="asgi", limit_concurrency=32, start_timeout_s=2.5, quiet=True),
    ServerConfig(interface="wsgi", import_string=WSGI_APP, processes=2, threads=4),
    ServerConfig(interface="asgi", import_string="simulator.live.apps:work_asgi(io_ms=5)",
                 processes=2),
    ServerConfig(interface="asgi", import_string="m:app", server="uvicorn", port=8123),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.describe())
def test_a_config_survives_the_trip_to_a_child_process(config):
    argv = config.to_argv()
    assert all(isinstance(a, str) for a in argv)
    assert ServerConfig.from_argv(argv) == config


def test_config_defaults_follow_the_servers_people_use():
    assert ServerConfig(interface="wsgi").server == "waitress"
    assert ServerConfig(interface="asgi").server == "uvicorn"
    assert ServerConfig(interface="wsgi", import_string=WSGI_APP, processes=2).server \
        == "gunicorn"
    # uvicorn --workers cannot call a factory, gunicorn can
    assert ServerConfig(interface="asgi", import_string="m:make(x=1)", processes=2).server \
        == "gunicorn"
    assert ServerConfig(interface="asgi", import_string="m:app", processes=2).server \
        == "uvicorn"
    cfg = ServerConfig(interface="wsgi", threads=4)
    assert cfg.name == "waitress" and cfg.in_process and cfg.describe() == "waitress 1x4"


def test_replace_checks_again():
    cfg = ServerConfig(interface="wsgi")
    assert replace(cfg, threads=8).threads == 8
    with pytest.raises(ValueError, match=r"serve\(threads=0\).*1 to 256"):
        replace(cfg, threads=0)


def test_gunicorn_runs_asgi_with_the_maintained_uvicorn_worker():
    cfg = ServerConfig(interface="asgi", import_string="m:app", processes=2,
                       server="gunicorn")
    cmd = command(cfg, 7)
    assert cmd[cmd.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"
    assert "uvicorn.workers.UvicornWorker" not in cmd
    wsgi = command(ServerConfig(interface="wsgi", import_string=WSGI_APP, processes=2,
                                threads=4), 7)
    assert wsgi[wsgi.index("--worker-class") + 1] == "gthread"
    child = command(ServerConfig(interface="wsgi", import_string=WSGI_APP, threads=3), 7)
    assert child[2:5] == ["simulator.live.serving._child", "--fd", "7"]
    assert ServerConfig.from_argv(child[5:]).threads == 3
