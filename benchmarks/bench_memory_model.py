"""What a server process and a thread cost in memory: the defaults of the memory model.

    python benchmarks/bench_memory_model.py [--threads 64] [--requests 400]

Serves the course's Django project in a subprocess of its own (waitress with 1 and with
``--threads`` threads, uvicorn with one event loop), warms each up with ``--requests``
requests from 64 concurrent clients on its ``/orm`` view (so that every thread has run
Django and opened its own database connection), and
reads the server's resident set size (RSS) and unique set size (USS) with psutil.

- waitress, 1 thread -> the base of a WSGI process (``process_mb``, minus one thread);
- waitress, N threads -> (RSS(N) - RSS(1)) / (N - 1) = the cost of a thread (``thread_mb``);
- uvicorn, after the same ``/orm`` warm-up -> the base of an ASGI process (a first
  warm-up on ``/async`` shows what the ORM adds). Under ASGI Django runs each sync view on a
  thread of its own that ends with the request, so no thread cost can be read at rest;
  the model uses waitress's.

It prints the figures and the values to put in ``simulator/model/memory.py``. Machines,
Pythons and Django versions differ: the figures are this machine's.
"""

from __future__ import annotations

import argparse
import platform
import time
from typing import Any

import psutil

from simulator import ClosedLoop
from simulator.live import run_load, serve

WSGI_APP = "simulator.live.django_project.wsgi:application"
ASGI_APP = "simulator.live.django_project.asgi:application"
MB = 1024 * 1024


def _measure(pid: int) -> tuple[float, float, int]:
    """(RSS MB, USS MB, threads) of the server process and its children together."""
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    rss = sum(p.memory_info().rss for p in procs) / MB
    uss = sum(p.memory_full_info().uss for p in procs) / MB
    return rss, uss, sum(p.num_threads() for p in procs)


def _warm(url: str, requests: int) -> None:
    run_load(url, ClosedLoop(users=64), requests=requests, progress=False)
    time.sleep(0.5)  # let the allocator settle


def serve_and_measure(app: str, interface: str, path: str, requests: int,
                      **kw: Any) -> tuple[float, float, int]:
    with serve(app, interface=interface, quiet=True, start_timeout_s=20.0, **kw) as srv:
        _warm(srv.url + path, requests)
        return _measure(srv.pid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=64, help="threads of the big waitress")
    ap.add_argument("--requests", type=int, default=400, help="warm-up requests per server")
    args = ap.parse_args()
    n = args.threads
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    w1 = serve_and_measure(WSGI_APP, "wsgi", "/orm", args.requests, threads=1)
    wn = serve_and_measure(WSGI_APP, "wsgi", "/orm", args.requests, threads=n)
    with serve(ASGI_APP, interface="asgi", quiet=True, start_timeout_s=20.0) as srv:
        _warm(srv.url + "/async", args.requests)
        a0 = _measure(srv.pid)
        _warm(srv.url + "/orm", args.requests)
        a1 = _measure(srv.pid)
    print(f"{'server':<34} {'RSS MB':>8} {'USS MB':>8} {'threads':>8}")
    for label, m in (("waitress, 1 thread", w1), (f"waitress, {n} threads", wn),
                     ("uvicorn, async views", a0), ("uvicorn, after sync ORM views", a1)):
        print(f"{label:<34} {m[0]:>8.1f} {m[1]:>8.1f} {m[2]:>8}")
    per_thread = (wn[0] - w1[0]) / (n - 1)
    wsgi_base = w1[0] - per_thread
    print(f"\nWSGI: process_mb = {wsgi_base:.1f}, thread_mb = {per_thread:.2f} "
          f"(from {n - 1} extra threads)")
    print(f"ASGI: process_mb = {a1[0]:.1f} ({a1[0] - a0[0]:+.1f} MB for the ORM); threads "
          f"{a0[2]} -> {a1[2]} after sync views")


if __name__ == "__main__":
    main()
