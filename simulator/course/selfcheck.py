"""The environment self-check of the first notebook: what is here, and what is missing.

:func:`environment_report` looks for every package the course uses, checks that servers
can bind to 127.0.0.1, and counts cores and memory. Each line says what to do if
something is missing, so a learner on a fresh machine or on Binder knows at once.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from dataclasses import dataclass
from importlib import metadata

from IPython.display import HTML, display

PACKAGES = (
    ("simpy", "the simulator's engine"),
    ("numpy", "random numbers and statistics"),
    ("matplotlib", "every figure"),
    ("ipywidgets", "sliders, buttons and dashboards"),
    ("httpx", "the load generator"),
    ("uvicorn", "the ASGI server of the live lab"),
    ("waitress", "the WSGI server of the live lab"),
    ("django", "the Django lessons"),
    ("websockets", "the websocket lesson"),
    ("nest_asyncio", "the lesson on event loops inside Jupyter"),
    ("ipykernel", "this notebook's kernel (how its event loop behaves depends on the version)"),
)
FIX = "run `python3 tasks.py setup` in the course folder (or `pip install -r requirements.txt`)"


@dataclass(frozen=True)
class Item:
    """One line of the report."""

    name: str
    ok: bool
    detail: str


def _package(name: str, role: str) -> Item:
    try:
        mod = importlib.import_module(name)
    except ImportError:
        return Item(name, False, f"missing ({role}): {FIX}")
    try:
        version = metadata.version(name.replace("_", "-"))
    except metadata.PackageNotFoundError:
        version = getattr(mod, "__version__", "installed")
    return Item(name, True, f"{version} ({role})")


def _loopback() -> Item:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    except OSError as err:
        return Item("loopback", False, f"cannot bind 127.0.0.1 ({err}): live runs will fail")
    return Item("loopback", True, f"servers can listen on 127.0.0.1 (tried port {port})")


def _memory_gib() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return pages * size / 2**30


def environment_report(show: bool = True) -> list[Item]:
    """Check the environment; display a table (in a notebook) and return its lines."""
    items = [Item("python", sys.version_info >= (3, 11),
                  f"{sys.version.split()[0]} (3.11 or newer needed)")]
    items += [_package(n, r) for n, r in PACKAGES]
    items.append(_loopback())
    cores = os.cpu_count() or 1
    items.append(Item("cores", True, f"{cores} (live CPU-bound results scale with these)"))
    mem = _memory_gib()
    if mem is not None:
        items.append(Item("memory", mem >= 1.0, f"{mem:.1f} GiB (the course needs about 1)"))
    if show:
        display(HTML(_html(items)))
    return items


def _html(items: list[Item]) -> str:
    yes, no = "\u2714", "\u2718"
    rows = "".join(
        f"<tr><td>{yes if i.ok else no}</td><td><code>{i.name}</code></td>"
        f"<td>{i.detail}</td></tr>" for i in items
    )
    missing = [i.name for i in items if not i.ok]
    verdict = ("<p><b>All set.</b> Everything the course needs is here.</p>" if not missing
               else f"<p><b>Missing: {', '.join(missing)}.</b> See the lines marked \u2718.</p>")
    return f"{verdict}<table>{rows}</table>"
