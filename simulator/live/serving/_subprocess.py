"""Servers in child processes: for CPU-bound and high-rate lessons, and for production.

A server in the kernel's process shares the GIL with the load generator, which is fine
for I/O-bound lessons at moderate rates; CPU-bound handlers and rates of hundreds per
second need the server in a process of its own. The app is then named by an import
string, and the listening socket (bound here, on 127.0.0.1) is inherited by the child.

- one process: ``python -m simulator.live.serving._child`` runs waitress, wsgiref or
  uvicorn;
- several processes (the production lesson): **gunicorn** with sync workers (or
  ``gthread`` when ``threads > 1``) for WSGI and uvicorn's worker class
  (``uvicorn_worker.UvicornWorker``) for ASGI, or **uvicorn** ``--workers``.

The child runs in a session of its own, so that stopping it can reach every worker:
SIGTERM to the main process (graceful), then SIGKILL to the whole process group if
anything is left. Its output is echoed to the notebook, prefixed with the server's
name, so an error inside a view is seen, not hidden behind a bare 500.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

from ._handle import LiveServer
from ._net import CHILD_IMPORT_FAILED as IMPORT_FAILED
from ._net import CHILD_READY as READY
from ._net import ServerStartError, probe
from .config import ServerConfig

# Where the ``simulator`` package lives (the repository, or site-packages when installed):
# a child process must import it however the kernel was started.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])
# What gunicorn and uvicorn print when they cannot import the app.
_IMPORT_ERRORS = ("Error loading", "ImportError", "ModuleNotFoundError", "AppImportError",
                  "Failed to find attribute")


# gunicorn 25.1 added a control socket, by default at ~/.gunicorn/gunicorn.ctl: one path
# for every gunicorn of the user on this machine, so two at once would fight over it.
NO_CONTROL_SOCKET_SINCE = (25, 1)


def gunicorn_version() -> tuple[int, int]:
    """The installed gunicorn's (major, minor) version."""
    major, minor, *_ = (int(p) if p.isdigit() else 0 for p in version("gunicorn").split("."))
    return major, minor


def gunicorn_command(app: str, fd: int, worker_class: str, *, workers: int = 1,
                     threads: int = 1, backlog: int | None = None, log_level: str = "warning",
                     graceful_timeout_s: int = 3, timeout_s: int | None = None,
                     preload: bool = False) -> list[str]:
    """The command line that runs gunicorn with ``app`` (an import string) on inherited
    socket ``fd``, ``workers`` processes of ``worker_class``; every gunicorn of the lab
    starts this way. Where the installed gunicorn has a control socket, it is turned off
    (``--no-control-socket``), so that several gunicorns can run side by side."""
    cmd = [sys.executable, "-m", "gunicorn", app, "--bind", f"fd://{fd}",
           "--worker-class", worker_class, "--workers", str(workers)]
    if threads > 1:
        cmd += ["--threads", str(threads)]
    if backlog is not None:
        cmd += ["--backlog", str(backlog)]
    cmd += ["--log-level", log_level, "--graceful-timeout", str(graceful_timeout_s)]
    if timeout_s is not None:
        cmd += ["--timeout", str(timeout_s)]
    if preload:
        cmd.append("--preload")
    if gunicorn_version() >= NO_CONTROL_SOCKET_SINCE:
        cmd.append("--no-control-socket")
    return cmd


def command(config: ServerConfig, fd: int) -> list[str]:
    """The command line that runs ``config`` (an import string's app) on inherited ``fd``."""
    py = sys.executable
    app = str(config.import_string)
    if config.server == "gunicorn":
        if config.interface == "asgi":
            worker = "uvicorn_worker.UvicornWorker"  # the maintained home of uvicorn's worker
        else:
            worker = "gthread" if config.threads > 1 else "sync"
        return gunicorn_command(app, fd, worker, workers=config.processes,
                                threads=config.threads, backlog=config.backlog,
                                timeout_s=120, preload=True)
    if config.processes > 1:  # uvicorn --workers
        cmd = [py, "-m", "uvicorn", app, "--fd", str(fd), "--workers",
               str(config.processes), "--log-level", "warning", "--no-access-log",
               "--timeout-graceful-shutdown", "3", "--backlog", str(config.backlog)]
        if config.limit_concurrency is not None:
            cmd += ["--limit-concurrency", str(config.limit_concurrency)]
        return [*cmd, "--loop", config.loop]
    return [py, "-m", "simulator.live.serving._child", "--fd", str(fd), *config.to_argv()]


class ChildProcessServer(LiveServer):
    """A server running in a child process (and, for several workers, its children)."""

    in_process = False

    def __init__(self, config: ServerConfig, sock: socket.socket) -> None:
        super().__init__(config)
        self._lines: collections.deque[str] = collections.deque(maxlen=400)
        self._ready = threading.Event()
        self._proc = spawn(command(config, sock.fileno()), sock)
        self._reader = threading.Thread(target=self._read, name=f"livelab-{config.name}-log",
                                        daemon=True)
        self._reader.start()
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def log(self, lines: int = 50) -> str:
        """The last ``lines`` lines the server printed."""
        return "".join(list(self._lines)[-lines:])

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith(READY):
                self._ready.set()
                continue
            self._lines.append(line)
            # Once we stop it, what it says is about the stop ("Canceling 3 pending
            # task(s)", workers killed after the grace period): kept in log(), not echoed.
            if not self.config.quiet and not self._stopped:
                sys.stderr.write(f"[{self.name}] {line}")
        self._proc.stdout.close()

    def _wait_ready(self) -> None:
        config = self.config
        deadline = time.monotonic() + config.start_timeout_s
        ours = config.server != "gunicorn" and config.processes == 1
        while True:
            code = self._proc.poll()
            if code is not None:
                self._fail(f"exited with status {code} while starting", code)
            if ours and self._ready.wait(0.05):
                return
            if not ours and self._workers_up() and probe(self.port, 0.5):
                return
            if time.monotonic() > deadline:
                self._fail(f"did not answer within {config.start_timeout_s:g} s", None)
            if not ours:
                time.sleep(0.05)

    def _workers_up(self) -> bool:
        """Whether all worker processes exist (several processes only)."""
        if self.config.processes == 1:
            return True
        try:
            import psutil  # noqa: PLC0415 - comes with ipykernel

            return len(psutil.Process(self.pid).children()) >= self.config.processes
        except Exception:
            return True  # cannot tell: the HTTP probe decides

    def _fail(self, why: str, code: int | None) -> None:
        self.stop(2.0)
        self._reader.join(2.0)
        tail = self.log(15).rstrip() or "(no output)"
        import_failed = code == IMPORT_FAILED or any(m in tail for m in _IMPORT_ERRORS)
        hint = (f"The app {self.config.import_string!r} could not be imported: check the "
                "module and attribute names, and that the module imports in a fresh Python."
                if import_failed
                else "See the server's output below.")
        raise ServerStartError(f"serve(server={self.config.server!r}): the server {why}. "
                               f"{hint}\n--- server output ---\n{tail}")

    def _shutdown(self, timeout_s: float) -> None:
        proc = self._proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout_s)
        kill_group(proc)
        proc.wait()
        self._reader.join(timeout_s)


def spawn(cmd: list[str], sock: socket.socket) -> subprocess.Popen[str]:
    """Start ``cmd`` in a session of its own (so that its whole process group can be
    stopped), inheriting the listening ``sock`` (closed here: the child holds it now),
    with the ``simulator`` package importable and its output, stderr too, on a pipe."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (_PACKAGE_ROOT, os.getcwd(), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    try:
        return subprocess.Popen(cmd, pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env, text=True, bufsize=1)
    finally:
        sock.close()


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL whatever is left in the process group of ``proc`` (ours alone)."""
    pgid = proc.pid
    deadline = time.monotonic() + 3.0
    while _group_alive(pgid) and time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        proc.poll()  # reap our child if it was the one killed
        time.sleep(0.02)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
