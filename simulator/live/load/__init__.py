"""Load: an open- or closed-loop load generator that returns the simulator's records.

:func:`run_load` sends requests on a schedule drawn from the same seeds as
:func:`~simulator.simulate`, measures latency from the scheduled time, reads the server
stamps of :mod:`simulator.live._stamp` into lanes, and judges its own lag. It loads any
HTTP server on this machine; it knows nothing of how the server was started
(:mod:`..serving`), except the label that :mod:`simulator.live` tells it through
:func:`set_target_lookup`.
"""

from .loadgen import Target, run_load, run_load_async, set_target_lookup

__all__ = ["Target", "run_load", "run_load_async", "set_target_lookup"]
