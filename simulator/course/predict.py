"""Predict, then reveal: the learner commits to an answer before seeing the result.

Research on active learning is blunt: a prediction made *before* an experiment is what
makes the result stick. :func:`predict` shows a question with choices; the explanation
(and, if given, the experiment itself) appears only after an answer is locked in.

>>> q = predict("Four threads, 50 ms per request, 16 users: throughput?",
...             ["about 20 req/s", "about 80 req/s", "about 320 req/s"], answer=1,
...             explain="Four lanes, each finishing 20 requests a second.")
>>> verdict = q.commit(1)   # in a notebook the button does this; outside, it prints
HTML(value='<p>Right. Four lanes, each finishing 20 requests a second.</p>')
>>> verdict.correct
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
from IPython.display import display

from ..model._check import check_int


@dataclass(frozen=True)
class Verdict:
    """What the learner chose and whether it was right."""

    choice: int
    correct: bool
    message: str


class Prediction:
    """A multiple-choice prediction. Display it in a notebook (it is a widget's wrapper).

    ``reveal`` is called (once) when the learner commits; whatever it displays or returns
    appears under the explanation, so the experiment stays hidden until then.
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
        self._choices = W.RadioButtons(options=list(self.options), value=None,
                                       layout=W.Layout(width="auto"))
        self._button = W.Button(description="Lock in my answer", button_style="primary",
                                disabled=True, icon="lock")
        self._out = W.Output()
        self._choices.observe(self._on_choose, names="value")
        self._button.on_click(lambda _b: self.commit(self.options.index(self._choices.value)))
        self.widget = W.VBox([
            W.HTML(f"<b>Predict first.</b> {question}"),
            self._choices, self._button, self._out,
        ], layout=W.Layout(border="1px solid #bbb", padding="8px", margin="8px 0"))

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
        with self._out:
            display(W.HTML(f"<p>{self.verdict.message}</p>"))
            if self._reveal is not None:
                shown = self._reveal()
                if shown is not None:
                    display(shown)
        return self.verdict

    def _ipython_display_(self) -> None:
        display(self.widget)


def predict(question: str, options: Sequence[str], answer: int, explain: str,
            reveal: Callable[[], Any] | None = None) -> Prediction:
    """Ask a prediction question; the explanation (and ``reveal()``) show after committing.

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
        Optional: called on commit to run and show the experiment.
    """
    return Prediction(question, options, answer, explain, reveal)
