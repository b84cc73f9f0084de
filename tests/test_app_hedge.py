"""Lesson 3: a cross hedge survives what liquidates its isolated legs."""

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import hedge_twins
from marginlab.course.widgets import HedgeApp


@pytest.mark.parametrize("move", [-30, -20, 20, 30])
def test_a_big_common_move_breaks_the_isolated_hedge_but_not_the_cross_one(move):
    ex = hedge_twins(market_pct=move)
    cross, iso = ex.account("cross"), ex.account("isolated")
    assert set(cross.positions) == {"BTC-PERP", "ETH-PERP"}
    losing_leg = "BTC-PERP" if move < 0 else "ETH-PERP"
    assert losing_leg not in iso.positions
    assert ex.ledger.total() == ex.ledger.deposited


def test_after_a_round_trip_cross_is_whole_and_isolated_lost_a_leg_margin():
    ex = hedge_twins(market_pct=-25, back=True)
    cross, iso = ex.account("cross"), ex.account("isolated")
    assert cross.equity == cross.wallet_balance  # back at the start: no uPnL
    btc_margin = 0.04 * 50_000 / 10
    assert float(cross.equity - iso.equity) == pytest.approx(btc_margin, abs=1e-6)


def test_the_cross_liquidation_price_of_one_leg_depends_on_the_other():
    # the ETH short's liquidation price is a function of everything else in its bucket: when
    # BTC gains 10 %, the BTC long's profit backs the short and pushes its LP up
    still = hedge_twins(market_pct=0).account("cross").liquidation_price("ETH-PERP")
    btc_up = hedge_twins(market_pct=10).account("cross").liquidation_price("ETH-PERP")
    assert btc_up > still
    # isolated legs do not care about each other
    a = hedge_twins(market_pct=0).account("isolated").liquidation_price("ETH-PERP")
    b = hedge_twins(market_pct=5).account("isolated").liquidation_price("ETH-PERP")
    assert a == b


def test_app_sweep_and_bars():
    app = HedgeApp()
    assert sweep(app, points=9) > 20
    app.controls["market"].value = -25
    assert app.state["cross btc open"] and not app.state["isolated btc open"]
    assert app.eq_bars[0].get_height() == pytest.approx(app.state["cross equity"])
    assert "liquidated" in app.dist_text["isolated"][0].get_text()
