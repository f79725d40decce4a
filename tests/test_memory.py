"""Memory: a base per process and a cost per thread, measured defaults that can be overridden."""

from __future__ import annotations

import pytest

from simulator import ASGIServer, WSGIServer
from simulator.model import memory
from simulator.model.memory import ASGI_MEMORY, WSGI_MEMORY, memory_defaults


def test_wsgi_memory_is_processes_times_base_plus_threads():
    s = WSGIServer(processes=2, threads=4)
    assert s.memory_mb == pytest.approx(2 * (WSGI_MEMORY.process_mb + 4 * WSGI_MEMORY.thread_mb))
    assert WSGIServer(processes=3, threads=10, process_mb=100, thread_mb=2).memory_mb == 360.0


def test_asgi_memory_is_processes_times_base():
    assert ASGIServer(processes=3).memory_mb == pytest.approx(3 * ASGI_MEMORY.process_mb)
    assert ASGIServer(process_mb=50, thread_mb=1).memory_mb == 50.0


def test_threads_cost_little_and_processes_cost_much():
    # what the measurement found: a Django process is tens of MB, a thread well under one
    for cost in (WSGI_MEMORY, ASGI_MEMORY):
        assert 20 <= cost.process_mb <= 500
        assert 0 < cost.thread_mb < 2
    assert WSGIServer(threads=64).memory_mb < WSGIServer(processes=2).memory_mb


def test_the_defaults_say_how_and_when_they_were_measured():
    doc = memory.__doc__ or ""
    for needed in ("psutil", "RSS", "waitress", "uvicorn", "2026-", "Machines differ",
                   "bench_memory_model.py"):
        assert needed in doc
    assert memory_defaults("asgi") == ASGI_MEMORY
    with pytest.raises(ValueError, match="kind must be 'wsgi' or 'asgi'"):
        memory_defaults("cgi")


@pytest.mark.parametrize("make,message", [
    (lambda: WSGIServer(process_mb=-1), "process_mb must be at least 0 and at most"),
    (lambda: WSGIServer(thread_mb=float("nan")), "thread_mb must be a finite number"),
    (lambda: ASGIServer(process_mb="lots"), "process_mb must be a finite number"),
])
def test_bad_memory_figures_fail_at_once(make, message):
    with pytest.raises(ValueError, match=message):
        make()
