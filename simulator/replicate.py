"""Confidence intervals: run a scenario several times with independent seeds.

One simulation is one sample. Its p95 is an estimate that another seed would move, and
for a queue near saturation it moves a lot. :func:`replicate` runs ``runs`` independent
replications (seeds derived from the scenario's own, so the whole is reproducible), drops
each run's warm-up, and gives every headline number as a mean over the runs with a
Student t confidence interval: :class:`Estimate` ``(mean, low, high, runs)``.

The interval is the textbook one for independent replications: mean +- t(1 - a/2, n - 1)
x s / sqrt(n), where s is the standard deviation over the runs. It covers the true value
in about 95 % of repetitions when the per-run numbers are close to normal (means and
percentiles of long enough runs are) and each run's warm-up is dropped; ``tests/
test_replicate.py`` measures the coverage against Erlang C.

Runs may go to worker processes (``workers=2`` uses both cores of this machine); the
answer is the same to the bit, because each run depends on its seed alone. Where worker
processes cannot start (a sandbox, a frozen interpreter, a script read from standard
input) the runs go in this process. Workers are fresh interpreters ("spawn"), so a
*script* that calls ``replicate`` with workers must keep its top level under
``if __name__ == "__main__":``, as every multiprocessing program must; notebooks need
nothing.

>>> from simulator import Poisson, Scenario, Workload, WSGIServer
>>> sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50,
...               dist="exponential"), arrivals=Poisson(60), requests=2_000, seed=1)
>>> rep = replicate(sc, runs=5, warmup_s=5)
>>> ci = rep.ci("mean_wait_ms")
>>> ci.runs, ci.low < ci.mean < ci.high
(5, True)
>>> round(student_t_quantile(0.975, 9), 4)
2.2622
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, replace

from .des import SimulationTooLarge, simulate
from .des._sizing import estimate_seconds
from .model import Scenario
from .model._check import check_int, check_number
from .model.seeding import replication_seeds
from .results import Summary

__all__ = ["Estimate", "ReplicatedSummary", "Replications", "replicate", "student_t_quantile"]

MAX_RUNS = 1000
LIMIT_S = 120.0  # refuse a replication that would compute longer than this, all runs
POOL_FROM_S = 3.0  # below this much computing, starting worker processes costs more
ESTIMATED = tuple(f.name for f in fields(Summary) if f.name != "label")


# -- Student's t ---------------------------------------------------------------------
def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
                    -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom.

    >>> student_t_cdf(0.0, 5)
    0.5
    """
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (to about 1e-9).

    The inverse of :func:`student_t_cdf`, by bisection; no scipy needed.

    >>> round(student_t_quantile(0.975, 1), 4), round(student_t_quantile(0.025, 30), 4)
    (12.7062, -2.0423)
    """
    check_number("student_t_quantile", "p", p, low_open=True, high=1.0, high_open=True,
                 hint="A probability, e.g. p=0.975 for a two-sided 95% interval.")
    check_number("student_t_quantile", "df", df, low_open=True, high=1e9,
                 hint="Degrees of freedom: runs - 1.")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    lo, hi = 0.0, 2.0
    while student_t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if student_t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


# -- estimates -----------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A number estimated from independent runs: ``mean`` within [``low``, ``high``].

    ``level`` is the confidence level (0.95: a 95 % interval), ``runs`` the number of
    runs behind it (0 for a value from a formula, whose interval is the value itself).

    >>> e = Estimate.from_values([10.0, 12.0, 11.0, 13.0, 9.0])
    >>> e
    Estimate(mean=11, low=9.0368, high=12.963, runs=5, level=0.95)
    >>> print(e)
    11.0 [9.04, 13.0] (95%, 5 runs)
    >>> e.contains(12.5), round(e.half_width, 3)
    (True, 1.963)
    """

    mean: float
    low: float
    high: float
    runs: int
    level: float = 0.95

    @classmethod
    def from_values(cls, values: Sequence[float], level: float = 0.95) -> Estimate:
        """The Student t interval of the mean of ``values`` (NaNs left out)."""
        xs = [float(v) for v in values if not math.isnan(v)]
        n = len(xs)
        if n == 0:
            return cls(math.nan, math.nan, math.nan, 0, level)
        mean = statistics.fmean(xs)
        if n == 1:
            return cls(mean, math.nan, math.nan, 1, level)
        half = student_t_quantile(0.5 + level / 2.0, n - 1) * statistics.stdev(xs) / n**0.5
        return cls(mean, mean - half, mean + half, n, level)

    @classmethod
    def exact(cls, value: float) -> Estimate:
        """A value known exactly (from a formula): its interval is the value itself."""
        return cls(value, value, value, 0, 1.0)

    @property
    def half_width(self) -> float:
        """Half the interval's width, in the unit of the estimate."""
        return (self.high - self.low) / 2.0

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval."""
        return self.low <= value <= self.high

    def __repr__(self) -> str:
        return (f"Estimate(mean={self.mean:.5g}, low={self.low:.5g}, high={self.high:.5g}, "
                f"runs={self.runs}, level={self.level:g})")

    def __str__(self) -> str:
        if self.runs == 0:
            return f"{_num(self.mean)} (theory)"
        return (f"{_num(self.mean)} [{_num(self.low)}, {_num(self.high)}] "
                f"({self.level:.0%}, {self.runs} runs)")


def _num(x: float) -> str:
    """A number as a table shows it: whole above 100, one decimal above 10, else 3 digits."""
    if math.isnan(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


class ReplicatedSummary(Mapping[str, Estimate]):
    """Every headline number of :class:`~simulator.results.Summary` as an
    :class:`Estimate`: by name (``s["p95_ms"]``) or as an attribute (``s.p95_ms``).

    >>> s = ReplicatedSummary({"p95_ms": Estimate(10.0, 9.0, 11.0, 5)})
    >>> s.p95_ms == s["p95_ms"], list(s)
    (True, ['p95_ms'])
    """

    def __init__(self, estimates: dict[str, Estimate], label: str = "") -> None:
        self._estimates = estimates
        self.label = label

    def __getitem__(self, name: str) -> Estimate:
        return self._estimates[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._estimates)

    def __len__(self) -> int:
        return len(self._estimates)

    def __getattr__(self, name: str) -> Estimate:
        try:
            return self.__dict__["_estimates"][name]
        except KeyError:
            raise AttributeError(name) from None

    def table(self) -> str:
        """Mean and interval of each number, one per line."""
        width = max(len(k) for k in self._estimates)
        head = [self.label] if self.label else []
        return "\n".join(head + [f"{k:<{width}}  {e}" for k, e in self._estimates.items()])

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"ReplicatedSummary({self.label!r}, {len(self)} estimates)"


@dataclass(frozen=True)
class Replications:
    """What :func:`replicate` returns: the runs' summaries and their seeds.

    ``summaries[i]`` is the :class:`~simulator.results.Summary` of the run seeded
    ``seeds[i]`` after ``warmup_s`` seconds; ``workers`` is how many processes ran them.

    >>> from simulator import Constant, Scenario, Workload, WSGIServer
    >>> sc = Scenario(server=WSGIServer(), workload=Workload(io_ms=10),
    ...               arrivals=Constant(50), requests=100)
    >>> rep = replicate(sc, runs=2)
    >>> rep.runs, [round(v, 6) for v in rep.values("p95_ms")]  # constant work: alike
    (2, [10.0, 10.0])
    """

    scenario: Scenario
    seeds: tuple[int, ...]
    summaries: tuple[Summary, ...]
    warmup_s: float
    level: float = 0.95
    workers: int = 1

    @property
    def runs(self) -> int:
        """Number of replications."""
        return len(self.summaries)

    def values(self, name: str) -> list[float]:
        """The number ``name`` (a :class:`~simulator.results.Summary` field) of every run."""
        if name not in ESTIMATED:
            raise ValueError(f"Replications.values(name={name!r}): name must be one of "
                             f"{', '.join(ESTIMATED)}.")
        return [float(getattr(s, name)) for s in self.summaries]

    def ci(self, name: str) -> Estimate:
        """The mean of ``name`` over the runs with its confidence interval.

        ``name`` is a :class:`~simulator.results.Summary` field, e.g. ``"p95_ms"``.
        """
        return Estimate.from_values(self.values(name), self.level)

    def summary(self) -> ReplicatedSummary:
        """Every headline number as an :class:`Estimate`."""
        return ReplicatedSummary({n: self.ci(n) for n in ESTIMATED},
                                 label=self.scenario.server.describe())

    def __repr__(self) -> str:
        p95 = self.ci("p95_ms")
        return (f"Replications({self.scenario.server.describe()}: {self.runs} runs, "
                f"p95 {p95.mean:.1f} ms [{p95.low:.1f}, {p95.high:.1f}])")


# -- running ------------------------------------------------------------------------
def _summarise(sc: Scenario, warmup_s: float) -> Summary:
    """One replication (module-level, so that worker processes can import it)."""
    return simulate(sc).summary(warmup_s=warmup_s)


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _workers_can_start() -> bool:
    """Whether a spawned worker can import this program's ``__main__`` (a script read
    from standard input or ``-c`` cannot be imported again)."""
    import sys  # noqa: PLC0415

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    named = getattr(getattr(main, "__spec__", None), "name", None)
    return named is not None or path is None or os.path.isfile(path)


def _in_workers(scenarios: list[Scenario], warmup_s: float, workers: int) -> list[Summary]:
    """Run in ``workers`` fresh processes; they are all gone when this returns."""
    import multiprocessing  # noqa: PLC0415 - only when worker processes are used

    # "spawn": a fresh interpreter, safe beside the kernel's and the live lab's threads.
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        return list(pool.map(_summarise, scenarios, [warmup_s] * len(scenarios)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def replicate(scenario: Scenario, runs: int = 10, warmup_s: float = 0.0, *,
              level: float = 0.95, workers: int | None = None) -> Replications:
    """Run ``scenario`` ``runs`` times with independent seeds and summarise each run.

    Parameters
    ----------
    scenario:
        What to run. Its ``seed`` seeds the seeds of the runs (reproducible).
    runs:
        Independent replications, 2-1,000. Ten give a usable interval.
    warmup_s:
        Seconds at the start of each run whose requests are left out (the queue fills
        up from empty meanwhile), >= 0.
    level:
        Confidence level of the intervals, 0.5-0.999 (default 0.95).
    workers:
        Processes to run on: 1 runs here; ``None`` uses every core this process may use
        when the runs would take more than a few seconds. The result does not depend
        on it.

    Raises
    ------
    ValueError
        For a bad parameter, or (:class:`~simulator.SimulationTooLarge`) when all the runs
        together would take more than about two minutes here.

    One 50 ms lane at 10 requests a second (M/M/1, utilisation 0.5): the mean time in
    the system is 100 ms by theory; three short runs say so within their interval.

    >>> from simulator import Poisson, Scenario, Workload, WSGIServer
    >>> sc = Scenario(server=WSGIServer(), workload=Workload(io_ms=50, dist="exponential"),
    ...               arrivals=Poisson(10), requests=3_000, seed=4)
    >>> rep = replicate(sc, runs=3, warmup_s=10)
    >>> e = rep.ci("mean_latency_ms")
    >>> e.runs, e.contains(100.0), len(rep.seeds)
    (3, True, 3)
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"replicate(scenario={scenario!r}): expected a Scenario(...).")
    check_int("replicate", "runs", runs, low=2, high=MAX_RUNS,
              hint="One run gives no interval; try runs=10.")
    check_number("replicate", "warmup_s", warmup_s, high=1e6,
                 hint="Seconds of each run to leave out, e.g. warmup_s=5.")
    check_number("replicate", "level", level, low=0.5, high=0.999,
                 hint="Try level=0.95 for a 95% interval.")
    if workers is not None:
        check_int("replicate", "workers", workers, low=1, high=256,
                  hint="Use 1 to run here, or None to use every core.")
    seconds = estimate_seconds(scenario) * runs
    if seconds > LIMIT_S:
        raise SimulationTooLarge(
            f"replicate: {runs} runs of this scenario mean about {seconds:,.0f} s of "
            f"computing here; the limit is about {LIMIT_S:.0f} s. Try fewer runs (10 is "
            "usually enough) or fewer requests per run."
        )
    seeds = replication_seeds(scenario.seed, runs)
    scenarios = [replace(scenario, seed=s) for s in seeds]
    if workers is None:
        workers = min(available_cores(), runs) if seconds >= POOL_FROM_S else 1
    summaries: list[Summary] | None = None
    used = 1
    if workers > 1 and _workers_can_start():
        try:
            summaries = _in_workers(scenarios, warmup_s, workers)
            used = workers
        except (OSError, BrokenProcessPool, NotImplementedError):
            summaries = None  # no worker processes here: run in this process instead
    if summaries is None:
        summaries = [_summarise(sc, warmup_s) for sc in scenarios]
    return Replications(scenario=scenario, seeds=tuple(seeds), summaries=tuple(summaries),
                        warmup_s=float(warmup_s), level=float(level), workers=used)
