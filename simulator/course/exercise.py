"""Exercises with a self-check: the learner writes an answer, the check says if it holds.

A notebook cell sets a variable (``answer = None`` until the learner fills it in) and
calls :func:`check`. The check never raises on a wrong or missing answer, so a notebook
still runs top to bottom; it prints a verdict and a hint instead.

>>> check("lanes needed", 4, expected=4, show=False).passed
True
>>> print(check("lanes needed", None, expected=4, show=False))
NOT YET lanes needed: not answered yet: fill in the cell above and rerun it.

In a notebook ``show=True`` (the default) displays the verdict as a coloured line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.display import HTML, display


@dataclass(frozen=True)
class Check:
    """The outcome of one self-check."""

    name: str
    passed: bool
    message: str
    shown: bool = field(default=False, repr=False, compare=False)

    def _ipython_display_(self) -> None:
        # check() has shown it already: as a cell's last value it must not show twice.
        if not self.shown:
            display(HTML(self._repr_html_()))

    def _repr_html_(self) -> str:
        colour = "#1b7837" if self.passed else "#b35806"
        mark = "\u2714" if self.passed else "\u2718"
        return f'<p style="color:{colour}"><b>{mark} {self.name}:</b> {self.message}</p>'

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'NOT YET'} {self.name}: {self.message}"


def check(name: str, answer: Any, *, expected: Any = None, rel: float = 0.0,
          predicate: Callable[[Any], bool | str] | None = None, hint: str = "",
          show: bool = True) -> Check:
    """Check a learner's ``answer`` against ``expected`` (within ``rel``) or ``predicate``.

    ``answer=None`` means "not answered yet": the result says so, without failing the
    notebook. Numbers are compared with a relative tolerance ``rel`` (0.1 = 10 %).
    A ``predicate`` returns ``True`` when the answer holds, and ``False`` or a sentence
    saying what is wrong (shown before the ``hint``) when it does not.
    """
    if answer is None or answer is Ellipsis:
        result = Check(name, False, "not answered yet: fill in the cell above and rerun it.",
                       shown=show)
    else:
        try:
            ok = predicate(answer) if predicate is not None else _close(answer, expected, rel)
        except Exception as err:  # a learner's code may raise anything
            ok = f"that answer could not be checked ({type(err).__name__}: {err})."
        if not isinstance(ok, str) and bool(ok):
            result = Check(name, True, "that holds.", shown=show)
        else:
            why = ok if isinstance(ok, str) else ""
            result = Check(name, False, " ".join(["not yet.", why, hint]).strip(), shown=show)
    if show:
        display(HTML(result._repr_html_()))
    return result


def _close(answer: Any, expected: Any, rel: float) -> bool:
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        value = float(answer)
        if math.isnan(value):
            return False
        return abs(value - expected) <= rel * abs(expected) + 1e-12
    return bool(answer == expected)
