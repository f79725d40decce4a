"""The simulator against queueing theory: M/M/1, M/M/c (Erlang C), Little's law, closed loops.

Each check runs several seeds, drops a warm-up, and compares the mean over seeds with the
formula. Tolerances: with 30,000 requests per seed at utilisation 0.5-0.75 the batch-means
standard error of the mean response time is 1-2 % per seed, so about 0.7 % over five
seeds; we allow the larger of four standard errors (from the seeds themselves) and 3 %,
and also require that standard error to be small, so a noisy engine cannot pass by luck.
"""

from __future__ import annotations

import math
import statistics

import pytest

from simulator import ClosedLoop, Poisson, Scenario, Workload, WSGIServer, metrics, simulate, theory

SEEDS = (1, 2, 3, 4, 5)
N = 30_000
WARMUP_S = 20.0


def _agree(values: list[float], expected: float, rel: float = 0.03) -> None:
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / len(values) ** 0.5
    assert se < rel * expected, f"too noisy: standard error {se:.4g} vs {expected:.4g}"
    tol = max(4 * se, rel * expected)
    assert abs(mean - expected) <= tol, f"mean {mean:.5g} vs theory {expected:.5g} (tol {tol:.3g})"


def _mmc(c: int, lam: float, mean_s: float, seed: int):
    return simulate(Scenario(
        server=WSGIServer(threads=c),
        workload=Workload(io_ms=1000 * mean_s, dist="exponential"),
        arrivals=Poisson(lam), requests=N, seed=seed,
    ))


def test_erlang_c_known_values():
    assert theory.erlang_c(1, 0.5, 1.0) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert theory.erlang_c(2, 1.0, 1.0) == pytest.approx(1 / 3)
    assert theory.erlang_c(4, 60, 20) == pytest.approx(0.5094, abs=1e-4)
    assert theory.erlang_c(3, 10, 1) == 1.0  # overloaded: everyone waits
    assert theory.mmc_mean_wait(3, 10, 1) == float("inf")
    with pytest.raises(ValueError, match="servers"):
        theory.erlang_c(0, 1, 1)
    with pytest.raises(ValueError, match="service_rate"):
        theory.erlang_c(1, 1, 0)


def test_mm1_percentile_is_exponential():
    # M/M/1 sojourn time is exponential with rate mu - lambda
    p95 = theory.mmc_response_percentile(1, 10, 20, 95)
    assert p95 == pytest.approx(-math.log(0.05) / 10, rel=1e-6)


def test_mm1_mean_response():
    lam, mu = 10.0, 20.0
    got = [_mmc(1, lam, 1 / mu, s).summary(warmup_s=WARMUP_S).mean_latency_ms / 1000
           for s in SEEDS]
    _agree(got, theory.mm1_mean_response(lam, mu))


@pytest.mark.parametrize(("c", "lam"), [(2, 30.0), (4, 60.0)])
def test_mmc_wait_probability_mean_wait_and_p95(c, lam):
    mu = 20.0  # 50 ms of exponential I/O per request
    runs = [_mmc(c, lam, 1 / mu, s) for s in SEEDS]
    waited, wq, p95 = [], [], []
    for r in runs:
        recs = r.select(warmup_s=WARMUP_S)
        waited.append(sum(1 for x in recs if x.wait_s > 1e-12) / len(recs))
        wq.append(statistics.fmean(x.wait_s for x in recs))
        p95.append(r.summary(warmup_s=WARMUP_S).p95_ms / 1000)
    _agree(waited, theory.erlang_c(c, lam, mu))
    # the mean wait is the noisiest quantity (most requests wait 0): allow 6 %
    _agree(wq, theory.mmc_mean_wait(c, lam, mu), rel=0.06)
    _agree(p95, theory.mmc_response_percentile(c, lam, mu, 95))


@pytest.mark.parametrize("scenario", [
    Scenario(server=WSGIServer(threads=3), workload=Workload(io_ms=50, dist="exponential"),
             arrivals=Poisson(50), requests=5_000, seed=7),
    Scenario(server=WSGIServer(threads=2), workload=Workload(cpu_ms=4, io_ms=20,
             dist="lognormal", cv=2), arrivals=ClosedLoop(8, think_ms=30), requests=5_000),
], ids=["open", "closed"])
def test_littles_law_holds_on_a_window(scenario):
    recs = simulate(scenario).records
    t0 = recs[len(recs) // 10].arrival_s
    t1 = recs[-len(recs) // 10].arrival_s
    level, lam, w = metrics.littles_law(recs, t0, t1)
    assert level == pytest.approx(lam * w, rel=0.03)


def test_mean_in_system_over_a_whole_run_is_total_latency_over_its_span():
    # Every request arrives and ends inside the run, so the area under the in-system step
    # curve is the sum of the latencies: L = (n / span) * W to rounding, whatever the seed.
    r = _mmc(4, 60.0, 0.05, 11)
    s = r.summary()
    span = s.span_s
    assert s.mean_in_system == pytest.approx(
        len(r.records) / span * s.mean_latency_ms / 1000, rel=1e-9)


@pytest.mark.parametrize(("users", "think_ms", "io_ms", "threads"), [
    (16, 0.0, 50.0, 1), (16, 0.0, 50.0, 4), (10, 200.0, 50.0, 2), (32, 100.0, 20.0, 8),
])
def test_closed_loop_throughput_is_n_over_r_plus_z(users, think_ms, io_ms, threads):
    r = simulate(Scenario(server=WSGIServer(threads=threads),
                          workload=Workload(io_ms=io_ms, dist="exponential"),
                          arrivals=ClosedLoop(users, think_ms=think_ms), requests=20_000))
    s = r.summary(warmup_s=2.0)
    expected = theory.closed_loop_throughput(users, s.mean_latency_ms / 1000, think_ms / 1000)
    assert s.throughput_rps == pytest.approx(expected, rel=0.03)
    x_max, _ = theory.closed_loop_bounds(users, io_ms / 1000, threads, think_ms / 1000)
    assert s.throughput_rps <= x_max * 1.03


def test_servers_needed_meets_the_target():
    c = theory.servers_needed(60, 20, max_wait_probability=0.2)
    assert theory.erlang_c(c, 60, 20) <= 0.2 < theory.erlang_c(c - 1, 60, 20)
