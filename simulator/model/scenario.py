"""Scenario: a frozen description of one experiment (server, traffic, length, seed, host).

A scenario describes; it does not run. :func:`simulator.simulate` runs it. Make variants
with :func:`dataclasses.replace`, e.g. ``replace(sc, server=WSGIServer(threads=8))``.

Production adds three things a scenario may say (all off by default): connection
``pools`` that workloads name (:class:`~simulator.model.Pool`), and client ``retries``
after a timeout, with ``retry_backoff_ms`` between them.

One scenario may carry several *traffic classes* at once, for example fast health checks
beside slow reports, or long-poll connections beside ordinary page views: give
``traffic=(Traffic("health", ...), Traffic("report", ...))``. ``workload`` + ``arrivals``
is shorthand for a single class named ``"main"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._check import check_int, check_number
from .arrivals import Arrivals, Bursts, ClosedLoop, Constant, Poisson
from .costs import cpu_demand
from .pools import Pool
from .servers import ASGIServer, Server, WSGIServer
from .workload import Workload

MAX_REQUESTS = 2_000_000
MAX_DURATION_S = 1_000_000.0
MAX_CORES = 256
MAX_RETRIES = 10
_ARRIVAL_TYPES = (Poisson, Constant, Bursts, ClosedLoop)


@dataclass(frozen=True)
class Traffic:
    """One traffic class: a name, the work of each request and how requests arrive.

    ``timeout_s`` is this class's client timeout in seconds (``None``: the scenario's).
    """

    name: str
    workload: Workload
    arrivals: Arrivals
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Traffic(name={self.name!r}): name must be a non-empty string.")
        _check_parts(f"Traffic({self.name!r})", self.workload, self.arrivals)
        if self.timeout_s is not None:
            check_number("Traffic", "timeout_s", self.timeout_s, low=0, low_open=True,
                         high=MAX_DURATION_S, hint="Use None for a client that waits forever.")


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """Everything one run needs. Give exactly one of ``requests`` and ``duration_s``.

    Parameters
    ----------
    server:
        A :class:`WSGIServer` or :class:`ASGIServer`.
    workload, arrivals:
        The single traffic class ``"main"`` (optional when ``traffic`` is given).
    traffic:
        Further traffic classes (:class:`Traffic`).
    requests:
        Stop after this many requests have arrived, over all classes (1-2,000,000).
    duration_s:
        Or stop sending new requests after this many simulated seconds; requests in
        flight then finish.
    seed:
        Seed of every random draw (an integer >= 0). Same seed, same records.
    cores:
        CPU cores of the host, shared by all server processes (1-256).
    timeout_s:
        Client timeout in seconds (``None``: wait forever). A request still unanswered
        after it is recorded as ``"timeout"``; the server still does the work.
    pools:
        Connection pools (:class:`~simulator.model.Pool`) that workloads may name; names
        must differ.
    retries:
        How many times (0-10) a client sends a request again after it timed out. Each
        send is an *attempt* with a record of its own (``RequestRecord.attempt``: 0 for
        the first send); the abandoned attempt goes on running on the server. Only
        timeouts are retried (not 503 refusals). Needs a ``timeout_s``.
    retry_backoff_ms:
        Wait before a retry (ms, >= 0): ``retry_backoff_ms x 2**(k - 1)`` before attempt
        ``k`` (exponential backoff, no jitter), counted from the moment the client gave up.

    What ``requests`` counts with retries: first sends. A request is the whole chain of
    its attempts; a closed-loop user waits for the whole chain before it thinks again;
    with ``duration_s``, retries of requests first sent before the deadline still go.

    Four threads, 50 ms of exponential I/O, 60 requests a second: the textbook M/M/4
    queue, whose mean wait Erlang C puts at 25.5 ms.

    >>> from simulator import Poisson, Workload, WSGIServer, simulate
    >>> sc = Scenario(server=WSGIServer(threads=4),
    ...               workload=Workload(io_ms=50, dist="exponential"),
    ...               arrivals=Poisson(rate_per_s=60), requests=20_000, seed=1)
    >>> sc.describe()
    'WSGI 1x4 | main: sync cpu 0 ms io 50 ms, Poisson 60/s'
    >>> round(simulate(sc).summary(warmup_s=10).mean_wait_ms)
    25
    """

    server: Server
    workload: Workload | None = None
    arrivals: Arrivals | None = None
    traffic: tuple[Traffic, ...] = ()
    requests: int | None = None
    duration_s: float | None = None
    seed: int = 0
    cores: int = 2
    timeout_s: float | None = None
    pools: tuple[Pool, ...] = ()
    retries: int = 0
    retry_backoff_ms: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.server, (WSGIServer, ASGIServer)):
            raise ValueError(
                f"Scenario(server={self.server!r}): server must be a WSGIServer(...) or an "
                "ASGIServer(...)."
            )
        if (self.workload is None) != (self.arrivals is None):
            raise ValueError(
                "Scenario: give workload and arrivals together (one traffic class), or "
                "neither and use traffic=(Traffic(...), ...)."
            )
        if self.workload is not None:
            _check_parts("Scenario", self.workload, self.arrivals)
        if not isinstance(self.traffic, tuple) or not all(
            isinstance(t, Traffic) for t in self.traffic
        ):
            raise ValueError(
                f"Scenario(traffic={self.traffic!r}): traffic must be a tuple of Traffic(...)."
            )
        if not self.classes:
            raise ValueError(
                "Scenario: no traffic. Give workload=Workload(...) and arrivals=Poisson(...), "
                "or traffic=(Traffic(...), ...)."
            )
        names = [t.name for t in self.classes]
        if len(set(names)) != len(names):
            raise ValueError(f"Scenario(traffic=...): class names must differ, got {names}.")
        self._check_length()
        check_int("Scenario", "seed", self.seed, low=0, high=2**63 - 1)
        check_int("Scenario", "cores", self.cores, low=1, high=MAX_CORES,
                  hint="This machine has 2; a laptop has 4-16.")
        if self.timeout_s is not None:
            check_number("Scenario", "timeout_s", self.timeout_s, low=0, low_open=True,
                         high=MAX_DURATION_S, hint="Use None for a client that waits forever.")
        for t in self.classes:
            self._check_closed_loop_moves(t)
        self._check_pools()
        self._check_retries()

    @property
    def classes(self) -> tuple[Traffic, ...]:
        """All traffic classes, ``"main"`` first when ``workload``/``arrivals`` are given."""
        main: tuple[Traffic, ...] = ()
        if self.workload is not None and self.arrivals is not None:
            main = (Traffic("main", self.workload, self.arrivals, None),)
        return main + self.traffic

    def timeout_for(self, traffic: Traffic) -> float | None:
        """The client timeout (s) that applies to ``traffic``."""
        return traffic.timeout_s if traffic.timeout_s is not None else self.timeout_s

    def describe(self) -> str:
        """One line for titles: server, view, work and load."""
        parts = []
        for t in self.classes:
            w = t.workload
            parts.append(
                f"{t.name}: {w.view} cpu {w.cpu_ms:g} ms io {w.io_ms:g} ms, "
                f"{t.arrivals.describe()}"
            )
        extra = ""
        if self.pools:
            extra += " | pools " + ", ".join(p.describe() for p in self.pools)
        if self.retries:
            extra += f" | {self.retries} retries"
        return f"{self.server.describe()} | " + "; ".join(parts) + extra

    def _check_pools(self) -> None:
        if not isinstance(self.pools, tuple) or not all(isinstance(p, Pool) for p in self.pools):
            raise ValueError(f"Scenario(pools={self.pools!r}): pools must be a tuple of "
                             "Pool(...), e.g. pools=(Pool('db', size=10),).")
        names = [p.name for p in self.pools]
        if len(set(names)) != len(names):
            raise ValueError(f"Scenario(pools=...): pool names must differ, got {names}.")
        for t in self.classes:
            want = t.workload.pool
            if want is not None and want not in names:
                have = ", ".join(repr(n) for n in names) or "none"
                raise ValueError(
                    f"Scenario: traffic {t.name!r} has Workload(pool={want!r}), but the "
                    f"scenario's pools are {have}. Add pools=(Pool({want!r}, size=10),) or "
                    "use pool=None."
                )

    def _check_retries(self) -> None:
        check_int("Scenario", "retries", self.retries, low=0, high=MAX_RETRIES,
                  hint="Use 0 for a client that never retries; 2 or 3 is common.")
        check_number("Scenario", "retry_backoff_ms", self.retry_backoff_ms,
                     high=MAX_DURATION_S * 1000, hint="Use 0 to retry at once.")
        if self.retries and all(self.timeout_for(t) is None for t in self.classes):
            raise ValueError(
                f"Scenario(retries={self.retries}): only a request that timed out is sent "
                "again, and no client timeout is set. Give timeout_s=..., e.g. "
                "timeout_s=0.5, or use retries=0."
            )

    def _check_length(self) -> None:
        if (self.requests is None) == (self.duration_s is None):
            raise ValueError(
                f"Scenario(requests={self.requests!r}, duration_s={self.duration_s!r}): give "
                "exactly one of them, e.g. requests=10_000 or duration_s=60."
            )
        if self.requests is not None:
            check_int("Scenario", "requests", self.requests, low=1, high=MAX_REQUESTS,
                      hint="Try requests=10_000.")
        else:
            check_number("Scenario", "duration_s", self.duration_s, low=0, low_open=True,
                         high=MAX_DURATION_S, hint="Try duration_s=60.")

    def _check_closed_loop_moves(self, t: Traffic) -> None:
        if not isinstance(t.arrivals, ClosedLoop) or t.arrivals.think_ms > 0:
            return
        w = t.workload
        if cpu_demand(self.server, w.view, w.cpu_ms).total_ms + w.io_ms <= 0:
            raise ValueError(
                f"Scenario: traffic {t.name!r} is a closed loop whose requests take no time "
                "and whose users never think, so simulated time would never move. Give the "
                "workload some cpu_ms or io_ms, or the users some think_ms."
            )


def _check_parts(owner: str, workload: object, arrivals: object) -> None:
    if not isinstance(workload, Workload):
        raise ValueError(f"{owner}(workload={workload!r}): workload must be a Workload(...).")
    if not isinstance(arrivals, _ARRIVAL_TYPES):
        raise ValueError(
            f"{owner}(arrivals={arrivals!r}): arrivals must be Poisson(...), Constant(...), "
            "Bursts(...) or ClosedLoop(...)."
        )
