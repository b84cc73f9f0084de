"""Lesson 5: every dollar of a liquidation is accounted for, under each venue's rules.

Hand-worked, 1 ETH long isolated at 2,000 with 20x: margin 100 USDT, opening fee 1.00, wallet
899.00; bankruptcy price 2,000 - 100 = 1,900.

* Binance (MMR 0.5 % of the notional at the mark, liquidation fee 1.25 %): liquidation price
  (2,000 - 100) / (1 - 0.005) = 1,909.5477..., the mark on its tick 1,909.54. The market takes
  2,000 - 1,909.54 = 90.46; 9.54 is left, less than the fee 0.0125 * 1,909.54 = 23.87, so all
  of it goes to the insurance fund and nothing comes back.
* Hyperliquid (ETH max 25x since March 2025: MMR = half the initial margin at 25x = 2 %, no
  liquidation fee): liquidation price 1,900 / 0.98 = 1,938.7755..., the mark 1,938.77; the
  market takes 61.23 and the 38.77 left goes back to the trader.
* A gap of 5 % past Binance's liquidation price: the mark 1,909.5477 * 0.95 = 1,814.07 (on the
  tick, down) is below the bankruptcy price: the trader loses the 100 and no more, and the
  insurance fund pays the deficit 1,900 - 1,814.07 = 85.93.
"""

from decimal import Decimal

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import VENUES, contract_for, liquidate_with_gap
from marginlab.course.widgets import WaterfallApp
from marginlab.course.widgets.waterfall import BARS

D = Decimal


@pytest.mark.parametrize("venue, lp, lost, to_fund, back", [
    ("Binance", D("1909.54"), D("90.46"), D("9.54"), D(0)),
    # Hyperliquid ETH, 25x max as of March 2025: MMR 1 / 50 = 2 %, LP = 1,900 / 0.98 = 1,938.775..
    ("Hyperliquid", D("1938.77"), D("61.23"), D(0), D("38.77")),
])
def test_at_the_liquidation_price_the_margin_splits_as_worked_out_by_hand(venue, lp, lost,
                                                                          to_fund, back):
    r = liquidate_with_gap(venue, leverage=20, gap_pct=0)
    assert r["margin posted"] == 100
    assert r["bankruptcy price"] == 1900
    assert r["fill"] == lp == r["mark"]
    assert r["lost to the market"] == lost
    assert r["to the insurance fund"] == to_fund
    assert r["back to the trader"] == back
    assert r["trader balance after"] == D(899) + back


def test_a_gap_past_the_bankruptcy_price_costs_the_trader_the_margin_and_the_fund_the_rest():
    r = liquidate_with_gap("Binance", leverage=20, gap_pct=5, fund=1_000)
    assert r["fill"] == D("1814.07")
    assert r["lost to the market"] == 100
    assert r["to the insurance fund"] == 0 and r["back to the trader"] == 0
    assert r["deficit paid by the fund"] == D("85.93")
    assert r["trader balance after"] == 899
    assert r["exchange"].insurance_fund == D(1000) - D("85.93")


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("gap", [0, 0.5, 1, 3, 8])
def test_the_market_takes_exactly_the_price_move_and_the_fee_rule_splits_the_rest(venue, gap):
    r = liquidate_with_gap(venue, leverage=20, gap_pct=gap, fund=1_000)
    spec = contract_for(venue)
    # Bybit (classic) and BitMEX reserve the fee to close (1 ETH x 2,000 x taker) in the margin
    reserve = 2000 * spec.taker_fee if venue in ("Bybit (classic)", "BitMEX") else D(0)
    assert r["margin posted"] == 2000 / D(20) + reserve
    wallet = D(1000) - 2000 / D(20) - reserve - 2000 * spec.taker_fee  # after the order cost
    margin, fill = r["margin posted"], r["fill"]
    move = 1 * (2000 - fill)  # what 1 ETH long loses between the entry and the fill
    assert r["lost to the market"] == min(margin, move)
    left = max(D(0), margin - move)  # what the fill leaves of the margin
    fee = min(left, 1 * fill * contract_for(venue).liquidation_fee)
    assert r["to the insurance fund"] == fee
    # Hyperliquid: equity below 2/3 of the maintenance margin (2 % of the fill at 25x max, on
    # the mark) and above zero: the backstop vault takes what is left, the trader gets nothing
    backstop = venue == "Hyperliquid" and 0 < left < D(2) / 3 * fill * D("0.02")
    vault = left if backstop else D(0)
    assert r["to the backstop vault"] == vault
    assert r["back to the trader"] == left - fee - vault
    deficit = max(D(0), -(margin - move))  # past the bankruptcy price
    assert r["deficit paid by the fund"] == deficit
    assert r["trader balance after"] == wallet + left - fee - vault  # never below the wallet
    ex = r["exchange"]
    assert ex.ledger.total() == ex.ledger.deposited


def test_hyperliquid_backstop_vault_keeps_what_a_deep_gap_leaves():
    """1 ETH long at 2,000, 20x on Hyperliquid (ETH max 25x since March 2025, MMR 2 %): margin
    100, liquidation price (2,000 - 100) / (1 - 0.02) = 1,938.775...; a 1 % gap fills at
    1,919.38 (to the cent below), leaving 100 - 80.62 = 19.38 of equity, under 2/3 of MM
    1,919.38 x 0.02 = 38.3876, i.e. 25.59: the vault keeps it."""
    r = liquidate_with_gap("Hyperliquid", leverage=20, gap_pct=1, fund=1_000)
    assert r["fill"] == D("1919.38")
    assert r["to the backstop vault"] == D("19.38")
    assert r["back to the trader"] == 0 and r["to the insurance fund"] == 0
    assert r["exchange"].backstop_vault == D("19.38")


def test_an_empty_fund_leaves_the_deficit_unrecovered():
    r = liquidate_with_gap("Binance", leverage=20, gap_pct=5, fund=0)
    assert r["deficit paid by the fund"] == 0
    assert r["deficit unrecovered"] == D("85.93")  # the same deficit as with a fund


def test_app_sweep_and_bars():
    app = WaterfallApp()
    assert sweep(app, points=7) > 20
    app.controls["gap"].value = 5.0
    assert app.state["deficit paid by the fund"] == pytest.approx(85.93)
    assert app.bars[BARS.index("deficit paid by the fund")].get_width() == pytest.approx(85.93)
