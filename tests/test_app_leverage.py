"""Lesson 1 app, driven without a browser, against numbers worked out by hand.

1 ETH long at 2,000 with 20x, isolated, Binance's first tier (MMR 0.5 %): margin 100. At a mark
2 % lower, 1,960: uPnL -40, equity 60, MM 0.005 * 1,960 = 9.80, margin ratio 9.8 / 60 = 16.33 %,
ROI -40 / (1,960 / 20) = -40.82 %. Liquidation price: 100 + (P - 2,000) = 0.005 P, so
P = 1,900 / 0.995 = 1,909.55; bankruptcy price 1,900. The same short at 10x (margin 200):
200 - (P - 2,000) = 0.005 P, so P = 2,200 / 1.005 = 2,189.05.
"""

import pytest
from apphelpers import sweep

import marginlab as ml
from marginlab.course.widgets import LeverageApp


@pytest.fixture
def app():
    return LeverageApp(entry=2000, quantity=1)


def test_every_control_over_its_whole_range(app):
    assert sweep(app) > 50


def test_numbers_are_the_hand_worked_ones(app):
    app.controls["leverage"].value = 20
    app.controls["move"].value = -2.0
    st = app.state
    assert st["initial margin"] == 100
    assert st["mark"] == pytest.approx(1960)
    assert st["unrealized PnL"] == pytest.approx(-40)
    assert st["equity"] == pytest.approx(60)
    assert st["maintenance margin"] == pytest.approx(9.8)
    assert st["margin ratio %"] == pytest.approx(9.8 / 60 * 100)
    assert st["ROI %"] == pytest.approx(-40 / (1960 / 20) * 100)
    assert st["liquidation price"] == pytest.approx(1900 / 0.995, rel=1e-12)
    assert st["bankruptcy price"] == pytest.approx(1900)
    assert not st["liquidated"]


def test_plot_follows_the_numbers(app):
    app.controls["side"].value = "short"
    app.controls["leverage"].value = 10
    assert app.state["liquidation price"] == pytest.approx(2200 / 1.005, rel=1e-12)
    y = app.lines["liquidation"].get_ydata()[0]
    assert y == pytest.approx(2200 / 1.005, rel=1e-12)  # a short dies above its entry


def test_crossing_the_liquidation_price_turns_the_gauge(app):
    app.controls["leverage"].value = 50  # margin 40: LP = 1,960 / 0.995 = 1,969.85 (-1.5 %)
    app.controls["move"].value = -1.0
    assert not app.state["liquidated"] and app.state["margin ratio %"] < 100
    app.controls["move"].value = -2.0
    assert app.state["liquidated"] and app.state["margin ratio %"] >= 100
    assert "liquidated" in app.gauge_text.get_text()


def test_leverage_is_capped_by_the_tier():
    # Binance ETHUSDT brackets: up to 10,000 of notional 100x, from 10,000 to 100,000 75x
    assert LeverageApp(entry=2000, quantity=1).controls["leverage"].max == 100
    assert LeverageApp(entry=2000, quantity=10).controls["leverage"].max == 75


def test_an_error_is_shown_not_swallowed(app):
    app.spec = ml.linear_perp("ETH-PERP", [(0, "0.01", 5)])  # 5x max now
    app.controls["leverage"].value = 30
    assert app.error and "at most 5x" in app.error
    assert "Could not update" in app.message.value
    app.controls["leverage"].value = 3
    assert app.error is None and app.message.value.startswith("Notional")
