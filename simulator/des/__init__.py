"""The discrete-event engine (simpy): runs a Scenario, returns a RunResult."""

from ._sizing import estimate_seconds, expected_requests
from .engine import SimulationTooLarge, simulate

__all__ = ["SimulationTooLarge", "estimate_seconds", "expected_requests", "simulate"]
