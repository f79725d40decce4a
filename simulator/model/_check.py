"""Validation helpers that turn a bad value into an error a student can act on.

Every check names the parameter, the allowed range and, where it helps, what to try.
They run in ``__post_init__`` of the frozen descriptions, so a bad value fails at the
moment it is typed, not minutes later deep inside the engine.
"""

from __future__ import annotations

import math
from typing import Any


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_number(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float = 0.0,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """Return ``value`` as a float if it is a finite number in range, else raise ValueError.

    The range is [low, high]; ``low_open``/``high_open`` leave out an end.

    >>> check_number("Poisson", "rate_per_s", 0, low_open=True, hint="Try rate_per_s=50.")
    Traceback (most recent call last):
    ...
    ValueError: Poisson(rate_per_s=0): rate_per_s must be more than 0. Try rate_per_s=50.
    """
    rng = f"{'more than' if low_open else 'at least'} {low:g}"
    if math.isfinite(high):
        rng += f" and {'less than' if high_open else 'at most'} {high:g}"
    if not _is_number(value) or math.isnan(value) or math.isinf(value):
        raise ValueError(
            f"{owner}({name}={value!r}): {name} must be a finite number, {rng}.{_hint(hint)}"
        )
    bad_low = value <= low if low_open else value < low
    bad_high = value >= high if high_open else value > high
    if bad_low or bad_high:
        raise ValueError(f"{owner}({name}={value!r}): {name} must be {rng}.{_hint(hint)}")
    return float(value)


def check_int(
    owner: str, name: str, value: Any, *, low: int, high: int, hint: str = ""
) -> int:
    """Return ``value`` if it is an integer in [low, high], else raise ValueError.

    >>> check_int("plot_latency", "bins", 2, low=5, high=500, hint="Try bins=60.")
    Traceback (most recent call last):
    ...
    ValueError: plot_latency(bins=2): bins must be a whole number from 5 to 500. Try bins=60.
    """
    ok_type = isinstance(value, int) and not isinstance(value, bool)
    if not ok_type or not low <= value <= high:
        raise ValueError(
            f"{owner}({name}={value!r}): {name} must be a whole number from {low} "
            f"to {high}.{_hint(hint)}"
        )
    return int(value)


def check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ValueError listing them."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{owner}({name}={value!r}): {name} must be one of {allowed}.")
    return str(value)


def check_optional_int(
    owner: str, name: str, value: Any, *, low: int, high: int, hint: str = ""
) -> int | None:
    """Like :func:`check_int`, but ``None`` (meaning "no limit") is allowed."""
    if value is None:
        return None
    return check_int(owner, name, value, low=low, high=high, hint=hint)


def _hint(hint: str) -> str:
    return f" {hint}" if hint else ""
