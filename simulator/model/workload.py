"""Workloads: what one request asks of the server.

A request first computes (``cpu_ms``: needs its process's GIL and a core), then waits on
I/O (``io_ms``: a database, another service; needs neither). How the view is written
decides what it holds while it waits:

- ``"sync"``: a plain ``def`` view. Under WSGI it keeps its lane; under ASGI the server
  runs it on a thread of its own (Django's ``sync_to_async``), paying a thread hop.
- ``"async"``: an ``async def`` view that ``await``\\s its I/O. Under ASGI it holds the
  loop only while computing.
- ``"async_blocking"``: an ``async def`` view that calls a blocking function such as
  ``time.sleep`` or ``requests.get``. Under ASGI it holds the loop through its I/O, so
  every other request on that loop waits: the highway becomes a one-lane bridge.

Durations are ``"constant"``, ``"exponential"`` or ``"lognormal"`` (with coefficient of
variation ``cv``), drawn independently for CPU and I/O.

``pool`` names a connection pool of the scenario (:class:`~simulator.model.Pool`): the
request's I/O then first waits for a free connection and holds it while it waits on I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._check import check_choice, check_number

VIEWS = ("sync", "async", "async_blocking")
DISTS = ("constant", "exponential", "lognormal")
MAX_MS = 3_600_000.0  # one hour


@dataclass(frozen=True, kw_only=True)
class Workload:
    """The work of one request.

    Parameters
    ----------
    cpu_ms:
        Mean CPU time of the view (ms, 0 to one hour).
    io_ms:
        Mean I/O wait of the view (ms, 0 to one hour).
    dist:
        Distribution of both durations: ``"constant"``, ``"exponential"`` or ``"lognormal"``.
    view:
        ``"sync"``, ``"async"`` or ``"async_blocking"`` (see the module docstring).
    cv:
        Coefficient of variation (standard deviation / mean) for ``"lognormal"``, 0.05-10.
    pool:
        Name of a :class:`~simulator.model.Pool` of the scenario that the I/O needs a
        connection of (``None``: the I/O needs none). A request without I/O takes none.
    """

    cpu_ms: float = 0.0
    io_ms: float = 0.0
    dist: str = "constant"
    view: str = "sync"
    cv: float = 1.0
    pool: str | None = None

    def __post_init__(self) -> None:
        own = "Workload"
        check_number(own, "cpu_ms", self.cpu_ms, high=MAX_MS,
                     hint="Use 0 for a view that only waits on I/O.")
        check_number(own, "io_ms", self.io_ms, high=MAX_MS,
                     hint="Use 0 for a view that only computes.")
        check_choice(own, "dist", self.dist, DISTS)
        check_choice(own, "view", self.view, VIEWS)
        check_number(own, "cv", self.cv, low=0.05, high=10.0)
        if self.pool is not None and (not isinstance(self.pool, str) or not self.pool.strip()):
            raise ValueError(f"Workload(pool={self.pool!r}): pool must be the name of a "
                             "Pool of the scenario, e.g. pool='db', or None.")
