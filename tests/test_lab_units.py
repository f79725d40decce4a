"""The live lab's pure parts, tested without starting anything: argument checks, the
server configuration and its round trip to a child process, lane names, command lines."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import pytest

from simulator import ClosedLoop, Poisson
from simulator.live import (
    Calibration,
    ServerConfig,
    apps,
    broadcast_check,
    calibrate,
    run_load,
    running,
    serve,
)
from simulator.live._stamp import lane_names
from simulator.live.load import _wire
from simulator.live.load._driver import Driver, Sample
from simulator.live.load._verdict import judge
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
    ({"app": apps.hello_asgi(), "interface": "asgi", "loop": "trio"},
     r"loop='trio'.*'auto', 'uvloop', 'asyncio'"),
    ({"app": apps.hello_wsgi(), "interface": "wsgi", "loop": "asyncio"},
     r"loop='asyncio'.*only uvicorn"),
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
    ServerConfig(interface="asgi", import_string="m:app", loop="asyncio"),
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


def test_a_loop_is_picked_by_uvicorns_own_name_for_it(monkeypatch):
    cfg = ServerConfig(interface="asgi", import_string="m:app", processes=2, loop="asyncio")
    assert cfg.describe() == "uvicorn 2 asyncio loops"
    workers = command(cfg, 7)  # uvicorn --workers: the flag goes to uvicorn itself
    assert workers[workers.index("--loop") + 1] == "asyncio"
    child = command(replace(cfg, processes=1), 7)
    assert ServerConfig.from_argv(child[5:]).loop == "asyncio"
    assert ServerConfig(interface="asgi").describe() == "uvicorn 1 loop"
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ValueError, match=r"loop='uvloop'.*not installed.*loop='asyncio'"):
        ServerConfig(interface="asgi", loop="uvloop")


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


# -- the generator's verdict on itself, from synthetic samples (no timing) -------------
def _samples(n: int = 400, *, every_s: float = 0.01, latency_s: float = 0.050,
             late_s=lambda i: 0.0, back_s: float | None = 0.0002, users: int | None = None,
             handover_s: float = 0.0001) -> list[Sample]:
    """``n`` answered requests, due every ``every_s`` (open loop) or in turns of
    ``users`` (closed loop); ``late_s(i)``: how late request ``i`` left."""
    out, due = [], [0.0] * (users or 1)
    for i in range(n):
        u = None if users is None else i % users
        arrival = i * every_s if users is None else due[u]
        late = late_s(i)
        s = Sample(i, arrival, arrival + late, u, acquired=arrival + late,
                   sent=arrival + late + 0.00002)
        s.end = arrival + late + latency_s
        s.got = s.end + handover_s
        s.status, s.code = "ok", 200
        if back_s is not None:
            s.start, s.done = arrival + late + 0.0001, s.end - back_s
        if users is not None:
            due[u] = s.got
        out.append(s)
    return out


QUIET_LOOP = [0.0003] * 200  # a 5 ms sleep that wakes 0.3 ms late: an idle loop


def test_a_quiet_run_gets_no_flag_and_says_nothing():
    v = judge(_samples(), QUIET_LOOP, busy=0.05, closed=False)
    assert not v.skewed and not v.limited and v.notes(in_process=False) == []
    assert v.short() == "" and v.latency_share < 0.02
    meta = v.meta()
    assert meta["generator_skewed"] is False and meta["generator_limited"] is False


def test_rare_late_wakeups_touch_the_p99_and_raise_no_flag():
    # One request in a hundred leaves 30 ms late (a busy shared machine): schedule lag
    # p99 is 30 ms, yet p50 and p95 read the same with a perfect client.
    samples = _samples(late_s=lambda i: 0.030 if i % 100 == 7 else 0.0)
    lag = sorted(s.dispatched - s.arrival for s in samples)
    assert lag[int(0.995 * len(lag))] >= 0.029
    v = judge(samples, QUIET_LOOP, busy=0.05, closed=False)
    assert not v.skewed and not v.limited


def test_a_generator_late_at_the_median_skews_a_short_latency():
    # 2 ms answers, every request sent 0.5 ms late: a quarter of the reading is ours.
    v = judge(_samples(latency_s=0.002, late_s=lambda i: 0.0005), QUIET_LOOP, busy=0.2,
              closed=False)
    assert v.skewed and not v.limited
    assert v.before_p50_ms == pytest.approx(0.52, abs=0.01)
    note = " ".join(v.notes(in_process=False))
    assert "could have added about" in note and "10%" in note
    assert "the generator's own time" in v.short()


def test_the_read_wait_is_bounded_by_the_servers_stamps():
    # The loop says a wait of 6 ms; the stamps say every answer was parsed 0.2 ms after
    # the server finished it: the generator cannot have added more than that.
    late_loop = [0.006] * 200
    stamped = judge(_samples(), late_loop, busy=0.2, closed=False)
    assert stamped.read_p95_ms == pytest.approx(0.2) and not stamped.skewed
    unstamped = judge(_samples(back_s=None), late_loop, busy=0.2, closed=False)
    assert unstamped.read_p95_ms == pytest.approx(6.0) and unstamped.skewed


def test_an_open_loop_that_falls_behind_its_schedule_was_the_limit():
    # Asked for 100 req/s, it manages 80: each request leaves later than the one before.
    v = judge(_samples(late_s=lambda i: i * 0.0025), QUIET_LOOP, busy=0.5, closed=False)
    assert v.limited
    assert v.asked_rps == pytest.approx(100.0)
    assert 75 < v.sent_rps < 85
    note = v.notes(in_process=True)[0]
    assert note.startswith("The load generator was the limit")
    assert "could not keep its schedule" in note and "subprocess" in note
    assert v.short() == "the generator was the limit (see .notes)"


def test_closed_loop_users_waiting_on_the_generator_was_the_limit():
    # Each user waits 10 ms for the generator after every 50 ms answer.
    v = judge(_samples(users=16, handover_s=0.010), QUIET_LOOP, busy=0.5, closed=True)
    assert v.limited and v.pace_share == pytest.approx(10.3 / 60.1, abs=0.01)
    assert v.gap_ms == pytest.approx(10.0, abs=0.1)
    assert "spent 17% of their time waiting on the generator" in v.notes(in_process=False)[0]
    quick = judge(_samples(users=16), QUIET_LOOP, busy=0.2, closed=True)
    assert not quick.limited and quick.gap_ms == pytest.approx(0.1)


def test_a_saturated_generator_thread_was_the_limit():
    v = judge(_samples(), QUIET_LOOP, busy=0.95, closed=False)
    assert v.limited and "busy 95%" in v.notes(in_process=False)[0]


def test_no_answers_no_verdict_and_no_crash():
    failed = _samples(20)
    for s in failed:
        s.status = "error"
    v = judge(failed, [], busy=0.0, closed=True)
    assert not v.skewed and not v.limited
    assert not judge([], [], busy=0.0, closed=False).limited


def test_demo_apps_name_the_parameter_the_student_typed():
    with pytest.raises(ValueError, match=r"sleep_wsgi\(ms=-1\): ms must be at least 0"):
        apps.sleep_wsgi(ms=-1)
    with pytest.raises(ValueError, match=r"cpu_asgi\(ms='5'\): ms must be a finite number"):
        apps.cpu_asgi(ms="5")
    with pytest.raises(ValueError, match=r"work_wsgi\(io_ms=-2\)"):
        apps.work_wsgi(io_ms=-2)
    with pytest.raises(ValueError, match=r"work_asgi\(view='fast'\)"):
        apps.work_asgi(view="fast")


def test_the_calibration_table_leaves_out_what_was_not_measured():
    cal = Calibration(wsgi_overhead_ms=0.1, asgi_overhead_ms=0.05,
                      django_wsgi_overhead_ms=None, django_asgi_overhead_ms=None,
                      switch_ms=None, client_ms=0.12, base_latency_ms=0.3, requests=500)
    lines = cal.table().splitlines()
    assert all(line.endswith(" ms") for line in lines[1:-1]) and len(lines) == 6
    assert not any("Django" in line for line in lines[1:-1])
    assert lines[-1].startswith("(Django not measured: calibrate(django=False)")
    full = replace(cal, django_wsgi_overhead_ms=0.4, django_asgi_overhead_ms=0.6,
                   switch_ms=0.2)
    assert "Django not measured" not in full.table() and "switch" in full.table()


def test_a_latency_ends_at_the_parsers_last_byte_not_when_the_loop_got_round_to_it():
    class Answered:  # a connection whose answer was complete at t=2.0 (monotonic s)
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, extensions={_wire.SENT_AT: 1.0,
                                                   _wire.COMPLETED_AT: 2.0})

        async def aclose(self) -> None:
            pass

    async def one() -> Sample:
        driver = Driver("http://127.0.0.1:1/", timeout_s=5.0, max_connections=1)
        driver._idle.append(Answered())  # type: ignore[arg-type]
        await driver.one(0, arrival=time.monotonic(), user=None)
        await driver.aclose()
        return driver.samples[0]

    s = asyncio.run(one())
    assert (s.status, s.sent, s.end) == ("ok", 1.0, 2.0) and s.got > 2.0
