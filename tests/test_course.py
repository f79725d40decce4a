"""Predict-then-reveal questions, exercise self-checks and the environment report."""

from __future__ import annotations

import importlib

import pytest

from simulator.course import check, environment_report, predict


def test_explanation_and_experiment_stay_hidden_until_an_answer_is_locked_in():
    ran = []
    q = predict("Which?", ["a", "b", "c"], answer=2, explain="Because c.",
                reveal=lambda: ran.append(1))
    assert q._button.disabled and not ran and q.verdict is None
    q._choices.value = "b"  # the learner picks an answer: now they may lock it in
    assert not q._button.disabled
    q._button.click()
    assert ran == [1]
    assert q.verdict is not None and q.verdict.choice == 1 and not q.verdict.correct
    assert "c" in q.verdict.message and "Because c." in q.verdict.message
    assert q._choices.disabled and q._button.disabled
    # a second commit changes nothing and does not rerun the experiment
    assert q.commit(2).choice == 1 and ran == [1]


def test_right_answer_is_praised():
    q = predict("Which?", ["a", "b"], answer=0, explain="x")
    assert q.commit(0).correct and q.verdict.message.startswith("Right.")


@pytest.mark.parametrize(("options", "answer"), [(["only"], 0), (["a", "b"], 2),
                                                 (["a", "b"], -1)])
def test_bad_questions_are_refused(options, answer):
    with pytest.raises(ValueError, match=r"answer|choices"):
        predict("?", options, answer=answer, explain="")


def test_self_check_numbers_predicates_and_missing_answers():
    assert check("n", 82, expected=80, rel=0.05, show=False).passed
    assert not check("n", 90, expected=80, rel=0.05, hint="think", show=False).passed
    assert "think" in check("n", 90, expected=80, rel=0.05, hint="think", show=False).message
    assert not check("n", None, expected=80, show=False).passed
    assert "not answered yet" in str(check("n", ..., expected=80, show=False))
    assert check("p", [1, 2], predicate=lambda a: len(a) == 2, show=False).passed
    assert not check("n", "eighty", expected=80, show=False).passed  # no exception


def test_environment_report_finds_this_environment_complete():
    items = environment_report(show=False)
    assert all(i.ok for i in items), [i for i in items if not i.ok]
    names = {i.name for i in items}
    assert {"python", "simpy", "uvicorn", "django", "loopback"} <= names


def test_environment_report_names_what_is_missing(monkeypatch):
    from simulator.course import selfcheck

    monkeypatch.setattr(selfcheck, "PACKAGES", (("no_such_package_xyz", "a test"),))
    items = environment_report(show=False)
    bad = [i for i in items if not i.ok]
    assert [i.name for i in bad] == ["no_such_package_xyz"]
    assert "tasks.py setup" in bad[0].detail
    assert "Missing: no_such_package_xyz" in selfcheck._html(items)


# --------------------------------------------------------------------- shown only once


def test_a_check_shown_by_check_is_not_shown_again_as_the_cells_value(monkeypatch):
    from simulator.course import exercise

    shown = []
    monkeypatch.setattr(exercise, "display", shown.append)
    result = check("n", 80, expected=80)
    assert len(shown) == 1
    result._ipython_display_()  # what IPython calls for a cell's last value
    assert len(shown) == 1
    check("n", 80, expected=80, show=False)._ipython_display_()
    assert len(shown) == 2


def test_a_predicate_may_say_why_an_answer_does_not_hold():
    said = check("p", 1, predicate=lambda a: "the server said no", hint="try 2", show=False)
    assert not said.passed and said.message == "not yet. the server said no try 2"
    assert check("p", 2, predicate=lambda a: a == 2, show=False).passed
    import numpy as np

    assert check("p", 2, predicate=lambda a: np.bool_(a == 2), show=False).passed
    raised = check("p", 1, predicate=lambda a: 1 / 0, show=False)
    assert not raised.passed and "ZeroDivisionError" in raised.message


# ------------------------------------------------------- results hidden until answered


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run in a notebook's kernel; record what is displayed."""
    mod = importlib.import_module("simulator.course.predict")  # the module, not predict()

    shown: list[object] = []
    monkeypatch.delenv(mod.REVEAL_ALL, raising=False)
    monkeypatch.setattr(mod, "_in_kernel", lambda: True)
    monkeypatch.setattr(mod, "display", shown.append)
    return shown


def _hidden(q):
    return [(waiting.layout.display, out.layout.display) for waiting, out in q._hidden]


def test_a_result_stays_hidden_until_an_answer_is_locked_in(kernel):
    q = predict("Which?", ["a", "b"], answer=1, explain="Because b.")
    assert kernel == [q.widget]  # shown where it is asked, once
    q._ipython_display_()
    assert kernel == [q.widget]
    ran = []
    with q.result():
        ran.append("the experiment")
    assert ran == ["the experiment"]  # it runs at once: only its output waits
    assert _hidden(q) == [(None, "none")]  # the lock note shows, the output does not
    q._choices.value = "a"
    q._button.click()
    assert _hidden(q) == [("none", None)]
    assert "Because b." in q._explained.value and not q.verdict.correct
    # answered: a rerun of the experiment cell shows its output at once
    with q.result():
        pass
    assert len(q._hidden) == 1


def test_figures_made_in_a_hidden_result_wait_inside_it(kernel):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = predict("Which?", ["a", "b"], answer=0, explain="x")
    before = set(plt.get_fignums())
    with q.result():
        fig, _ax = plt.subplots()
    assert fig in kernel  # displayed inside the hidden output ...
    assert set(plt.get_fignums()) == before  # ... and closed, so the cell's end shows none


def test_an_error_in_a_hidden_result_is_shown_and_raised(kernel):
    q = predict("Which?", ["a", "b"], answer=0, explain="x")
    with pytest.raises(ZeroDivisionError), q.result():
        1 / 0  # noqa: B018
    assert _hidden(q) == [("none", None)]


def test_reveal_all_shows_every_answer_and_result_at_once(kernel, monkeypatch):
    mod = importlib.import_module("simulator.course.predict")  # the module, not predict()

    monkeypatch.setenv(mod.REVEAL_ALL, "1")
    q = predict("Which?", ["a", "b"], answer=1, explain="Because b.")
    assert q.revealed and q.verdict is None and q._button.disabled
    assert "\u201cb\u201d" in q._explained.value and "COURSE_REVEAL_ALL" in q._explained.value
    with q.result():
        pass
    assert q._hidden == []  # nothing hidden: the output goes straight to the cell


def test_outside_a_kernel_nothing_is_hidden_or_displayed(monkeypatch):
    mod = importlib.import_module("simulator.course.predict")  # the module, not predict()

    monkeypatch.delenv(mod.REVEAL_ALL, raising=False)
    q = predict("Which?", ["a", "b"], answer=1, explain="x")
    with q.result():
        pass
    assert q._hidden == [] and not q.revealed


def test_environment_report_names_the_kernel_version():
    names = {i.name for i in environment_report(show=False)}
    assert "ipykernel" in names
