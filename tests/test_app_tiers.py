"""Lesson 7, "Tiers in practice": the fall an isolated long survives, tier by tier, worked out
by hand from Binance's bracket formula (ETH_PERP's tiers, as of 2025) and checked against the
engine."""

import pytest
from apphelpers import assert_readable, sweep

import marginlab as ml
from marginlab.course.scenarios import tier_curve, tier_position, tiers_in_practice
from marginlab.course.widgets import TierApp


def fall_by_hand(leverage, mmr, cum, notional):
    """equity = N/L + Q (P - EP) = Q P MMR - cum  =>  1 - P/EP = (1/L - MMR + cum/N) / (1 - MMR)
    (Q = N / EP; the tier is the one of the notional at the liquidation price)."""
    return 100 * (1 / leverage - mmr + cum / notional) / (1 - mmr)


@pytest.mark.parametrize("notional, leverage, mmr, cum", [
    (5_000, 10, 0.005, 0),                 # tier 1: 0.5 %, cum 0
    (50_000, 10, 0.0065, 15),              # tier 2: cum = 10,000 x (0.65 % - 0.5 %) = 15
    (500_000, 10, 0.01, 365),              # tier 3: 15 + 100,000 x 0.35 % = 365
    (1_500_000, 10, 0.02, 10_365),         # tier 4: 365 + 1,000,000 x 1 % = 10,365
    (4_900_000, 10, 0.05, 70_365),         # tier 5: 10,365 + 2,000,000 x 3 % = 70,365
])
def test_the_fall_survived_matches_the_bracket_formula(notional, leverage, mmr, cum):
    row = tier_position(notional, leverage)
    assert row["fall %"] == pytest.approx(fall_by_hand(leverage, mmr, cum, notional), abs=1e-9)
    assert row["MMR %"] == pytest.approx(mmr * 100)
    assert not row["capped"]


def test_the_same_leverage_dies_sooner_when_the_position_is_bigger():
    table = tiers_in_practice(leverage=10, notionals=(5_000, 50_000, 500_000, 1_500_000,
                                                     4_900_000))
    falls = list(table["fall %"])
    assert falls == sorted(falls, reverse=True) and falls[0] - falls[-1] > 2
    # one tier (no tiers): the fall does not depend on size: (1/10 - 0.5 %) / 99.5 %
    assert (table["no-tier fall %"] - 100 * 0.095 / 0.995).abs().max() < 1e-9


def test_above_a_tiers_cap_the_leverage_is_capped_and_the_price_jumps_away():
    below, above = tier_position(4_900_000, 10), tier_position(6_000_000, 10)
    assert above["capped"] and above["leverage used"] == 5 and above["tier max leverage"] == 5
    assert above["fall %"] > below["fall %"] + 5  # twice the margin: a much deeper fall
    with pytest.raises(ml.errors.InvalidLeverageError):  # the venue refuses 10x at that size
        ml.ETH_PERP.check_leverage(10, 6_000_000)


def test_the_engine_liquidates_where_the_scenario_says():
    row = tier_position(1_500_000, 10)
    q = row["quantity"]
    for delta, liquidated in ((-0.05, False), (0.05, True)):
        ex = ml.Exchange(marks={"ETH-PERP": 2000}, insurance_fund=1_000_000)
        acct = ex.open_account("whale", deposit=200_000, mode="isolated")
        acct.buy("ETH-PERP", q, leverage=10)
        ex.set_mark("ETH-PERP", round(2000 * (1 - (row["fall %"] + delta) / 100), 2))
        # Binance's protocol may close only part of it: any liquidation counts
        assert bool(list(ex.events.of_kind("liquidation"))) is liquidated


def test_the_curve_has_every_tier_floor_and_falls_between_them():
    curve = tier_curve(10)
    assert {10_000, 100_000, 1_000_000, 2_000_000, 5_000_000} <= set(curve["floors"])
    assert set(curve["floors"]) <= set(curve["notional"])
    assert curve["notional"] == sorted(curve["notional"])


def test_app_sweep_point_and_text():
    app = TierApp()
    assert sweep(app, points=6, check=assert_readable) > 10
    app.controls["notional"].value = 7_500_000
    assert app.state["capped"] and "at most 5x" in app.message.value
    assert app.dot.get_ydata()[0] == pytest.approx(app.state["fall %"])
    assert "5x" in app.alt
