"""gunicorn's worker classes, live: the same Django endpoint, three ways to run it.

gunicorn is a *process manager*: a master process that forks workers, restarts them
when they die, and hands them connections. What a worker does with a request is its
**worker class**:

- ``sync``: one request at a time per worker process (one lane each);
- ``gthread``: a pool of ``threads`` threads per worker (``threads`` lanes each, one GIL);
- ``uvicorn_worker.UvicornWorker`` (from the ``uvicorn-worker`` package): uvicorn's
  event loop in each worker, serving the ASGI entry point.

:data:`WORKER_CLASSES` lists the three with two workers each, and
:func:`measure_worker_classes` serves the course's Django project with each (in
subprocesses, one after another), loads one endpoint with closed-loop users and reads
the resident memory (RSS, psutil) of the master and of the workers while they are warm.
Each :class:`WorkerClass` knows the simulator's description of itself
(:meth:`WorkerClass.model`), so the model can stand beside every measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psutil

from ..model import ASGIServer, ClosedLoop, Scenario, Workload, WSGIServer
from ..model._check import check_choice, check_int, check_number
from ..results import RunResult
from .django_project import ASGI_APP, WSGI_APP
from .load import run_load
from .serving import serve

__all__ = ["WORKER_CLASSES", "Served", "WorkerClass", "measure_worker_classes"]

MB = 1024 * 1024


@dataclass(frozen=True)
class WorkerClass:
    """One gunicorn set-up: ``worker`` (``"sync"``, ``"gthread"`` or ``"uvicorn"``),
    ``workers`` processes, ``threads`` per process (gthread), and a ``label``."""

    label: str
    worker: str
    workers: int = 2
    threads: int = 1

    def __post_init__(self) -> None:
        check_choice("WorkerClass", "worker", self.worker, ("sync", "gthread", "uvicorn"))
        check_int("WorkerClass", "workers", self.workers, low=1, high=8, hint="Try 2.")
        check_int("WorkerClass", "threads", self.threads, low=1, high=64, hint="Try 8.")
        if (self.worker == "gthread") != (self.threads > 1):
            raise ValueError(f"WorkerClass(worker={self.worker!r}, threads={self.threads}): "
                             "gthread needs threads > 1, and the others run one thread.")

    @property
    def interface(self) -> str:
        return "asgi" if self.worker == "uvicorn" else "wsgi"

    @property
    def path(self) -> str:
        """The Django view it serves: the sync view, or the async one under ASGI."""
        return "/async" if self.interface == "asgi" else "/sync"

    @property
    def command(self) -> str:
        """The gunicorn command line that runs it (as a deployment would write it)."""
        app = ("mysite.asgi:application" if self.interface == "asgi"
               else "mysite.wsgi:application")
        klass = {"sync": "sync", "gthread": f"gthread --threads {self.threads}",
                 "uvicorn": "uvicorn_worker.UvicornWorker"}[self.worker]
        return f"gunicorn {app} --workers {self.workers} --worker-class {klass}"

    def model(self) -> WSGIServer | ASGIServer:
        """The simulator's description of it (the workers; the master serves nothing)."""
        if self.interface == "asgi":
            return ASGIServer(processes=self.workers)
        return WSGIServer(processes=self.workers, threads=self.threads)

    def scenario(self, *, io_ms: float, users: int, requests: int = 3_000) -> Scenario:
        """``users`` closed-loop users of the view, ``io_ms`` of waiting each."""
        view = "async" if self.interface == "asgi" else "sync"
        return Scenario(server=self.model(), workload=Workload(io_ms=io_ms, view=view),
                        arrivals=ClosedLoop(users=users), requests=requests)


WORKER_CLASSES = (
    WorkerClass("sync\n2 workers", "sync"),
    WorkerClass("gthread\n2 workers x 8 threads", "gthread", threads=8),
    WorkerClass("uvicorn worker\n2 workers", "uvicorn"),
)
"""The three worker classes of notebook 09, two workers each."""


@dataclass(frozen=True)
class Served:
    """One measurement: the live run, and the RSS (MB) of the master and of each worker."""

    run: RunResult
    master_mb: float
    worker_mb: tuple[float, ...]

    @property
    def workers_mb(self) -> float:
        """All workers together (MB)."""
        return float(sum(self.worker_mb))


def _rss(pid: int) -> tuple[float, tuple[float, ...]]:
    master = psutil.Process(pid)
    workers = tuple(w.memory_info().rss / MB for w in master.children(recursive=True))
    return master.memory_info().rss / MB, workers


def measure_worker_classes(classes: Sequence[WorkerClass] = WORKER_CLASSES, *,
                           io_ms: float = 50.0, users: int = 16,
                           seconds: float = 1.5) -> dict[str, Served]:
    """Serve the Django project with each worker class (one after another, each in its
    own gunicorn), warm it up, load its view (``io_ms`` of waiting) with ``users``
    closed-loop users for about ``seconds``, and read the memory; label -> Served."""
    check_number("measure_worker_classes", "io_ms", io_ms, high=1000, hint="Try 50.")
    check_int("measure_worker_classes", "users", users, low=1, high=128, hint="Try 16.")
    check_number("measure_worker_classes", "seconds", seconds, low=0.2, high=10,
                 hint="Try 1.5.")
    out: dict[str, Served] = {}
    for wc in classes:
        app = ASGI_APP if wc.interface == "asgi" else WSGI_APP
        threads = wc.threads if wc.interface == "wsgi" else None
        with serve(app, interface=wc.interface, server="gunicorn", processes=wc.workers,
                   threads=threads, name="worker-class", quiet=True,
                   start_timeout_s=30.0) as srv:
            url = srv.url_for(wc.path, io_ms=io_ms)
            run_load(url, ClosedLoop(users=users), requests=2 * users, progress=False)
            lanes = wc.workers * wc.threads if wc.interface == "wsgi" else users
            n = max(2 * users, int(min(users, lanes) / max(io_ms, 1.0) * 1000.0 * seconds))
            run = run_load(url, ClosedLoop(users=users), requests=n, progress=False,
                           label=" ".join(wc.label.split()))
            master, workers = _rss(srv.pid)
        out[wc.label] = Served(run, master, workers)
    return out
