"""Predict-then-reveal questions, exercise self-checks and the environment report."""

from __future__ import annotations

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
