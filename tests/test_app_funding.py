"""Lesson 11: fees, the mark against the index, and funding eating an isolated margin.

Expected values are worked by hand from the venues' formulas: a fee is Q * P * rate, a funding
payment size * mark * rate (Binance "Introduction to Funding Rates"), an isolated long's
liquidation price (Q * EP - margin) / (Q * (1 - MMR)) (Binance's liquidation price FAQ)."""

from decimal import Decimal

import numpy as np
import pytest
from apphelpers import sweep

from marginlab.course.scenarios import (
    basis_liquidation,
    fee_schedules,
    first_trade_fees,
    funding_periods,
    funding_rate_examples,
    funding_summary,
)
from marginlab.course.widgets import FundingApp
from marginlab.engine.errors import MarginLabError, SimulationSettingError

MMR = 0.005  # ETH-PERP's first tier


def long_lp(margin, q=1.0, entry=2000.0):
    return (q * entry - margin) / (q * (1 - MMR))


def test_the_first_trade_costs_its_taker_fees_on_every_venue():
    fees = first_trade_fees()
    taker = 2 * 2000 * 0.0005 + 0.01 * 50_000 * 0.0005  # 2.00 + 0.25
    assert taker == pytest.approx(2.25)
    assert fees["fee to open (taker)"].tolist() == pytest.approx([taker] * 4)
    assert fees["wallet after"].tolist() == pytest.approx([1000 - taker] * 4)  # 997.75
    assert fees["fee to open (maker)"].tolist() == pytest.approx([4500 * 0.0002] * 4)
    assert fees["wallet after closing"].tolist() == pytest.approx([1000 - 2 * taker] * 4)


def test_bybit_and_bitmex_reserve_the_fee_to_close_binance_and_hyperliquid_do_not():
    fees = first_trade_fees()
    im = 4500 / 10
    for venue in ("Binance", "Hyperliquid"):
        assert fees.loc[venue, "fee to close reserved"] == 0
        assert fees.loc[venue, "available after"] == pytest.approx(1000 - 2.25 - im)
    for venue in ("Bybit (classic)", "BitMEX"):
        assert fees.loc[venue, "fee to close reserved"] == pytest.approx(2.25)
        assert fees.loc[venue, "available after"] == pytest.approx(1000 - 2.25 - im - 2.25)


def test_the_fee_schedules_show_the_presets_and_bybits_published_rates():
    table = fee_schedules()
    assert table.loc["marginlab ETH-PERP (every venue)", "taker %"] == pytest.approx(0.05)
    assert table.loc["Bybit USDT perpetuals, published (base tier)", "taker %"] == \
        pytest.approx(0.055)


def test_the_mark_liquidates_while_the_index_stays_above_the_liquidation_price():
    r = basis_liquidation(leverage=20)
    assert r["liquidation price"] == pytest.approx(long_lp(100))  # 1,909.55
    step = r["liquidated at"]
    frame = r["frame"]
    assert step == 24  # the hour the basis opens
    assert frame.loc[step, "mark"] <= r["liquidation price"] < frame.loc[step - 1, "mark"]
    assert r["lowest index"] > r["liquidation price"]  # the index never got there
    assert abs(r["index move %"]) < 2 and r["mark move %"] < -4.5
    assert frame.loc[step, "premium %"] == pytest.approx(-6, abs=0.01)  # M = I (1 + b)
    assert np.isnan(frame.loc[step, "liquidation price"])


def test_without_a_basis_the_same_long_lives():
    r = basis_liquidation(leverage=20, basis=0.0)
    assert r["liquidated at"] is None
    assert r["frame"]["equity"].iloc[-1] == pytest.approx(
        1000 - 1 - 100 + 100 + (r["frame"]["mark"].iloc[-1] - 2000))  # wallet + margin + uPnL


def test_the_funding_rate_follows_binances_rule_with_its_dampener_and_cap():
    # F = clamp(P + clamp(I - P, -0.05 %, 0.05 %), -2 %, 2 %), I = 0.01 %; in %:
    # P 0: I - P = 0.01 inside the dampener -> 0.01; P 0.03 -> 0.03 - 0.02 = 0.01;
    # P 0.2 -> 0.2 - 0.05 = 0.15; P -0.2 -> -0.2 + 0.05 = -0.15; P 5 -> 4.95, capped at 2
    table = funding_rate_examples()
    assert table["funding rate %"].tolist() == pytest.approx([0.01, 0.01, 0.15, -0.15, 2.0])
    assert table["who pays"].tolist()[3] == "shorts pay longs"


@pytest.mark.parametrize("rate, periods", [(0.001, 45), (0.003, 15)])
def test_funding_eats_the_isolated_margin_until_the_maintenance_margin(rate, periods):
    table = funding_periods(rate=rate, periods=periods + 3, leverage=20)
    pay = 1 * 2000 * rate  # size * mark * rate, per period
    margin = 100 - pay * np.arange(periods)  # periods 0 .. liquidation - 1
    alive = table.loc[:periods - 1]
    assert alive["isolated margin"].to_numpy() == pytest.approx(margin)
    assert alive["isolated liquidation price"].to_numpy() == pytest.approx(long_lp(margin))
    assert alive["isolated alive"].all() and not table.loc[periods, "isolated alive"]
    assert 100 - pay * periods <= 2000 * MMR < 100 - pay * (periods - 1)  # equity <= MM
    summary = funding_summary(table)
    assert summary["isolated liquidated at"] == periods
    assert summary["hours"] == 8 * periods


def test_the_cross_pool_pays_the_same_and_lives():
    table = funding_periods(rate=0.001, periods=60, leverage=20)
    n = np.arange(61)
    assert table["cross paid"].to_numpy() == pytest.approx(2 * n)
    assert table["cross wallet"].to_numpy() == pytest.approx(999 - 2 * n)  # after the 1.00 fee
    wallet = 999 - 2 * n
    # cross: the whole wallet backs the long: LP = (Q EP - wallet) / (Q (1 - MMR))
    assert table["cross liquidation price"].to_numpy() == pytest.approx(long_lp(wallet))
    assert table["cross alive"].all()
    assert table["isolated paid"].iloc[-1] == pytest.approx(2 * 45)  # no more once closed


def test_a_short_receives_when_the_rate_is_positive():
    table = funding_periods(rate=0.001, periods=3, side="short")
    assert table["isolated paid"].to_numpy() == pytest.approx([0, -2, -4, -6])
    assert table["isolated margin"].iloc[-1] == pytest.approx(106)


@pytest.mark.parametrize("settings", [dict(periods=-1), dict(periods=2.5), dict(periods=True),
                                      dict(side="sideways"), dict(rate="a lot")])
def test_bad_settings_are_refused_with_a_readable_error(settings):
    kwargs = {"rate": 0.001, "periods": 3, **settings}
    with pytest.raises(MarginLabError) as err:
        funding_periods(**kwargs)
    assert len(str(err.value)) > 20
    if "periods" in settings or "side" in settings:
        assert isinstance(err.value, SimulationSettingError)


def test_app_sweep_and_lines_follow_the_state():
    app = FundingApp()
    assert sweep(app, points=5) > 20
    app.controls["rate"].value, app.controls["leverage"].value = 0.1, 20
    app.controls["periods"].value = 60
    assert app.state["isolated liquidated at"] == 45
    assert "45 periods (360 h)" in app.title.get_text()
    x, y = app.lines["isolated"].get_data()
    assert list(x) == list(range(61)) and y[0] == pytest.approx(100)
    assert app.liq_lines["isolated"].get_ydata()[10] == pytest.approx(long_lp(80))
    assert app.lines["cross"].get_alpha() == 0.3
    app.controls["mode"].value = "cross"
    assert app.lines["cross"].get_alpha() == 1.0 and app.lines["isolated"].get_alpha() == 0.3
    assert "cross wallet 999.00 → 879.00" in app.message.value
    assert "45 periods (360 hours)" in app.alt


def test_a_negative_rate_pays_the_long():
    app = FundingApp()
    app.controls["rate"].value = -0.1
    assert app.state["isolated liquidated at"] is None
    assert app.state["isolated now"] == pytest.approx(100 + 2 * app.state["periods"])
    assert "both alive" in app.title.get_text()


def test_snapshot_keeps_the_figure_and_returns_a_picture():
    app = FundingApp()
    image = app.snapshot(rate=0.2, periods=30, leverage=10, mode="isolated")
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert app.state["leverage"] == 10 and Decimal(str(app.state["rate %"])) == Decimal("0.2")


def test_the_check_yourself_answers_are_the_hand_worked_ones():
    from marginlab.course.quizzes import lesson_11

    quiz = lesson_11.check_yourself()
    assert quiz.answer(0, "995.75")  # 1,000 - (2.00 + 0.25) to open - 2.00 to close the ETH
    assert quiz.answer(0, "995.50") is False  # both closed: the lesson's figure
    assert quiz.answer(1, 2) and quiz.answer(3, 0) and quiz.answer(4, 0)
    # 5x: margin 400, MM 10, 2 USDT a period: 400 - 2 n <= 10 from n = 195 (at zero: 200)
    assert quiz.answer(2, 195)
    assert quiz.answer(2, 200) is False and "not at zero" in quiz.feedback[2].value


def test_the_periods_slider_reaches_the_10x_ring_of_the_prompt():
    # lesson 11's prompt: at +0.10 % and 10x, margin 200, MM 10, 2 USDT a period: 200 - 2 n <= 10
    # from n = 95, which the slider must reach (at 20x: 100 - 2 n <= 10 from n = 45)
    app = FundingApp()
    assert app.controls["periods"].max >= 95
    app.snapshot(rate=0.1, periods=app.controls["periods"].max, leverage=10, mode="isolated")
    assert app.state["isolated liquidated at"] == 95
    app.snapshot(rate=0.1, periods=90, leverage=20, mode="isolated")
    assert app.state["isolated liquidated at"] == 45
