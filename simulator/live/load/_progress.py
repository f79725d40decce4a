"""A progress bar for runs longer than about two seconds.

In a Jupyter kernel it is an ipywidgets bar updated from the kernel's own thread (the
load runs in a worker thread meanwhile); elsewhere a line of text on standard error,
rewritten in place on a terminal, and written once at the end into a log. Runs
shorter than two seconds show nothing: a bar that flashes for a moment only distracts.
"""

from __future__ import annotations

import sys
import time
from typing import Any

SHOW_AFTER_S = 2.0
TEXT_EVERY_S = 0.5


def in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (where widgets can be displayed)."""
    ip: Any = sys.modules.get("IPython")
    if ip is None:
        return False
    shell = ip.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """Shows ``done`` of ``total`` requests, or elapsed of ``duration_s`` seconds.

    ``mode``: ``True`` always show, ``False`` never, ``None`` show once a run has taken
    :data:`SHOW_AFTER_S` seconds (or from the start if it is expected to take longer).
    """

    def __init__(self, *, total: int | None, duration_s: float | None, label: str,
                 mode: bool | None, expected_s: float | None = None) -> None:
        self.total = total
        self.duration_s = duration_s
        self.label = label
        self.mode = mode
        self.began = time.monotonic()
        self._widget: Any = None
        self._text_shown = False
        self._last_text = 0.0
        if mode or (mode is None and expected_s is not None and expected_s > SHOW_AFTER_S):
            self._show()

    def _fraction(self, done: int, elapsed: float) -> float:
        if self.total:
            return min(done / self.total, 1.0)
        if self.duration_s:
            return min(elapsed / self.duration_s, 1.0)
        return 0.0

    def _text(self, done: int, elapsed: float) -> str:
        of = f"/{self.total}" if self.total else ""
        return f"{self.label}: {done}{of} requests, {elapsed:.1f} s"

    def _show(self) -> None:
        if in_kernel():
            import ipywidgets as w  # noqa: PLC0415 - only in a kernel
            from IPython.display import display  # noqa: PLC0415

            bar = w.FloatProgress(value=0.0, min=0.0, max=1.0)
            text = w.Label(value=self.label)
            self._widget = (bar, text)
            display(w.HBox([bar, text]))
        else:
            self._text_shown = True

    def update(self, done: int) -> None:
        """Call every few tenths of a second with the requests finished so far."""
        elapsed = time.monotonic() - self.began
        if self._widget is None and not self._text_shown:
            if self.mode is None and elapsed >= SHOW_AFTER_S:
                self._show()
            else:
                return
        if self._widget is not None:
            bar, text = self._widget
            bar.value = self._fraction(done, elapsed)
            text.value = self._text(done, elapsed)
        elif sys.stderr.isatty() and time.monotonic() - self._last_text >= TEXT_EVERY_S:
            self._last_text = time.monotonic()
            sys.stderr.write("\r" + self._text(done, elapsed))
            sys.stderr.flush()

    def close(self, done: int, verdict: str = "") -> None:
        """Show the final count (and a one-line verdict, e.g. a generator-limit warning)."""
        elapsed = time.monotonic() - self.began
        final = self._text(done, elapsed) + (f" - {verdict}" if verdict else "")
        if self._widget is not None:
            bar, text = self._widget
            bar.value = 1.0
            bar.bar_style = "warning" if verdict else "success"
            text.value = final
        elif self._text_shown:
            sys.stderr.write("\r" + final + "\n")
            sys.stderr.flush()
