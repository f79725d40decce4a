"""Arrivals: how requests reach the server.

**Open loop** (:class:`Poisson`, :class:`Constant`, :class:`Bursts`): requests arrive on a
schedule of their own, whether or not the server keeps up, as real users of a public
site do. If the server is too slow, the queue grows without bound.

**Closed loop** (:class:`ClosedLoop`): a fixed number of users each send a request, wait
for the answer, think, and send the next. A slow server slows its own load down, which
is why closed-loop load tests flatter a server's tail latency (coordinated omission).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._check import check_int, check_number

MAX_RATE = 1_000_000.0
MAX_USERS = 100_000


@dataclass(frozen=True)
class Poisson:
    """Open loop, independent arrivals at ``rate_per_s`` on average (exponential gaps)."""

    rate_per_s: float

    def __post_init__(self) -> None:
        check_number("Poisson", "rate_per_s", self.rate_per_s, high=MAX_RATE, low_open=True,
                     hint="Try rate_per_s=50.")

    def describe(self) -> str:
        return f"Poisson {self.rate_per_s:g}/s"


@dataclass(frozen=True)
class Constant:
    """Open loop, one request exactly every ``1 / rate_per_s`` seconds."""

    rate_per_s: float

    def __post_init__(self) -> None:
        check_number("Constant", "rate_per_s", self.rate_per_s, high=MAX_RATE, low_open=True,
                     hint="Try rate_per_s=50.")

    def describe(self) -> str:
        return f"constant {self.rate_per_s:g}/s"


@dataclass(frozen=True, kw_only=True)
class Bursts:
    """Open loop, ``size`` requests at once every ``every_s`` seconds (a flash crowd).

    ``jitter_ms`` spreads each burst's requests uniformly over that many milliseconds.
    """

    size: int
    every_s: float
    jitter_ms: float = 0.0

    def __post_init__(self) -> None:
        check_int("Bursts", "size", self.size, low=1, high=100_000, hint="Try size=20.")
        check_number("Bursts", "every_s", self.every_s, low=1e-6, high=86_400,
                     hint="Try every_s=1.0.")
        check_number("Bursts", "jitter_ms", self.jitter_ms, high=86_400_000)

    @property
    def rate_per_s(self) -> float:
        return self.size / self.every_s

    def describe(self) -> str:
        return f"bursts of {self.size} every {self.every_s:g} s"


@dataclass(frozen=True)
class ClosedLoop:
    """Closed loop: ``users`` each send, wait for the answer, think ``think_ms`` on average
    (exponential), and send again."""

    users: int
    think_ms: float = 0.0

    def __post_init__(self) -> None:
        check_int("ClosedLoop", "users", self.users, low=1, high=MAX_USERS,
                  hint="Try users=16.")
        check_number("ClosedLoop", "think_ms", self.think_ms, high=3_600_000)

    def describe(self) -> str:
        think = f", think {self.think_ms:g} ms" if self.think_ms else ""
        return f"{self.users} users{think}"


Arrivals = Poisson | Constant | Bursts | ClosedLoop
