"""Pictures of a run: lanes, queues, latencies, load sweeps, the bridge and the highway.

Every plot takes a :class:`~simulator.results.RunResult`, simulated or measured, draws on
the Axes it is given (or a new figure) and returns that Axes, so simulation and reality can
share one picture. The dashboards wrap the plots in ipywidgets controls: move a slider,
the scenario is simulated again and the figure redrawn. This package calls
:func:`simulator.simulate`; it never touches the simulation engine itself.

>>> from simulator import Scenario, WSGIServer, Workload, Poisson, simulate
>>> from simulator.views import plot_lanes
>>> res = simulate(Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50),
...                         arrivals=Poisson(30), requests=200), trace=True)
>>> ax = plot_lanes(res)
>>> ax.get_title()
'WSGI 1x2: lanes (150 of 200 requests)'
"""

from .bars import plot_answers, plot_bars
from .bridge import Bridge, bridge
from .compare import plot_compare
from .dashboard import CompareDashboard, Dashboard, compare_dashboard, dashboard
from .in_flight import plot_in_flight
from .lanes import plot_lanes
from .latency import plot_latency
from .loop_lag import plot_drill
from .planner import planner, plot_plan
from .playground import playground
from .road import Car, Frame, Road, build_road, frame_at
from .spread import plot_seed_spread
from .streams import plot_chunks
from .style import KIND_COLORS, OKABE_ITO, use_style
from .sweep import Sweep, SweepPoint, plot_sweep, sweep
from .switches import plot_hop_cost, plot_switches
from .timeline import plot_timeline

__all__ = [
    "KIND_COLORS",
    "OKABE_ITO",
    "Bridge",
    "Car",
    "CompareDashboard",
    "Dashboard",
    "Frame",
    "Road",
    "Sweep",
    "SweepPoint",
    "bridge",
    "build_road",
    "compare_dashboard",
    "dashboard",
    "frame_at",
    "planner",
    "playground",
    "plot_answers",
    "plot_bars",
    "plot_chunks",
    "plot_compare",
    "plot_drill",
    "plot_hop_cost",
    "plot_in_flight",
    "plot_lanes",
    "plot_latency",
    "plot_plan",
    "plot_seed_spread",
    "plot_sweep",
    "plot_switches",
    "plot_timeline",
    "sweep",
    "use_style",
]
