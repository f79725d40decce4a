"""Random streams: one ``numpy.random.Generator`` per source, drawn in batches.

Each source of randomness (a class's gaps between arrivals, its CPU times, its I/O times,
its users' think times) has its own generator spawned from one ``SeedSequence(seed)``,
so adding a traffic class or changing the server never shifts another source's draws.
Drawing 4,096 values at a time and handing them out one by one is what keeps random
numbers from dominating the simulation's run time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np

BATCH = 4096


def _batched(draw: object, batch: int = BATCH) -> Iterator[float]:
    while True:
        yield from draw(batch).tolist()  # type: ignore[operator]


def durations(rng: np.random.Generator, mean_s: float, dist: str, cv: float) -> Iterator[float]:
    """An endless stream of durations (s) with mean ``mean_s``."""
    if mean_s <= 0 or dist == "constant":
        return itertools.repeat(mean_s)
    if dist == "exponential":
        return _batched(lambda n: rng.exponential(mean_s, n))
    if dist == "lognormal":
        sigma2 = math.log1p(cv * cv)
        mu = math.log(mean_s) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        return _batched(lambda n: rng.lognormal(mu, sigma, n))
    raise ValueError(f"dist={dist!r}: unknown distribution")  # the model checks first


def exponential(rng: np.random.Generator, mean_s: float) -> Iterator[float]:
    """Exponential gaps with mean ``mean_s`` (a constant 0 when the mean is 0)."""
    if mean_s <= 0:
        return itertools.repeat(0.0)
    return _batched(lambda n: rng.exponential(mean_s, n))


def uniform(rng: np.random.Generator, high: float) -> Iterator[float]:
    """Uniform draws on [0, high)."""
    if high <= 0:
        return itertools.repeat(0.0)
    return _batched(lambda n: rng.uniform(0.0, high, n))


def spawn(seed: int, n_classes: int) -> list[list[np.random.Generator]]:
    """Four generators per traffic class: arrivals, cpu, io, think."""
    root = np.random.SeedSequence(seed)
    return [[np.random.default_rng(s) for s in cls.spawn(4)] for cls in root.spawn(n_classes)]
