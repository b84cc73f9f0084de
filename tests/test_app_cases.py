"""Lesson 13 app: a real case replayed under a venue's rules; the bars are who pays."""

import pytest
from apphelpers import assert_readable, sweep

from marginlab.course.scenarios import CASES, replay_case
from marginlab.course.widgets import CaseApp
from marginlab.course.widgets.cases import SLOTS


def test_app_sweep_never_fails_nor_overlaps():
    app = CaseApp()
    assert sweep(app, points=5, check=assert_readable) > 20


@pytest.mark.parametrize("key", list(CASES))
def test_the_bars_are_the_replay_s_net_results_and_add_up_to_zero(key):
    app = CaseApp()
    app.controls["case"].value = key
    result = replay_case(key)
    parties = list(result.who_pays.index)
    widths = [bar.get_width() for bar in app.bars[:len(parties)]]
    assert widths == pytest.approx([float(v) for v in result.who_pays])
    assert sum(widths) == pytest.approx(0, abs=1e-6)
    assert [bar.get_visible() for bar in app.bars] == [i < len(parties) for i in range(SLOTS)]
    labels = [t.get_text() for t in app.ax.get_yticklabels()][:len(parties)]
    assert labels == parties
    assert list(app.mark_line.get_ydata()) == [float(m) for m in result.path["mark"]]


def test_swapping_the_venue_moves_the_loss_from_the_vault_to_the_shorts():
    app = CaseApp()  # the whale, on Hyperliquid: the backstop vault pays the book
    assert app.state["net: backstop vault"] < -3_000
    assert "Hyperliquid rules" in app.title.get_text()
    app.controls["venue"].value = "BitMEX"
    assert app.state["net: backstop vault"] == 0
    assert app.state["ADL haircut on winners"] > 0 and app.state["ADL at"] == [2]
    assert "BitMEX rules" in app.title.get_text()
    assert "ADL at step 3" in app.alt


def test_the_fund_slider_scales_the_case_s_fund():
    app = CaseApp()
    app.controls["case"].value = "black-thursday"
    app.controls["venue"].value = "BitMEX"
    assert app.state["ADL at"] == []  # a fund large enough: no ADL (as on BitMEX in 2020)
    app.controls["fund"].value = 0
    assert app.state["fund"] == 0 and app.state["ADL at"]
    assert "insurance fund of 0 USDT" in app.alt


def test_mango_prices_keep_their_decimals():
    app = CaseApp()
    app.controls["case"].value = "mango"
    app.png()
    ticks = [t.get_text() for t in app.px.get_yticklabels() if t.get_text()]
    assert any("." in t for t in ticks)
    assert app.index_line.get_visible() is False  # the index moved with the mark
