"""When to send: the open-loop schedule and closed-loop think times, drawn up front.

An honest open-loop test decides *before it starts* when each request is due, and then
keeps to that schedule whether or not the server keeps up. Latency is measured from the
scheduled time, so a request that the generator itself sent late is not flattered
(the "coordinated omission" that makes many load tests look better than reality).

The draws come from the simulator's own seeding (:mod:`simulator.model.seeding`): the
streams of the first traffic class of a :class:`~simulator.Scenario`, drawn the same
way. With the same seed a live run's scheduled arrival times are the simulated run's
arrival times, bit for bit, so the two can be compared request by request.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from ...model import Bursts, ClosedLoop, Constant, Poisson
from ...model.seeding import class_streams, exponential, uniform

OpenArrivals = Poisson | Constant | Bursts


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The (arrivals, think time) generators of traffic class 0 for ``seed``."""
    first = class_streams(seed, 1)[0]
    return first.arrivals, first.think


def open_schedule(arrivals: OpenArrivals, *, requests: int | None, duration_s: float | None,
                  rng: np.random.Generator) -> np.ndarray:
    """Send times (s from the start) of an open-loop run: the first ``requests`` of them,
    or all those at or before ``duration_s``."""
    if isinstance(arrivals, Bursts):
        times = _bursts(arrivals, rng)
    elif isinstance(arrivals, Poisson):
        times = itertools.accumulate(exponential(rng, 1.0 / arrivals.rate_per_s))
    else:
        step = 1.0 / arrivals.rate_per_s
        times = itertools.accumulate(itertools.repeat(step))
    if requests is not None:
        return np.fromiter(itertools.islice(times, requests), dtype=float, count=requests)
    assert duration_s is not None
    return np.fromiter(itertools.takewhile(lambda t: t <= duration_s, times), dtype=float)


def _bursts(a: Bursts, rng: np.random.Generator) -> Iterator[float]:
    jitter_s = a.jitter_ms / 1000.0
    offsets = uniform(rng, jitter_s)
    t0 = 0.0
    while True:
        for off in sorted(next(offsets) for _ in range(a.size)):
            yield t0 + off
        t0 += a.every_s  # added up as the simulator does, for identical floats


def think_times(arrivals: ClosedLoop, rng: np.random.Generator) -> Iterator[float]:
    """Endless exponential think times (s) with mean ``think_ms``; zeros if it is 0."""
    return exponential(rng, arrivals.think_ms / 1000.0)
