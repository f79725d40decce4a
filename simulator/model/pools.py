"""Connection pools: a database that only takes so many connections at once.

A :class:`Pool` is a named set of ``size`` connections. A workload that names it
(``Workload(io_ms=50, pool="db")``) must get a free connection before its I/O, holds it
for the whole I/O and then gives it back. Requests wait for a connection first come,
first served. What a request holds *while it waits* is the lesson:

- under WSGI the worker thread blocks on the pool, so it keeps its lane;
- under ASGI an ``async`` view *awaits* the pool, so the event loop serves others
  meanwhile; a sync view waits on its own thread, off the loop; an ``async_blocking``
  view (a blocking driver called from ``async def``) holds the loop while it waits.

``per_process=False`` (the default) is one limit for every server process together:
what the database's own ``max_connections`` (or a shared PgBouncer) enforces.
``per_process=True`` gives each server process its own pool of ``size``: what an
application-side pool (SQLAlchemy's ``QueuePool``, a psycopg pool) does.

With Poisson arrivals and exponential I/O the wait for a connection of a shared pool of
``c`` is the M/M/c queue of :func:`simulator.theory.erlang_c`.

>>> Pool("db", size=10)
Pool(name='db', size=10, per_process=False)
>>> Pool("db", size=0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: Pool(size=0): size must be a whole number from 1 to 100000. A pool needs ...
"""

from __future__ import annotations

from dataclasses import dataclass

from ._check import check_int

MAX_POOL = 100_000


@dataclass(frozen=True)
class Pool:
    """A pool of ``size`` connections named ``name`` (see the module docstring).

    Parameters
    ----------
    name:
        What a :class:`~simulator.model.Workload` calls it in ``pool=...``.
    size:
        Connections (1-100,000).
    per_process:
        ``True``: every server process has its own ``size`` connections;
        ``False`` (default): ``size`` for all processes together.
    """

    name: str
    size: int = 10
    per_process: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Pool(name={self.name!r}): name must be a non-empty string, "
                             "e.g. Pool('db', size=10).")
        check_int("Pool", "size", self.size, low=1, high=MAX_POOL,
                  hint="A pool needs at least one connection; try size=10.")
        if not isinstance(self.per_process, bool):
            raise ValueError(f"Pool(per_process={self.per_process!r}): per_process must be "
                             "True (a pool in every process) or False (one shared limit).")

    def connections(self, processes: int) -> int:
        """Connections in all, for a server of ``processes`` processes.

        >>> Pool("db", 10, per_process=True).connections(3)
        30
        """
        return self.size * processes if self.per_process else self.size

    def describe(self) -> str:
        """A short label, e.g. ``"db: 10 shared"``."""
        return f"{self.name}: {self.size} {'per process' if self.per_process else 'shared'}"
