"""Bars of model beside measurement, and the grid of answers: what is drawn, not pixels."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest

from simulator.views.bars import plot_answers, plot_bars
from simulator.views.style import LIVE_COLOR, OKABE_ITO, SIM_COLOR


def test_model_bars_stand_left_of_the_measured_ones_with_their_values_written():
    ax = plot_bars(["a", "b"], measured=[1.0, 2.0], model=[3.0, math.nan], notes=["x", "y"])
    model, measured = ax.patches[:2], ax.patches[2:]
    assert [p.get_height() for p in model] == [3.0, 0.0]
    assert [p.get_height() for p in measured] == [1.0, 2.0]
    assert all(m.get_x() < r.get_x() for m, r in zip(model, measured, strict=True))
    assert matplotlib.colors.to_hex(model[0].get_facecolor()) == SIM_COLOR.lower()
    assert matplotlib.colors.to_hex(measured[0].get_facecolor()) == LIVE_COLOR.lower()
    assert [t.get_text() for t in ax.texts] == ["3", "1", "2"]  # no number on a nan bar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a\nx", "b\ny"]


def test_bad_bar_input_says_what_to_give():
    with pytest.raises(ValueError, match="one value per label"):
        plot_bars(["a", "b"], measured=[1.0])
    with pytest.raises(ValueError, match=r"measured=\.\.\., model=\.\.\. or both"):
        plot_bars(["a"])
    with pytest.raises(ValueError, match="at least one label"):
        plot_bars([], measured=[])


def test_the_answers_grid_is_green_for_2xx_and_writes_every_code():
    ax = plot_answers({"waitress": {"/": 200, "/x": 500}, "uvicorn": {"/": 200}})
    grid = ax.images[0].get_array()
    assert grid.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert sorted(t.get_text() for t in ax.texts) == ["-", "200", "200", "500"]
    cmap = ax.images[0].get_cmap()
    assert matplotlib.colors.to_hex(cmap(1.0)) == OKABE_ITO["bluish_green"].lower()
