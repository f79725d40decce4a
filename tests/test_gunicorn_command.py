"""One gunicorn command line for the whole lab, and gunicorns side by side.

gunicorn 25.1 added a control socket, by default at ``~/.gunicorn/gunicorn.ctl``: one
path for every gunicorn of the user on the machine. ``serve()`` and ``try_on_gunicorn``
build their command line in one place, which turns it off where the installed gunicorn
has it.
"""

from __future__ import annotations

import httpx
import pytest
from gunicorn.config import KNOWN_SETTINGS

from simulator.live import running, serve, try_on_gunicorn
from simulator.live.serving import _subprocess
from simulator.live.serving._subprocess import command, gunicorn_command, gunicorn_version
from simulator.live.serving.config import ServerConfig

FLAG = "--no-control-socket"


def test_the_flag_is_there_if_and_only_if_the_installed_gunicorn_has_it():
    has_it = any(FLAG in (s.cli or []) for s in KNOWN_SETTINGS)
    assert (FLAG in gunicorn_command("m:app", 7, "sync")) == has_it
    assert (gunicorn_version() >= _subprocess.NO_CONTROL_SOCKET_SINCE) == has_it


@pytest.mark.parametrize(("version", "flag"), [((24, 1), False), ((25, 0), False),
                                               ((25, 1), True), ((27, 0), True)])
def test_the_flag_follows_the_version(monkeypatch, version, flag):
    monkeypatch.setattr(_subprocess, "gunicorn_version", lambda: version)
    assert (FLAG in gunicorn_command("m:app", 7, "sync")) == flag


def test_serve_and_the_wrong_server_build_the_same_command():
    config = ServerConfig(interface="wsgi", server="gunicorn", processes=2, threads=4,
                          import_string="m:app")
    served = command(config, 9)
    assert served[3:] == gunicorn_command(
        "m:app", 9, "gthread", workers=2, threads=4, backlog=config.backlog, timeout_s=120,
        preload=True)[3:]
    assert served[served.index("--worker-class") + 1] == "gthread"
    asgi = command(ServerConfig(interface="asgi", server="gunicorn", import_string="m:app"), 9)
    assert asgi[asgi.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"


@pytest.mark.live
@pytest.mark.slow
def test_two_gunicorns_side_by_side_both_start_and_answer():
    with serve("simulator.live.apps:wsgi_app", interface="wsgi", server="gunicorn",
               name="gunicorn-a", quiet=True) as a, \
            serve("simulator.live.apps:asgi_app", interface="asgi", server="gunicorn",
                  name="gunicorn-b", quiet=True) as b:
        assert httpx.get(a.url, timeout=10).status_code == 200
        assert httpx.get(b.url, timeout=10).status_code == 200
        third = try_on_gunicorn("simulator.live.apps:wsgi_app")  # a third, while both run
        assert httpx.get(a.url, timeout=10).status_code == 200
    assert third.ok, third.log
    assert "control" not in third.log.lower(), third.log
    assert running() == []
