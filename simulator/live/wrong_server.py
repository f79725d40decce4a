"""An app on the wrong server: run an import string under a chosen gunicorn worker class,
send it one request, and keep what the client saw and what the server logged.

The classic deployment mistake is ``gunicorn myproject.asgi:application``: gunicorn's
default worker class (``sync``) is a WSGI server, so it calls the application as WSGI
says, ``application(environ, start_response)``, and an ASGI application wants
``(scope, receive, send)``. :func:`try_on_gunicorn` reproduces it and captures the real
error; the fix is a worker class that speaks ASGI (``uvicorn_worker.UvicornWorker``, or
gunicorn's own ``asgi`` worker from gunicorn 24 on)::

    run = try_on_gunicorn("simulator.live.django_project.asgi:application")
    run.status, run.error        # 500, "TypeError: ASGIHandler.__call__() missing ..."

:func:`~simulator.live.serve` always picks the right worker for the interface it is
told, so it cannot show the mistake; this helper starts gunicorn itself, with the same
care: a socket bound here on 127.0.0.1 (port 0) and inherited by the child, a session
of its own, stopped by its process id (SIGTERM, then SIGKILL to its group), nothing left.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version

import httpx

from ..model._check import check_number
from .serving._importing import check_spec
from .serving._net import HOST, bind
from .serving._subprocess import _PACKAGE_ROOT, _group_alive

__all__ = ["GunicornRun", "gunicorn_version", "try_on_gunicorn"]

WORKER_CLASSES = ("sync", "gthread", "asgi", "uvicorn_worker.UvicornWorker")
_TAGS = re.compile(r"<[^>]+>")
_HEAD = re.compile(r"<head>.*?</head>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class GunicornRun:
    """One request to an app under one gunicorn worker class, and what came of it.

    ``status`` is the HTTP status the client got (``None`` if the connection failed:
    then ``reply`` says how); ``log`` is everything gunicorn printed.
    """

    import_string: str
    worker_class: str
    command: tuple[str, ...]
    status: int | None
    reply: str
    log: str

    @property
    def traceback(self) -> str:
        """The first traceback in the server's log ("" if there is none)."""
        lines = self.log.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("Traceback")), None)
        if start is None:
            return ""
        end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in " \t"),
                   len(lines) - 1)
        return "\n".join(lines[start:end + 1])

    @property
    def error(self) -> str:
        """The exception line that ends the first traceback ("" if none)."""
        tb = self.traceback
        return tb.splitlines()[-1] if tb else ""

    @property
    def ok(self) -> bool:
        """Whether the app answered 200."""
        return self.status == 200

    def __str__(self) -> str:
        return (f"$ {self.shell_command}\n"
                f"client saw: {self.reply}\n"
                f"server said: {self.error or '(no error)'}")

    @property
    def shell_command(self) -> str:
        """The command as one would type it (``python -m gunicorn ...``)."""
        return " ".join(["gunicorn", *self.command[3:]])


def gunicorn_version() -> tuple[int, int]:
    """The installed gunicorn's (major, minor) version."""
    major, minor, *_ = (int(p) if p.isdigit() else 0 for p in version("gunicorn").split("."))
    return major, minor


def try_on_gunicorn(import_string: str, worker_class: str = "sync", *, path: str = "/",
                    timeout_s: float = 15.0) -> GunicornRun:
    """Serve ``import_string`` with one gunicorn worker of ``worker_class``, send one
    ``GET path`` and stop; return what the client saw and what gunicorn logged.

    ``worker_class``: ``"sync"`` (gunicorn's default, WSGI), ``"gthread"`` (WSGI,
    threads), ``"asgi"`` (gunicorn's own ASGI worker, gunicorn 24 or newer) or
    ``"uvicorn_worker.UvicornWorker"`` (ASGI). ``timeout_s``: how long the client waits.
    """
    check_spec(import_string)
    if worker_class not in WORKER_CLASSES:
        raise ValueError(f"try_on_gunicorn(worker_class={worker_class!r}): worker_class must "
                         f"be one of {', '.join(WORKER_CLASSES)}.")
    if worker_class == "asgi" and gunicorn_version() < (24, 0):
        raise ValueError("try_on_gunicorn(worker_class='asgi'): gunicorn's own ASGI worker "
                         "came in gunicorn 24; use 'uvicorn_worker.UvicornWorker'.")
    check_number("try_on_gunicorn", "timeout_s", timeout_s, low=0, low_open=True, high=60,
                 hint="Try timeout_s=15.")
    sock = bind(0, 64)
    port = sock.getsockname()[1]
    command = _command(import_string, worker_class, sock.fileno())
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(
        p for p in (_PACKAGE_ROOT, os.getcwd(), os.environ.get("PYTHONPATH", "")) if p))
    try:
        proc = subprocess.Popen(command, pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env, text=True)
    finally:
        sock.close()  # the child holds the listening socket now
    try:
        status, reply = _one_request(f"http://{HOST}:{port}/{path.lstrip('/')}", timeout_s)
    finally:
        log = _stop(proc)
    return GunicornRun(import_string, worker_class, tuple(command), status, reply, log)


def _command(import_string: str, worker_class: str, fd: int) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", import_string, "--bind", f"fd://{fd}",
           "--worker-class", worker_class, "--workers", "1", "--graceful-timeout", "2",
           "--log-level", "info"]
    if gunicorn_version() >= (25, 1):  # no control socket in the home folder, shared by all
        cmd.append("--no-control-socket")
    return cmd


def _one_request(url: str, timeout_s: float) -> tuple[int | None, str]:
    """(status, a one-line account of the reply). The request waits in the socket's
    backlog until the worker has booted, so no readiness probe is needed (a probe would
    be one more failing request in the log)."""
    try:
        r = httpx.get(url, timeout=timeout_s, trust_env=False)
    except httpx.HTTPError as e:
        return None, f"no HTTP reply: {type(e).__name__}: {e or 'connection closed'}"
    page = _HEAD.sub(" ", r.text)  # gunicorn's error page repeats its title in <head>
    text = " ".join(html.unescape(_TAGS.sub(" ", page)).split())
    return r.status_code, f"HTTP {r.status_code} {r.reason_phrase}: {text[:120]}"


def _stop(proc: subprocess.Popen[str]) -> str:
    """Stop gunicorn (SIGTERM, then SIGKILL to its process group) and return its output."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=5.0)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, _ = proc.communicate()
    _kill_group(proc.pid)  # a worker that outlived its master
    return out


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left in the child's process group (ours alone)."""
    deadline = time.monotonic() + 3.0
    while _group_alive(pgid) and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        time.sleep(0.02)
