"""The discrete-event engine (simpy): runs a Scenario, returns a RunResult."""

from .engine import SimulationTooLarge, simulate

__all__ = ["SimulationTooLarge", "simulate"]
