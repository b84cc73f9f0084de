"""Lesson 12: the protocol app, one market read by a liquidator."""

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import health_table
from marginlab.course.scenarios.protocols import ACCOUNTS
from marginlab.course.style import COLORS
from marginlab.course.widgets import ProtocolApp
from marginlab.course.widgets.protocols import OUTCOMES


def test_app_sweep():
    assert sweep(ProtocolApp(), points=9) > 15


def test_bars_turn_orange_and_hatched_when_liquidatable():
    app = ProtocolApp()
    app.controls["protocol"].value = "Drift v2"
    app.controls["oracle"].value = 1760
    table = health_table("Drift v2", 1760)
    for i, name in enumerate(ACCOUNTS):
        hit = bool(table.loc[name, "liquidatable"])
        colour = COLORS["liquidation"] if hit else COLORS["safe"]
        assert app.bars[i].get_facecolor()[:3] == pytest.approx(
            tuple(int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5)))
        assert (app.bars[i].get_hatch() or "") == ("xx" if hit else "")
    assert app.state["liquidatable"] == int(table["liquidatable"].sum()) >= 2


def test_money_bars_follow_the_state_and_the_protocol():
    app = ProtocolApp()
    app.controls["oracle"].value = 1800
    app.controls["protocol"].value = "Hyperliquid"
    assert app.state["to backstop vault"] == 500  # ann's 12,500 - 60 x 200 left, taken over
    app.controls["protocol"].value = "dYdX v4"
    assert app.state["to backstop vault"] == 0 and app.state["to insurance fund"] > 0
    for i, key in enumerate(OUTCOMES):
        assert app.money[i].get_width() == pytest.approx(app.state[key])
    assert "dYdX v4" in app.title.get_text()


def test_nothing_happens_at_the_opening_price():
    app = ProtocolApp()
    app.controls["oracle"].value = 2000
    assert app.state["liquidatable"] == 0
    assert "nothing happens" in app.message.value
