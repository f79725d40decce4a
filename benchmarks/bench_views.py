"""How fast do the dashboards answer a slider, and how should a figure reach the browser?

    .venv/bin/python benchmarks/bench_views.py            # about a minute
    .venv/bin/python benchmarks/bench_views.py --quick    # fewer repetitions

Part 1 moves the controls of the default ``dashboard()`` (and of ``compare_dashboard()``)
the way a learner would, one change at a time, and times each whole update: simulate,
draw, render the PNG, hand it to the Image widget. The goal is a median <= 150 ms.

Part 2 renders the same dashboard figure three ways, as the kernel would for each redraw:
- ``image``: PNG bytes into an ``ipywidgets.Image`` (what the dashboards do);
- ``inline``: ``Output.clear_output(wait=True)`` + ``display(fig)``, whose cost is the
  inline backend's ``print_figure(fig, "png", bbox_inches="tight")``;
- ``ipympl``: an ipympl canvas after the browser said hello (so it sends PNG diffs):
  ``canvas.draw()`` = Agg draw + diff PNG + send. In a browser ipympl first asks the
  front end to request the draw, which adds one round trip not counted here.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

from simulator.views import compare_dashboard, dashboard, use_style
from simulator.views._render import figure_png

CHANGES: list[tuple[str, Any]] = [
    ("threads", 2), ("threads", 8), ("io_ms", 100.0), ("io_ms", 30.0), ("rate", 90.0),
    ("rate", 40.0), ("cpu_ms", 10.0), ("cpu_ms", 2.0), ("view", "async"),
    ("server", "asgi"), ("view", "async_blocking"), ("rate", 15.0), ("view", "async"),
    ("server", "wsgi"), ("processes", 2), ("processes", 1), ("dist", "constant"),
    ("dist", "exponential"), ("load", "closed"), ("users", 32), ("users", 8),
    ("load", "open"), ("threads", 4), ("io_ms", 50.0), ("rate", 60.0), ("cpu_ms", 5.0),
]


def _stats(ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   max {ms[-1]:6.1f} ms"


def bench_dashboard(make: Callable[[], Any], name: str, rounds: int) -> float:
    d = make()
    total: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(rounds):
        for control, value in CHANGES:
            w = getattr(d.controls, control)
            if w.value == value:
                continue
            t = time.perf_counter()
            w.value = value  # the observer runs the whole update synchronously
            total.append(1000.0 * (time.perf_counter() - t))
            for k, v in d.timer.stages.items():
                stages.setdefault(k, []).append(v)
    print(f"{name}: {len(total)} slider changes, whole update {_stats(total)}")
    for k, v in stages.items():
        print(f"    {k:<9} median {statistics.median(v):6.1f} ms")
    return statistics.median(total)


def _time(fn: Callable[[], Any], n: int, flip: Callable[[int], None]) -> list[float]:
    """Time ``fn`` n times; before each, ``flip`` redraws the figure with other content
    (untimed), so every render really changes the picture, as a slider does."""
    out = []
    for i in range(n):
        flip(i)
        t = time.perf_counter()
        fn()
        out.append(1000.0 * (time.perf_counter() - t))
    return out


def bench_renderers(n: int) -> None:
    d = dashboard()
    states = [d.results]
    d.controls.threads.value = 2
    states.append(d.results)
    fig = d.figure

    def flip(i: int) -> None:
        fig.clear()
        with use_style(d.style):
            d.draw(fig, states[i % 2], None)

    def image() -> None:
        d.image.value = figure_png(fig)

    png = figure_png(fig)
    print(f"\nrendering the default dashboard figure ({len(png) / 1000:.0f} kB PNG), "
          f"{n} times each, alternating two scenarios:")
    print(f"  image  (PNG into ipywidgets.Image)  {_stats(_time(image, n, flip))}")
    try:
        from IPython.core.pylabtools import print_figure

        size = len(print_figure(fig, "png", bbox_inches="tight", base64=False))
        inline = _time(lambda: print_figure(fig, "png", bbox_inches="tight"), n, flip)
        print(f"  inline (Output + display, {size / 1000:.0f} kB)   {_stats(inline)}")
    except ImportError:
        print("  inline: IPython not installed; skipped")
    _bench_ipympl(fig, n, flip)


def _bench_ipympl(fig: Any, n: int, flip: Callable[[int], None]) -> None:
    try:
        from ipympl.backend_nbagg import Canvas, FigureManager
    except ImportError:
        print("  ipympl: not installed (pip install ipympl); skipped")
        return
    canvas = Canvas(fig)
    FigureManager(canvas, 1)  # registers the canvas as its own web socket
    canvas.syncing_data_url = False  # as after the front end's "initialized" message
    sent: list[int] = []
    real_send = canvas.send

    def counting_send(content: Any, buffers: Any = None) -> None:
        if buffers:
            sent.append(sum(len(bytes(b)) for b in buffers))
        real_send(content, buffers)

    canvas.send = counting_send
    canvas.draw()
    sent.clear()
    ipympl = _time(canvas.draw, n, flip)
    kb = statistics.median(sent) / 1000 if sent else 0.0
    print(f"  ipympl (draw + PNG diff, {kb:.0f} kB)   {_stats(ipympl)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one round, fewer repetitions")
    args = ap.parse_args()
    rounds = 1 if args.quick else 3
    med = bench_dashboard(dashboard, "dashboard()", rounds)
    bench_dashboard(compare_dashboard, "compare_dashboard()", 1)
    bench_renderers(10 if args.quick else 30)
    verdict = "meets" if med <= 150 else "MISSES"
    print(f"\ndefault dashboard: median {med:.1f} ms per slider change, {verdict} the "
          "150 ms goal")


if __name__ == "__main__":
    main()
