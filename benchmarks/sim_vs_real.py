"""Simulated vs measured: does the model predict the real servers on this machine?

For the 50 ms I/O endpoint (``time.sleep`` in WSGI, ``await asyncio.sleep`` in ASGI)
this runs waitress with 1 and 4 threads and uvicorn, each in a subprocess, under a
closed loop of 1, 4, 16 and 64 users, and simulates the same scenario with the
per-request costs measured by :func:`simulator.live.calibrate`. It prints throughput,
p50 and p95 side by side with the relative error of the simulation
((measured - simulated) / simulated). Goal: within 10% on every row.

The model has no client; the measurement has one, and its cost is accounted for, not
ignored:

- a latency ends when the load generator's parser has read the answer's last byte (as
  ``wrk``'s does), so the generator's handling of an answer is not in it;
- what a closed-loop user then spends in the generator before its next request (its
  CPU per request, which ``calibrate()`` measures, plus any wait for the generator's
  loop) is measured in every run (``gen ms``) and given to the model as the users'
  think time: in a closed loop that is where it goes (X = N / (R + Z));
- what is left of the generator inside a latency (sending, and the estimated wait of
  a finished answer for the generator's loop) is shown as ``gen %``, its share of the
  p50 or p95; the run flags itself when that passes 10% (``note``).

Where the model and the server part, the script measures what most often parts them:
**waves**, the index of dispersion of the sends per millisecond (variance over mean of
how many requests were sent in each millisecond, start-up left out): 1 for sends that
come at random (Poisson), below 1 for evenly spaced ones, above 1 when they come in
bunches. In a bunch each request waits for those ahead
of it, in the server's loop and in the generator's. A real event loop answers in turns
(every timer due in one turn fires together, and the generator's loop sends the next
requests of those users in one turn), and a wait of exactly 50 ms keeps a bunch
together; the model's users, whose time in the generator is drawn at random, bunch less.
The column puts the two side by side for every row, and a row over the goal says which
way they differed.

With ``wrk`` installed (Debian's package), each row is also measured by it, the outside
reference (``wrk`` columns: its errors against the same simulation, for throughput and
p95): where the model misses and ``wrk`` misses by as much, the difference is in the
server or the machine, not in the load generator. ``--no-wrk`` skips it.

Rows are data (:data:`ROWS`): the three servers at 1-64 users, and a pool of 10
connections in front of the I/O on WSGI (32 threads) and ASGI at 16 and 64 users.

Run: ``python benchmarks/sim_vs_real.py`` (about a minute; two with ``wrk``).
"""

from __future__ import annotations

import argparse
import shutil
import time
from typing import Any

from _machine import machine
from vs_wrk import settle, wrk

from simulator import ClosedLoop, simulate
from simulator.live import calibrate, run_load
from simulator.live.calibrate import Calibration
from simulator.live.lineup import Setup
from simulator.metrics import percentiles
from simulator.results import RunResult

IO_MS = 50.0
USERS = (1, 4, 16, 64)
GOAL = 0.10
SKIP_S = 0.5  # the start-up that ``waves`` leaves out: every user sends at once there


# Each server and its model, as notebook 06 describes its line-up.
WSGI_1 = Setup("WSGI 1 thread", "wsgi", threads=1)
WSGI_4 = Setup("WSGI 4 threads", "wsgi", threads=4)
ASGI = Setup("ASGI (uvicorn)", "asgi")
# A pool of 10 connections in front of the I/O (simulator.live.pooled): at most
# 10 / 0.05 s = 200 req/s, however many threads (32 here) or coroutines wait for it.
WSGI_POOL = Setup("WSGI 32, pool 10", "wsgi", threads=32,
                  app="simulator.live.pooled:pool_wsgi(size=10)", pool_size=10)
ASGI_POOL = Setup("ASGI, pool 10", "asgi", app="simulator.live.pooled:pool_asgi(size=10)",
                  view="async", pool_size=10)
ROWS: tuple[tuple[Setup, int], ...] = tuple(
    (setup, users) for setup in (WSGI_1, WSGI_4, ASGI) for users in USERS) + tuple(
    (setup, users) for setup in (WSGI_POOL, ASGI_POOL) for users in (16, 64))


def _err(real: float, sim: float) -> float:
    return (real - sim) / sim if sim else float("nan")


def waves(run: RunResult) -> float:
    """Index of dispersion of the sends per millisecond (variance / mean; Poisson: 1),
    from ``SKIP_S`` after the first send to the last one; ``nan`` with too few sends."""
    times = sorted(r.sent_s if r.sent_s is not None else r.arrival_s for r in run.records)
    if len(times) < 50:
        return float("nan")
    t0 = times[0] + SKIP_S
    bins = int((times[-1] - t0) * 1000)
    if bins < 100:
        return float("nan")
    counts = [0] * bins
    for t in times:
        i = int((t - t0) * 1000)
        if 0 <= i < bins:
            counts[i] += 1
    mean = sum(counts) / bins
    if mean == 0:
        return float("nan")
    return sum((c - mean) ** 2 for c in counts) / bins / mean


def where_time_went(run: RunResult) -> dict[str, tuple[float, float]]:
    """p50 and p95, in ms, of the answered requests' time before the application began
    (sent, read, waiting for the loop or a thread), in it (the view: its 50 ms wait and
    any wait for a pool's connection), and after it (the answer's way back to the
    generator's parser). Live runs take the first two from the server's stamps
    (``start_s``, ``done_s``); the model has the same."""
    parts: dict[str, list[float]] = {"before": [], "in": [], "after": []}
    for r in run.records:
        if r.status != "ok" or r.start_s is None or r.done_s is None:
            continue
        sent = r.sent_s if r.sent_s is not None else r.arrival_s
        parts["before"].append(r.start_s - sent)
        parts["in"].append(r.done_s - r.start_s)
        parts["after"].append(r.end_s - r.done_s)
    went = {}
    for part, seconds in parts.items():
        p50, p95 = percentiles([1000.0 * v for v in seconds], (50, 95))
        went[part] = (p50, p95)
    return went


def _simulate(setup: Setup, cal: Calibration, users: int, real: RunResult,
              duration_s: float) -> RunResult:
    """The model of ``setup`` with the users' measured time in the generator as think."""
    sc = setup.scenario(io_ms=IO_MS, users=users, think_ms=float(real.meta["user_gap_ms"]),
                        duration_s=duration_s, overhead_ms=cal.overhead(setup.interface),
                        seed=1)
    return simulate(sc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0,
                        help="seconds of sending per row (default 4)")
    parser.add_argument("--no-wrk", action="store_true",
                        help="do not measure each row with wrk as well")
    args = parser.parse_args()
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    began = time.monotonic()
    print(machine())
    cal = calibrate(django=False)
    print(cal.table(), "\n")
    print(f"The model has no client. Latencies end when the generator has parsed the "
          f"answer's last byte (as wrk's do); the time users then spend in the generator "
          f"before their next request (its CPU, {cal.client_ms:.3f} ms per request in "
          "calibrate(), plus any wait for its loop) is measured in each run ('gen ms') and "
          "given to the model as think time; 'gen %' is what is left of the generator "
          "inside the latencies (largest share of p50 or p95).\n")
    head = (f"{'server':<16} {'users':>5} | {'thr sim':>8} {'thr real':>8} {'err':>6} | "
            f"{'p50 sim':>8} {'p50 real':>8} {'err':>6} | {'p95 sim':>8} {'p95 real':>8} "
            f"{'err':>6} | {'gen ms':>6} {'gen %':>5} | {'waves':>5} {'sim':>4} | "
            f"{'wrk thr':>7} {'p95':>6} | note")
    print(f"throughput in req/s, latency in ms; {IO_MS:g} ms endpoint, closed loop, "
          f"{args.duration:g} s per row; err = (real - sim) / sim")
    print(head)
    print("-" * len(head))
    worst = worst_wrk = 0.0
    where = where_wrk = ""
    misses: list[str] = []
    current: Setup | None = None
    srv: Any = None
    try:
        for setup, users in ROWS:
            if setup is not current:
                if srv is not None:
                    srv.stop()
                srv = setup.serve(name="sim-vs-real")
                current = setup
                run_load(srv.url_for("/", io_ms=IO_MS), ClosedLoop(users=8), requests=40,
                         progress=False)  # warm up
            url = srv.url_for("/", io_ms=IO_MS)
            real = run_load(url, ClosedLoop(users=users), duration_s=args.duration,
                            progress=False)
            sim = _simulate(setup, cal, users, real, args.duration)
            r, s = real.summary(), sim.summary()
            errs = (_err(r.throughput_rps, s.throughput_rps), _err(r.p50_ms, s.p50_ms),
                    _err(r.p95_ms, s.p95_ms))
            if max(abs(e) for e in errs) > worst:
                worst = max(abs(e) for e in errs)
                where = f"{setup.label}, {users} users"
            bunch = (waves(real), waves(sim))
            if max(abs(e) for e in errs) > GOAL:
                named = zip(errs, ("throughput", "p50", "p95"), strict=True)
                which = max(named, key=lambda x: abs(x[0]))
                if abs(bunch[0] - bunch[1]) <= 0.15 * max(bunch):
                    way = "the sends bunched alike; the difference is elsewhere"
                elif bunch[0] > bunch[1]:
                    way = "the real sends came in bigger bunches than the model's"
                else:
                    way = "the model's sends came in bigger bunches than the real ones"
                went_r, went_s = where_time_went(real), where_time_went(sim)
                went = "; ".join(
                    f"{part} the app {went_r[part][0]:.1f}/{went_r[part][1]:.1f} real, "
                    f"{went_s[part][0]:.1f}/{went_s[part][1]:.1f} simulated"
                    for part in ("before", "in", "after"))
                misses.append(f"{setup.label}, {users} users: {which[1]} {which[0]:+.1%}; "
                              f"waves {bunch[0]:.1f} real against {bunch[1]:.1f} simulated: "
                              f"{way}.\n    Where the time went (p50/p95, ms): {went}")
            w_errs = (float("nan"), float("nan"))
            if use_wrk:
                settle(url)
                ref = wrk(url, users, args.duration)
                settle(url)
                w_errs = (_err(ref.rps, s.throughput_rps), _err(ref.p95_ms, s.p95_ms))
                if max(abs(e) for e in w_errs) > worst_wrk:
                    worst_wrk = max(abs(e) for e in w_errs)
                    where_wrk = f"{setup.label}, {users} users"
            m = real.meta
            note = ("generator was the limit" if m["generator_limited"]
                    else "generator skewed it" if m["generator_skewed"] else "")
            if r.failed:
                note += f" {r.failed} failed"
            print(f"{setup.label:<16} {users:>5} | {s.throughput_rps:>8.1f} "
                  f"{r.throughput_rps:>8.1f} {errs[0]:>+6.1%} | {s.p50_ms:>8.1f} "
                  f"{r.p50_ms:>8.1f} {errs[1]:>+6.1%} | {s.p95_ms:>8.1f} {r.p95_ms:>8.1f} "
                  f"{errs[2]:>+6.1%} | {m['user_gap_ms']:>6.2f} "
                  f"{m['generator_latency_share']:>5.1%} | {bunch[0]:>5.1f} {bunch[1]:>4.1f} | "
                  f"{w_errs[0]:>+7.1%} "
                  f"{w_errs[1]:>+6.1%} | {note}")
    finally:
        if srv is not None:
            srv.stop()
    verdict = "met" if worst <= GOAL else "NOT met"
    print(f"\nlargest relative error {worst:.1%} ({where}; goal <= {GOAL:.0%}: {verdict})")
    for miss in misses:
        print(f"  over the goal: {miss}")
    if misses:
        print("  (waves: 1 for sends at random, more when they come in bunches; in a bunch "
              "each request waits for those ahead of it)")
    if use_wrk:
        print(f"wrk against the same simulation (throughput, p95): largest {worst_wrk:.1%} "
              f"({where_wrk})")
    print(f"{time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
