"""Finding a blocking call: asyncio's debug mode, a loop-lag monitor, and a stack watch.

One ``time.sleep`` (or ``requests.get``, or a sync database driver) inside an ``async
def`` view stops the whole event loop: every other request on that process waits. In
production nothing crashes; everything is just slow. Three instruments find it, and
:func:`watched_asgi` is a real ASGI app with all three switched on at startup (in its
lifespan):

- **asyncio's debug mode** (what ``PYTHONASYNCIODEBUG=1`` or ``python -X dev`` turn on;
  here ``loop.set_debug(True)``): every callback that holds the loop longer than
  ``loop.slow_callback_duration`` is logged, ``Executing <Task ... name='GET /report'
  ...> took 0.302 seconds``. It names the *task*: the app names each request's task
  after its method and path, so the log names the endpoint. (Debug mode slows the loop
  down: a tool for finding, not for serving.)
- a **loop-lag monitor**: a task that sleeps 10 ms again and again and records how late
  it wakes up. A free loop wakes it on time; a blocked loop, late by the length of the
  block. ``/lag`` returns its readings.
- a **stack watch**: a thread that notices when the loop has not ticked for
  ``slow_ms`` and logs where the loop's thread is *now*: the line of the blocking call.

:func:`watched_wsgi` is the same bug in a sync app on a WSGI server, with the same stack
watch (per worker thread): there a slow request holds only its own thread, and the
watch names the line. :func:`drill` sends steady quick requests, fires the culprit in
the middle, and collects what the client felt and what the monitor saw. Serve the apps
in a subprocess and read what they logged with ``srv.log()``::

    with serve("simulator.live.loop_watch:watched_asgi(slow_ms=100)", interface="asgi",
               quiet=True) as srv:
        d = drill(srv.url, "/report?block_ms=300")
        print(srv.log())
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..model import Constant
from ..model._check import check_number
from ..results import RunResult
from ._stamp import stamp, stamp_bytes
from ._types import ASGIApp, Environ, Receive, Scope, Send, StartResponse, WSGIApp
from ._work import burn
from .load import run_load

LOG = logging.getLogger("simulator.watch")
LAG_EVERY_S = 0.010
MAX_BLOCK_MS = 5_000.0
PATHS = ("/", "/report", "/report_fixed", "/background", "/lag")


def _setup_logging() -> None:
    """Log asyncio's warnings and the watch's to standard error, with the time (once)."""
    fmt = logging.Formatter("%(asctime)s.%(msecs)03d %(name)s %(levelname)s: %(message)s",
                            datefmt="%H:%M:%S")
    for name in ("asyncio", LOG.name):
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(fmt)
            logger.addHandler(handler)
            logger.setLevel(logging.WARNING)
            logger.propagate = False


def _ms(query: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(query.get(name, default))
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_BLOCK_MS:
        raise ValueError(f"{name}={query.get(name)!r}: give milliseconds from 0 to "
                         f"{MAX_BLOCK_MS:g}, e.g. {name}=300.")
    return value


# -- the application code under suspicion ----------------------------------------------
def fetch_report(block_ms: float) -> str:
    """A slow, *blocking* call: think ``requests.get(...)`` or a sync database driver."""
    time.sleep(block_ms / 1000.0)
    return "report\n"


async def report_view(block_ms: float) -> str:
    """The bug: an ``async def`` view that calls the blocking function directly."""
    return fetch_report(block_ms)


async def report_fixed_view(block_ms: float) -> str:
    """The fix: the blocking call on a worker thread; the loop serves others meanwhile."""
    return await asyncio.to_thread(fetch_report, block_ms)


# -- the watch: where is a stuck thread right now? -------------------------------------
class StackWatch:
    """A daemon thread that logs the stack of a thread stuck for longer than ``slow_s``.

    Watched threads call :meth:`busy` when they start something (a request, a loop
    tick) and :meth:`idle` when done; a thread busy for longer than ``slow_s`` gets its
    current stack logged once, innermost frames last.
    """

    def __init__(self, slow_s: float, what: str) -> None:
        self.slow_s = slow_s
        self.what = what
        self._since: dict[int, tuple[float, str]] = {}
        self._told: set[tuple[int, float]] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name="stack-watch", daemon=True).start()

    def busy(self, label: str, since: float | None = None) -> None:
        """This thread is busy with ``label`` from ``since`` (default: now)."""
        t0 = time.monotonic() if since is None else since
        with self._lock:
            self._since[threading.get_ident()] = (t0, label)

    def idle(self) -> None:
        with self._lock:
            self._since.pop(threading.get_ident(), None)

    def _run(self) -> None:
        while True:
            time.sleep(self.slow_s / 4)
            now = time.monotonic()
            with self._lock:
                stuck = [(tid, t0, label) for tid, (t0, label) in self._since.items()
                         if now - t0 > self.slow_s and (tid, t0) not in self._told]
                self._told |= {(tid, t0) for tid, t0, _ in stuck}
            frames = sys._current_frames()
            for tid, t0, label in stuck:
                frame = frames.get(tid)
                where = "".join(traceback.format_stack(frame, limit=3)) if frame else "?"
                LOG.warning("%s %s busy for %.0f ms; it is now at:\n%s", self.what, label,
                            1000 * (now - t0), where.rstrip())


# -- an ASGI app with the three instruments --------------------------------------------
def watched_asgi(slow_ms: float = 100.0) -> ASGIApp:
    """An ASGI app whose lifespan turns on debug mode (``slow_callback_duration`` =
    ``slow_ms``), a loop-lag monitor and a stack watch. Paths: ``/`` (quick),
    ``/report?block_ms=300`` (the bug), ``/report_fixed?block_ms=300`` (the fix),
    ``/background?work_ms=200`` (answers, then computes on the loop), ``/lag``."""
    check_number("watched_asgi", "slow_ms", slow_ms, low=1, high=10_000)
    lag: collections.deque[tuple[float, float]] = collections.deque(maxlen=3_000)
    state: dict[str, Any] = {}

    async def monitor(watch: StackWatch) -> None:
        while True:
            due = time.monotonic() + LAG_EVERY_S
            watch.busy("event loop", since=due)  # stuck if not back soon after `due`
            await asyncio.sleep(LAG_EVERY_S)
            now = time.monotonic()
            lag.append((now, max(now - due, 0.0)))

    async def startup() -> None:
        _setup_logging()
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = slow_ms / 1000.0
        watch = StackWatch(slow_ms / 1000.0, "the")
        state["monitor"] = asyncio.create_task(monitor(watch), name="loop-lag monitor")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, startup)
        if scope["type"] != "http":
            return None
        start = time.monotonic()
        path = scope["path"]
        task = asyncio.current_task()
        if task is not None:  # so that debug mode names the endpoint, not 'Task-7'
            task.set_name(f"{scope['method']} {path}")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        after: Callable[[], None] | None = None
        try:
            if path == "/report":
                text = await report_view(_ms(query, "block_ms", 300))
            elif path == "/report_fixed":
                text = await report_fixed_view(_ms(query, "block_ms", 300))
            elif path == "/lag":
                text = json.dumps(list(lag))
            elif path == "/background":
                work = _ms(query, "work_ms", 200)
                text, after = "accepted\n", lambda: burn(work)
            else:
                text = "ok\n"
        except ValueError as e:
            return await _send(send, 400, f"{e}\n", start)
        await _send(send, 200, text, start)
        if after is not None:  # the response is complete; this still runs on the loop
            after()
        return None

    return app


async def _lifespan(receive: Receive, send: Send, startup: Callable[[], Any]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _send(send: Send, status: int, text: str, start: float) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode()),
                            *stamp_bytes(start, "loop")]})
    await send({"type": "http.response.body", "body": body})


# -- the same bug in a sync app ----------------------------------------------------------
def watched_wsgi(slow_ms: float = 100.0) -> WSGIApp:
    """A WSGI app with the same paths (``/``, ``/report?block_ms=300``) and a stack watch
    over its worker threads: a request running longer than ``slow_ms`` is logged with
    the line it is at."""
    check_number("watched_wsgi", "slow_ms", slow_ms, low=1, high=10_000)
    _setup_logging()
    watch = StackWatch(slow_ms / 1000.0, "request")

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start = time.monotonic()
        path = environ.get("PATH_INFO", "/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        watch.busy(f"{environ.get('REQUEST_METHOD', 'GET')} {path} on its thread")
        try:
            text = fetch_report(_ms(query, "block_ms", 300)) if path == "/report" else "ok\n"
            status = "200 OK"
        except ValueError as e:
            text, status = f"{e}\n", "400 Bad Request"
        finally:
            watch.idle()
        body = text.encode()
        start_response(status, [("content-type", "text/plain"),
                                ("content-length", str(len(body))),
                                *stamp(start, "thread")])
        return [body]

    return app


# -- the client: steady quick requests, one culprit in the middle ----------------------
@dataclass(frozen=True)
class Drill:
    """What one drill saw: the quick requests (``fast``), the culprit's send and
    answer times and the monitor's ``(time, lag)`` readings, all in seconds on the
    quick requests' clock (0 = the start of their run)."""

    fast: RunResult
    culprit: tuple[float, float]
    lag: tuple[tuple[float, float], ...]

    @property
    def culprit_ms(self) -> float:
        """The culprit's own latency (ms)."""
        return 1000.0 * (self.culprit[1] - self.culprit[0])

    def worst_fast_ms(self) -> float:
        """The slowest quick request (ms): what everyone else felt."""
        return max(self.fast.latencies_ms(), default=float("nan"))

    def max_lag_ms(self) -> float:
        """The largest loop lag the monitor saw (ms; NaN without a monitor)."""
        return 1000.0 * max((v for _, v in self.lag), default=float("nan"))


def drill(url: str, culprit: str, *, at_s: float = 0.4, duration_s: float = 1.2,
          rate_per_s: float = 50.0) -> Drill:
    """Send quick requests to ``url`` at ``rate_per_s`` for ``duration_s``; at ``at_s``
    send ``culprit`` (a path such as ``"/report?block_ms=300"``) once."""
    check_number("drill", "duration_s", duration_s, low=0.2, high=20.0)
    check_number("drill", "at_s", at_s, low=0.0, high=duration_s)
    import httpx  # noqa: PLC0415 - the client side only

    base = url.rstrip("/")
    times: list[float] = []

    def fire() -> None:
        with httpx.Client(trust_env=False, timeout=30.0) as client:
            sent = time.monotonic()
            client.get(base + culprit)
            times.extend((sent, time.monotonic()))

    timer = threading.Timer(at_s, fire)
    timer.start()
    fast = run_load(base + "/", Constant(rate_per_s), duration_s=duration_s, progress=False)
    timer.join(30.0)
    t0 = float(fast.meta["t0_monotonic_s"])  # the run's records count from here
    lag: list[tuple[float, float]] = []
    r = httpx.get(base + "/lag", trust_env=False, timeout=10.0)
    if r.status_code == 200 and r.headers.get("x-lane") == "loop":
        end = max(rec.end_s for rec in fast.records)
        lag = [(t - t0, v) for t, v in r.json() if 0.0 <= t - t0 <= end]
    sent, done = (times[0] - t0, times[1] - t0) if times else (math.nan, math.nan)
    return Drill(fast=fast, culprit=(sent, done),
                 lag=tuple((float(t), float(v)) for t, v in lag))


def log_lines(text: str, *needles: str) -> list[str]:
    """The log entries of ``text`` that contain any of ``needles`` (each entry with its
    indented continuation lines), e.g. ``log_lines(srv.log(400), "took", "busy")``."""
    entries: list[str] = []
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and entries:
            entries[-1] += "\n" + line
        else:
            entries.append(line)
    return [e for e in entries if any(n in e for n in needles)]
