"""Lesson 8: the cascade app shows the market model's numbers, and its key claim holds."""

import pytest
from apphelpers import sweep

from marginlab.course.widgets.cascade import CascadeApp
from marginlab.simulation.market import cascade_twins


@pytest.fixture(scope="module")
def app():
    return CascadeApp()


def test_the_numbers_are_the_market_models(app):
    result = cascade_twins(shock={"ETH-PERP": -0.15},
                           depth={"ETH-PERP": 30_000, "BTC-PERP": 30_000})
    for mode in ("cross", "isolated"):
        s = result.summary.loc[mode]
        assert app.state[f"{mode} liquidated"] == s["traders liquidated"]
        assert app.state[f"{mode} BTC-PERP final move %"] == pytest.approx(s["BTC-PERP move %"])
        table = result[mode]
        eth = table[table["symbol"] == "ETH-PERP"]
        x, y = app.lines[mode, "ETH-PERP"].get_data()
        assert list(x) == list(eth["round"]) and list(y) == pytest.approx(list(eth["move %"]))
        heights = [b.get_height() for b in app.bars[mode]]
        assert sum(heights) == s["traders liquidated"]


def test_cross_margin_spreads_an_eth_crash_to_btc(app):
    st = app.state
    assert st["cross BTC-PERP final move %"] < -5 < st["isolated BTC-PERP final move %"]
    assert st["cross BTC-only liquidated"] > 0 == st["isolated BTC-only liquidated"]


def test_a_deeper_market_cascades_less(app):
    app.controls["depth"].value = 150
    deep = app.state["cross BTC-PERP final move %"]
    app.controls["depth"].value = 10
    thin = app.state["cross BTC-PERP final move %"]
    app.controls["depth"].value = 30
    assert thin < deep


def test_sweep(app):
    assert sweep(app, points=5) > 10
