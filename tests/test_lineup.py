"""The CPU-bound line-up: setups, their models, the ceiling, and one real measurement."""

from __future__ import annotations

import pytest

from simulator import ASGIServer, WSGIServer, simulate
from simulator.live.lineup import CPU_SETUPS, DJANGO_SETUPS, Setup, ceiling_rps, measure_lineup


def test_setups_know_their_models_and_view_styles():
    by_label = {" ".join(s.label.split()): s for s in CPU_SETUPS + DJANGO_SETUPS}
    assert by_label["waitress 16 threads"].model() == WSGIServer(threads=16)
    assert by_label["gunicorn 2 processes"].model() == WSGIServer(processes=2)
    assert by_label["uvicorn 1 loop"].model() == ASGIServer()
    assert by_label["uvicorn 1 loop"].view == "async"  # the demo app computes on the loop
    assert by_label["Django on uvicorn 1 loop"].view == "sync"  # Django's /cpu is a def
    assert by_label["Django on uvicorn 1 loop"].app.endswith("asgi:application")


def test_the_model_reaches_the_ceiling_and_threads_do_not_raise_it():
    cpu_ms = 5.0
    for s in CPU_SETUPS:
        res = simulate(s.scenario(cpu_ms=cpu_ms, users=16, requests=1_000))
        ceiling = ceiling_rps(s.processes, cpu_ms, cores=2)
        assert res.summary().throughput_rps == pytest.approx(ceiling, rel=0.02), s.label


def test_a_setup_with_a_pool_is_modelled_waiting_for_a_connection():
    s = Setup("ASGI, pool 10", "asgi", app="simulator.live.pooled:pool_asgi(size=10)",
              view="async", pool_size=10)
    sc = s.scenario(io_ms=50, users=64, think_ms=1.0, duration_s=2, overhead_ms=0.2, seed=1)
    assert sc.pools[0].size == 10 and sc.workload.pool == "db"
    assert sc.server == ASGIServer(overhead_ms=0.2) and sc.arrivals.think_ms == 1.0
    assert sc.requests is None and sc.duration_s == 2
    # 10 connections, each held 50 ms: 200 a second, however many coroutines wait
    assert simulate(sc).summary().throughput_rps == pytest.approx(200, rel=0.05)
    assert Setup("w", "wsgi").scenario(cpu_ms=1).requests == 2_000
    with pytest.raises(ValueError, match="pool_size"):
        Setup("x", "wsgi", pool_size=0)


def test_ceiling_counts_processes_up_to_the_cores():
    assert ceiling_rps(4, 20.0, cores=2) == 100.0
    assert ceiling_rps(1, 20.0, cores=8) == 50.0
    with pytest.raises(ValueError, match="cpu_ms"):
        ceiling_rps(1, 0.0)
    with pytest.raises(ValueError, match="interface"):
        Setup("x", "cgi")


@pytest.mark.live
@pytest.mark.slow
def test_measure_lineup_serves_each_setup_and_loads_it():
    setups = (Setup("waitress 2", "wsgi", threads=2), Setup("uvicorn", "asgi"))
    live = measure_lineup(setups, "/?cpu_ms=1", users=4, requests=40)
    assert list(live) == ["waitress 2", "uvicorn"]
    assert all(r.summary().completed == 40 for r in live.values())
    assert live["waitress 2"].lanes == ["p0-t0", "p0-t1"]
    assert live["uvicorn"].lanes == ["p0-loop"]
