"""Lesson 5: every dollar of a liquidation is accounted for, under each venue's rules."""

from decimal import Decimal

import pytest
from apphelpers import sweep

from marginlab.course.widgets.waterfall import VENUES, WaterfallApp, liquidate_with_gap


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("gap", [0, 0.5, 3, 8])
def test_the_margin_is_fully_accounted_for_and_nobody_goes_negative(venue, gap):
    r = liquidate_with_gap(venue, 20, gap, fund=1_000)
    parts = r["lost to the market"] + r["to the insurance fund"] + r["back to the trader"]
    assert parts == r["margin posted"]
    assert min(r["lost to the market"], r["to the insurance fund"], r["back to the trader"]) >= 0
    assert r["trader balance after"] >= 0
    ex = r["exchange"]
    assert ex.ledger.total() == ex.ledger.deposited


@pytest.mark.parametrize("venue", VENUES)
def test_a_gap_beyond_bankruptcy_makes_a_deficit_of_q_times_the_distance(venue):
    r = liquidate_with_gap(venue, 20, 5, fund=1_000)
    assert r["fill"] < r["bankruptcy price"]
    expected = 1 * (r["bankruptcy price"] - r["fill"])  # 1 ETH long
    assert r["deficit paid by the fund"] == pytest.approx(expected, abs=Decimal("1e-8"))


def test_an_empty_fund_leaves_the_deficit_unrecovered():
    r = liquidate_with_gap("Binance", 20, 5, fund=0)
    assert r["deficit paid by the fund"] == 0 and r["deficit unrecovered"] > 0


def test_venues_differ_at_the_liquidation_price():
    at_lp = {v: liquidate_with_gap(v, 20, 0) for v in VENUES}
    assert at_lp["Hyperliquid"]["back to the trader"] > 0  # no liquidation fee there
    assert at_lp["Binance"]["back to the trader"] == 0       # the 1.25 % fee takes the rest
    assert at_lp["Bybit (classic)"]["liquidation price"] != at_lp["Binance"]["liquidation price"]


def test_app_sweep_and_bars():
    app = WaterfallApp()
    assert sweep(app, points=7) > 20
    app.controls["gap"].value = 5.0
    assert app.bars[4].get_width() == pytest.approx(app.state["deficit paid by the fund"])
    assert app.state["deficit paid by the fund"] > 0
