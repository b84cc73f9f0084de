"""Lesson 2: an isolated position's loss stops at its own margin."""

from decimal import Decimal

import pytest
from apphelpers import sweep

import marginlab as ml
from marginlab.course.scenarios import PLACES, isolated_pair
from marginlab.course.widgets import RingFenceApp


@pytest.mark.parametrize("move", [-40, -20, -10, -9, -5, 0, 10, 20])
def test_the_loser_never_touches_the_free_balance_or_the_other_position(move):
    r = isolated_pair(eth_move_pct=move, leverage=10)
    before, after = r["before"], r["after"]
    assert after["BTC position"] == before["BTC position"]
    assert after["free balance"] >= before["free balance"]  # at most leftovers come back
    lost = sum(before.values()) - sum(after.values())
    assert lost <= before["ETH position"] + Decimal("1e-8")
    ex = r["exchange"]
    assert ex.ledger.total() == ex.ledger.deposited


def test_liquidated_exactly_past_the_engine_liquidation_price():
    lp = ml.isolated_liquidation_price("long", 2, 2000, 400, ml.ETH_PERP)  # 10x on 2 ETH
    safe = float((lp / 2000 - 1) * 100) + 0.5
    dead = float((lp / 2000 - 1) * 100) - 0.5
    assert not isolated_pair(eth_move_pct=safe, leverage=10)["eth liquidated"]
    assert isolated_pair(eth_move_pct=dead, leverage=10)["eth liquidated"]


def test_adding_margin_moves_the_liquidation_price_away():
    prices = [isolated_pair(eth_move_pct=0, leverage=10, extra_margin=extra)["liquidation price"]
              for extra in (0, 100, 200)]
    assert prices[0] > prices[1] > prices[2]
    # each 100 USDT moves a 2 ETH long's LP by 100 / (2 * (1 - MMR))
    assert prices[0] - prices[1] == pytest.approx(Decimal(100) / (2 * (1 - ml.ETH_PERP.mmr)))


def test_app_sweep_and_bars_follow_the_state():
    app = RingFenceApp()
    assert sweep(app, points=9) > 20
    app.controls["move"].value = -15
    assert app.state["eth liquidated"]
    for i, place in enumerate(PLACES):
        assert app.bars[i].get_height() == pytest.approx(app.state[f"{place} after"])
    assert app.state["BTC position after"] == app.state["BTC position before"]
    assert "nothing else" in app.title.get_text()
