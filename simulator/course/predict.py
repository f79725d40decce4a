"""Predict, then reveal: the learner commits to an answer before seeing the result.

Research on active learning is blunt: a prediction made *before* an experiment is what
makes the result stick. :func:`predict` shows a question with choices; the explanation
(and, if given, the experiment itself) appears only after an answer is locked in.

>>> q = predict("Four threads, 50 ms per request, 16 users: throughput?",
...             ["about 20 req/s", "about 80 req/s", "about 320 req/s"], answer=1,
...             explain="Four lanes, each finishing 20 requests a second.")
>>> q.commit(1).correct
True
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
from IPython import get_ipython
from IPython.display import display

from ..model._check import check_int

#: Set to 1 to show every result without waiting for a prediction (the notebook tests
#: set it; a lecturer preparing slides may too). Read each time a question is asked.
REVEAL_ALL = "COURSE_REVEAL_ALL"
WAITING = ("<p style='color:#555'><i>\U0001f512 The result of this experiment is ready. "
           "It appears here once you lock in your prediction above.</i></p>")


def reveal_all() -> bool:
    """Whether results show at once, without a prediction (``COURSE_REVEAL_ALL=1``)."""
    return os.environ.get(REVEAL_ALL, "").strip().lower() in ("1", "true", "yes")


def _in_kernel() -> bool:
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


@dataclass(frozen=True)
class Verdict:
    """What the learner chose and whether it was right."""

    choice: int
    correct: bool
    message: str


class Prediction:
    """A multiple-choice prediction, shown where it is asked (in a notebook).

    The experiment it asks about goes in a ``with q.result():`` block: what the block
    prints or draws stays hidden until the learner locks in an answer. ``reveal`` (an
    optional function) is called once, on commit, and what it returns is shown under
    the explanation.
    """

    def __init__(self, question: str, options: Sequence[str], answer: int, explain: str,
                 reveal: Callable[[], Any] | None = None) -> None:
        if len(options) < 2:
            raise ValueError(f"predict(options={options!r}): give at least two choices.")
        check_int("predict", "answer", answer, low=0, high=len(options) - 1,
                  hint="It is the index of the right choice in options, counting from 0.")
        self.question = question
        self.options = tuple(options)
        self.answer = answer
        self.explain = explain
        self._reveal = reveal
        self.verdict: Verdict | None = None
        self.revealed = False
        self._hidden: list[tuple[W.HTML, W.Output]] = []
        self._shown = False
        self._choices = W.RadioButtons(options=list(self.options), value=None,
                                       layout=W.Layout(width="auto"))
        self._button = W.Button(description="Lock in my answer", button_style="primary",
                                disabled=True, icon="lock", layout=W.Layout(width="auto"))
        self._explained = W.HTML()
        self._out = W.Output()
        self._choices.observe(self._on_choose, names="value")
        self._button.on_click(lambda _b: self.commit(self.options.index(self._choices.value)))
        self.widget = W.VBox([
            W.HTML(f"<b>Predict first.</b> {question}"),
            self._choices, self._button, self._explained, self._out,
        ], layout=W.Layout(border="1px solid #bbb", padding="8px", margin="8px 0"))
        if reveal_all():
            self._reveal_without_answer()

    def _on_choose(self, change: dict[str, Any]) -> None:
        self._button.disabled = change["new"] is None or self.verdict is not None

    def commit(self, choice: int) -> Verdict:
        """Lock in ``choice`` (an index), then show the explanation and the experiment."""
        if self.verdict is not None:
            return self.verdict
        check_int("commit", "choice", choice, low=0, high=len(self.options) - 1,
                  hint="It is the index of a choice in options, counting from 0.")
        correct = choice == self.answer
        right = self.options[self.answer]
        head = "Right." if correct else f"Not quite: the answer is \u201c{right}\u201d."
        self.verdict = Verdict(choice, correct, f"{head} {self.explain}")
        self._choices.disabled = True
        self._button.disabled = True
        self._button.description = "Answer locked"
        self._show(self.verdict.message)
        return self.verdict

    def _reveal_without_answer(self) -> None:
        right = self.options[self.answer]
        self._choices.disabled = True
        self._button.disabled = True
        self._button.description = "Shown without a prediction"
        self._show(f"(Results are shown without waiting: {REVEAL_ALL} is set.) The answer "
                   f"is \u201c{right}\u201d. {self.explain}")

    def _show(self, message: str) -> None:
        self.revealed = True
        for waiting, out in self._hidden:
            waiting.layout.display = "none"
            out.layout.display = None
        self._explained.value = f"<p>{message}</p>"
        if self._reveal is not None:
            with self._out:
                shown = self._reveal()
                if shown is not None:
                    display(shown)

    @contextlib.contextmanager
    def result(self) -> Iterator[None]:
        """Run the experiment in a ``with`` block; show what it prints and draws once the
        learner has locked in an answer (at once if they already have).

        Figures the block makes are shown inside it, so they wait too. An error is not
        hidden: the output is shown at once and the error raised as usual.
        """
        if self.revealed or not _in_kernel():
            yield
            return
        waiting = W.HTML(WAITING)
        out = W.Output(layout=W.Layout(display="none"))
        self._hidden.append((waiting, out))
        display(W.VBox([waiting, out]))
        failed: BaseException | None = None
        with out:
            figures = _open_figures()
            try:
                yield
            except BaseException as err:  # shown below, then raised again
                failed = err
            _show_new_figures(figures)
        if failed is not None:
            waiting.layout.display = "none"
            out.layout.display = None
            raise failed

    def _ipython_display_(self) -> None:
        if not self._shown:  # predict() shows it where it is asked; never twice
            self._shown = True
            display(self.widget)


def _open_figures() -> set[int]:
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt is not None else set()


def _show_new_figures(before: set[int]) -> None:
    """Display (here) and close the pyplot figures made since ``before``, so that they
    land in the current output and not, at the cell's end, outside it."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in sorted(set(plt.get_fignums()) - before):
        fig = plt.figure(num)
        display(fig)
        plt.close(fig)


def predict(question: str, options: Sequence[str], answer: int, explain: str,
            reveal: Callable[[], Any] | None = None) -> Prediction:
    """Ask a prediction question, shown at once in a notebook; the explanation (and
    ``reveal()``) show after the learner commits.

    Put the experiment the question is about in ``with q.result():`` (``q`` being what
    this returns): its output stays hidden until an answer is locked in. With the
    environment variable ``COURSE_REVEAL_ALL=1`` every answer and result shows at once
    (for running the notebooks unattended, e.g. in tests).

    Parameters
    ----------
    question:
        The question, one or two sentences.
    options:
        The choices (at least two).
    answer:
        Index of the right choice in ``options``.
    explain:
        Why, in a sentence or three; shown once the learner commits.
    reveal:
        Optional: called on commit to run and show more.
    """
    q = Prediction(question, options, answer, explain, reveal)
    if _in_kernel():
        q._ipython_display_()
    return q
