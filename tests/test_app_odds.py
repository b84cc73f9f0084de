"""Lesson 9: the Monte Carlo app shows the replay's own counts, and isolated is riskier."""

import numpy as np
import pytest
from apphelpers import sweep

from marginlab.course.widgets.odds import LEVERAGES, PATHS, OddsApp
from marginlab.simulation.montecarlo import legs_for
from marginlab.simulation.paths import correlated_gbm
from marginlab.simulation.replay import replay


@pytest.fixture(scope="module")
def app():
    return OddsApp()


def test_the_probabilities_are_the_share_of_replayed_paths_liquidated(app):
    # rebuild the run by hand: the same seeded paths, the same legs, one leverage
    array = correlated_gbm({"ETH-PERP": 2_000.0, "BTC-PERP": 50_000.0},
                           {"ETH-PERP": 0.8, "BTC-PERP": 0.6}, 0.8, 7 * 24, paths=PATHS,
                           seed=2024)
    prices = {"ETH-PERP": array[:, :, 0], "BTC-PERP": array[:, :, 1]}
    run = replay(prices, legs_for(10), 1_000, funding_rate=0.0001, funding_every=8)
    for mode in ("cross", "isolated"):
        share = (run.accounts.query("mode == @mode")["first liquidation"] >= 0).mean()
        assert app.state[f"{mode} liquidated %"] == pytest.approx(100 * share)
        low, high = app.state[f"{mode} ci"]
        assert low <= 100 * share <= high


def test_artists_follow_the_state(app):
    app.controls["leverage"].value = 20
    for mode in ("cross", "isolated"):
        assert list(app.lines[mode].get_ydata()) == app.state[f"{mode} p %"]
        heights = [b.get_height() for b in app.bars[mode]]
        assert heights == app.state[f"{mode} histogram %"]
        assert sum(heights) == pytest.approx(100)
    assert list(app.marker.get_xdata()) == [20, 20]


def test_isolated_is_liquidated_at_least_as_often_at_every_leverage(app):
    for vol in (40, 120):
        app.controls["vol"].value = vol
        cross, iso = (np.array(app.state[f"{m} p %"]) for m in ("cross", "isolated"))
        assert (iso >= cross).all() and len(iso) == len(LEVERAGES)
        assert np.all(np.diff(iso) >= -2)  # rises with leverage (up to sampling noise)
    app.controls["vol"].value = 80


def test_sweep(app):
    assert sweep(app, points=3) > 10
