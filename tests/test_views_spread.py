"""The spread of short runs between seeds: one value per rate and seed, drawn as a band."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simulator import Poisson, Scenario, Workload, WSGIServer
from simulator.views import plot_seed_spread
from simulator.views.spread import seed_spread


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_seed_spread_gives_one_value_per_rate_and_seed_and_a_band():
    sc = Scenario(server=WSGIServer(threads=4), workload=Workload(io_ms=50),
                  arrivals=Poisson(10), requests=100)
    values = seed_spread(sc, [20, 70], duration_s=2, seeds=4)
    assert values.shape == (2, 4)
    assert np.all(values[1] >= 50.0)
    assert np.ptp(values[1]) > 0  # different seeds, different short runs
    ax = plot_seed_spread(sc, [20, 70], duration_s=2, seeds=4)
    assert ax.collections and ax.get_ylim()[1] >= values.max()
    with pytest.raises(ValueError, match="seeds"):
        seed_spread(sc, [20], duration_s=2, seeds=1)
    with pytest.raises(ValueError, match="metric='speed'"):
        seed_spread(sc, [20], duration_s=2, metric="speed")
