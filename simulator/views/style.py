"""Colours and type sizes that survive a projector and colour-blind eyes.

Every picture in the course uses the Okabe-Ito palette: eight colours that people with
the common forms of colour blindness can still tell apart, and that stay distinct when a
projector washes them out. Each *kind* of time a request spends has one colour
everywhere, so a learner who has seen "vermillion is CPU" once can read every plot:

- CPU work (holding the GIL and a core): vermillion
- I/O wait (a database, another service): sky blue
- ready, waiting for the GIL, a core or the loop: yellow
- waiting in the queue for a lane or the loop: grey
- blocking call that holds an event loop: reddish purple
- waiting for a connection of a pool (a database's): blue

Two presets set the type sizes: ``"notebook"`` for a laptop screen and ``"projector"``
for a lecture hall (larger fonts, thicker lines; figures of 1280x720 pixels).
``use_style("projector")`` switches for the rest of the session; used as
``with use_style("projector"): ...`` it switches back afterwards.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import matplotlib as mpl
from matplotlib.rcsetup import cycler  # matplotlib's own, validated: no extra dependency

from ..model._check import check_choice

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#9A9A9A"  # neutral, for waiting: it should not draw the eye

KIND_COLORS: dict[str, str] = {
    "cpu": OKABE_ITO["vermillion"],
    "io": OKABE_ITO["sky_blue"],
    "ready": OKABE_ITO["yellow"],
    "queue": GREY,
    "blocked": OKABE_ITO["reddish_purple"],
    "pool": OKABE_ITO["blue"],  # waiting for a connection of a pool
    "service": OKABE_ITO["bluish_green"],  # live runs: server time, CPU and I/O not split
    "latency": OKABE_ITO["orange"],  # live runs without server timing: all we know
    "failed": OKABE_ITO["black"],
}
KIND_LABELS: dict[str, str] = {
    "cpu": "CPU (GIL + core)",
    "io": "I/O wait",
    "ready": "ready: waits for\nGIL, core or loop",
    "queue": "waiting in queue",
    "blocked": "blocking call\nholding the loop",
    "pool": "waiting for a DB connection",
    "service": "in the server\n(CPU + I/O)",
    "latency": "in flight\n(no server timing)",
    "failed": "failed",
}
SIM_COLOR = OKABE_ITO["blue"]
LIVE_COLOR = OKABE_ITO["orange"]
THEORY_COLOR = OKABE_ITO["black"]
PERCENTILE_COLORS: dict[int, str] = {
    50: OKABE_ITO["bluish_green"],
    95: OKABE_ITO["orange"],
    99: OKABE_ITO["vermillion"],
}

HD_SIZE_IN = (12.8, 7.2)  # 1280x720 pixels at dpi 100
HD_DPI = 100

_CYCLE = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion",
                                 "reddish_purple", "sky_blue", "yellow", "black")]
_COMMON: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=_CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": HD_DPI,
    "savefig.dpi": HD_DPI,
}
STYLES: dict[str, dict[str, Any]] = {
    "notebook": {
        **_COMMON,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 9,
        "lines.linewidth": 1.8,
        "figure.figsize": (9.6, 5.4),
    },
    "projector": {
        **_COMMON,
        "font.size": 15,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "legend.fontsize": 12,
        "lines.linewidth": 2.8,
        "lines.markersize": 8,
        "axes.linewidth": 1.4,
        "figure.figsize": HD_SIZE_IN,
    },
}


def style_params(name: str) -> dict[str, Any]:
    """The matplotlib rcParams of preset ``name`` (``"notebook"`` or ``"projector"``)."""
    check_choice("use_style", "name", name, tuple(STYLES))
    return dict(STYLES[name])


class use_style:
    """Switch matplotlib to a preset; as a context manager, switch back on exit.

    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["font.size"]
    >>> with use_style("projector"):
    ...     print(mpl.rcParams["font.size"])
    15.0
    >>> mpl.rcParams["font.size"] == before
    True
    """

    def __init__(self, name: str = "notebook") -> None:
        params = style_params(name)
        self.name = name
        rc: Any = mpl.rcParams  # typed with literal keys; ours are checked by matplotlib
        self._saved = {k: rc[k] for k in params}
        rc.update(params)

    def __enter__(self) -> use_style:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        rc: Any = mpl.rcParams
        rc.update(self._saved)
