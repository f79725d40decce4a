"""Servers inside this process, each in daemon threads with a loop of its own.

Never on the kernel's event loop: a cell that blocks would freeze the server, a failed
bind would ``sys.exit()`` the kernel, and ipykernel pauses background tasks between
cells. So each server runs in threads we own, on a socket we bound:

- **waitress** (WSGI): one thread runs its asyncore loop (accepting connections and
  parsing requests); ``threads`` worker threads run the application. Stopping it needs
  three steps, since ``close()`` alone leaves its workers running.
- **wsgiref** (WSGI): the standard library's reference server: one thread accepts *and*
  runs every request, one at a time: the single-lane bridge. Its default listen
  backlog of 5 drops connections at 16 concurrent users, so we raise it.
- **uvicorn** (ASGI): ``uvicorn.Server.run`` in a thread, which makes its own event loop;
  we poll ``started`` and stop it with ``should_exit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .._http import refuse_upgrades
from .._types import WSGIApp
from ._handle import LiveServer
from ._net import HOST, ServerStartError
from .config import ServerConfig


class _Stopping(logging.Filter):
    """Drops what uvicorn logs that a student cannot act on.

    Stopping a server with requests still running makes it say so ("Cancel 4 running
    task(s), timeout graceful shutdown exceeded", then a CancelledError traceback per
    request): news about the stop, not about the app. Those records are dropped when
    they come from the thread of a server we are stopping; errors from any other server,
    or from this one before the stop, still reach standard error. And a server with
    ``limit_concurrency`` warns "Exceeded concurrency limit." for every request it turns
    away: the load generator records each one as ``"rejected"`` (503), so the warning
    is dropped too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread not in self.threads and record.msg != _TURNED_AWAY

    @contextlib.contextmanager
    def during(self, *threads: threading.Thread) -> Iterator[None]:
        idents = {t.ident for t in threads if t.ident is not None}
        self.threads |= idents
        try:
            yield
        finally:
            self.threads -= idents


_TURNED_AWAY = "Exceeded concurrency limit."
_STOPPING = _Stopping()
logging.getLogger("uvicorn.error").addFilter(_STOPPING)


class _Mute:
    """What a stopping waitress dispatcher logs to ("Canceling 3 pending task(s)", "1
    thread(s) still running"): nothing. Not a disabled ``Logger``, since any later
    ``logging.config.dictConfig`` (Django's, for one) enables every logger again."""

    def warning(self, *args: Any, **kwargs: Any) -> None:
        """Drop the message."""

    exception = error = info = debug = warning


class _ThreadServer(LiveServer):
    in_process = True

    @property
    def pid(self) -> int:
        import os  # noqa: PLC0415 - keeps the module namespace small

        return os.getpid()

    def _thread(self, target: Any, role: str) -> threading.Thread:
        return threading.Thread(target=target, name=f"livelab-{self.name}-{role}", daemon=True)


class WaitressThread(_ThreadServer):
    """waitress: an asyncore loop thread plus ``threads`` worker threads."""

    def __init__(self, config: ServerConfig, app: WSGIApp, sock: socket.socket) -> None:
        super().__init__(config)
        from waitress import create_server  # noqa: PLC0415 - heavy, only when used

        # "Task queue depth is N" on every queued request would drown the notebook.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._srv: Any = create_server(
            refuse_upgrades(app), sockets=[sock], threads=config.threads,
            backlog=config.backlog, connection_limit=max(config.backlog, 100),
            ident="livelab-waitress",
            # poll(), not select(): select() fails once a descriptor passes 1,023, and a
            # load generator in the same process holds one per connection too.
            asyncore_use_poll=True,
        )
        self._sock = sock
        self._loop_thread = self._thread(self._srv.run, "waitress-loop")
        self._loop_thread.start()

    def _in_loop(self, fn: Any, timeout_s: float) -> None:
        """Run ``fn`` in the asyncore loop thread (via waitress's trigger) and wait."""
        done = threading.Event()

        def thunk() -> None:
            try:
                fn()
            finally:
                done.set()

        trigger = self._srv.trigger
        try:
            trigger.pull_trigger(thunk)
        except OSError:
            # The trigger's pipe is closed (once in hundreds of stops, a descriptor of
            # this process was closed under it), so the loop thread cannot be woken:
            # take the errand back and run it here, as the loop would have.
            with trigger.lock:
                if thunk in trigger.thunks:
                    trigger.thunks.remove(thunk)
            thunk()
            return
        done.wait(timeout_s)

    def _shutdown(self, timeout_s: float) -> None:
        from waitress import wasyncore  # noqa: PLC0415

        srv = self._srv
        # 1. stop accepting; 2. let running requests finish; 3. close every connection
        # and the trigger, which empties the loop's map so that the loop thread returns.
        self._in_loop(lambda: wasyncore.dispatcher.close(srv), timeout_s)
        # "Canceling N pending task(s)": requests still queued when the server stops.
        srv.task_dispatcher.logger = _Mute()
        srv.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout_s)
        self._in_loop(lambda: wasyncore.close_all(srv._map), timeout_s)
        # The trigger's own copy of its pipe: left open when a closed pipe stopped
        # the trigger's close short (a trigger closed in full has none any more).
        if srv.trigger.socket is not None:
            srv.trigger.socket.close()
        self._loop_thread.join(timeout_s)
        self._sock.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log; errors are still printed by the server."""


class _BigBacklogServer(WSGIServer):
    request_queue_size = 1024


class WsgirefThread(_ThreadServer):
    """wsgiref: one thread accepts and runs every request, one at a time."""

    def __init__(self, config: ServerConfig, app: WSGIApp, sock: socket.socket) -> None:
        super().__init__(config)
        srv = _BigBacklogServer((HOST, config.port), _QuietHandler, bind_and_activate=False)
        srv.socket.close()
        srv.socket = sock  # ours: already bound and listening with a large backlog
        srv.server_address = sock.getsockname()
        # Set what server_bind() would, without its reverse DNS lookup of the host.
        srv.server_name, srv.server_port = HOST, config.port
        srv.setup_environ()
        srv.set_app(refuse_upgrades(app))
        self._srv = srv
        self._loop_thread = self._thread(lambda: srv.serve_forever(poll_interval=0.05),
                                         "wsgiref-0")
        self._loop_thread.start()

    def _shutdown(self, timeout_s: float) -> None:
        stopper = threading.Thread(target=self._srv.shutdown, daemon=True)
        stopper.start()  # shutdown() blocks until serve_forever returns
        stopper.join(timeout_s)
        self._loop_thread.join(timeout_s)
        self._srv.server_close()


class UvicornThread(_ThreadServer):
    """uvicorn in a daemon thread, on an event loop of its own (never the kernel's)."""

    def __init__(self, config: ServerConfig, app: Any, sock: socket.socket) -> None:
        super().__init__(config)
        import uvicorn  # noqa: PLC0415

        uv_config = uvicorn.Config(
            app, log_config=None, log_level="warning", access_log=False, lifespan="auto",
            backlog=config.backlog, limit_concurrency=config.limit_concurrency,
            loop=config.loop, timeout_graceful_shutdown=3,
        )
        self._srv = uvicorn.Server(uv_config)
        self._sock = sock
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop_thread = self._thread(self._run, "uvicorn-loop")
        self._loop_thread.start()
        self._wait_started(config.start_timeout_s)

    def _run(self) -> None:
        # What uvicorn.Server.run does, but keeping the loop and the task: a startup that
        # hangs (a lifespan waiting forever) can then be cancelled, not left running.
        config = self._srv.config
        factory = getattr(config, "get_loop_factory", lambda: None)()
        try:
            with asyncio.Runner(loop_factory=factory) as runner:
                runner.run(self._serve())
        except BaseException as e:  # uvicorn sys.exit()s on a failed startup
            self._error = e

    async def _serve(self) -> None:
        self._task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        await self._srv.serve(sockets=[self._sock])

    def _wait_started(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._srv.started:
            if not self._loop_thread.is_alive() or time.monotonic() > deadline:
                why = ("did not start within "
                       f"{timeout_s:g} s" if self._loop_thread.is_alive()
                       else f"stopped during startup ({self._error!r})")
                self.stop(1.0)
                raise ServerStartError(
                    f"serve(server='uvicorn'): uvicorn {why}. The app's lifespan startup "
                    "may have failed: see the log above. Try the app alone in a cell, or "
                    "a larger start_timeout_s."
                )
            time.sleep(0.01)

    def _shutdown(self, timeout_s: float) -> None:
        with _STOPPING.during(self._loop_thread):
            self._stop_loop(timeout_s)
        self._sock.close()

    def _stop_loop(self, timeout_s: float) -> None:
        self._srv.should_exit = True
        self._loop_thread.join(timeout_s)
        if self._loop_thread.is_alive():
            self._srv.force_exit = True
            self._loop_thread.join(timeout_s)
        if self._loop_thread.is_alive() and self._loop is not None and self._task is not None:
            # Still starting up (uvicorn only looks at should_exit once started): cancel.
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._task.cancel)
            self._loop_thread.join(timeout_s)
