"""The lessons' figures (marginlab.course.plots): each draws what it is given, and nothing else;
the label placement the apps share."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marginlab.course import plots
from marginlab.course.style import COLORS


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_paths_that_reach_the_level_are_red_and_the_others_blue():
    paths = np.array([[100, 95, 90], [100, 101, 102], [100, 80, 99], [100, 91, 92]], float)
    fig = plots.paths_against_price(paths, 90.0, title="four paths")
    ax = fig.axes[0]
    colors = [line.get_color() for line in ax.get_lines()[:-1]]
    assert colors.count(COLORS["cross"]) == 2  # the 1st (touches 90) and the 3rd (80)
    assert colors.count(COLORS["isolated"]) == 2
    assert list(ax.get_lines()[-1].get_ydata()) == [90.0, 90.0]  # the level, dashed
    assert ax.get_title() == "four paths"


def test_equity_against_price_marks_each_eth_liquidation_on_its_own_curve():
    eth = np.array([2000.0, 1900.0, 1800.0, 1700.0])
    equity = {"cross": [1000.0, 800.0, 600.0, 400.0], "isolated": [1000.0, 800.0, 600.0, 600.0]}
    liquidations = pd.DataFrame({"trader": ["isolated", "cross"],
                                 "symbol": ["ETH-PERP", "BTC-PERP"], "price": [1750.0, 1700.0]})
    ax = plots.equity_against_eth_price(eth, equity, liquidations).axes[0]
    [marker] = ax.collections  # the BTC liquidation is not an ETH one: one marker
    # halfway between 1,800 (600) and 1,700 (600) on the isolated curve
    assert marker.get_offsets().tolist() == [[1750.0, 600.0]]
    assert ax.xaxis_inverted()


def test_insurance_fund_over_time_draws_one_line_per_run():
    class Run:
        def __init__(self, fund):
            self.timeline = pd.DataFrame({"step": [0, 1, 2], "insurance fund": fund})

    fig = plots.insurance_fund_over_time({"small": Run([10, 5, 0]), "large": Run([90, 80, 85])})
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[10, 5, 0], [90, 80, 85]]
    assert [line.get_linestyle() for line in lines] == ["-", "--"]


def test_set_band_moves_the_polygon_to_the_band():
    fig, ax = plt.subplots()
    x = np.array([0.0, 1.0, 2.0])
    band = ax.fill_between(x, 0, 0)
    plots.set_band(band, x, np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    verts = band.get_paths()[0].vertices
    assert verts[:3].tolist() == [[0, 4], [1, 5], [2, 6]]  # along the top
    assert verts[3:6].tolist() == [[2, 3], [1, 2], [0, 1]]  # back along the bottom


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1_000, 1_000), min_size=1, max_size=6), st.floats(0.1, 50))
def test_spread_keeps_order_and_room_and_moves_only_crowded_labels(targets, gap):
    lo, hi = -1_100.0, 1_100.0
    out = plots.spread(targets, gap, lo, hi)
    order = np.argsort(targets, kind="stable")
    placed = out[order]
    assert np.all(np.diff(placed) >= gap - 1e-6)  # in the same order, a label's height apart
    assert placed[0] >= lo - 1e-6 and placed[-1] <= hi + 1e-6
    sorted_targets = np.sort(targets)
    if len(targets) == 1 or np.all(np.diff(sorted_targets) >= gap):
        assert out.tolist() == pytest.approx(list(targets))  # apart already: not moved


def test_spread_centres_a_crowd_on_its_targets():
    # entry 2,000, liquidation 1,969.85 and bankruptcy 1,960 at 50x, labels 90 apart
    out = plots.spread([2_000, 1_969.85, 1_960], 90)
    assert out.tolist() == pytest.approx([1_976.6167 + 90, 1_976.6167, 1_976.6167 - 90],
                                         abs=1e-3)
    assert plots.spread([0, 1_000], 90).tolist() == [0, 1_000]
    assert plots.spread([0, 10], 90, lo=0, hi=500).tolist() == [0, 90]  # kept inside
