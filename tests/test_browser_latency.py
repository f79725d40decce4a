"""How long a learner waits: slider -> new picture on screen, timed in headless Chromium.

JupyterLab and Voila run the dashboard app (``apps/dashboard.ipynb``); a key press moves
a slider and the page itself times, with ``performance.now()``, the moment of the key
press and the first animation frame after the new picture has loaded. A drag across a
slider's whole range must give one new picture, for the value the slider stopped on,
not one per value passed; the bridge animation is played and its frames timed, then its
cell is run again, which must stop the animation it made before.

The tests check behaviour, never a time: the times go to
``artifacts/browser_latency.json``, which ``benchmarks/bench_views.py --browser`` prints.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest_browser import ROOT, ServerProcess, open_notebook, run_all_cells, shoot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

APP = "apps/dashboard.ipynb"
BRIDGE_NB = "bridge_timing.ipynb"  # written into the served copy of the course
REPORT = ROOT / "artifacts" / "browser_latency.json"
MOVES = 7
GOAL_MS = 400.0
PLAY_INTERVAL_MS = 120  # bridge()'s defaults
FRAMES = 120

# Times, on the page's own clock: the key presses, and the first frame after each new
# picture finished loading (the moment it is on screen).
WATCH = """(img) => {
    window.__keys = [];
    window.__shown = [];
    document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
    document.addEventListener('pointerup', () => window.__keys.push(performance.now()), true);
    img.addEventListener('load', () => {
        requestAnimationFrame(() => window.__shown.push(performance.now()));
    });
}"""
MEASURED: dict[str, Any] = {}


def _save(name: str, row: dict[str, Any]) -> None:
    MEASURED[name] = row
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    REPORT.write_text(json.dumps({**old, **MEASURED}, indent=1))


def _picture(scope: Any) -> Any:
    """The dashboard's picture: the largest img in ``scope``."""
    imgs = scope.locator("img.widget-image")
    imgs.first.wait_for(state="visible", timeout=180_000)
    best, area = None, 0.0
    for el in imgs.all():
        box = el.bounding_box()
        if box and box["width"] * box["height"] > area:
            best, area = el, box["width"] * box["height"]
    return best


def _shown(page: Any) -> int:
    return int(page.evaluate("() => window.__shown.length"))


def _wait_shown(page: Any, count: int, timeout_s: float = 60) -> None:
    page.wait_for_function(f"() => window.__shown.length >= {count}", timeout=timeout_s * 1000)


def _settle(page: Any, quiet_s: float = 2.0, timeout_s: float = 60) -> None:
    """Wait until no new picture has arrived for ``quiet_s``."""
    deadline = time.monotonic() + timeout_s
    last, since = _shown(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = _shown(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
    pytest.fail("the picture kept changing")


def _slider(scope: Any, label: str) -> Any:
    slider = scope.locator(".widget-slider", has_text=label).first
    slider.wait_for(state="visible", timeout=180_000)
    slider.scroll_into_view_if_needed()
    return slider


def _key_latencies(page: Any, slider: Any, moves: int) -> list[float]:
    """Move ``slider`` one step at a time; the ms from each key press to its picture."""
    handle = slider.locator(".noUi-handle").first
    out = []
    for _ in range(moves):
        _settle(page, quiet_s=0.5)
        keys, shown = (int(page.evaluate("() => window.__keys.length")), _shown(page))
        handle.focus()
        handle.press("ArrowRight")  # a new value each time: nothing remembered
        _wait_shown(page, shown + 1)
        t_key = page.evaluate(f"() => window.__keys[{keys}]")
        t_shown = page.evaluate(f"() => window.__shown[{shown}]")
        out.append(float(t_shown) - float(t_key))
    _settle(page, quiet_s=1.0)
    return out


def _row(ms: list[float]) -> dict[str, Any]:
    return {"moves": len(ms), "median_ms": round(statistics.median(ms), 1),
            "max_ms": round(max(ms), 1), "goal_ms": GOAL_MS}


def _drawn(scope: Any) -> str:
    return str(scope.locator(".sim-drawn").first.inner_text())


def test_jupyterlab_slider_to_picture(page: Any, jupyter_lab: ServerProcess) -> None:
    open_notebook(page, jupyter_lab, APP)
    run_all_cells(page)
    cell = page.locator(".jp-Cell").filter(has=page.locator(".widget-slider")).first
    page.evaluate(WATCH, _picture(cell).element_handle())
    ms = _key_latencies(page, _slider(cell, "I/O (ms)"), MOVES)
    _save("jupyterlab: key -> picture", _row(ms))
    shoot(page, "latency-lab")
    assert len(ms) == MOVES


def test_jupyterlab_drag_gives_the_final_value_only(page: Any,
                                                    jupyter_lab: ServerProcess) -> None:
    open_notebook(page, jupyter_lab, APP)
    run_all_cells(page)
    cell = page.locator(".jp-Cell").filter(has=page.locator(".widget-slider")).first
    page.evaluate(WATCH, _picture(cell).element_handle())
    slider = _slider(cell, "I/O (ms)")
    track = slider.locator(".noUi-target").first.bounding_box()
    handle = slider.locator(".noUi-handle").first.bounding_box()
    assert track and handle
    _settle(page, quiet_s=0.5)
    before = _shown(page)
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    steps = 25
    for k in range(1, steps + 1):  # across the whole range in about 1.5 s
        page.mouse.move(track["x"] + track["width"] * (0.1 + 0.85 * k / steps), y)
        time.sleep(0.06)
    page.mouse.up()
    _settle(page)
    pictures = _shown(page) - before
    value = float(slider.locator(".widget-readout").first.inner_text())
    drawn = _drawn(cell)
    shoot(page, "latency-lab-drag")
    _save("jupyterlab: one drag", {"values passed": steps, "pictures drawn": pictures,
                                   "final value": value})
    assert pictures == 1, f"a drag across the range drew {pictures} pictures, not one"
    got = re.search(r"io ([\d.]+) ms", drawn)
    assert got and float(got.group(1)) == pytest.approx(value), (
        f"the picture ({drawn!r}) is not of the slider's final value {value}")


def test_voila_slider_to_picture(page: Any, voila_app: Any) -> None:
    server = voila_app(APP)
    page.goto(server.address(""))
    body = page.locator("body")
    page.evaluate(WATCH, _picture(body).element_handle())
    ms = _key_latencies(page, _slider(body, "I/O (ms)"), MOVES)
    _save("voila: key -> picture", _row(ms))
    shoot(page, "latency-voila")
    assert len(ms) == MOVES


def _write_bridge_notebook(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    # Without a kernelspec JupyterLab would ask which kernel to start.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from simulator import ASGIServer, Poisson, Scenario, Workload, WSGIServer\n"
            "from simulator.views import bridge\n"
            "load = dict(workload=Workload(io_ms=50, view='async'), arrivals=Poisson(30),"
            " requests=40)\n"
            "made = []"),
        nbformat.v4.new_code_cell(
            "w = bridge(Scenario(server=WSGIServer(threads=2), **load),"
            " Scenario(server=ASGIServer(), **load))\n"
            "made.append(w)\n"
            "w"),
        nbformat.v4.new_code_cell(
            "print('old bridge playing:', made[0].play.playing,"
            " 'closed:', made[0].play.comm is None, 'bridges:', len(made))"),
    ]
    nbformat.write(nb, root / BRIDGE_NB)


def test_bridge_plays_steadily_and_stops_when_rerun(page: Any, jupyter_lab: ServerProcess) -> None:
    _write_bridge_notebook(jupyter_lab.root)
    open_notebook(page, jupyter_lab, BRIDGE_NB)
    run_all_cells(page)
    cell = page.locator(".jp-Cell").nth(1)
    page.evaluate(WATCH, _picture(cell).element_handle())
    # When the time slider reaches its end in the browser (the play's own clock).
    page.evaluate("""([handle, last]) => {
        window.__slider_end = null;
        new MutationObserver(() => {
            const at = parseFloat(handle.getAttribute('aria-valuenow'));
            if (at >= last && !window.__slider_end) {
                window.__slider_end = performance.now();
            }
        }).observe(handle, {attributes: true});
    }""", [cell.locator(".widget-slider .noUi-handle").first.element_handle(), FRAMES - 1])
    clicked = float(page.evaluate("() => performance.now()"))
    cell.locator(".widget-play button").first.click()  # play, once through
    page.wait_for_function("() => window.__slider_end !== null", timeout=120_000)
    _settle(page, quiet_s=3.0, timeout_s=60)
    ended = float(page.evaluate("() => window.__slider_end"))
    times = [t for t in page.evaluate("() => window.__shown.slice()") if t > clicked]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) >= 10, f"only {len(times)} frames shown while playing"
    lag_s = (times[-1] - ended) / 1000
    _save("bridge animation", {
        "frames played": FRAMES, "frames shown": len(times),
        "median frame interval ms": round(statistics.median(gaps), 1),
        "p90 frame interval ms": round(sorted(gaps)[int(0.9 * (len(gaps) - 1))], 1),
        "frames per s": round(1000.0 / statistics.median(gaps), 1),
        "play interval ms": PLAY_INTERVAL_MS,
        "play took s": round((ended - clicked) / 1000, 2),
        "last frame after the play ended, s": round(lag_s, 2)})
    # Not falling behind: the last frame is on screen about when the play ends, not
    # after a queue of frames has been worked off (a margin of 2 s for a busy machine).
    assert lag_s < 2.0, f"the last frame came {lag_s:.1f} s after the play ended"
    shoot(page, "latency-bridge-playing")
    # Run the bridge's cell again while it plays: the old animation must stop.
    page.evaluate("""() => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        nb.activeCellIndex = 1;
        return window.jupyterapp.commands.execute('notebook:run-cell');
    }""")
    page.wait_for_timeout(2000)
    page.evaluate("""() => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        nb.activeCellIndex = 2;
        return window.jupyterapp.commands.execute('notebook:run-cell');
    }""")
    out = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
    out.first.wait_for(state="visible", timeout=60_000)
    text = out.first.inner_text()
    assert "old bridge playing: False" in text and "closed: True" in text, text
    assert "bridges: 2" in text, text
