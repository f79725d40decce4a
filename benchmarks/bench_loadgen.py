"""How fast and how punctual is the load generator? (open loop, httpx)

Against a uvicorn hello world in a subprocess (so the server does not share the
generator's GIL), this prints:

1. schedule accuracy at 100 and 300 requests per second: how late requests left
   compared with their drawn send times (p50, p99, max), and the latencies measured;
2. the highest Poisson rate the generator holds with schedule lag p99 <= 5 ms, found
   by stepping the rate up (goal: >= 800 req/s; a bare asyncio client reached about
   5,000 here, httpx about 1,000). A step that misses is tried once more (other work on
   a shared machine can stall any process for a moment); the ramp stops at the first
   rate that misses twice, and the answer is the last rate before it.

``verdict`` is what the run said about itself (:mod:`simulator.live.load._verdict`):
``limit`` when it could not keep its schedule, ``skew`` when its own time was more than
10% of the p50 or p95 it measured (expected here: a hello world answers in a fraction
of a millisecond, about what a Python client takes to send and read), ``-`` otherwise.

Run: ``python benchmarks/bench_loadgen.py`` (about half a minute).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from typing import Any

from _machine import machine

from simulator import Poisson
from simulator.live import run_load, serve
from simulator.results import RunResult

LAG_LIMIT_MS = 5.0
GOAL_RPS = 800.0
ACCURACY_RATES = (100.0, 300.0)
RAMP = (400.0, 800.0, 1200.0, 1600.0, 2000.0, 2500.0, 3000.0, 3500.0, 4000.0, 4500.0, 5000.0)


def _row(rate: float, res: RunResult) -> str:
    m, s = res.meta, res.summary()
    sent = [r.sent_s for r in res.records if r.sent_s is not None]
    send_rate = (len(sent) - 1) / (max(sent) - min(sent)) if len(sent) > 1 else float("nan")
    return (f"{rate:>7.0f} {send_rate:>9.0f} {s.throughput_rps:>9.0f} | "
            f"{m['lag_p50_ms']:>7.2f} {m['lag_p99_ms']:>7.2f} {m['lag_max_ms']:>7.2f} | "
            f"{s.p50_ms:>7.2f} {s.p99_ms:>8.2f} | {m['generator_busy']:>5.0%} "
            f"{m['generator_cpu_ms_per_request']:>6.3f} | {s.failed:>4} | {_flag(m):<7}")


def _flag(meta: Mapping[str, Any]) -> str:
    return "limit" if meta["generator_limited"] else "skew" if meta["generator_skewed"] \
        else "-"


HEAD = (f"{'target':>7} {'sent/s':>9} {'ok/s':>9} | {'lag p50':>7} {'lag p99':>7} "
        f"{'lag max':>7} | {'lat p50':>7} {'lat p99':>8} | {'busy':>5} {'cpu ms':>6} | "
        f"{'fail':>4} | verdict")


def _step(url: str, rate: float, seconds: float, attempt: int) -> bool:
    res = run_load(url, Poisson(rate_per_s=rate), duration_s=seconds, seed=attempt,
                   progress=False)
    holds = res.meta["lag_p99_ms"] <= LAG_LIMIT_MS and res.summary().failed == 0
    print(_row(rate, res) + f" | {'yes' if holds else 'no'}")
    return bool(holds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per rate")
    args = parser.parse_args()
    began = time.monotonic()
    print(machine())
    with serve("simulator.live.apps:asgi_app", interface="asgi", name="bench-loadgen",
               quiet=True) as srv:
        url = srv.url
        run_load(url, Poisson(rate_per_s=200), requests=200, progress=False)  # warm up
        print("Schedule accuracy (Poisson, uvicorn hello world in a subprocess; times in "
              "ms; busy = generator thread CPU share; cpu ms = generator CPU per request)")
        print(HEAD)
        print("-" * len(HEAD))
        for rate in ACCURACY_RATES:
            res = run_load(url, Poisson(rate_per_s=rate), duration_s=args.seconds, seed=1,
                           progress=False)
            print(_row(rate, res))
        print(f"\nRamp: highest rate with schedule lag p99 <= {LAG_LIMIT_MS:g} ms")
        print(HEAD + " | holds")
        print("-" * (len(HEAD) + 8))
        best = 0.0
        for rate in RAMP:
            if not any(_step(url, rate, args.seconds, attempt) for attempt in (1, 2)):
                break
            best = rate
    verdict = "met" if best >= GOAL_RPS else "NOT met"
    print(f"\nhighest rate held: {best:.0f} req/s (goal >= {GOAL_RPS:.0f}: {verdict}); "
          f"{time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
