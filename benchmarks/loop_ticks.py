"""Why uvicorn's p95 at 64 users sits above the model: the event loop's timers, measured.

``benchmarks/sim_vs_real.py`` finds uvicorn's p95 at 64 users 10-20% above the
model, and ``wrk`` finds the same, so the difference is in the server. This measures
where. A uvicorn server (in a subprocess) runs the 50 ms endpoint of
``benchmarks/_tick_app.py``, which records for each request when its 50 ms timer was
due, when the loop ran the timer's callback, and when the request ran again. It runs
twice, on uvloop (what uvicorn picks when it is installed, as here) and on asyncio's own
loop (``uvicorn --loop asyncio``). Loaded by 4, 16 and 64 connections (``wrk`` if
installed, and ``run_load``), it prints per row:

- latency p50/p95 as the load generator measured it, beside the model's (the course's
  simulator, costs from ``calibrate()``, no think time);
- **timers per turn**: how many requests' timers fired in the same turn of the loop as
  this one (callbacks less than ``TURN_GAP_MS`` apart; p50/p95 over requests). Both
  loops sleep in ``epoll_wait``, whose timeout is in whole milliseconds (uvloop also
  keeps its clock in whole milliseconds; asyncio rounds the wait up), and on waking
  fire every timer then due in one turn. Their requests then wait for each other, and
  a wait of exactly 50 ms brings such a bunch back together on the next round. The
  model's figure: requests whose 50 ms ended within ``TURN_GAP_MS`` of each other;
- **starts per turn**: how many requests' views started back to back with this one's
  (less than ``TURN_GAP_MS`` apart): requests read in one turn start together, so this
  says how bunched the load generator's requests came back;
- **fired late**: the timer's callback against its due time (the loop wakes on a
  millisecond timeout, and may be busy with a bunch);
- **ran after**: the request's code after its timer's callback: its place in the queue
  of everything that fired in that turn.

Run: ``python benchmarks/loop_ticks.py`` (about a minute; ``--seconds`` per row,
``--loops uvloop`` for one loop only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from _machine import machine
from vs_wrk import settle, wrk

from simulator import ClosedLoop, simulate
from simulator.live import LiveServer, calibrate, run_load, serve
from simulator.live.lineup import Setup
from simulator.metrics import percentiles

CONNECTIONS = (4, 16, 64)
LOOPS = ("uvloop", "asyncio")
IO_MS = 50.0
# Timer callbacks of one turn run back to back (microseconds apart); between two turns
# the loop runs at least one request's code (about 0.1 ms) or sleeps.
TURN_GAP_MS = 0.03
SKIP_S = 0.5  # the start-up, when every connection sends at once, is left out
HERE = Path(__file__).resolve().parent


def serve_ticks(loop: str = "auto", processes: int = 1) -> LiveServer:
    """uvicorn with the tick app on ``loop`` (``"auto"``, ``"uvloop"``, ``"asyncio"``), in
    a subprocess like every server of the course (use ``with``); the server's process
    finds ``_tick_app`` on its ``PYTHONPATH``."""
    path = os.environ.get("PYTHONPATH", "")
    if str(HERE) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), path) if p)
    return serve("_tick_app:app", interface="asgi", name="loop-ticks", quiet=True,
                 start_timeout_s=20.0, loop=loop, processes=processes)


def ticks(url: str) -> dict[str, Any]:
    """The server's records since the last call (and it forgets them)."""
    with urllib.request.urlopen(url + "/ticks", timeout=10) as r:
        return json.loads(r.read())


def per_turn(fired_s: list[float]) -> tuple[float, float]:
    """p50/p95 over requests of how many timers fired in the same turn as theirs: runs
    of callbacks (``fired_s``, seconds) less than ``TURN_GAP_MS`` apart."""
    if not fired_s:
        raise ValueError("no timers: did the load reach the tick app?")
    times = sorted(fired_s)
    sizes: list[float] = []
    run = 1
    for a, b in itertools.pairwise(times):
        if (b - a) * 1000 < TURN_GAP_MS:
            run += 1
        else:
            sizes += [float(run)] * run
            run = 1
    sizes += [float(run)] * run
    p50, p95 = percentiles(sizes, (50, 95))
    return float(p50), float(p95)


def timer_stats(records: list[list[float]]) -> dict[str, tuple[float, float]]:
    """Timers per turn, starts per turn, fired late and ran after (ms), p50/p95 each,
    from the tick app's records ``(began, due, rang, back)``, the first ``SKIP_S`` left
    out."""
    if not records:
        raise ValueError("no records: did the load reach the tick app?")
    t0 = min(r[0] for r in records) + SKIP_S
    kept = [r for r in records if r[0] >= t0] or records
    late = percentiles([1000 * (r[2] - r[1]) for r in kept], (50, 95))
    after = percentiles([1000 * (r[3] - r[2]) for r in kept], (50, 95))
    return {"turn": per_turn([r[2] for r in kept]), "start": per_turn([r[0] for r in kept]),
            "late": (late[0], late[1]), "after": (after[0], after[1])}


def model_turns(run: Any) -> tuple[float, float]:
    """The model's timers per turn: requests whose 50 ms wait ended within
    ``TURN_GAP_MS`` of each other (the model has no turns: each ends on its own)."""
    starts = [r.start_s for r in run.records if r.start_s is not None]
    t0 = min(starts) + SKIP_S
    return per_turn([s + IO_MS / 1000 for s in starts if s >= t0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per row")
    parser.add_argument("--loops", nargs="+", choices=LOOPS, default=list(LOOPS),
                        help="the event loops to run uvicorn on (default: both)")
    args = parser.parse_args()
    print(machine())
    began = time.monotonic()
    cal = calibrate(django=False)
    print(f"model: uvicorn's cost {cal.asgi_overhead_ms:.3f} ms per request "
          "(calibrate(), on uvloop), no think time")
    tools = (["wrk"] if shutil.which("wrk") else []) + ["run_load"]
    if "wrk" not in tools:
        print("(wrk is not installed: apt install wrk; run_load only)")
    print(f"{args.seconds:g} s per row; latencies in ms; p50/p95 (timers per turn: over "
          f"requests; one turn: callbacks less than {TURN_GAP_MS} ms apart)")
    head = (f"{'loop':<7} {'conns':>5} {'tool':<8} | {'p50':>5} {'p95':>5} {'model':>11} | "
            f"{'timers/turn':>11} {'model':>6} {'starts':>6} | {'fired late':>10} | "
            f"{'ran after':>9}")
    print(head)
    print("-" * len(head))
    models = {}
    for conns in CONNECTIONS:
        sc = Setup("uvicorn", "asgi").scenario(
            io_ms=IO_MS, users=conns, duration_s=args.seconds,
            overhead_ms=cal.asgi_overhead_ms, seed=1)
        sim = simulate(sc)
        models[conns] = (sim.summary(), model_turns(sim))
    for loop in args.loops:
        with serve_ticks(loop) as srv:
            url = srv.url
            run_load(url + "/", ClosedLoop(users=8), requests=40, progress=False)  # warm up
            kind = ticks(url)["loop"]
            if kind != loop:
                raise RuntimeError(f"asked uvicorn for {loop}, it ran {kind}")
            for conns in CONNECTIONS:
                s, m_turn = models[conns]
                for tool in tools:
                    ticks(url)  # forget what came before
                    if tool == "wrk":
                        ref = wrk(url + "/", conns, args.seconds)
                        p50, p95 = ref.p50_ms, ref.p95_ms
                        records = ticks(url)["records"]
                        settle(url + "/")
                    else:
                        res = run_load(url + "/", ClosedLoop(users=conns),
                                       duration_s=args.seconds, progress=False)
                        p50, p95 = res.summary().p50_ms, res.summary().p95_ms
                        records = ticks(url)["records"]
                    st = timer_stats(records)
                    print(f"{loop:<7} {conns:>5} {tool:<8} | {p50:>5.1f} {p95:>5.1f} "
                          f"{s.p50_ms:>5.1f}/{s.p95_ms:<5.1f} | "
                          f"{st['turn'][0]:>5.0f}/{st['turn'][1]:<5.0f} "
                          f"{m_turn[0]:>2.0f}/{m_turn[1]:<3.0f} "
                          f"{st['start'][0]:>2.0f}/{st['start'][1]:<3.0f} | "
                          f"{st['late'][0]:>4.2f}/{st['late'][1]:<5.2f} | "
                          f"{st['after'][0]:>4.2f}/{st['after'][1]:<4.2f}", flush=True)
    print(f"\n{time.monotonic() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
