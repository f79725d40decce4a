"""Replications: Student t to 1e-6, intervals that cover what they claim, runs that do not
depend on where they ran, and worker processes that never outlive the call."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import replace
from multiprocessing import resource_tracker

import numpy as np
import psutil
import pytest

from simulator import (
    Estimate,
    Poisson,
    Scenario,
    SimulationTooLarge,
    Workload,
    WSGIServer,
    replicate,
    simulate,
    theory,
)
from simulator.replicate import student_t_cdf, student_t_quantile

# simulator.replicate is also the name of the function the package exports
replicate_module = sys.modules["simulator.replicate"]
MM2 = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50, dist="exponential"),
               arrivals=Poisson(20), requests=1_500, seed=1)


def test_student_t_quantile_matches_scipy_to_1e_6():
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 4, 5, 7, 9, 14, 19, 29, 49, 99, 999, 1e6):
        for p in (0.0005, 0.025, 0.1, 0.4, 0.5, 0.6, 0.9, 0.95, 0.975, 0.99, 0.9995):
            want = stats.t.ppf(p, df)
            assert student_t_quantile(p, df) == pytest.approx(want, rel=1e-6, abs=1e-6)
            assert student_t_cdf(want, df) == pytest.approx(p, abs=1e-9)


def test_student_t_quantile_rejects_what_is_not_a_probability():
    with pytest.raises(ValueError, match="p must be more than 0 and less than 1"):
        student_t_quantile(1.0, 5)
    with pytest.raises(ValueError, match="df must be more than 0"):
        student_t_quantile(0.9, 0)


def test_estimate_is_the_textbook_t_interval():
    e = Estimate.from_values([1.0, 2.0, 3.0])
    half = student_t_quantile(0.975, 2) * 1.0 / math.sqrt(3)
    assert (e.mean, e.low, e.high, e.runs) == (2.0, pytest.approx(2 - half),
                                                pytest.approx(2 + half), 3)
    assert math.isnan(Estimate.from_values([5.0]).low)  # one value: no interval
    assert Estimate.from_values([1.0, math.nan, 3.0]).runs == 2  # NaN runs left out


def test_t_intervals_cover_at_the_rate_they_claim_and_normal_ones_do_not():
    # 20,000 samples of five normal values: the t interval covers the mean 95 % of the
    # time; the same interval with the normal quantile (1.96) only about 88 %.
    rng = np.random.default_rng(3)
    xs = rng.normal(10.0, 2.0, size=(20_000, 5))
    covered = np.mean([Estimate.from_values(row).contains(10.0) for row in xs[:4000]])
    assert covered == pytest.approx(0.95, abs=0.012)
    m, s = xs.mean(axis=1), xs.std(axis=1, ddof=1)
    normal = np.mean(np.abs(m - 10.0) <= 1.959964 * s / math.sqrt(5))
    assert normal < 0.90  # why the t quantile matters with few runs


def test_replicate_is_reproducible_and_its_seeds_come_from_the_scenarios():
    a, b = replicate(MM2, runs=3, workers=1), replicate(MM2, runs=3, workers=1)
    assert a.summaries == b.summaries and a.seeds == b.seeds
    assert len(set(a.seeds)) == 3 and MM2.seed not in a.seeds
    assert a.summaries[1] == simulate(replace(MM2, seed=a.seeds[1])).summary()
    other = replicate(replace(MM2, seed=2), runs=3, workers=1)
    assert set(other.seeds).isdisjoint(a.seeds)


def test_summary_gives_every_headline_number_as_an_estimate():
    rep = replicate(MM2, runs=4, warmup_s=5, workers=1)
    est = rep.summary()
    assert {"p95_ms", "throughput_rps", "mean_wait_ms", "goodput"} <= set(est)
    assert est.p95_ms == est["p95_ms"] == rep.ci("p95_ms")
    assert est.p95_ms.runs == 4 and est.p95_ms.low < est.p95_ms.mean < est.p95_ms.high
    assert "p95_ms" in est.table() and "95%" in str(est)
    with pytest.raises(ValueError, match="name must be one of"):
        rep.ci("p96_ms")


def _children() -> set[int]:
    me = psutil.Process()
    # multiprocessing's resource tracker: one helper per interpreter, not a worker
    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
    return {p.pid for p in me.children(recursive=True) if p.pid != tracker}


@pytest.mark.slow
def test_worker_processes_give_the_same_answer_to_the_bit_and_leave_nothing_behind():
    before = _children()
    here = replicate(MM2, runs=4, workers=1)
    there = replicate(MM2, runs=4, workers=2)
    assert there.workers == 2, "the worker pool did not start"
    assert there.summaries == here.summaries
    assert _children() == before


def test_where_workers_cannot_start_the_runs_go_in_this_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(replicate_module, "ProcessPoolExecutor", refuse)
    rep = replicate(MM2, runs=3, workers=2)
    assert rep.workers == 1
    assert rep.summaries == replicate(MM2, runs=3, workers=1).summaries


@pytest.mark.slow
def test_intervals_cover_erlang_c_at_about_the_rate_the_level_says():
    # M/M/2 at utilisation 0.5: 60 independent 95 % intervals of the mean wait, each from
    # five runs. Binomial(60, 0.95) falls below 51 hits with probability under 0.1 %.
    want = 1000 * theory.mmc_mean_response(2, 20, 20)
    hits = sum(
        replicate(replace(MM2, seed=1000 + i), runs=5, warmup_s=5, workers=1)
        .ci("mean_latency_ms").contains(want)
        for i in range(60)
    )
    assert hits >= 51, f"only {hits} of 60 intervals covered Erlang C's {want:.1f} ms"


@pytest.mark.parametrize("kw,message", [
    ({"runs": 1}, "runs must be a whole number from 2 to 1000. One run gives no interval"),
    ({"runs": 0}, "runs must be a whole number from 2"),
    ({"warmup_s": -1}, "warmup_s must be"),
    ({"level": 1.5}, "level must be at least 0.5 and at most 0.999"),
    ({"workers": 0}, "workers must be a whole number from 1"),
])
def test_bad_input_fails_at_once(kw, message):
    with pytest.raises(ValueError, match=message):
        replicate(MM2, **kw)


def test_a_replication_too_large_is_refused_before_it_starts():
    huge = replace(MM2, requests=300_000)
    with pytest.raises(SimulationTooLarge, match="Try fewer runs"):
        replicate(huge, runs=100)
    with pytest.raises(ValueError, match="expected a Scenario"):
        replicate("not a scenario")  # type: ignore[arg-type]


def test_workers_default_to_this_process_for_small_jobs():
    assert replicate(MM2, runs=2).workers == 1
    assert replicate_module.available_cores() >= 1
    assert os.cpu_count()
