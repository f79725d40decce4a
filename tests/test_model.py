"""Bad input fails at construction, naming the parameter and the allowed range."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from simulator import (
    ASGIServer,
    Bursts,
    ClosedLoop,
    Constant,
    Poisson,
    Scenario,
    SimulationTooLarge,
    Traffic,
    Workload,
    WSGIServer,
    simulate,
)

OK = {"server": WSGIServer(), "workload": Workload(io_ms=10), "arrivals": Poisson(10),
      "requests": 100}

BAD = [
    (lambda: WSGIServer(threads=0), "threads", "1 to 1024"),
    (lambda: WSGIServer(threads=-3), "threads", "1 to 1024"),
    (lambda: WSGIServer(threads=2.5), "threads", "whole number"),
    (lambda: WSGIServer(processes=0), "processes", "1 to 64"),
    (lambda: WSGIServer(overhead_ms=-1), "overhead_ms", "at least 0"),
    (lambda: WSGIServer(backlog=-1), "backlog", "0 to"),
    (lambda: ASGIServer(processes=0), "processes", "1 to 64"),
    (lambda: ASGIServer(switch_ms=math.nan), "switch_ms", "finite"),
    (lambda: ASGIServer(limit_concurrency=0), "limit_concurrency", "1 to"),
    (lambda: Workload(io_ms=-5), "io_ms", "at least 0"),
    (lambda: Workload(cpu_ms=math.inf), "cpu_ms", "finite"),
    (lambda: Workload(io_ms=math.nan), "io_ms", "finite"),
    (lambda: Workload(io_ms="50"), "io_ms", "finite number"),
    (lambda: Workload(view="threaded"), "view", "'sync', 'async', 'async_blocking'"),
    (lambda: Workload(dist="uniform"), "dist", "'constant', 'exponential', 'lognormal'"),
    (lambda: Workload(dist="lognormal", cv=0), "cv", "at least 0.05"),
    (lambda: Poisson(0), "rate_per_s", "more than 0"),
    (lambda: Poisson(-1), "rate_per_s", "more than 0"),
    (lambda: Poisson(math.inf), "rate_per_s", "finite"),
    (lambda: Constant(math.nan), "rate_per_s", "finite"),
    (lambda: Bursts(size=0, every_s=1), "size", "1 to"),
    (lambda: ClosedLoop(0), "users", "1 to 100000"),
    (lambda: ClosedLoop(4, think_ms=-1), "think_ms", "at least 0"),
    (lambda: Scenario(**{**OK, "requests": None}), "requests", "exactly one"),
    (lambda: Scenario(**{**OK, "duration_s": 5.0}), "duration_s", "exactly one"),
    (lambda: Scenario(**{**OK, "requests": 0}), "requests", "1 to 2000000"),
    (lambda: Scenario(**{**OK, "requests": None, "duration_s": -1}), "duration_s",
     "more than 0"),
    (lambda: Scenario(**{**OK, "seed": -1}), "seed", "0 to"),
    (lambda: Scenario(**{**OK, "cores": 0}), "cores", "1 to 256"),
    (lambda: Scenario(**{**OK, "timeout_s": 0}), "timeout_s", "more than 0"),
    (lambda: Scenario(**{**OK, "server": "uvicorn"}), "server", "WSGIServer"),
    (lambda: Scenario(**{**OK, "workload": None}), "workload and arrivals", "together"),
    (lambda: Scenario(**{**OK, "arrivals": 60}), "arrivals", "Poisson"),
    (lambda: Traffic("", Workload(), Poisson(1)), "name", "non-empty"),
]


@pytest.mark.parametrize(("make", "param", "allowed"), BAD)
def test_bad_values_name_the_parameter_and_range(make, param, allowed):
    with pytest.raises(ValueError) as err:
        make()
    msg = str(err.value)
    assert param in msg
    assert allowed in msg


def test_closed_loop_that_could_never_move_is_refused():
    with pytest.raises(ValueError, match="never think"):
        Scenario(server=WSGIServer(), workload=Workload(), arrivals=ClosedLoop(4), requests=10)
    # the same loop is fine once requests take time or users think
    Scenario(server=WSGIServer(), workload=Workload(io_ms=1), arrivals=ClosedLoop(4),
             requests=10)
    Scenario(server=WSGIServer(), workload=Workload(), arrivals=ClosedLoop(4, think_ms=5),
             requests=10)
    # a hop's CPU is time too, but only where the view pays a hop
    Scenario(server=ASGIServer(switch_ms=1), workload=Workload(), arrivals=ClosedLoop(4),
             requests=10)
    with pytest.raises(ValueError, match="never think"):
        Scenario(server=ASGIServer(switch_ms=1), workload=Workload(view="async"),
                 arrivals=ClosedLoop(4), requests=10)


def test_duplicate_traffic_names_are_refused():
    t = Traffic("main", Workload(io_ms=1), Poisson(1))
    with pytest.raises(ValueError, match="names must differ"):
        Scenario(**OK, traffic=(t,))


def test_hints_tell_what_to_try():
    with pytest.raises(ValueError, match="try threads=1"):
        WSGIServer(threads=0)


def test_descriptions_are_frozen_and_replace_makes_variants():
    sc = Scenario(**OK)
    with pytest.raises(AttributeError):
        sc.seed = 3  # type: ignore[misc]
    assert replace(sc, seed=3).seed == 3
    with pytest.raises(ValueError, match="threads"):
        replace(sc.server, threads=0)


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(**{**OK, "requests": 2_000_000}),
        Scenario(**{**OK, "requests": None, "duration_s": 1e6, "arrivals": Poisson(1000)}),
        Scenario(server=WSGIServer(), workload=Workload(cpu_ms=3_600_000), arrivals=Poisson(1),
                 requests=1000),
    ],
    ids=["many-requests", "long-duration", "huge-cpu"],
)
def test_scenarios_too_large_are_refused_before_running(scenario):
    with pytest.raises(SimulationTooLarge, match="Try requests=10_000"):
        simulate(scenario)


def test_simulate_needs_a_scenario():
    with pytest.raises(ValueError, match="expected a Scenario"):
        simulate({"server": "wsgi"})  # type: ignore[arg-type]
