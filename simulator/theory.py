"""Queueing theory: what the formulas say, to hold the simulator and the servers to.

A WSGI server with ``c`` lanes serving requests whose time is exponential, fed by Poisson
arrivals, is the textbook **M/M/c** queue; with one lane it is **M/M/1**. Rates are per
second and times in seconds unless a name says otherwise.

- **Little's law**: ``L = lambda * W`` for any stable system: requests in it on average
  equal the arrival rate times the mean time each spends in it.
- **Erlang C**: the probability that an arriving request must wait in an M/M/c queue.
- **Closed loop**: ``N`` users who think ``Z`` seconds between answers that take ``R``
  seconds produce ``X = N / (R + Z)`` requests per second (the response time law).
"""

from __future__ import annotations

import math

__all__ = [
    "closed_loop_bounds",
    "closed_loop_throughput",
    "erlang_c",
    "littles_law_l",
    "mm1_mean_response",
    "mmc_mean_response",
    "mmc_mean_wait",
    "mmc_response_percentile",
    "servers_needed",
    "utilization",
]


def _check_rates(servers: int, arrival_rate: float, service_rate: float) -> None:
    if not isinstance(servers, int) or isinstance(servers, bool) or servers < 1:
        raise ValueError(f"servers={servers!r}: must be a whole number >= 1.")
    for name, v in (("arrival_rate", arrival_rate), ("service_rate", service_rate)):
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"{name}={v!r}: must be a finite number >= 0 (per second).")
    if service_rate == 0:
        raise ValueError("service_rate=0: a server that never finishes; give a rate > 0.")


def utilization(servers: int, arrival_rate: float, service_rate: float) -> float:
    """rho = lambda / (c mu): the busy fraction of each lane. Stable only below 1."""
    _check_rates(servers, arrival_rate, service_rate)
    return arrival_rate / (servers * service_rate)


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (1.0 when overloaded).

    Uses the numerically stable recursion through Erlang B, so it works for thousands
    of servers.
    """
    _check_rates(servers, arrival_rate, service_rate)
    a = arrival_rate / service_rate  # offered load in Erlangs
    rho = a / servers
    if rho >= 1:
        return 1.0
    b = 1.0  # Erlang B with 0 servers
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    return b / (1 - rho * (1 - b))


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in the queue, Wq = C / (c mu - lambda) (inf when overloaded)."""
    c_wait = erlang_c(servers, arrival_rate, service_rate)
    spare = servers * service_rate - arrival_rate
    return math.inf if spare <= 0 else c_wait / spare


def mmc_mean_response(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in the system, W = Wq + 1 / mu."""
    return mmc_mean_wait(servers, arrival_rate, service_rate) + 1.0 / service_rate


def mm1_mean_response(arrival_rate: float, service_rate: float) -> float:
    """M/M/1: W = 1 / (mu - lambda)."""
    return mmc_mean_response(1, arrival_rate, service_rate)


def _response_tail(t: float, c_wait: float, mu: float, theta: float) -> float:
    """P(T > t) for T = (wait, exponential theta, with probability C) + service (mu)."""
    no_wait = (1 - c_wait) * math.exp(-mu * t)
    if abs(theta - mu) < 1e-12 * mu:
        both = (1 + mu * t) * math.exp(-mu * t)
    else:
        both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return no_wait + c_wait * both


def mmc_response_percentile(
    servers: int, arrival_rate: float, service_rate: float, q: float
) -> float:
    """The q-th percentile (0-100) of time in an M/M/c system (FIFO), in seconds.

    The wait is 0 with probability 1 - C and otherwise exponential with rate
    c mu - lambda; the service is exponential with rate mu. Solved by bisection.
    """
    if not 0 < q < 100:
        raise ValueError(f"q={q!r}: a percentile must be between 0 and 100 (exclusive).")
    c_wait = erlang_c(servers, arrival_rate, service_rate)
    theta = servers * service_rate - arrival_rate
    if theta <= 0:
        return math.inf
    target = 1 - q / 100.0
    lo, hi = 0.0, 1.0 / service_rate
    while _response_tail(hi, c_wait, service_rate, theta) > target:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if _response_tail(mid, c_wait, service_rate, theta) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def littles_law_l(arrival_rate: float, mean_time_s: float) -> float:
    """L = lambda * W."""
    return arrival_rate * mean_time_s


def closed_loop_throughput(users: int, response_s: float, think_s: float = 0.0) -> float:
    """X = N / (R + Z): the response time law for a closed loop."""
    if response_s + think_s <= 0:
        raise ValueError("response_s + think_s must be > 0 for a closed loop to move.")
    return users / (response_s + think_s)


def closed_loop_bounds(
    users: int, service_s: float, servers: int, think_s: float = 0.0
) -> tuple[float, float]:
    """Asymptotic bounds of a closed loop on ``servers`` lanes: (max throughput, min R).

    Throughput is at most ``min(N / (S + Z), c / S)``; the response time at least
    ``max(S, N S / c - Z)``. Together they draw the "hockey stick".
    """
    if service_s <= 0:
        raise ValueError("service_s must be > 0.")
    x_max = min(users / (service_s + think_s), servers / service_s)
    r_min = max(service_s, users * service_s / servers - think_s)
    return x_max, r_min


def servers_needed(
    arrival_rate: float, service_rate: float, *, max_wait_probability: float = 0.2
) -> int:
    """Fewest lanes c for which Erlang C stays at or below ``max_wait_probability``."""
    if not 0 < max_wait_probability <= 1:
        raise ValueError("max_wait_probability must be in (0, 1].")
    c = max(1, math.floor(arrival_rate / service_rate) + 1)
    while erlang_c(c, arrival_rate, service_rate) > max_wait_probability:
        c += 1
    return c
