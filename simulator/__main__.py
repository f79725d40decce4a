"""Command line: simulate one scenario, print a summary, optionally save a figure.

    python -m simulator --server wsgi --threads 4 --io-ms 50 --rate 60 --requests 20000
    python -m simulator --server asgi --view async_blocking --io-ms 50 --users 16 --json
    python -m simulator --server wsgi --threads 2 --io-ms 50 --rate 30 --plot run.png
    python -m simulator --server asgi --io-ms 50 --users 64 --pool-size 10 --runs 10
    python -m simulator --threads 4 --io-ms 50 --rate 70 --timeout-s 0.3 --retries 2
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from .des import simulate
from .model import (
    DISTS,
    VIEWS,
    ASGIServer,
    ClosedLoop,
    Constant,
    Poisson,
    Pool,
    Scenario,
    Server,
    Workload,
    WSGIServer,
)
from .replicate import replicate
from .results import RunResult


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulate a WSGI or ASGI server under load and print what happened.",
        epilog="Example: python -m simulator --server wsgi --threads 4 --io-ms 50 --rate 60 "
        "--requests 20000 --seed 1",
    )
    srv = p.add_argument_group("server")
    srv.add_argument("--server", choices=("wsgi", "asgi"), default="wsgi",
                     help="wsgi: lanes held for a whole request; asgi: one event loop per "
                     "process (default: wsgi)")
    srv.add_argument("--processes", type=int, default=1,
                     help="worker processes, each with its own GIL (default: 1)")
    srv.add_argument("--threads", type=int, default=None,
                     help="threads per WSGI process, i.e. lanes (default: 1; WSGI only)")
    srv.add_argument("--overhead-ms", type=float, default=0.0,
                     help="server/framework CPU per request, in ms (default: 0)")
    srv.add_argument("--switch-ms", type=float, default=0.0,
                     help="CPU cost of one sync/async thread hop, in ms (default: 0)")
    srv.add_argument("--sync-stretches", type=int, default=0,
                     help="ASGI only: stretches of adjacent sync middleware, two thread hops "
                          "per request each")
    srv.add_argument("--backlog", type=int, default=None,
                     help="WSGI only: requests that may wait for a lane before new ones are "
                     "refused (default: unlimited)")
    srv.add_argument("--limit-concurrency", type=int, default=None,
                     help="ASGI only: requests in flight before new ones get 503 "
                     "(default: unlimited)")
    work = p.add_argument_group("work of one request")
    work.add_argument("--cpu-ms", type=float, default=0.0, help="mean CPU time, in ms")
    work.add_argument("--io-ms", type=float, default=0.0, help="mean I/O wait, in ms")
    work.add_argument("--dist", choices=DISTS, default="exponential",
                      help="distribution of CPU and I/O times (default: exponential)")
    work.add_argument("--cv", type=float, default=1.0,
                      help="coefficient of variation for --dist lognormal (default: 1)")
    work.add_argument("--view", choices=VIEWS, default=None,
                      help="how the view is written (default: sync for wsgi, async for asgi)")
    load = p.add_argument_group("load (give --rate or --users)")
    load.add_argument("--rate", type=float, default=None,
                      help="open loop: arrivals per second")
    load.add_argument("--arrivals", choices=("poisson", "constant"), default="poisson",
                      help="open loop: random (poisson) or evenly spaced arrivals")
    load.add_argument("--users", type=int, default=None,
                      help="closed loop: users who each wait for the answer, then think")
    load.add_argument("--think-ms", type=float, default=0.0,
                      help="closed loop: mean think time between requests, in ms")
    load.add_argument("--timeout-s", type=float, default=None,
                      help="client timeout, in seconds (default: wait forever)")
    load.add_argument("--retries", type=int, default=0,
                      help="times a client sends a timed-out request again (default: 0; "
                      "needs --timeout-s)")
    load.add_argument("--retry-backoff-ms", type=float, default=0.0,
                      help="wait before the first retry, in ms, doubling for each next "
                      "one (default: 0)")
    work.add_argument("--pool-size", type=int, default=None,
                      help="the I/O needs one of this many database connections "
                      "(default: no pool)")
    work.add_argument("--pool-per-process", action="store_true",
                      help="each server process has its own --pool-size connections "
                      "(default: one limit shared by all processes)")
    run = p.add_argument_group("run")
    run.add_argument("--requests", type=int, default=None,
                     help="number of requests to send (default: 10000)")
    run.add_argument("--duration-s", type=float, default=None,
                     help="or: send for this many simulated seconds")
    run.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    run.add_argument("--cores", type=int, default=2, help="CPU cores of the host (default: 2)")
    run.add_argument("--warmup-s", type=float, default=0.0,
                     help="ignore requests that arrive in the first seconds (default: 0)")
    run.add_argument("--runs", type=int, default=None,
                     help="independent replications: print each number as a mean with a "
                     "95%% confidence interval (default: one run)")
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print machine-readable JSON")
    out.add_argument("--plot", metavar="FILE.png", default=None,
                     help="save a figure: lanes over time and the latency distribution")
    return p


def scenario_from_args(a: argparse.Namespace) -> Scenario:
    """Turn parsed arguments into a Scenario (ValueError explains a bad combination)."""
    server: Server
    if a.server == "wsgi":
        if a.limit_concurrency is not None or a.sync_stretches:
            raise ValueError("--limit-concurrency and --sync-stretches apply to --server asgi.")
        server = WSGIServer(processes=a.processes, threads=1 if a.threads is None else a.threads,
                            overhead_ms=a.overhead_ms, switch_ms=a.switch_ms, backlog=a.backlog)
    else:
        if a.threads is not None or a.backlog is not None:
            raise ValueError("--threads and --backlog apply to --server wsgi; an ASGI server "
                             "has one event loop per process (use --processes).")
        server = ASGIServer(processes=a.processes, overhead_ms=a.overhead_ms,
                            switch_ms=a.switch_ms, sync_stretches=a.sync_stretches,
                            limit_concurrency=a.limit_concurrency)
    view = a.view or ("sync" if a.server == "wsgi" else "async")
    pools: tuple[Pool, ...] = ()
    if a.pool_size is not None:
        pools = (Pool("db", size=a.pool_size, per_process=a.pool_per_process),)
    elif a.pool_per_process:
        raise ValueError("--pool-per-process needs --pool-size.")
    workload = Workload(cpu_ms=a.cpu_ms, io_ms=a.io_ms, dist=a.dist, view=view, cv=a.cv,
                        pool="db" if pools else None)
    if (a.rate is None) == (a.users is None):
        raise ValueError("give exactly one of --rate (open loop) and --users (closed loop).")
    arrivals: Any
    if a.users is not None:
        arrivals = ClosedLoop(a.users, think_ms=a.think_ms)
    else:
        arrivals = Poisson(a.rate) if a.arrivals == "poisson" else Constant(a.rate)
    requests = a.requests
    if requests is None and a.duration_s is None:
        requests = 10_000
    return Scenario(server=server, workload=workload, arrivals=arrivals, requests=requests,
                    duration_s=a.duration_s, seed=a.seed, cores=a.cores, timeout_s=a.timeout_s,
                    pools=pools, retries=a.retries, retry_backoff_ms=a.retry_backoff_ms)


def _json_ready(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def save_plot(res: RunResult, path: str) -> None:
    """Lanes over time above the latency distribution, saved as a PNG."""
    import matplotlib  # noqa: PLC0415 - only the --plot path needs matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    from .views import plot_lanes, plot_latency  # noqa: PLC0415

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12.8, 7.2), layout="constrained")
    plot_lanes(res, ax=top)
    plot_latency(res, ax=bottom)
    fig.suptitle(res.scenario.describe() if res.scenario else res.label)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _replicated(sc: Scenario, args: argparse.Namespace) -> int:
    """Print every headline number as an estimate over ``--runs`` replications."""
    rep = replicate(sc, runs=args.runs, warmup_s=args.warmup_s)
    est = rep.summary()
    if args.json:
        doc = {"scenario": sc.describe(), "runs": rep.runs, "level": rep.level,
               "estimates": {k: _json_ready({"mean": e.mean, "low": e.low, "high": e.high})
                             for k, e in est.items()}}
        print(json.dumps(doc, indent=2))
    else:
        print(sc.describe())
        print(f"mean over {rep.runs} runs [95% confidence interval]")
        print(est.table())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        sc = scenario_from_args(args)
        if args.warmup_s < 0:
            raise ValueError("--warmup-s must be >= 0.")
        if args.runs is not None:
            if args.plot:
                raise ValueError("--plot draws one run; leave out --runs to use it.")
            return _replicated(sc, args)
        res = simulate(sc, trace=args.plot is not None)
        summary = res.summary(warmup_s=args.warmup_s)
    except ValueError as err:
        parser.exit(2, f"error: {err}\n")
    if args.json:
        doc = {"scenario": sc.describe(), "summary": _json_ready(summary.as_dict()),
               "notes": list(res.notes)}
        print(json.dumps(doc, indent=2))
    else:
        print(sc.describe())
        print(summary.table())
        for note in res.notes:
            print(f"note: {note}")
    if args.plot:
        save_plot(res, args.plot)
        if not args.json:
            print(f"figure saved to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
