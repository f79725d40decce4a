"""Results: flat, immutable records of what happened to every request.

Simulated and live runs produce the same :class:`RequestRecord`, so simulation and
reality can be drawn on the same axes. All times are in seconds on one clock:
simulated time for a simulation, the client's monotonic clock for live runs.

- ``latency`` = ``end_s - arrival_s`` (for a timeout: until the client gave up);
- ``wait`` = ``start_s - arrival_s``: until the request first got its lane (WSGI) or
  the event loop (ASGI).

>>> from simulator import Constant, Scenario, Workload, WSGIServer, simulate
>>> res = simulate(Scenario(server=WSGIServer(), workload=Workload(io_ms=100),
...                         arrivals=Constant(rate_per_s=5), requests=3))
>>> [(round(r.arrival_s, 3), round(r.latency_s, 3), r.lane) for r in res.records]
[(0.2, 0.1, 'p0-t0'), (0.4, 0.1, 'p0-t0'), (0.6, 0.1, 'p0-t0')]
>>> round(res.summary().throughput_rps, 3)   # 3 requests from 0.2 s to 0.7 s
6.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from . import metrics

if TYPE_CHECKING:
    from .model import Scenario

STATUSES = ("ok", "rejected", "timeout", "error")


class RequestRecord(NamedTuple):
    """One request, as the client and the server saw it.

    ``status`` is ``"ok"``, ``"rejected"`` (backlog or concurrency limit), ``"timeout"``
    (the client gave up) or ``"error"`` (connection or HTTP error; ``code`` keeps the
    HTTP status). ``lane`` names where it ran: ``"p0-t2"`` for a WSGI thread,
    ``"p0-loop"`` for an ASGI event loop. ``done_s`` is when the server finished its work
    (after ``end_s`` for a request the client gave up on). ``sent_s`` (live runs only)
    is when the load generator really sent it; ``arrival_s`` is when it was scheduled.

    ``attempt`` is 0 for a first send and ``k`` for the ``k``-th retry of a request whose
    earlier attempts timed out (``Scenario(retries=...)``). Every attempt is a record of
    its own: its ``arrival_s`` is when *that attempt* was sent and its latency is that
    attempt's alone. A request retried after ``k`` timeouts kept its user waiting
    ``latency_s`` plus ``k`` timeouts and the backoffs between them.
    """

    id: int
    arrival_s: float
    start_s: float | None
    end_s: float
    status: str
    lane: str | None
    traffic: str = "main"
    code: int | None = None
    done_s: float | None = None
    user: int | None = None
    sent_s: float | None = None
    attempt: int = 0

    @property
    def latency_s(self) -> float:
        return self.end_s - self.arrival_s

    @property
    def wait_s(self) -> float | None:
        return None if self.start_s is None else self.start_s - self.arrival_s


class Span(NamedTuple):
    """Who held what, when: one interval of the trace used by the pictures.

    ``kind`` is ``"queue"`` (waiting for a lane or the loop), ``"cpu"`` (running, holding
    the GIL and core ``core``), ``"ready"`` (runnable, waiting for the GIL or a core),
    ``"pool"`` (waiting for a connection of a pool; holds a WSGI lane, not an ASGI loop
    unless the view blocks), ``"io"`` (waiting on I/O; holds a WSGI lane but not an ASGI
    loop) or ``"blocked"`` (blocking I/O that holds an ASGI loop). ``where`` is the lane,
    loop or thread.
    """

    request_id: int
    kind: str
    where: str
    start_s: float
    end_s: float
    core: int | None = None


@dataclass(frozen=True)
class Summary:
    """Headline numbers of a run. Latencies in ms over requests that succeeded.

    A *request* is a first send and its retries (``RequestRecord.attempt``); without
    retries every record is a request. ``completed``, ``failed`` and the latencies count
    attempts (records); ``throughput_rps`` is ok attempts per second, as always.
    ``goodput`` is the fraction of requests that finally succeeded (ok records / first
    sends) and ``attempts_per_request`` the sends per request (records / first sends).
    """

    completed: int
    failed: int
    rejected: int
    timeouts: int
    errors: int
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_latency_ms: float
    mean_wait_ms: float
    max_latency_ms: float
    arrival_rate_rps: float
    mean_in_system: float
    span_s: float
    label: str = ""
    goodput: float = math.nan
    attempts_per_request: float = math.nan

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def table(self) -> str:
        """A small fixed-width table, for the command line and ``print``."""
        rows = [
            ("requests ok", f"{self.completed}"),
            ("failed", f"{self.failed} (rejected {self.rejected}, timeout {self.timeouts}, "
                       f"error {self.errors})"),
            ("throughput", f"{self.throughput_rps:.1f} req/s"),
            ("latency p50", _ms(self.p50_ms)),
            ("latency p95", _ms(self.p95_ms)),
            ("latency p99", _ms(self.p99_ms)),
            ("mean latency", _ms(self.mean_latency_ms)),
            ("mean wait", _ms(self.mean_wait_ms)),
            ("mean in system", f"{self.mean_in_system:.2f} requests"),
        ]
        if self.attempts_per_request > 1:
            rows += [("attempts/request", f"{self.attempts_per_request:.2f}"),
                     ("goodput", f"{self.goodput:.1%} of requests succeeded")]
        head = [self.label] if self.label else []
        width = max(len(k) for k, _ in rows)
        return "\n".join(head + [f"{k:<{width}}  {v}" for k, v in rows])

    def __str__(self) -> str:
        return self.table()


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} ms"


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run, simulated or live.

    ``records`` holds one :class:`RequestRecord` per request in arrival order; ``spans``
    the trace (empty unless asked for); ``notes`` plain-language remarks about the run
    (for example that the load generator, not the server, was the limit).
    """

    records: tuple[RequestRecord, ...]
    spans: tuple[Span, ...] = ()
    scenario: Scenario | None = None
    source: str = "sim"
    label: str = ""
    notes: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def summary(self, warmup_s: float = 0.0, traffic: str | None = None) -> Summary:
        """Headline numbers, ignoring requests that arrived in the first ``warmup_s``
        seconds and, if given, requests of other traffic classes."""
        return summarize(self.select(warmup_s, traffic), label=self.label)

    def select(self, warmup_s: float = 0.0, traffic: str | None = None) -> list[RequestRecord]:
        """Records after the warm-up (s), optionally of one traffic class only."""
        recs: Iterable[RequestRecord] = self.records
        if traffic is not None:
            recs = [r for r in recs if r.traffic == traffic]
        recs = list(recs)
        if warmup_s > 0 and recs:
            t0 = min(r.arrival_s for r in recs) + warmup_s
            recs = [r for r in recs if r.arrival_s >= t0]
        return recs

    def subset(self, warmup_s: float = 0.0, traffic: str | None = None) -> RunResult:
        """A new RunResult with only the selected records (and their spans), for plots
        of one traffic class or of the steady state."""
        recs = self.select(warmup_s, traffic)
        ids = {r.id for r in recs}
        spans = tuple(s for s in self.spans if s.request_id in ids)
        label = f"{self.label} ({traffic})" if traffic else self.label
        return replace(self, records=tuple(recs), spans=spans, label=label)

    def latencies_ms(self, status: str = "ok") -> list[float]:
        """Latencies (ms) of the requests with this status, in arrival order."""
        return [1000.0 * r.latency_s for r in self.records if r.status == status]

    @property
    def lanes(self) -> list[str]:
        """Lanes that served at least one request, sorted (``p0-t0``, ``p0-t1``, ...)."""
        return sorted({r.lane for r in self.records if r.lane}, key=metrics.lane_sort_key)

    def to_frame(self) -> Any:
        """The records as a pandas DataFrame, with ``latency_ms`` and ``wait_ms`` added.

        pandas is not needed by anything else in the course: install it to use this.
        """
        import pandas as pd  # noqa: PLC0415 - optional dependency

        df = pd.DataFrame(self.records, columns=RequestRecord._fields)
        df["latency_ms"] = 1000.0 * (df["end_s"] - df["arrival_s"])
        df["wait_ms"] = 1000.0 * (df["start_s"] - df["arrival_s"])
        return df

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"RunResult({self.source}, {self.label or 'unlabelled'}: {len(self.records)} "
            f"requests, {s.throughput_rps:.1f} req/s, p95 {s.p95_ms:.1f} ms)"
        )


def summarize(records: list[RequestRecord], label: str = "") -> Summary:
    """Compute a :class:`Summary` from records (pure function)."""
    ok = [r for r in records if r.status == "ok"]
    lat = [1000.0 * r.latency_s for r in ok]
    waits = [1000.0 * w for r in ok if (w := r.wait_s) is not None]
    p50, p95, p99 = metrics.percentiles(lat, (50, 95, 99))
    count = {s: 0 for s in STATUSES}
    for r in records:
        count[r.status] = count.get(r.status, 0) + 1
    nan = math.nan
    first = sum(1 for r in records if r.attempt == 0)
    return Summary(
        completed=len(ok),
        failed=len(records) - len(ok),
        rejected=count["rejected"],
        timeouts=count["timeout"],
        errors=count["error"],
        throughput_rps=metrics.throughput(records),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        mean_latency_ms=sum(lat) / len(lat) if lat else nan,
        mean_wait_ms=sum(waits) / len(waits) if waits else nan,
        max_latency_ms=max(lat) if lat else nan,
        arrival_rate_rps=metrics.arrival_rate(records),
        mean_in_system=metrics.mean_in_system(records),
        span_s=metrics.span(records),
        label=label,
        goodput=len(ok) / first if first else nan,
        attempts_per_request=len(records) / first if first else nan,
    )
