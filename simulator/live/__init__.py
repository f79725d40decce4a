"""The live lab: real WSGI and ASGI servers on 127.0.0.1, loaded from a notebook cell.

The simulator predicts; this measures. Start a real server, send it real requests, and
get back the same :class:`~simulator.RunResult` the simulator returns, so the model and
reality can be drawn on the same axes::

    from simulator import ClosedLoop, Poisson
    from simulator.live import serve, run_load, apps

    with serve(apps.sleep_wsgi(ms=50), interface="wsgi", threads=1) as srv:
        real = run_load(srv.url, ClosedLoop(users=16), requests=200)   # about 20 req/s
    with serve(apps.sleep_asgi(ms=50), interface="asgi") as srv:
        real = run_load(srv.url, ClosedLoop(users=16), requests=200)   # 16 at a time

It is built in two rooms that never import each other, with the apps beside them:

- :mod:`.serving`: :func:`serve` runs waitress, wsgiref or uvicorn in this process
  (daemon threads, never the kernel's loop), or any of them and gunicorn in a
  subprocess for an app given as an import string; a registry makes rerunning a cell
  safe; :class:`ServerConfig` is one checked description of what runs.
- :mod:`.load`: :func:`run_load` / :func:`run_load_async`, an open- or closed-loop load
  generator that keeps to its schedule, says how much of each latency was its own time,
  and says when it, not the server, set the pace.
- beside them: :mod:`~simulator.live.apps` (raw WSGI and ASGI demo apps that stamp
  where and when they ran, :mod:`._stamp`), :mod:`~simulator.live.websocket` (an echo
  and broadcast websocket app), :mod:`~simulator.live.django_project` (a real Django
  project), :func:`measure_cpu` (a server's own CPU per request, from the clock its
  responses report) and :func:`calibrate` (this machine's per-request costs, for
  ``simulate()``), which use both rooms; :class:`LiveLabWarning` for a mistake a
  student can fix (nothing listening at the address, an app served as the other
  interface).
"""

from . import (
    adapters,
    apps,
    coroutines,
    django_project,
    gil,
    lineup,
    loop_watch,
    myth_runs,
    myths,
    server_cpu,
    streaming,
    threads,
    websocket,
)
from ._warnings import LiveLabWarning
from .calibrate import Calibration, calibrate
from .load import Target, run_load, run_load_async, set_target_lookup
from .server_cpu import measure_cpu
from .serving import LiveServer, ServerConfig, ServerStartError, by_port, running, serve, stop_all
from .websocket import broadcast_check
from .wrong_server import GunicornRun, try_on_gunicorn


def _target(port: int) -> Target | None:
    """The label of the server :func:`serve` started on ``port`` (for run_load's legends)."""
    srv = by_port(port)
    return None if srv is None else Target(srv.describe(), srv.in_process)


set_target_lookup(_target)  # the one place where the two rooms meet

__all__ = [
    "Calibration",
    "GunicornRun",
    "LiveLabWarning",
    "LiveServer",
    "ServerConfig",
    "ServerStartError",
    "adapters",
    "apps",
    "broadcast_check",
    "calibrate",
    "coroutines",
    "django_project",
    "gil",
    "lineup",
    "loop_watch",
    "measure_cpu",
    "myth_runs",
    "myths",
    "run_load",
    "run_load_async",
    "running",
    "serve",
    "server_cpu",
    "stop_all",
    "streaming",
    "threads",
    "try_on_gunicorn",
    "websocket",
]
