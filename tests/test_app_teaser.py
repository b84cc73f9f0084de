"""Lesson 0 teaser: the cross pool drains while the isolated twin lives."""

import pytest
from apphelpers import sweep

import marginlab as ml
from marginlab.course.widgets.teaser import TeaserApp, twins_after_fall


def test_between_the_two_liquidation_prices_only_isolated_eth_is_gone():
    ex0 = twins_after_fall(2000)
    iso_lp = ex0.account("isolated").liquidation_price("ETH-PERP")
    cross_lp = ex0.account("cross").liquidation_price("ETH-PERP")
    assert cross_lp < iso_lp
    middle = float((cross_lp + iso_lp) / 2)
    ex = twins_after_fall(middle)
    assert set(ex.account("cross").positions) == {"BTC-PERP", "ETH-PERP"}
    assert set(ex.account("isolated").positions) == {"BTC-PERP"}


def test_below_the_cross_liquidation_price_the_pool_is_empty():
    ex = twins_after_fall(1200)
    assert ex.account("cross").positions == {} and ex.account("cross").equity == 0
    assert set(ex.account("isolated").positions) == {"BTC-PERP"}
    assert ex.ledger.total() == ex.ledger.deposited


def test_app_sweep_and_bars():
    app = TeaserApp()
    assert sweep(app, points=41) > 40
    app.controls["eth"].value = 1300
    assert app.used[0].get_height() + app.free[0].get_height() == pytest.approx(0)
    assert "liquidated" in app.notes[0].get_text()
    assert app.state["isolated equity"] == pytest.approx(
        float(twins_after_fall(1300).account("isolated").equity))
    assert isinstance(ml.__version__, str)
