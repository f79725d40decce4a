"""The load generator against wrk: same servers, same connections, side by side.

``wrk`` (a C load generator; Debian's package) is the outside reference for
:func:`simulator.live.run_load`. Both load the same servers, each in a subprocess, as a
closed loop of 16 and then 64 connections (``wrk -t 1 -c N``; ``ClosedLoop(users=N)``),
for a few seconds each, in turns (wrk, run_load, wrk, run_load: a shared machine's
slow moments fall on both). It prints, per row, the two throughputs and latencies (p50,
p95) with the ratio run_load / wrk, whether they agree within 5%, and whether run_load
raised a flag about itself ("limit": the generator set the pace; "skew": its own time
was more than 10% of a latency it reported). The rule under test: no flag where the
two agree within 5%, and a flag where run_load, not the server, made the difference.

Servers: uvicorn and waitress (4 threads) on the 50 ms endpoint, and uvicorn on an
endpoint that does nothing, where thousands of answers a second make the generator's
own cost show. Medians of the rounds; latencies in ms, throughput in req/s.

Run: ``python benchmarks/vs_wrk.py`` (about a minute and a half). Without ``wrk``
installed (``apt install wrk``) it says so and exits.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _machine import machine

from simulator import ClosedLoop
from simulator.live import run_load, serve

CONNECTIONS = (16, 64)
AGREE = 0.05
# wrk's done() hook prints what --latency rounds: exact percentiles, in microseconds.
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Server:
    label: str
    app: str
    interface: str
    threads: int | None
    query: str


SERVERS = (
    Server("uvicorn, 50 ms", "simulator.live.apps:asgi_app", "asgi", None, "?io_ms=50"),
    Server("waitress 1x4, 50 ms", "simulator.live.apps:wsgi_app", "wsgi", 4, "?io_ms=50"),
    Server("uvicorn, no wait", "simulator.live.apps:asgi_app", "asgi", None, ""),
)


@dataclass(frozen=True)
class Reading:
    rps: float
    p50_ms: float
    p95_ms: float
    failed: int
    flag: str = ""
    share: float = 0.0


def wrk(url: str, connections: int, seconds: float) -> Reading:
    """One wrk run: ``connections`` connections on one thread for ``seconds``."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "percentiles.lua"
        script.write_text(LUA)
        # --timeout: wrk's default of 2 s would drop the 3 s answers of 64 users on 1 lane
        cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "30s", "--latency", "-s", str(script), url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             timeout=seconds + 30).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    n, dur_us, p50, p95, errors, status = (int(v) for v in line.split()[1:])
    return Reading(rps=n / (dur_us / 1e6), p50_ms=p50 / 1000, p95_ms=p95 / 1000,
                   failed=errors + status)


def settle(url: str) -> None:
    """Wait until the server has served what wrk left behind.

    wrk stops at its deadline and closes its connections with requests still queued in
    the server (64 of them cost waitress 1x4 about 0.8 s); run_load waits for its own.
    One request queues behind the abandoned ones and comes back when they are done.
    """
    run_load(url, ClosedLoop(users=1), requests=1, timeout_s=30, progress=False)


def _run_load(url: str, connections: int, seconds: float) -> Reading:
    res = run_load(url, ClosedLoop(users=connections), duration_s=seconds, progress=False)
    s, m = res.summary(), res.meta
    flag = "limit" if m["generator_limited"] else ("skew" if m["generator_skewed"] else "")
    return Reading(rps=s.throughput_rps, p50_ms=s.p50_ms, p95_ms=s.p95_ms,
                   failed=s.failed, flag=flag, share=float(m["generator_latency_share"]))


def _median(readings: list[Reading]) -> Reading:
    flags = [r.flag for r in readings if r.flag]
    return Reading(rps=statistics.median(r.rps for r in readings),
                   p50_ms=statistics.median(r.p50_ms for r in readings),
                   p95_ms=statistics.median(r.p95_ms for r in readings),
                   failed=sum(r.failed for r in readings),
                   flag=f"{flags[0]} {len(flags)}/{len(readings)}" if flags else "",
                   share=max(r.share for r in readings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tool per row")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed here (Debian/Ubuntu: apt install wrk); this benchmark "
              "compares run_load with it, so it is skipped.")
        return 0
    print(machine())
    began = time.monotonic()
    head = (f"{'server':<20} {'conns':>5} | {'thr wrk':>8} {'run_load':>8} {'ratio':>5} | "
            f"{'p50 wrk':>7} {'run_load':>8} {'ratio':>5} | {'p95 wrk':>7} {'run_load':>8} "
            f"{'ratio':>5} | {'agree':>5} | {'flag':<9} {'share':>5}")
    print(f"closed loop, {args.seconds:g} s per run, medians of {args.rounds} rounds; "
          "ratio = run_load / wrk (wrk: the reference, measured in the same run); agree = "
          f"all three within {AGREE:.0%}; flag = what run_load said about itself; share "
          "= the generator's own time as a share of its p50 or p95 (largest)")
    print(head)
    print("-" * len(head))
    agreed = flagged_agreed = differed = flagged_differed = 0
    for server in SERVERS:
        with serve(server.app, interface=server.interface, name="vs-wrk", quiet=True,
                   threads=server.threads) as srv:
            url = srv.url + "/" + server.query
            run_load(url, ClosedLoop(users=8), requests=200, progress=False)  # warm up
            for conns in CONNECTIONS:
                ours, ref = [], []
                for _ in range(args.rounds):
                    ref.append(wrk(url, conns, args.seconds))
                    settle(url)
                    ours.append(_run_load(url, conns, args.seconds))
                w, r = _median(ref), _median(ours)
                ratios = (r.rps / w.rps, r.p50_ms / w.p50_ms, r.p95_ms / w.p95_ms)
                agree = all(abs(x - 1) <= AGREE for x in ratios)
                if agree:
                    agreed += 1
                    flagged_agreed += bool(r.flag)
                else:
                    differed += 1
                    flagged_differed += bool(r.flag)
                failed = f" ({w.failed}/{r.failed} failed)" if w.failed or r.failed else ""
                print(f"{server.label:<20} {conns:>5} | {w.rps:>8.0f} {r.rps:>8.0f} "
                      f"{ratios[0]:>5.2f} | {w.p50_ms:>7.1f} {r.p50_ms:>8.1f} "
                      f"{ratios[1]:>5.2f} | {w.p95_ms:>7.1f} {r.p95_ms:>8.1f} "
                      f"{ratios[2]:>5.2f} | {'yes' if agree else 'no':>5} | "
                      f"{r.flag or '-':<9} {r.share:>5.0%}{failed}")
    verdict = "met" if flagged_agreed == 0 else "NOT met"
    print(f"\nrows where run_load and wrk agree within {AGREE:.0%}: {agreed}, flagged among "
          f"them: {flagged_agreed} (goal 0: {verdict}); rows where they differ: "
          f"{differed}, flagged: {flagged_differed}; {time.monotonic() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
