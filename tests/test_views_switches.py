"""Where a Django request ran, step by step, and the cost of its hops: what is drawn."""

from __future__ import annotations

from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from simulator.views import plot_hop_cost, plot_switches
from simulator.views.switches import LOOP_COLOR, THREAD_COLOR, hop_cost


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeTrace(NamedTuple):
    steps: tuple[tuple[str, str], ...]
    hops: int

    def label(self) -> str:
        return "a stack"


def test_switches_colour_each_step_by_where_it_ran():
    t = FakeTrace((("server", "loop"), ("SyncOnly", "thread"), ("view", "loop")), 1)
    ax = plot_switches([t, t])
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours.count(LOOP_COLOR.lower()) == 4 and colours.count(THREAD_COLOR.lower()) == 2
    assert sum("1 hop" in txt.get_text() for txt in ax.texts) == 2
    with pytest.raises(ValueError, match="at least one"):
        plot_switches([])


def test_hop_cost_is_the_least_squares_line_and_is_drawn():
    fixed, per_hop = hop_cost([1, 3, 5], [2.0, 2.4, 2.8])
    assert fixed == pytest.approx(1.8) and per_hop == pytest.approx(0.2)
    ax = plot_hop_cost([1, 3, 5], [2.0, 2.4, 2.8], ["a", "b", "c"])
    assert "0.20 ms per hop" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="two different"):
        hop_cost([3, 3], [1.0, 2.0])
