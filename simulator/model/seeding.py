"""Random streams: how one seed becomes every random draw of a run.

A scenario's ``seed`` feeds one ``numpy.random.SeedSequence``. It is spawned into one
child per traffic class, and each class's child into four generators, one per *source*
of randomness: the gaps between its arrivals, its CPU times, its I/O times and its
users' think times. Because every source has its own generator, adding a traffic class
or changing the server never shifts another source's draws; and because the simulator
and the live load generator both take their generators from :func:`class_streams`, a
live open-loop run with the same seed sends on exactly the simulated arrival times.

Values are drawn 4,096 at a time and handed out one by one: asking numpy for one value
at a time would make random numbers the slowest part of a simulation.

>>> streams = class_streams(seed=7, classes=3)
>>> streams[0]._fields
('arrivals', 'cpu', 'io', 'think')
>>> alone = exponential(class_streams(seed=7, classes=1)[0].arrivals, mean=0.02)
>>> beside = exponential(streams[0].arrivals, mean=0.02)
>>> [next(alone) for _ in range(5)] == [next(beside) for _ in range(5)]
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

BATCH = 4096


class Streams(NamedTuple):
    """The four generators of one traffic class, one per source of randomness."""

    arrivals: np.random.Generator
    cpu: np.random.Generator
    io: np.random.Generator
    think: np.random.Generator


def class_streams(seed: int, classes: int) -> list[Streams]:
    """The generators of traffic classes ``0 .. classes - 1`` for ``seed``.

    Class ``k`` gets the same generators whatever ``classes`` is, so a run of one class
    (the live load generator) draws what class 0 of a bigger scenario draws.
    """
    children = np.random.SeedSequence(seed).spawn(classes)
    return [Streams(*(np.random.default_rng(s) for s in child.spawn(len(Streams._fields))))
            for child in children]


def batched(draw: Callable[[int], np.ndarray], batch: int = BATCH) -> Iterator[float]:
    """An endless stream of floats from ``draw(n)``, called ``batch`` values at a time."""
    while True:
        yield from draw(batch).tolist()


def exponential(rng: np.random.Generator, mean: float) -> Iterator[float]:
    """Exponential draws with mean ``mean`` (a constant 0 when the mean is 0)."""
    if mean <= 0:
        return itertools.repeat(0.0)
    return batched(lambda n: rng.exponential(mean, n))


def uniform(rng: np.random.Generator, high: float) -> Iterator[float]:
    """Uniform draws on [0, high) (a constant 0 when ``high`` is 0)."""
    if high <= 0:
        return itertools.repeat(0.0)
    return batched(lambda n: rng.uniform(0.0, high, n))


def durations(rng: np.random.Generator, mean: float, dist: str, cv: float) -> Iterator[float]:
    """Durations with mean ``mean``: ``"constant"``, ``"exponential"`` or ``"lognormal"``
    (coefficient of variation ``cv``)."""
    if mean <= 0 or dist == "constant":
        return itertools.repeat(mean)
    if dist == "exponential":
        return exponential(rng, mean)
    if dist == "lognormal":
        sigma2 = math.log1p(cv * cv)
        mu = math.log(mean) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        return batched(lambda n: rng.lognormal(mu, sigma, n))
    raise ValueError(f"dist={dist!r}: unknown distribution")  # Workload checks it first


def replication_seeds(seed: int, runs: int) -> list[int]:
    """Seeds of ``runs`` independent replications of a scenario whose seed is ``seed``.

    Each is drawn from a child of ``numpy.random.SeedSequence(seed)``, so the runs'
    streams are independent of each other and of the scenario's own, and the same
    ``seed`` always gives the same list (63-bit integers, valid ``Scenario`` seeds).

    >>> replication_seeds(1, 3) == replication_seeds(1, 3)
    True
    >>> len(set(replication_seeds(1, 100)))
    100
    """
    children = np.random.SeedSequence(seed).spawn(runs)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
