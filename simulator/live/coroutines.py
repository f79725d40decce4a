"""What ``await`` does: a few coroutines on one event loop, traced.

An event loop runs one callback at a time. A coroutine runs until it reaches an
``await`` that has to wait (a sleep, a socket read); there it hands control back to the
loop, which runs whatever else is ready. When its wait is over, the coroutine is *ready*
again, but it runs only when the loop gets to it: after whoever runs now reaches an
``await`` of its own. Nobody is interrupted; a coroutine that computes for 15 ms without
awaiting keeps every other one waiting for 15 ms. That is cooperative multitasking.

:func:`trace_coroutines` runs a small plan on a fresh event loop (in a thread of its own,
never the kernel's loop) and returns a :class:`~simulator.RunResult` whose spans use the
simulator's kinds: ``"queue"`` until a coroutine first runs, ``"cpu"`` while it runs,
``"io"`` while it awaits, ``"ready"`` when its wait is over but the loop is busy with
someone else. :func:`plan_scenario` is
the same plan for the simulator::

    plan = {"A": [("cpu", 3), ("await", 10)], "hog": [("cpu", 15)]}
    live = trace_coroutines(plan)
    sim = simulate(plan_scenario(plan), trace=True)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

from ..model import ASGIServer, Bursts, Scenario, Traffic, Workload
from ..model._check import check_number
from ..results import RequestRecord, RunResult, Span
from ._work import burn
from .load._sync import run_sync

Plan = Mapping[str, Sequence[tuple[str, float]]]
STEP_KINDS = ("cpu", "await")
MAX_STEP_MS = 2_000.0


def check_plan(plan: Plan) -> None:
    """Raise ValueError unless ``plan`` maps names to steps ``("cpu"|"await", ms)``."""
    if not isinstance(plan, Mapping) or not plan or len(plan) > 12:
        raise ValueError(f"plan={plan!r}: give 1-12 coroutines as a dict, e.g. "
                         "{'A': [('cpu', 3), ('await', 10)], 'hog': [('cpu', 15)]}.")
    for name, steps in plan.items():
        if not steps:
            raise ValueError(f"plan[{name!r}]: give at least one step, e.g. [('cpu', 3)].")
        for step in steps:
            if not (isinstance(step, tuple) and len(step) == 2 and step[0] in STEP_KINDS):
                raise ValueError(f"plan[{name!r}]: step {step!r} must be ('cpu', ms) or "
                                 "('await', ms).")
            check_number("trace_coroutines", f"plan[{name!r}] {step[0]} ms", step[1],
                         low=0, low_open=True, high=MAX_STEP_MS)


def trace_coroutines(plan: Plan) -> RunResult:
    """Start every coroutine of ``plan`` at once on a new event loop; trace who ran when.

    Each coroutine works through its steps: ``("cpu", ms)`` computes for ``ms`` of CPU
    without awaiting, ``("await", ms)`` awaits ``asyncio.sleep`` (the stand-in for a
    database call). Records: one per coroutine (``traffic`` is its name); spans:
    ``"cpu"``, ``"io"`` and ``"ready"``, ``where`` its name.
    """
    check_plan(plan)
    spans: list[Span] = []
    records: list[RequestRecord] = []

    async def one(rid: int, name: str, steps: Sequence[tuple[str, float]],
                  created: float) -> None:
        running = time.monotonic()
        if running > created:
            spans.append(Span(rid, "queue", name, created, running))  # not started yet
        first = running
        for kind, ms in steps:
            if kind == "cpu":
                burn(ms)
                continue
            paused = time.monotonic()
            spans.append(Span(rid, "cpu", name, running, paused))
            await asyncio.sleep(ms / 1000.0)  # back to the loop until the timer is due
            running = time.monotonic()
            due = min(paused + ms / 1000.0, running)
            spans.append(Span(rid, "io", name, paused, due))
            spans.append(Span(rid, "ready", name, due, running))
        end = time.monotonic()
        spans.append(Span(rid, "cpu", name, running, end))
        records.append(RequestRecord(rid, created, first, end, "ok", "p0-loop", name))

    async def main() -> None:
        created = time.monotonic()
        await asyncio.gather(*(one(i, name, steps, created)
                               for i, (name, steps) in enumerate(plan.items())))

    run_sync(main, name="livelab-coroutines")
    spans = [s for s in spans if s.end_s > s.start_s]
    return RunResult(records=tuple(sorted(records)), spans=tuple(spans), source="live",
                     label="measured: coroutines on one event loop")


def plan_scenario(plan: Plan) -> Scenario:
    """The simulator's version of ``plan``: one async request per coroutine, all arriving
    at once in plan order, on one ASGI event loop. Each coroutine must be ``("cpu", ms)``
    and/or then ``("await", ms)``: a request of the model computes, then awaits."""
    check_plan(plan)
    traffic = []
    for name, steps in plan.items():
        kinds = [k for k, _ in steps]
        if kinds not in (["cpu"], ["await"], ["cpu", "await"]):
            raise ValueError(f"plan_scenario: plan[{name!r}] is {kinds}; the model's "
                             "requests compute, then await: use [('cpu', ms), ('await', ms)]"
                             " or one of the two.")
        work = dict(steps)
        traffic.append(Traffic(name, Workload(cpu_ms=work.get("cpu", 0.0),
                                              io_ms=work.get("await", 0.0), view="async"),
                               Bursts(size=1, every_s=3600)))
    return Scenario(server=ASGIServer(), traffic=tuple(traffic), requests=len(traffic))
