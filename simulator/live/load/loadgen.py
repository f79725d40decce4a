"""``run_load()``: an honest load generator that returns the simulator's records.

>>> from simulator import ClosedLoop
>>> from simulator.live import serve, run_load, apps
>>> with serve(apps.sleep_wsgi(ms=50), interface="wsgi", threads=4) as srv:
...     res = run_load(srv.url, ClosedLoop(users=8), requests=40, progress=False)
>>> res.source, res.label, res.summary().completed, res.lanes
('live', 'waitress 1x4', 40, ['p0-t0', 'p0-t1', 'p0-t2', 'p0-t3'])

It takes the simulator's arrival descriptions:

- **open loop** (:class:`~simulator.Poisson`, :class:`~simulator.Constant`,
  :class:`~simulator.Bursts`): the send times are drawn up front from ``seed`` (the same
  times :func:`~simulator.simulate` uses for that seed), kept whatever the server does,
  and latency is measured from the *scheduled* time;
- **closed loop** (:class:`~simulator.ClosedLoop`): ``users`` users each send, wait for
  the answer, think (exponential, mean ``think_ms``) and send again.

The result is a :class:`~simulator.RunResult` with ``source="live"``: one
:class:`~simulator.RequestRecord` per request, times in seconds from the run's start,
status ``"ok"``, ``"rejected"`` (HTTP 503), ``"timeout"`` (no answer within
``timeout_s`` of the scheduled time) or ``"error"`` (any other HTTP error, with its
``code``, or a connection error), and lanes from the server's stamps. A latency ends
when the last byte of the answer was parsed, as ``wrk``'s does. The generator times its
own part in every request and says in ``notes`` (and always in ``meta``) how much of
the p50 and p95 it could have added, when that is more than 10% of them, and when it,
rather than the server, set the pace (:mod:`._verdict`; how far it keeps up on this
machine, and how it compares with ``wrk``: ``docs/live-lab.md``). Nothing listening
at the URL is said once, in words (a :class:`~simulator.live.LiveLabWarning`).

``run_load`` works from a notebook cell as it is (no ``nest_asyncio``): it runs its own
event loop in a worker thread. ``await run_load_async(...)`` runs on the caller's loop.
A kernel interrupt stops the run, closes its connections, and leaves the server as it
was.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ...model import Bursts, ClosedLoop, Constant, Poisson
from ...model._check import check_int, check_number
from ...model.arrivals import Arrivals
from ...results import RunResult
from .._warnings import LiveLabWarning
from . import _records
from ._driver import LEAD_S, Driver, clock
from ._progress import Progress
from ._schedule import open_schedule, streams, think_times
from ._sync import run_sync

MAX_REQUESTS = 50_000
MAX_DURATION_S = 120.0
MAX_USERS = 1_000
MAX_RATE_PER_S = 5_000.0
MAX_TIMEOUT_S = 120.0
MAX_CONNECTIONS = 2_000


class Target(NamedTuple):
    """What the generator knows of the server behind a port: a label, and whether it runs
    in this process (then it shares the GIL with the generator)."""

    label: str
    in_process: bool


def _no_lookup(port: int) -> Target | None:
    return None


_lookup: Callable[[int], Target | None] = _no_lookup


def set_target_lookup(lookup: Callable[[int], Target | None]) -> None:
    """Tell the generator how to name the server on a port (:mod:`simulator.live` passes
    the registry of :func:`~simulator.live.serve`); the generator itself knows no server."""
    global _lookup  # noqa: PLW0603 - one lookup per process, set once at import
    _lookup = lookup


@dataclass(frozen=True)
class _Plan:
    url: str
    arrivals: Arrivals
    requests: int | None
    duration_s: float | None
    timeout_s: float
    seed: int
    max_connections: int
    label: str
    traffic: str
    progress: bool | None
    in_process: bool | None

    @property
    def expected_s(self) -> float | None:
        if self.duration_s is not None:
            return self.duration_s
        if isinstance(self.arrivals, ClosedLoop):
            return None
        return (self.requests or 0) / self.arrivals.rate_per_s


def run_load(url: str, arrivals: Arrivals, *, requests: int | None = None,
             duration_s: float | None = None, timeout_s: float = 10.0, seed: int = 0,
             max_connections: int = 512, label: str | None = None, traffic: str = "main",
             progress: bool | None = None) -> RunResult:
    """Load ``url`` with ``arrivals`` and return one record per request.

    Parameters
    ----------
    url:
        A URL on this machine (127.0.0.1, localhost or ::1), e.g. ``srv.url_for(io_ms=50)``.
    arrivals:
        ``Poisson``, ``Constant`` or ``Bursts`` (open loop, at most 5,000 req/s) or
        ``ClosedLoop`` (at most 1,000 users).
    requests, duration_s:
        Exactly one: send this many requests (1-50,000), or keep sending for this many
        seconds (at most 120); requests in flight then finish.
    timeout_s:
        Give up on a request this many seconds after its scheduled time (0-120].
    seed:
        Seed of the schedule and think times (same seed, same schedule as ``simulate``).
    max_connections:
        Most connections open at once (1-2,000); more requests in flight wait for one.
    label:
        Name for legends (default: the server's description, if started by ``serve``).
    traffic:
        Traffic class name written in every record.
    progress:
        ``True``/``False`` to force the progress bar on/off; ``None`` (default) shows it
        for runs over about 2 s.
    """
    plan = _plan(url, arrivals, requests, duration_s, timeout_s, seed, max_connections,
                 label, traffic, progress)
    driver = Driver(plan.url, timeout_s=plan.timeout_s,
                    max_connections=plan.max_connections)
    bar = _bar(plan)
    result = run_sync(lambda: _execute(plan, driver), tick=lambda: bar.update(driver.finished),
                      name="livelab-load")
    bar.close(driver.finished, _verdict(result))
    _say_refused(result)
    return result


async def run_load_async(url: str, arrivals: Arrivals, *, requests: int | None = None,
                         duration_s: float | None = None, timeout_s: float = 10.0,
                         seed: int = 0, max_connections: int = 512, label: str | None = None,
                         traffic: str = "main", progress: bool | None = None) -> RunResult:
    """:func:`run_load` on the running event loop (``await`` it); same parameters."""
    plan = _plan(url, arrivals, requests, duration_s, timeout_s, seed, max_connections,
                 label, traffic, progress)
    driver = Driver(plan.url, timeout_s=plan.timeout_s,
                    max_connections=plan.max_connections)
    bar = _bar(plan)

    async def tick() -> None:
        while True:
            await asyncio.sleep(0.2)
            bar.update(driver.finished)

    ticker = asyncio.create_task(tick())
    try:
        result = await _execute(plan, driver)
    finally:
        ticker.cancel()
    bar.close(driver.finished, _verdict(result))
    _say_refused(result)
    return result


def _ensure_fd_room(connections: int) -> None:
    """Raise the soft limit of open files if the run's connections may not fit under it.

    Each connection is a file descriptor, twice over when the server runs in this
    process; 1,024, a common default, is too few for 1,000 users. Best effort: up to
    the hard limit, and nothing on systems without ``resource``.
    """
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * connections + 256
    if soft != resource.RLIM_INFINITY and soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def _bar(plan: _Plan) -> Progress:
    return Progress(total=plan.requests, duration_s=plan.duration_s, label=plan.label,
                    mode=plan.progress, expected_s=plan.expected_s)


def _verdict(result: RunResult) -> str:
    if result.meta.get("refused"):
        return "connection refused (see .notes)"
    return str(result.meta["generator_verdict"])


def _say_refused(result: RunResult) -> None:
    """Say once, in words, that nothing listens at the address (besides the records)."""
    if result.meta.get("refused"):
        warnings.warn(result.notes[0], LiveLabWarning, stacklevel=3)


def _refused_note(url: str, refused: int, total: int) -> str | None:
    if not refused:
        return None
    parts = urlsplit(url)
    return (f"Connection refused at {parts.hostname}:{parts.port}: nothing is listening "
            f"there ({refused} of {total} requests failed so). Is the server running? "
            "Use srv.url of a server started with serve(), inside its with block.")


async def _execute(plan: _Plan, driver: Driver) -> RunResult:
    """Run the plan on ``driver`` and build the result (clients closed in any case)."""
    a = plan.arrivals
    rng_arrivals, rng_think = streams(plan.seed)
    capped = None
    _ensure_fd_room(a.users if isinstance(a, ClosedLoop) else plan.max_connections)
    try:
        if isinstance(a, ClosedLoop):
            driver.max_connections = max(driver.max_connections, a.users)
            driver.prepare(a.users)
        else:
            schedule = open_schedule(a, requests=plan.requests, duration_s=plan.duration_s,
                                     rng=rng_arrivals)
            driver.prepare(min(64, len(schedule)))
        cpu0, wall0 = time.thread_time(), clock()
        watcher = asyncio.create_task(driver.watch_loop())
        t0 = clock() + LEAD_S
        send_until = t0 + (plan.duration_s if plan.duration_s is not None else MAX_DURATION_S)
        if isinstance(a, ClosedLoop):
            await driver.closed_loop(a.users, think_times(a, rng_think), t0, plan.requests,
                                     send_until)
        else:
            await driver.open_loop(iter(schedule.tolist()), t0, send_until + 1e-9)
        cpu_s = time.thread_time() - cpu0
        busy = cpu_s / max(clock() - wall0, 1e-9)
        watcher.cancel()
    finally:
        await driver.aclose()
    if driver.stopped_early:
        capped = (f"Stopped sending after {MAX_DURATION_S:g} s (the generator's cap) with "
                  f"{driver.dispatched} of {plan.requests} requests sent.")
    meta: dict[str, Any] = {
        "url": plan.url, "arrivals": a.describe(), "requests": plan.requests,
        "duration_s": plan.duration_s, "timeout_s": plan.timeout_s, "seed": plan.seed,
        "server_in_process": plan.in_process,
        "generator_cpu_ms_per_request": 1000.0 * cpu_s / max(len(driver.samples), 1),
        "refused": driver.refused,
    }
    return _records.build(driver.samples, t0=t0, label=plan.label, traffic=plan.traffic,
                          busy=busy, loop_lags=driver.loop_lags,
                          pool_waits=driver.pool_waits,
                          connections=driver.connections, capped=capped, meta=meta,
                          closed=isinstance(a, ClosedLoop), in_process=plan.in_process,
                          refused=_refused_note(plan.url, driver.refused,
                                                len(driver.samples)))


def _plan(url: str, arrivals: Arrivals, requests: int | None, duration_s: float | None,
          timeout_s: float, seed: int, max_connections: int, label: str | None,
          traffic: str, progress: bool | None) -> _Plan:
    """Check every argument against its cap, with errors a student can act on."""
    if not isinstance(url, str):
        raise ValueError(f"run_load(url={url!r}): url must be a string such as srv.url.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"run_load(url={url!r}): url must start with http:// and name a "
                         "host, e.g. 'http://127.0.0.1:8000/' (srv.url).")
    if not _is_loopback(parts.hostname):
        raise ValueError(f"run_load(url={url!r}): the load generator only loads servers on "
                         "this machine (127.0.0.1, localhost or ::1). Use srv.url.")
    if not isinstance(arrivals, (Poisson, Constant, Bursts, ClosedLoop)):
        raise ValueError(f"run_load(arrivals={arrivals!r}): arrivals must be Poisson(...), "
                         "Constant(...), Bursts(...) or ClosedLoop(...).")
    if (requests is None) == (duration_s is None):
        raise ValueError(f"run_load(requests={requests!r}, duration_s={duration_s!r}): give "
                         "exactly one of them, e.g. requests=200 or duration_s=5.")
    own = "run_load"
    if requests is not None:
        check_int(own, "requests", requests, low=1, high=MAX_REQUESTS, hint="Try requests=500.")
    else:
        check_number(own, "duration_s", duration_s, low=0, low_open=True,
                     high=MAX_DURATION_S, hint="Try duration_s=5.")
    check_number(own, "timeout_s", timeout_s, low=0, low_open=True, high=MAX_TIMEOUT_S,
                 hint="Try timeout_s=10.")
    check_int(own, "seed", seed, low=0, high=2**63 - 1, hint="Try seed=0.")
    check_int(own, "max_connections", max_connections, low=1, high=MAX_CONNECTIONS,
              hint="Try max_connections=512.")
    if isinstance(arrivals, ClosedLoop):
        check_int(own, "arrivals.users", arrivals.users, low=1, high=MAX_USERS,
                  hint="Try ClosedLoop(users=16).")
    else:
        rate = arrivals.rate_per_s
        if rate > MAX_RATE_PER_S:
            raise ValueError(
                f"run_load(arrivals={arrivals!r}): {rate:g} requests per second is more than "
                f"this generator sends ({MAX_RATE_PER_S:g} at most; how far it keeps to its "
                "schedule on this machine is in docs/live-lab.md). Try a lower rate.")
        if duration_s is not None and rate * duration_s > MAX_REQUESTS:
            raise ValueError(
                f"run_load(duration_s={duration_s!r}): {rate:g} req/s for {duration_s:g} s "
                f"is about {rate * duration_s:,.0f} requests, more than the cap of "
                f"{MAX_REQUESTS:,}. Shorten duration_s or lower the rate.")
    if not isinstance(traffic, str) or not traffic:
        raise ValueError(f"run_load(traffic={traffic!r}): traffic must be a non-empty name.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    known = _lookup(port)
    default = known.label if known is not None else f"{parts.hostname}:{port}"
    return _Plan(url=url, arrivals=arrivals, requests=requests,
                 duration_s=None if duration_s is None else float(duration_s),
                 timeout_s=float(timeout_s), seed=seed, max_connections=max_connections,
                 label=default if label is None else label, traffic=traffic,
                 progress=progress, in_process=None if known is None else known.in_process)


def _is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
