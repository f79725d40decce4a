"""What queueing theory predicts along a load sweep, where it predicts anything.

Two kinds of prediction, each valid only where its assumptions hold:

- **Exact (M/M/c)**: Poisson arrivals, exponential I/O, no CPU work and no per-request
  costs. Then a WSGI server with ``c`` lanes is an M/M/c queue, an ASGI server whose view
  blocks its loop is M/M/c with ``c`` = processes, and an ASGI server whose view awaits its
  I/O never queues at all (M/M/infinity). The p95 latency follows from Erlang C
  (:func:`simulator.theory.mmc_response_percentile`).
- **Bounds (operational laws)**: for any workload, throughput X is at most the load
  offered (``N / (D + Z)`` for N users, or lambda) and at most ``1 / D_max``, where D is
  the time a request needs alone and D_max the demand on the busiest resource (a lane,
  a loop or the CPU). The mean latency is at least ``max(D, N D_max - Z)`` in a closed
  loop: together the two lines draw the "hockey stick".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..model import ClosedLoop, Poisson, Scenario, WSGIServer, cpu_demand


@dataclass(frozen=True)
class TheoryCurve:
    """Predicted throughput (req/s) and latency (ms) at each x of a sweep."""

    xs: np.ndarray
    throughput_rps: np.ndarray
    latency_ms: np.ndarray
    latency_label: str  # what the latency line is: "p95 (M/M/c)" or "mean latency bound"
    name: str  # "M/M/4", "M/M/inf" or "bounds"
    capacity_rps: float  # 1 / D_max (inf when nothing limits)
    exact: bool


def demands_s(sc: Scenario) -> tuple[float, float]:
    """(D, D_max): seconds one request needs alone, and on the busiest resource."""
    s, w = sc.server, sc.classes[0].workload
    cpu = cpu_demand(s, w.view, w.cpu_ms).total_ms / 1000.0
    total = cpu + w.io_ms / 1000.0
    cpu_max = cpu / min(s.processes, sc.cores)  # a GIL per process, cores shared
    if isinstance(s, WSGIServer):
        return total, max(total / s.lanes, cpu_max)
    if w.view == "async_blocking":
        return total, max(total / s.processes, cpu_max)
    return total, cpu_max


def _mmc_servers(sc: Scenario) -> int | None:
    """Servers c if the scenario is exactly M/M/c (0 meaning infinitely many), else None."""
    if len(sc.classes) != 1 or sc.timeout_s is not None:
        return None
    t = sc.classes[0]
    s, w = sc.server, t.workload
    if (w.dist != "exponential" or w.io_ms <= 0 or t.timeout_s is not None
            or cpu_demand(s, w.view, w.cpu_ms).total_ms > 0):
        return None
    if isinstance(s, WSGIServer):
        return int(s.lanes) if s.backlog is None else None
    if s.limit_concurrency is not None:
        return None
    return int(s.processes) if w.view == "async_blocking" else 0


def sweep_theory(sc: Scenario, param: str, xs: np.ndarray) -> TheoryCurve | None:
    """The prediction for sweeping ``param`` ("users" or "rate_per_s") over ``xs``."""
    if len(sc.classes) != 1:
        return None
    d, d_max = demands_s(sc)
    if d <= 0:
        return None
    capacity = 1.0 / d_max if d_max > 0 else math.inf
    if param == "users":
        a = sc.classes[0].arrivals
        z = a.think_ms / 1000.0 if isinstance(a, ClosedLoop) else 0.0
        x = np.minimum(xs / (d + z), capacity)
        r = np.maximum(d, xs * d_max - z)
        return TheoryCurve(xs, x, 1000.0 * r, "theory: mean latency bound", "bounds",
                           capacity, exact=False)
    c = _mmc_servers(sc) if isinstance(sc.classes[0].arrivals, Poisson) else None
    if c is None:
        lat = np.full(xs.shape, 1000.0 * d)
        return TheoryCurve(xs, np.minimum(xs, capacity), lat, "theory: mean latency bound",
                           "bounds", capacity, exact=False)
    mu = 1.0 / d
    if c == 0:
        p95 = np.full(xs.shape, -math.log(0.05) / mu * 1000.0)
        return TheoryCurve(xs, xs.astype(float), p95, "theory p95 (M/M/inf)", "M/M/inf",
                           math.inf, exact=True)
    p95 = np.array([
        1000.0 * theory.mmc_response_percentile(c, float(lam), mu, 95) if lam < c * mu
        else math.nan for lam in xs
    ])
    return TheoryCurve(xs, np.minimum(xs, c * mu), p95, f"theory p95 (M/M/{c})", f"M/M/{c}",
                       c * mu, exact=True)
