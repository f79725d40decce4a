"""Queueing theory: what the formulas say, to hold the simulator and the servers to.

A WSGI server with ``c`` lanes serving requests whose time is exponential, fed by Poisson
arrivals, is the textbook **M/M/c** queue; with one lane it is **M/M/1**. Rates are per
second and times in seconds unless a name says otherwise.

- **Little's law**: ``L = lambda * W`` for any stable system: requests in it on average
  equal the arrival rate times the mean time each spends in it.
- **Erlang C**: the probability that an arriving request must wait in an M/M/c queue.
- **Closed loop**: ``N`` users who think ``Z`` seconds between answers that take ``R``
  seconds produce ``X = N / (R + Z)`` requests per second (the response time law).

Four threads, 50 ms of exponential I/O per request (``service_rate`` 20 per second) and
60 requests a second: each lane is busy 75 % of the time, about half the requests wait
for a lane, 25.5 ms on average, and one in twenty takes over 206 ms in all:

>>> utilization(4, 60, 20), round(erlang_c(4, 60, 20), 3)
(0.75, 0.509)
>>> round(1000 * mmc_mean_wait(4, 60, 20), 1), round(1000 * mmc_response_percentile(4, 60, 20, 95))
(25.5, 206)
"""

from __future__ import annotations

import math

from .model._check import check_int, check_number

MAX_SERVERS = 1_000_000

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


def _check_rates(owner: str, servers: int, arrival_rate: float, service_rate: float) -> None:
    check_int(owner, "servers", servers, low=1, high=MAX_SERVERS)
    check_number(owner, "arrival_rate", arrival_rate, hint="Requests per second.")
    check_number(owner, "service_rate", service_rate, low_open=True,
                 hint="Requests per second one server finishes: 1 / mean service time.")


def utilization(servers: int, arrival_rate: float, service_rate: float) -> float:
    """rho = lambda / (c mu): the busy fraction of each lane. Stable only below 1."""
    _check_rates("utilization", servers, arrival_rate, service_rate)
    return arrival_rate / (servers * service_rate)


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (1.0 when overloaded).

    Uses the numerically stable recursion through Erlang B, so it works for thousands
    of servers.

    >>> round(erlang_c(1, arrival_rate=10, service_rate=20), 3)   # M/M/1: rho
    0.5
    >>> round(erlang_c(4, arrival_rate=60, service_rate=20), 4)
    0.5094
    >>> erlang_c(2, arrival_rate=60, service_rate=20)              # overloaded
    1.0
    """
    _check_rates("erlang_c", servers, arrival_rate, service_rate)
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
    check_number("mmc_response_percentile", "q", q, low_open=True, high=100, high_open=True,
                 hint="A percentile, e.g. q=95.")
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
    check_number("closed_loop_throughput", "response_s", response_s)
    check_number("closed_loop_throughput", "think_s", think_s)
    if response_s + think_s <= 0:
        raise ValueError("closed_loop_throughput: response_s + think_s must be more than 0 "
                         "for a closed loop to move.")
    return users / (response_s + think_s)


def closed_loop_bounds(
    users: int, service_s: float, servers: int, think_s: float = 0.0
) -> tuple[float, float]:
    """Asymptotic bounds of a closed loop on ``servers`` lanes: (max throughput, min R).

    Throughput is at most ``min(N / (S + Z), c / S)``; the response time at least
    ``max(S, N S / c - Z)``. Together they draw the "hockey stick".
    """
    check_number("closed_loop_bounds", "service_s", service_s, low_open=True)
    x_max = min(users / (service_s + think_s), servers / service_s)
    r_min = max(service_s, users * service_s / servers - think_s)
    return x_max, r_min


def servers_needed(
    arrival_rate: float, service_rate: float, *, max_wait_probability: float = 0.2
) -> int:
    """Fewest lanes c for which Erlang C stays at or below ``max_wait_probability``."""
    check_number("servers_needed", "max_wait_probability", max_wait_probability,
                 low_open=True, high=1.0, hint="Try max_wait_probability=0.2.")
    c = max(1, math.floor(arrival_rate / service_rate) + 1)
    while erlang_c(c, arrival_rate, service_rate) > max_wait_probability:
        c += 1
    return c
