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
care and the same command line (``serving._subprocess.gunicorn_command``): a socket
bound here on 127.0.0.1 (port 0) and inherited by the child, a session of its own,
stopped by its process id (SIGTERM, then SIGKILL to its group), nothing left.
"""

from __future__ import annotations

import html
import re
import signal
import subprocess
from dataclasses import dataclass

import httpx

from ..model._check import check_number
from .serving._importing import check_spec
from .serving._net import HOST, bind
from .serving._subprocess import gunicorn_command, gunicorn_version, kill_group, spawn

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
    command = gunicorn_command(import_string, sock.fileno(), worker_class, log_level="info",
                               graceful_timeout_s=2)
    proc = spawn(command, sock)
    try:
        status, reply = _one_request(f"http://{HOST}:{port}/{path.lstrip('/')}", timeout_s)
    finally:
        log = _stop(proc)
    return GunicornRun(import_string, worker_class, tuple(command), status, reply, log)


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
        kill_group(proc)
        out, _ = proc.communicate()
    kill_group(proc)  # a worker that outlived its master
    return out
