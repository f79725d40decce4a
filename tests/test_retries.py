"""Client retries after a timeout: exact semantics, and the retry storm under overload."""

from __future__ import annotations

import pytest

from simulator import (
    ClosedLoop,
    Constant,
    Poisson,
    Scenario,
    Traffic,
    Workload,
    WSGIServer,
    simulate,
)


def one_request(io_ms, timeout_s=0.25, retries=2, backoff_ms=0.0, requests=1):
    return simulate(Scenario(server=WSGIServer(threads=1), workload=Workload(io_ms=io_ms),
                             arrivals=Constant(1.0), requests=requests, timeout_s=timeout_s,
                             retries=retries, retry_backoff_ms=backoff_ms))


def test_a_timed_out_request_is_sent_again_while_the_server_still_works_on_it():
    res = one_request(io_ms=300)
    # sent at 1.0, given up at 1.25 and sent again; the one thread finishes the abandoned
    # attempt at 1.3, so the retry starts then, ends at 1.6, and was given up at 1.5
    assert [r.attempt for r in res.records] == [0, 1, 2]
    assert [r.status for r in res.records] == ["timeout"] * 3
    assert [r.arrival_s for r in res.records] == pytest.approx([1.0, 1.25, 1.5])
    assert [r.start_s for r in res.records] == pytest.approx([1.0, 1.3, 1.6])
    assert [r.done_s for r in res.records] == pytest.approx([1.3, 1.6, 1.9])
    assert [r.latency_s for r in res.records] == pytest.approx([0.25] * 3)  # each its own
    s = res.summary()
    assert (s.goodput, s.attempts_per_request, s.completed) == (0.0, 3.0, 0)


def test_backoff_doubles_from_the_moment_the_client_gave_up():
    res = one_request(io_ms=300, backoff_ms=100)
    assert [r.arrival_s for r in res.records] == pytest.approx([1.0, 1.35, 1.8])


def test_a_retry_that_succeeds_ends_the_chain():
    # One thread. A 400 ms request (no timeout) arrives at 1.0; ours at 1.05 (100 ms,
    # timeout 0.3 s) waits behind it, is given up at 1.35 and sent again; the abandoned
    # attempt runs 1.4-1.5, the retry 1.5-1.6: 0.25 s, in time. No third attempt.
    res = simulate(Scenario(
        server=WSGIServer(threads=1), workload=Workload(io_ms=400), arrivals=Constant(1.0),
        traffic=(Traffic("user", Workload(io_ms=100), Constant(1 / 1.05), timeout_s=0.3),),
        requests=2, retries=2))
    user = [(r.attempt, r.status, round(r.arrival_s, 9), round(r.end_s, 9))
            for r in res.records if r.traffic == "user"]
    assert user == [(0, "timeout", 1.05, 1.35), (1, "ok", 1.35, 1.6)]
    assert res.summary(traffic="user").goodput == 1.0


def test_an_answer_exactly_at_the_timeout_is_in_time_and_not_retried():
    res = one_request(io_ms=250, timeout_s=0.25)
    assert [(r.attempt, r.status) for r in res.records] == [(0, "ok")]


def test_requests_counts_first_sends_and_goodput_is_succeeded_over_them():
    sc = Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50, dist="exponential"),
                  arrivals=Poisson(45), requests=3_000, timeout_s=0.2, retries=2, seed=2)
    res = simulate(sc)
    first = [r for r in res.records if r.attempt == 0]
    assert len(first) == 3_000 and len(res.records) > 3_000
    s = res.summary()
    assert s.goodput == pytest.approx(s.completed / 3_000)
    assert s.attempts_per_request == pytest.approx(len(res.records) / 3_000)
    assert res.meta["requests_sent"] == 3_000 and res.meta["attempts_sent"] == len(res.records)
    # a retry is only ever sent for an attempt that timed out
    assert s.completed + s.timeouts == len(res.records)
    assert simulate(sc).records == res.records  # reproducible


def test_a_closed_loop_user_waits_for_the_whole_chain():
    res = simulate(Scenario(server=WSGIServer(threads=1), workload=Workload(io_ms=300),
                            arrivals=ClosedLoop(1), requests=3, timeout_s=0.25, retries=1))
    firsts = [r.arrival_s for r in res.records if r.attempt == 0]
    # each chain: 0.25 s + 0.25 s of attempts, then the next request
    assert firsts == pytest.approx([0.0, 0.5, 1.0])
    assert len(res.records) == 6


def test_under_overload_retries_raise_the_load_and_lower_what_succeeds():
    # four threads carry 80/s; 70/s is offered: fine without retries. With retries each
    # timeout adds a request while the abandoned one still takes its thread: a retry storm.
    def run(retries):
        return simulate(Scenario(server=WSGIServer(threads=4),
                                 workload=Workload(io_ms=50, dist="exponential"),
                                 arrivals=Poisson(70), requests=6_000, timeout_s=0.3,
                                 retries=retries, seed=1)).summary()
    calm, storm = run(0), run(2)
    assert calm.attempts_per_request == 1.0
    assert storm.attempts_per_request > 2.0  # the server saw more than twice the requests
    assert storm.arrival_rate_rps > 80 > calm.arrival_rate_rps  # more than it can carry
    assert calm.goodput > 0.85
    assert storm.goodput < 0.5 * calm.goodput


def test_without_retries_every_record_is_a_first_send():
    res = simulate(Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=10),
                            arrivals=Poisson(20), requests=200))
    assert {r.attempt for r in res.records} == {0}
    s = res.summary()
    assert (s.goodput, s.attempts_per_request) == (1.0, 1.0)


@pytest.mark.parametrize("kw,message", [
    ({"retries": -1, "timeout_s": 0.5}, "retries must be a whole number from 0 to 10"),
    ({"retries": 2}, "no client timeout is set. Give timeout_s"),
    ({"retries": 1, "timeout_s": 0.5, "retry_backoff_ms": -5}, "retry_backoff_ms must be"),
    ({"retries": 1, "timeout_s": 0.5, "retry_backoff_ms": float("nan")}, "retry_backoff_ms"),
])
def test_bad_retry_settings_fail_at_once(kw, message):
    with pytest.raises(ValueError, match=message):
        Scenario(server=WSGIServer(), workload=Workload(io_ms=5), arrivals=Poisson(5),
                 requests=10, **kw)
