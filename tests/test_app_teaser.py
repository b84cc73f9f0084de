"""Lesson 0 teaser: the cross pool drains while the isolated twin lives.

Hand-worked: each twin deposits 1,000 and opens 2 ETH at 2,000 and 0.01 BTC at 50,000 at 10x,
paying 0.05 % to open: 2 + 0.25 = 2.25, so each starts with equity 997.75. The isolated ETH
ring holds 400 USDT, so its liquidation price is (4,000 - 400) / (2 (1 - 0.005)) = 1,809.05.
The cross pool holds 997.75 for ETH, less BTC's maintenance margin 0.01 * 50,000 * 0.004 = 2:
(4,000 - 997.75 + 2) / (2 (1 - 0.005)) = 1,509.67.

With ETH at 1,650, between the two: the cross twin still holds both longs and has
997.75 + 2 (1,650 - 2,000) = 297.75; the isolated twin lost its ETH ring, exactly 400 (Binance's
liquidation fee takes what is left of it), and has 597.75.
"""

from decimal import Decimal

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import twins_after_fall
from marginlab.course.widgets import TeaserApp


def test_the_liquidation_prices_are_the_hand_worked_ones():
    ex = twins_after_fall(2000)
    iso = ex.account("isolated").liquidation_price("ETH-PERP")
    cross = ex.account("cross").liquidation_price("ETH-PERP")
    assert iso == pytest.approx(Decimal(3600) / Decimal("1.99"), abs=Decimal("1e-9"))
    assert cross == pytest.approx(Decimal("3004.25") / Decimal("1.99"), abs=Decimal("1e-9"))
    assert ex.account("cross").equity == ex.account("isolated").equity == Decimal("997.75")


def test_between_the_two_liquidation_prices_only_isolated_eth_is_gone():
    ex = twins_after_fall(1650)
    cross, iso = ex.account("cross"), ex.account("isolated")
    assert set(cross.positions) == {"BTC-PERP", "ETH-PERP"}
    assert set(iso.positions) == {"BTC-PERP"}
    assert cross.equity == Decimal("297.75")
    assert iso.equity == Decimal("597.75")


def test_below_the_cross_liquidation_price_the_pool_is_empty():
    ex = twins_after_fall(1200)
    assert ex.account("cross").positions == {} and ex.account("cross").equity == 0
    assert ex.account("isolated").equity == Decimal("597.75")  # BTC and the free balance
    assert ex.ledger.total() == ex.ledger.deposited


def test_app_sweep_and_bars():
    app = TeaserApp()
    assert sweep(app, points=41) > 40
    app.controls["eth"].value = 1650
    assert app.state["cross equity"] == pytest.approx(297.75)
    assert app.state["isolated equity"] == pytest.approx(597.75)
    # the isolated bar: the BTC ring's 50 in use on top of 547.75 free
    assert app.used[1].get_height() == pytest.approx(50)
    assert app.free[1].get_height() == pytest.approx(547.75)
    app.controls["eth"].value = 1300
    assert app.used[0].get_height() + app.free[0].get_height() == pytest.approx(0)
    assert "liquidated" in app.notes[0].get_text()
