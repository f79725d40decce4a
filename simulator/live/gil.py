"""Who holds the GIL, when: a live instrument, and the same experiment for the simulator.

CPython lets one thread of a process run Python at a time. A thread that wants the GIL
waits; after ``sys.getswitchinterval()`` (5 ms) it asks the holder to let go, and the
holder does at its next check. Nothing inside Python reports these hand-overs, so we
measure them from the outside, with two honest clocks:

- a **CPU-bound** request (``/burn?cpu_ms=300``) computes in small chunks of a few
  microseconds and reads, after each chunk, the monotonic clock and its own thread's CPU
  clock (``time.thread_time``). While the thread runs, both advance together; when the
  wall clock jumps ahead of the CPU clock, the thread was not running: it waited for the
  GIL (or, on a busy machine, for a core). The intervals in which its CPU clock advanced
  are its ``"cpu"`` spans, the gaps its ``"ready"`` spans.
- an **I/O-bound** request (``/io?steps=20&io_ms=1``) waits ``steps`` times for
  ``io_ms`` (``time.sleep``, which releases the GIL, as a socket read does). Before each
  wait it notes the time; the wait is over (the thread is *ready*) ``io_ms`` later;
  right after ``time.sleep`` returns it holds the GIL again and notes when it *really
  resumed*. Alone, the gap is the operating system's wake-up delay (about 0.1 ms here);
  beside CPU-bound neighbours it is the wait for the GIL: the **convoy effect**.

:func:`convoy` sends both kinds to one server (which must run in a subprocess, or it
would share the kernel's GIL) and returns a :class:`~simulator.RunResult` whose spans use
the simulator's kinds, so :func:`simulator.views.plot_timeline` draws the measurement
and :func:`convoy_scenario`'s simulation on the same axes. :func:`thread_race` runs a few
CPU-bound threads in this process, to watch the 5 ms slices directly.
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..model import Bursts, ClosedLoop, Scenario, Traffic, Workload, WSGIServer
from ..model._check import check_int, check_number
from ..results import RequestRecord, RunResult, Span
from ._stamp import lane_names, stamp
from ._types import Environ, StartResponse
from .serving import by_port

MAX_CPU_MS = 5_000.0
START_WAIT_S = 5.0  # how long an I/O request waits for its CPU-bound neighbours to start
MAX_STEPS = 1_000
MAX_IO_MS = 1_000.0
STEP_CPU_MS = 0.05  # the few Python lines an I/O step runs between two waits
_NOT_RUNNING_S = 0.0002  # wall clock ahead of the CPU clock by more than this: a gap

Interval = tuple[float, float]
_burning = [0]  # CPU-bound requests computing in this process right now
_burning_lock = threading.Lock()


# -- inside the server: the two instrumented kinds of work ------------------------------
def burn_traced(cpu_ms: float) -> list[Interval]:
    """Compute for ``cpu_ms`` of this thread's CPU; return the monotonic intervals (s)
    in which it really ran (its CPU clock advanced with the wall clock)."""
    mono, cpu = time.monotonic, time.thread_time
    t_prev, c_prev = mono(), cpu()
    deadline = c_prev + cpu_ms / 1000.0
    began = t_prev
    ran: list[Interval] = []
    x = 0
    while c_prev < deadline:
        for i in range(100):  # a few microseconds of pure Python
            x += i * i
        t, c = mono(), cpu()
        if (t - t_prev) - (c - c_prev) > _NOT_RUNNING_S:
            # Stopped somewhere inside this chunk; it ran (c - c_prev) of it. Where in the
            # chunk is unknown to within a chunk's few microseconds: count it at the end.
            ran.append((began, t_prev))
            began = t - (c - c_prev)
        t_prev, c_prev = t, c
    ran.append((began, t_prev))
    return ran


def io_steps(steps: int, io_ms: float) -> list[tuple[float, float, float]]:
    """Wait ``steps`` times for ``io_ms``; per step (waited from, ready at, resumed at),
    monotonic seconds. ``resumed - ready`` is the wait for the GIL (plus the OS's
    wake-up delay)."""
    out: list[tuple[float, float, float]] = []
    wait_s = io_ms / 1000.0
    for _ in range(steps):
        t = time.monotonic()
        time.sleep(wait_s)  # releases the GIL; takes it back before returning
        out.append((t, t + wait_s, time.monotonic()))
    return out


def gil_app(environ: Environ, start_response: StartResponse) -> list[bytes]:
    """The instrument as a WSGI app: ``/burn?cpu_ms=300`` or ``/io?steps=20&io_ms=1``
    (``&after=3``: start once three ``/burn`` requests are computing).

    The JSON body carries what the request measured: ``ran`` intervals for ``/burn``,
    ``steps`` for ``/io``. Serve it in a subprocess:
    ``serve("simulator.live.gil:gil_app", interface="wsgi", threads=4)``.
    """
    start = time.monotonic()
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    path = environ.get("PATH_INFO", "/")
    try:
        if path == "/burn":
            body: dict[str, Any] = {"ran": _burn(_number(query, "cpu_ms", 100.0, MAX_CPU_MS))}
        elif path == "/io":
            steps = int(_number(query, "steps", 20, MAX_STEPS))
            io_ms = _number(query, "io_ms", 1.0, MAX_IO_MS)
            if "after" in query:  # start once this many CPU-bound neighbours compute
                _wait_for_neighbours(int(_number(query, "after", 1, 64)))
            body = {"steps": io_steps(steps, io_ms)}
        else:
            raise ValueError(f"{path}: use /burn?cpu_ms=300 or /io?steps=20&io_ms=1.")
    except ValueError as e:
        data = f"{e}\n".encode()
        start_response("400 Bad Request", [("content-type", "text/plain"),
                                           ("content-length", str(len(data)))])
        return [data]
    data = json.dumps(body).encode()
    start_response("200 OK", [("content-type", "application/json"),
                              ("content-length", str(len(data))), *stamp(start, "thread")])
    return [data]


def _burn(cpu_ms: float) -> list[Interval]:
    with _burning_lock:
        _burning[0] += 1
    try:
        return burn_traced(cpu_ms)
    finally:
        with _burning_lock:
            _burning[0] -= 1


def _wait_for_neighbours(count: int) -> None:
    """Wait (up to :data:`START_WAIT_S`) until ``count`` CPU-bound requests are computing,
    so that a busy machine's slow start cannot let the I/O request finish first."""
    deadline = time.monotonic() + START_WAIT_S
    while _burning[0] < count and time.monotonic() < deadline:
        time.sleep(0.001)


def _number(query: dict[str, str], name: str, default: float, high: float) -> float:
    try:
        value = float(query.get(name, default))
    except ValueError:
        raise ValueError(f"{name}={query[name]!r} is not a number; "
                         f"try {name}={default:g}.") from None
    if not 0 < value <= high:
        raise ValueError(f"{name}={value:g}: must be above 0 and at most {high:g}.")
    return value


# -- the client side: one convoy, measured ---------------------------------------------
@dataclass
class _Sent:
    traffic: str
    path: str
    sent_s: float = 0.0
    done_s: float = 0.0
    headers: dict[str, str] | None = None
    body: Any = None
    error: str = ""


def convoy(url: str, *, neighbours: int = 3, cpu_ms: float = 300.0, steps: int = 20,
           io_ms: float = 1.0, lead_ms: float = 30.0) -> RunResult:
    """One quick I/O request among ``neighbours`` CPU-bound ones, on the server at ``url``.

    The neighbours (``cpu_ms`` of CPU each) are sent together; ``lead_ms`` later the I/O
    request (``steps`` waits of ``io_ms``), which starts its waits once the server says
    all the neighbours are computing. Returns a live RunResult: a record per request
    (traffic ``"cpu"`` or ``"io"``) and the measured spans per thread (``"cpu"``,
    ``"ready"``, ``"io"``). The server must run :func:`gil_app` with at least
    ``neighbours + 1`` threads, in a subprocess.
    """
    check_int("convoy", "neighbours", neighbours, low=0, high=64, hint="Try neighbours=3.")
    check_number("convoy", "cpu_ms", cpu_ms, low=0, low_open=True, high=MAX_CPU_MS)
    check_int("convoy", "steps", steps, low=1, high=MAX_STEPS, hint="Try steps=20.")
    check_number("convoy", "io_ms", io_ms, low=0, low_open=True, high=MAX_IO_MS)
    check_number("convoy", "lead_ms", lead_ms, high=1_000.0)
    _check_subprocess(url, neighbours + 1)
    base = url.rstrip("/")
    _fetch(_Sent("io", f"{base}/io?steps=1&io_ms=1"))  # warm up: connect, first import
    jobs = [_Sent("cpu", f"{base}/burn?cpu_ms={cpu_ms:g}") for _ in range(neighbours)]
    after = f"&after={neighbours}" if neighbours else ""
    io_job = _Sent("io", f"{base}/io?steps={steps}&io_ms={io_ms:g}{after}")
    threads = [threading.Thread(target=_fetch, args=(j,), daemon=True) for j in jobs]
    for t in threads:
        t.start()
    if neighbours:
        time.sleep(lead_ms / 1000.0)
    _fetch(io_job)
    for t in threads:
        t.join(60.0)
    sent = [*jobs, io_job]
    failed = [j for j in sent if j.error]
    if failed:
        raise RuntimeError(f"convoy: a request to {failed[0].path} failed: {failed[0].error}")
    return _result(sent, label=f"measured: {neighbours} CPU-bound + 1 I/O request")


def _check_subprocess(url: str, threads: int) -> None:
    port = urlsplit(url).port
    srv = by_port(port) if port is not None else None
    if srv is not None and srv.in_process:
        raise ValueError(
            f"convoy(url={url!r}): this server runs inside the kernel and would share its "
            "GIL with the client. Serve the instrument in a subprocess: "
            "serve('simulator.live.gil:gil_app', interface='wsgi', threads=4).")
    if srv is not None and srv.threads * srv.processes < threads:
        raise ValueError(
            f"convoy: {threads} requests at once need at least {threads} threads; the server "
            f"has {srv.threads}. Start it with threads={threads}.")


def _fetch(job: _Sent) -> None:
    import httpx  # noqa: PLC0415 - the client side only

    try:
        with httpx.Client(trust_env=False, timeout=60.0) as client:
            job.sent_s = time.monotonic()
            r = client.get(job.path)
            job.done_s = time.monotonic()
        r.raise_for_status()
        job.headers = dict(r.headers)
        job.body = r.json()
    except Exception as e:  # reported by convoy() with the request that failed
        job.error = f"{type(e).__name__}: {e}"


def _result(sent: list[_Sent], label: str) -> RunResult:
    """Records and spans (the simulator's kinds) from what each request measured."""
    heads = [j.headers or {} for j in sent]
    lanes = lane_names([(int(h["x-pid"]), "thread", h["x-thread"]) for h in heads])
    records: list[RequestRecord] = []
    spans: list[Span] = []
    for rid, (job, h, lane) in enumerate(zip(sent, heads, lanes, strict=True)):
        where = lane or "?"
        records.append(RequestRecord(rid, job.sent_s, float(h["x-start-s"]), job.done_s,
                                     "ok", lane, job.traffic, 200, float(h["x-end-s"]),
                                     None, job.sent_s))
        if job.traffic == "cpu":
            spans += _burn_spans(rid, where, job.body["ran"])
        else:
            spans += _io_spans(rid, where, job.body["steps"])
    return RunResult(records=tuple(records), spans=tuple(spans), source="live", label=label,
                     meta={"instrument": "simulator.live.gil"})


def _burn_spans(rid: int, where: str, ran: Iterable[Interval]) -> list[Span]:
    out: list[Span] = []
    last: float | None = None
    for a, b in ran:
        if last is not None and a > last:
            out.append(Span(rid, "ready", where, last, a))
        out.append(Span(rid, "cpu", where, a, b))
        last = b
    return out


def _io_spans(rid: int, where: str, steps: Iterable[Iterable[float]]) -> list[Span]:
    out: list[Span] = []
    last: float | None = None
    for waited, ready, resumed in steps:
        if last is not None and waited > last:
            out.append(Span(rid, "cpu", where, last, waited))
        out.append(Span(rid, "io", where, waited, ready))
        out.append(Span(rid, "ready", where, ready, max(ready, resumed)))
        last = resumed
    return out


def convoy_labels(res: RunResult) -> dict[str, str]:
    """Row names for a convoy's timeline, measured or simulated: the CPU-bound threads
    first (``"CPU-bound 1"``, ...), then ``"I/O request"``."""
    lanes: dict[str, str] = {}
    cpu = sorted({r.lane for r in res.records if r.traffic == "cpu" and r.lane})
    for i, lane in enumerate(cpu):
        lanes[lane] = f"CPU-bound {i + 1}"
    for r in res.records:
        if r.traffic == "io" and r.lane:
            lanes[r.lane] = "I/O request"
    return lanes


def io_elapsed_ms(res: RunResult) -> float:
    """How long the I/O request's work took (ms): first to last of its spans, measured
    or simulated (traffic ``"io"``)."""
    ids = {r.id for r in res.records if r.traffic == "io"}
    spans = [s for s in res.spans if s.request_id in ids]
    if not spans:
        raise ValueError("io_elapsed_ms: no spans of traffic 'io' in this run; pass the "
                         "result of convoy(...) or of simulate(convoy_scenario(...), trace=True).")
    return 1000.0 * (max(s.end_s for s in spans) - min(s.start_s for s in spans))


def ready_ms(res: RunResult, traffic: str = "io") -> float:
    """Total time (ms) the requests of ``traffic`` spent ready but not running."""
    ids = {r.id for r in res.records if r.traffic == traffic}
    return 1000.0 * sum(s.end_s - s.start_s for s in res.spans
                        if s.request_id in ids and s.kind == "ready")


# -- the same experiment, for the simulator -------------------------------------------
def convoy_scenario(*, neighbours: int = 3, cpu_ms: float = 300.0, steps: int = 20,
                    io_ms: float = 1.0, threads: int = 4, cores: int = 2) -> Scenario:
    """The convoy as the simulator sees it: ``neighbours`` CPU-bound requests arrive
    together, beside one user who makes ``steps`` quick requests in a row (a sliver of
    CPU, then ``io_ms`` of I/O each), all on one WSGI process of ``threads`` threads.
    Simulate it with ``trace=True`` for the spans."""
    check_int("convoy_scenario", "neighbours", neighbours, low=0, high=64,
              hint="Try neighbours=3.")
    check_int("convoy_scenario", "steps", steps, low=1, high=MAX_STEPS, hint="Try steps=20.")
    io = Traffic("io", Workload(cpu_ms=STEP_CPU_MS, io_ms=io_ms), ClosedLoop(users=1))
    traffic: tuple[Traffic, ...] = (io,)
    if neighbours:
        cpu = Traffic("cpu", Workload(cpu_ms=cpu_ms), Bursts(size=neighbours, every_s=3600))
        traffic = (cpu, io)
    return Scenario(server=WSGIServer(threads=threads), traffic=traffic,
                    requests=neighbours + steps, cores=cores)


# -- in this process: threads taking turns ---------------------------------------------
def thread_race(threads: int = 2, cpu_ms: float = 30.0) -> RunResult:
    """Run ``threads`` CPU-bound threads here at once (``cpu_ms`` each) and return their
    measured ``"cpu"``/``"ready"`` spans: the GIL's slices, one thread at a time."""
    check_int("thread_race", "threads", threads, low=1, high=16, hint="Try threads=2.")
    check_number("thread_race", "cpu_ms", cpu_ms, low=0, low_open=True, high=1_000.0)
    runs: list[list[Interval]] = [[] for _ in range(threads)]
    gate = threading.Barrier(threads + 1)

    def work(i: int) -> None:
        gate.wait()
        runs[i] = burn_traced(cpu_ms)

    pool = [threading.Thread(target=work, args=(i,), name=f"race-{i}", daemon=True)
            for i in range(threads)]
    for t in pool:
        t.start()
    began = time.monotonic()
    gate.wait()
    for t in pool:
        t.join(30.0)
    records, spans = [], []
    for i, ran in enumerate(runs):
        where = f"thread {i}"
        end = ran[-1][1] if ran else began
        records.append(RequestRecord(i, began, ran[0][0] if ran else None, end, "ok", where,
                                     where))
        spans += _burn_spans(i, where, ran)
    return RunResult(records=tuple(records), spans=tuple(spans), source="live",
                     label=f"measured: {threads} CPU-bound threads in one process")


# -- free-threaded Python --------------------------------------------------------------
def free_threading_status() -> dict[str, str]:
    """What this interpreter is: a standard build (one GIL per process) or a
    free-threaded one (PEP 703, ``python3.13t``), and whether the GIL is on now."""
    disabled = sysconfig.get_config_var("Py_GIL_DISABLED")
    build = "free-threaded (PEP 703)" if disabled else "standard (with the GIL)"
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    now = ("enabled" if is_enabled() else "disabled") if is_enabled else "enabled (always)"
    return {"python": sys.version.split()[0], "build": build, "GIL now": now,
            "switch interval": f"{sys.getswitchinterval() * 1000:g} ms",
            "cores": str(os.cpu_count())}
