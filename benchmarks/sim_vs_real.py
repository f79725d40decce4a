"""Simulated vs measured: does the model predict the real servers on this machine?

For the 50 ms I/O endpoint (``time.sleep`` in WSGI, ``await asyncio.sleep`` in ASGI)
this runs waitress with 1 and 4 threads and uvicorn, each in a subprocess, under a
closed loop of 1, 4, 16 and 64 users, and simulates the same scenario with the
per-request costs measured by :func:`simulator.live.calibrate`. It prints throughput,
p50 and p95 side by side with the relative error of the simulation
((measured - simulated) / simulated). Goal: within 15% on every row.

The model has no client. ``gen lag`` is how late the load generator's event loop woke
up (p95, ms): its own congestion, which lands in every latency it measures; ``note``
says when the run marked the generator as the limit. At 64 users (about 1,200 answers a
second, arriving in waves) the generator's 0.12 ms of CPU per request adds a few
milliseconds to the slowest answers, so that row's p95 is the one nearest the limit.

Run: ``python benchmarks/sim_vs_real.py`` (about two minutes).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from simulator import ClosedLoop, Pool, Scenario, Workload, simulate
from simulator.live import calibrate, run_load, serve
from simulator.live.calibrate import Calibration
from simulator.model import ASGIServer, WSGIServer

IO_MS = 50.0
USERS = (1, 4, 16, 64)
GOAL = 0.15


@dataclass(frozen=True)
class Setup:
    label: str
    app: str
    interface: str
    threads: int | None
    view: str
    pool: int | None = None  # connections of the app's pool (simulator.live.pooled)

    def model(self, cal: Calibration) -> WSGIServer | ASGIServer:
        if self.interface == "asgi":
            return cal.asgi()
        return cal.wsgi(threads=self.threads or 1)


SETUPS = (
    Setup("WSGI 1 thread", "simulator.live.apps:wsgi_app", "wsgi", 1, "sync"),
    Setup("WSGI 4 threads", "simulator.live.apps:wsgi_app", "wsgi", 4, "sync"),
    Setup("ASGI (uvicorn)", "simulator.live.apps:asgi_app", "asgi", None, "async"),
    # A pool of 10 connections in front of the I/O (WSGI: 32 threads): 200 req/s at most.
    Setup("WSGI pool 10", "simulator.live.pooled:pool_wsgi(size=10)", "wsgi", 32,
          "sync", pool=10),
    Setup("ASGI pool 10", "simulator.live.pooled:pool_asgi(size=10)", "asgi", None, "async",
          pool=10),
)


def _err(real: float, sim: float) -> float:
    return (real - sim) / sim if sim else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0,
                        help="seconds of sending per row (default 4)")
    args = parser.parse_args()
    began = time.monotonic()
    cal = calibrate(django=False)
    print(cal.table(), "\n")
    head = (f"{'server':<15} {'users':>5} | {'thr sim':>8} {'thr real':>8} {'err':>6} | "
            f"{'p50 sim':>8} {'p50 real':>8} {'err':>6} | {'p95 sim':>8} {'p95 real':>8} "
            f"{'err':>6} | {'gen lag':>7} | note")
    print(f"throughput in req/s, latency in ms; {IO_MS:g} ms endpoint, closed loop, "
          f"{args.duration:g} s per row; err = (real - sim) / sim")
    print(head)
    print("-" * len(head))
    worst = worst_fair = 0.0
    for setup in SETUPS:
        kw = {} if setup.threads is None else {"threads": setup.threads}
        with serve(setup.app, interface=setup.interface, name="sim-vs-real", quiet=True,
                   **kw) as srv:
            url = srv.url_for("/", io_ms=IO_MS)
            run_load(url, ClosedLoop(users=8), requests=40, progress=False)  # warm up
            for users in USERS:
                real = run_load(url, ClosedLoop(users=users), duration_s=args.duration,
                                progress=False)
                pools = (Pool("db", setup.pool),) if setup.pool else ()
                sc = Scenario(server=setup.model(cal),
                              workload=Workload(io_ms=IO_MS, view=setup.view,
                                                pool="db" if pools else None),
                              arrivals=ClosedLoop(users=users), duration_s=args.duration,
                              seed=1, pools=pools)
                sim = simulate(sc)
                r, s = real.summary(), sim.summary()
                errs = (_err(r.throughput_rps, s.throughput_rps), _err(r.p50_ms, s.p50_ms),
                        _err(r.p95_ms, s.p95_ms))
                worst = max(worst, *(abs(e) for e in errs))
                limited = bool(real.meta["generator_limited"])
                if not limited:
                    worst_fair = max(worst_fair, *(abs(e) for e in errs))
                note = "generator-limited" if limited else ""
                if r.failed:
                    note += f" {r.failed} failed"
                print(f"{setup.label:<15} {users:>5} | {s.throughput_rps:>8.1f} "
                      f"{r.throughput_rps:>8.1f} {errs[0]:>+6.1%} | {s.p50_ms:>8.1f} "
                      f"{r.p50_ms:>8.1f} {errs[1]:>+6.1%} | {s.p95_ms:>8.1f} {r.p95_ms:>8.1f} "
                      f"{errs[2]:>+6.1%} | {real.meta['loop_lag_p95_ms']:>7.1f} | {note}")
    verdict = "met" if worst <= GOAL else "NOT met"
    print(f"\nlargest relative error {worst:.1%} (goal <= {GOAL:.0%}: {verdict}); on rows "
          f"where the generator was not the limit {worst_fair:.1%}; "
          f"{time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
