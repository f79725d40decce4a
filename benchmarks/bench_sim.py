"""How fast the simulator runs, against a bare simpy M/M/c loop measured side by side.

    python benchmarks/bench_sim.py [--repeat 7]

Prints, for a few reference scenarios, the median wall time, requests simulated per
second, and the ratio to the bare loop. Goals on a 2-core machine: the default
10,000-request scenario (WSGI 1x4, 50 ms exponential I/O, Poisson 60/s) in <= 0.25 s and
<= 2.0x the bare loop with tracing off.

Production rows (pools, retries, replications, the planner), goals: the default scenario
(no pool, no retries) still within 1.5x the bare loop now that the engine has pools and
retries, and what a pool and client retries add shown beside it; ``replicate`` of 20
runs of 2,000 requests, in this process and on two worker processes, against the bare
loop over the same 40,000 requests; ``plan`` for the textbook case (Poisson 60/s,
exponential 50 ms I/O, p95 <= 180 ms, WSGI and ASGI) in a few seconds.
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import simpy

from simulator import (
    ASGIServer,
    ClosedLoop,
    Poisson,
    Pool,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    plan,
    replicate,
    simulate,
)

N = 10_000


def bare_mmc(n: int = N, lam: float = 60.0, mean_s: float = 0.05, c: int = 4,
             seed: int = 1) -> list[float]:
    """The smallest honest simpy M/M/c: a source, a Resource, a timeout, a latency list."""
    rnd = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=c)
    latencies: list[float] = []

    def customer() -> simpy.events.ProcessGenerator:
        arrived = env.now
        with server.request() as req:
            yield req
            yield env.timeout(rnd.expovariate(1 / mean_s))
        latencies.append(env.now - arrived)

    def source() -> simpy.events.ProcessGenerator:
        for _ in range(n):
            yield env.timeout(rnd.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run()
    return latencies


DEFAULT = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50, dist="exponential"),
                   arrivals=Poisson(60), requests=N, seed=1)

CASES: dict[str, Callable[[], object]] = {
    "bare simpy M/M/4 (reference)": bare_mmc,
    "default: WSGI 1x4, io 50 ms, Poisson 60/s": lambda: simulate(DEFAULT),
    "default, traced": lambda: simulate(DEFAULT, trace=True),
    "ASGI async, io 50 ms, Poisson 60/s": lambda: simulate(Scenario(
        server=ASGIServer(), workload=Workload(io_ms=50, dist="exponential", view="async"),
        arrivals=Poisson(60), requests=N, seed=1)),
    "WSGI 2x4, cpu 2 + io 20 ms, Poisson 200/s (GIL)": lambda: simulate(Scenario(
        server=WSGIServer(processes=2, threads=4),
        workload=Workload(cpu_ms=2, io_ms=20, dist="exponential"),
        arrivals=Poisson(200), requests=N, seed=1)),
    "ASGI sync views + hops, 32 users, timeout": lambda: simulate(Scenario(
        server=ASGIServer(switch_ms=1), workload=Workload(cpu_ms=1, io_ms=30,
        dist="exponential"), arrivals=ClosedLoop(32), requests=N, seed=1, timeout_s=0.1)),
    "two classes: health + reports, WSGI 1x8": lambda: simulate(Scenario(
        server=WSGIServer(threads=8),
        traffic=(Traffic("health", Workload(io_ms=1), Poisson(50)),
                 Traffic("report", Workload(cpu_ms=5, io_ms=500, dist="exponential"),
                         Poisson(10))), requests=N, seed=1)),
}


POOLED = replace(DEFAULT, workload=Workload(io_ms=50, dist="exponential", pool="db"),
                 pools=(Pool("db", size=10),))
RETRYING = replace(DEFAULT, timeout_s=0.5, retries=2)
SMALL = replace(DEFAULT, requests=2_000)

PRODUCTION: dict[str, Callable[[], object]] = {
    "default + a pool of 10 connections": lambda: simulate(POOLED),
    "default + timeout 0.5 s, 2 retries": lambda: simulate(RETRYING),
    "replicate: 20 runs x 2,000, this process": lambda: replicate(SMALL, runs=20, workers=1),
    "replicate: 20 runs x 2,000, 2 workers": lambda: replicate(SMALL, runs=20, workers=2),
    "plan: Poisson 60/s, 50 ms, p95 <= 180 ms": lambda: plan(
        workload=Workload(io_ms=50, dist="exponential"), arrivals=Poisson(60),
        target_p95_ms=180, servers=("wsgi", "asgi")),
}


def measure(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs per case (median reported)")
    args = ap.parse_args()
    measure(CASES["default: WSGI 1x4, io 50 ms, Poisson 60/s"], 2)  # warm up imports, caches
    results = {name: measure(fn, args.repeat) for name, fn in CASES.items()}
    bare = results["bare simpy M/M/4 (reference)"]
    print(f"{'scenario (10,000 requests)':<50} {'median s':>9} {'req/s':>9} {'x bare':>7}")
    for name, t in results.items():
        print(f"{name:<50} {t:>9.3f} {N / t:>9,.0f} {t / bare:>7.2f}")
    default = results["default: WSGI 1x4, io 50 ms, Poisson 60/s"]
    ok = default <= 0.25 and default / bare <= 2.0
    print(f"\ngoal (default <= 0.25 s and <= 2.0x bare): {'met' if ok else 'NOT met'} "
          f"({default:.3f} s, {default / bare:.2f}x)")
    production(args.repeat)


def production(repeat: int) -> None:
    """The production rows, each against the bare loop over as many requests."""
    bare_n = {n: measure(functools.partial(bare_mmc, n), repeat) for n in (N, 20 * 2_000)}
    default = measure(lambda: simulate(DEFAULT), repeat) / bare_n[N]
    sizes = {"replicate": 20 * 2_000, "plan": 0}
    print(f"\n{'production':<50} {'median s':>9} {'x bare':>7}")
    print(f"{'default (no pool, no retries), again':<50} {default * bare_n[N]:>9.3f} "
          f"{default:>7.2f}")
    for name, fn in PRODUCTION.items():
        t = measure(fn, max(3, repeat // 2))
        n = next((v for k, v in sizes.items() if name.startswith(k)), N)
        ratio = f"{t / bare_n[n]:>7.2f}" if n else f"{'-':>7}"
        print(f"{name:<50} {t:>9.3f} {ratio}")
    print(f"\ngoal (the default scenario <= 1.5x bare with pools and retries in the engine): "
          f"{'met' if default <= 1.5 else 'NOT met'} ({default:.2f}x)")


if __name__ == "__main__":
    main()
