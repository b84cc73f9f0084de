"""Lesson 1 app, driven without a browser."""

from decimal import Decimal

import pytest
from apphelpers import sweep

import marginlab as ml
from marginlab.course.widgets import LeverageApp


@pytest.fixture
def app():
    return LeverageApp(entry=2000, quantity=1)


def test_every_control_over_its_whole_range(app):
    assert sweep(app) > 50


def test_numbers_are_the_engine_s(app):
    app.controls["leverage"].value = 20
    app.controls["move"].value = -2.0
    st = app.state
    lp = ml.isolated_liquidation_price("long", 1, 2000, 100, ml.ETH_PERP)
    assert st["liquidation price"] == pytest.approx(float(lp), rel=1e-12)
    assert st["bankruptcy price"] == pytest.approx(2000 * (1 - 1 / 20))
    assert st["initial margin"] == 100
    assert st["unrealized PnL"] == pytest.approx(-40)
    assert st["ROI %"] == pytest.approx(-40 / (1960 / 20) * 100)
    assert not st["liquidated"]


def test_plot_follows_the_numbers(app):
    app.controls["side"].value = "short"
    app.controls["leverage"].value = 10
    y = app.lines["liquidation"].get_ydata()[0]
    assert y == pytest.approx(app.state["liquidation price"])
    assert y > 2000  # a short dies above its entry


def test_crossing_the_liquidation_price_turns_the_gauge(app):
    app.controls["leverage"].value = 50  # LP at about 1,969.85 (-1.5 %)
    app.controls["move"].value = -1.0
    assert not app.state["liquidated"] and app.state["margin ratio %"] < 100
    app.controls["move"].value = -2.0
    assert app.state["liquidated"] and app.state["margin ratio %"] >= 100
    assert "liquidated" in app.gauge_text.get_text()


def test_leverage_is_capped_by_the_tier():
    app = LeverageApp(entry=2000, quantity=10)  # 20,000 notional: ETH tier 2 allows 75x
    assert app.controls["leverage"].max == int(ml.ETH_PERP.max_leverage(Decimal(20_000)))


def test_an_error_is_shown_not_swallowed(app):
    app.spec = ml.linear_perp("ETH-PERP", [(0, "0.01", 5)])  # 5x max now
    app.controls["leverage"].value = 30
    assert app.error and "at most 5x" in app.error
    assert "Could not update" in app.message.value
    app.controls["leverage"].value = 3
    assert app.error is None and app.message.value.startswith("Notional")
