"""The lessons' tables (lessons 2, 3, 4 and 7), checked against hand-worked dollars and closed
forms: each expected number below is worked out from the venue's published formula or the
scenario's set-up, not read back from the function under test.

Shared facts: ETH_PERP's first tier has MMR 0.5 % (notional below 10,000, cum 0), its second
0.65 % (cum = 10,000 * 0.15 % = 15); BTC_PERP's first 0.4 %; the taker fee is 0.05 %.
"""

from decimal import Decimal

import pytest

import marginlab as ml
from marginlab.course.scenarios import (
    contract_for,
    crash_recovery_grid,
    hedge_after_moves,
    liquidation_by_margin_added,
    price_path,
    size_by_leverage,
    venue_liquidation_prices,
)
from marginlab.errors import ConfigurationError, InvalidPriceError

CENT = 0.005


# --- lesson 2: margin added to the 2 ETH isolated long (10x at 2,000) ---------------------------
def test_added_margin_moves_the_liquidation_and_bankruptcy_prices_by_binance_formula():
    table = liquidation_by_margin_added(extra_margins=(0, 100, 200, 400), leverage=10)
    assert list(table.index) == [0, 100, 200, 400]
    for extra, row in table.iterrows():
        margin = 2 * 2000 / 10 + extra                         # 400 + what was added
        assert row["ETH isolated margin"] == pytest.approx(margin, abs=1e-9)
        # Binance isolated long: LP = (Q * EP - M) / (Q * (1 - MMR)), Q = 2, MMR 0.5 %
        assert row["liquidation price"] == pytest.approx((2 * 2000 - margin) / (2 * 0.995),
                                                         abs=CENT)
        assert row["bankruptcy price"] == pytest.approx(2000 - margin / 2, abs=CENT)
    # the lesson's quiz, by hand: 600 + 2 (P - 2,000) = 0.5 % of 2 P -> P = 3,400 / 1.99
    assert table.loc[200, "liquidation price"] == pytest.approx(1708.54, abs=CENT)


def test_added_margin_is_capped_at_the_available_balance():
    # 1,000 - ETH margin 400 - BTC margin 50 - fees (4,000 + 500) * 0.05 % = 547.75 available
    table = liquidation_by_margin_added(extra_margins=(5_000,), leverage=10)
    assert table.loc[5_000, "ETH isolated margin"] == pytest.approx(400 + 547.75, abs=1e-9)
    assert table.loc[5_000, "bankruptcy price"] == pytest.approx(2000 - 947.75 / 2, abs=CENT)


# --- lesson 3: the hedge (long 0.04 BTC at 50,000, short 1 ETH at 2,000, 10x) ------------------
def hedge_by_hand(move: int) -> dict:
    """Equal notional N = 2,000 a side: cross keeps 1,000 - 2 * (2,000 * 0.05 %) = 998 whatever
    the common move; an isolated leg (margin N / 10 = 200) dies once the move against it reaches
    about 9 % (LP: BTC 45,000 / 0.996 = 45,180.72, ETH 2,200 / 1.005 = 2,189.05), and then the
    twin holds the winning leg: 998 - 200 + 2,000 * |move|."""
    if abs(move) < 9:
        return {"legs": "BTC + ETH", "equity": 998.0}
    winner = "ETH" if move < 0 else "BTC"
    return {"legs": winner, "equity": 998 - 200 + 2000 * abs(move) / 100}


def test_the_cross_hedge_holds_and_the_isolated_one_keeps_only_the_winning_leg():
    moves = (-30, -20, -10, -5, 5, 10, 20, 30)
    table = hedge_after_moves(moves=moves)
    assert list(table.index) == list(moves)
    assert list(table.columns) == ["cross legs open", "cross equity", "isolated legs open",
                                   "isolated equity"]
    for move, row in table.iterrows():
        assert row["cross legs open"] == "BTC + ETH"
        assert row["cross equity"] == pytest.approx(998.0, abs=1e-9)
        expected = hedge_by_hand(move)
        assert row["isolated legs open"] == expected["legs"]
        assert row["isolated equity"] == pytest.approx(expected["equity"], abs=1e-9)


def test_a_round_trip_costs_the_isolated_twin_one_leg_margin():
    table = hedge_after_moves(moves=(-25, 25), back=True)
    assert list(table["cross equity"]) == pytest.approx([998.0, 998.0])
    assert list(table["isolated equity"]) == pytest.approx([998.0 - 200, 998.0 - 200])


# --- lesson 4: crash x recovery ----------------------------------------------------------------
def test_crash_recovery_grid_matches_the_path_by_hand():
    # 600 committed at 10x: ETH 420 -> 2.1 ETH at 2,000, BTC 180 -> 0.036 BTC at 50,000;
    # opening fees (4,200 + 1,800) * 0.05 % = 3, so both twins start at 997.
    table = crash_recovery_grid(crashes=(10, 20, 30), recoveries=(0, 100))
    assert list(table.index) == [(c, r) for c in (10, 20, 30) for r in (0, 100)]
    for (crash, recovery), row in table.iterrows():
        end = price_path(crash, recovery_pct=recovery).iloc[-1]
        btc_pnl = 0.036 * (end["BTC-PERP"] - 50_000)
        held = 997 + 2.1 * (end["ETH-PERP"] - 2000) + btc_pnl
        if row["cross positions"] == 2:
            assert row["cross equity"] == pytest.approx(held, abs=1e-6)
        else:  # the pool drained on the way (all-at-once): both closed, nothing is left
            assert row["cross positions"] == 0
            assert row["cross equity"] == 0.0
        # isolated: the ETH ring (420) is gone, the free balance and the BTC ring are not
        assert row["isolated positions"] == 1
        assert row["isolated equity"] == pytest.approx(997 - 420 + btc_pnl, abs=1e-6)


def test_a_recovered_dip_leaves_cross_ahead_and_a_deep_crash_leaves_it_with_nothing():
    table = crash_recovery_grid(crashes=(10, 30), recoveries=(0, 100))
    assert table.loc[(10, 100), "cross equity"] > table.loc[(10, 100), "isolated equity"]
    assert table.loc[(30, 0), "cross equity"] == 0.0 < table.loc[(30, 0), "isolated equity"]


# --- lesson 7: sizing by leverage ----------------------------------------------------------------
@pytest.mark.parametrize("leverage, qty, lp", [
    # Q = floor(1,000 / (2,000 * (1/L + 0.05 %)), 0.001); first tier: LP = 2,000 (1 - 1/L) / 0.995
    (2, 0.999, 2000 * 0.5 / 0.995),                         # 1,005.03
    (10, 4.975, 2000 * 0.9 / 0.995),                        # 1,809.05
    # 9.9 ETH = 19,800 of notional: second tier, M = 990, LP = (19,800 - 990 - 15) / (9.9 * 0.9935)
    (20, 9.9, (19_800 - 990 - 15) / (9.9 * 0.9935)),       # 1,910.91
])
def test_size_by_leverage_by_hand(leverage, qty, lp):
    row = size_by_leverage(balance=1_000, entry=2_000, leverages=(leverage,)).iloc[0]
    assert row.name == f"{leverage}x"
    assert row["max ETH"] == pytest.approx(qty, abs=1e-12)
    assert row["notional"] == pytest.approx(qty * 2000, abs=1e-9)
    assert row["liquidation price"] == pytest.approx(lp, abs=1e-6)
    assert row["survives a fall of %"] == pytest.approx((1 - lp / 2000) * 100, abs=1e-9)


def test_in_the_first_tier_the_size_does_not_change_how_far_a_position_survives():
    small, large = (size_by_leverage(balance=b, leverages=(3, 5, 10)) for b in (300, 1_000))
    assert list(small["max ETH"]) != list(large["max ETH"])
    assert list(small["survives a fall of %"]) == pytest.approx(list(large["survives a fall of %"]))


def test_size_by_leverage_holds_the_reserved_fee_to_close_on_bybit():
    # Bybit classic reserves the fee to close: Q = floor(1,000 / (2,000 * 0.101), 0.001) = 4.95;
    # M = IM + fee to close, MM = entry value * (MMR + fee): LP = 2,000 (1 - 1/10 + 0.5 %) = 1,810
    row = size_by_leverage(leverages=(10,), rules=ml.PRESETS["Bybit (classic)"]).iloc[0]
    assert row["max ETH"] == pytest.approx(4.95, abs=1e-12)
    assert row["liquidation price"] == pytest.approx(1810.0, abs=1e-9)


def test_a_long_without_a_liquidation_price_survives_any_fall():
    row = size_by_leverage(leverages=(1,)).iloc[0]   # 1x: the margin covers a fall to zero
    assert row["survives a fall of %"] == 100.0
    assert row["liquidation price"] != row["liquidation price"]  # NaN


def test_size_by_leverage_refuses_a_bad_entry_with_a_marginlab_error():
    with pytest.raises(InvalidPriceError):
        size_by_leverage(entry="two thousand")


# --- lesson 7: venues compared (1 ETH long at 2,000, 10x isolated; 1,000 wallet in cross) -------
VENUES_BY_HAND = {
    # venue: (isolated margin, isolated LP, cross LP)
    # Binance, MM on the mark (MMR 0.5 %): LP = (Q * EP - M) / (Q * (1 - MMR))
    "Binance": (200, 1800 / 0.995, 1000 / 0.995),
    # Bybit classic / BitMEX: margin 200 + fee to close 2,000 * 0.05 % = 201, MM on the entry
    # value plus the same fee (10 + 1): LP = EP - (M - MM) / Q
    "Bybit (classic)": (201, 2000 - (201 - 11), 2000 - (1000 - 11)),
    "BitMEX": (201, 2000 - (201 - 11), 2000 - (1000 - 11)),
    # Hyperliquid, MMR = 1 / (2 * 50) = 1 % on the mark
    "Hyperliquid": (200, 1800 / 0.99, 1000 / 0.99),
}


def test_venue_liquidation_prices_by_hand():
    table = venue_liquidation_prices(leverage=10, quantity=1, entry=2000, wallet=1000)
    assert list(table.index) == list(VENUES_BY_HAND)
    for venue, (margin, iso, cross) in VENUES_BY_HAND.items():
        row = table.loc[venue]
        assert row["isolated margin"] == pytest.approx(margin, abs=1e-9)
        assert row["isolated LP"] == pytest.approx(iso, abs=1e-6)
        assert row["isolated fall %"] == pytest.approx((1 - iso / 2000) * 100, abs=1e-9)
        assert row["cross LP"] == pytest.approx(cross, abs=1e-6)
        assert row["cross fall %"] == pytest.approx((1 - cross / 2000) * 100, abs=1e-9)


def test_the_venue_table_holds_what_position_margin_says_an_opened_position_holds():
    table = venue_liquidation_prices()
    for venue in table.index:
        held = ml.position_margin(1, 2000, 10, contract_for(venue), ml.PRESETS[venue])
        assert Decimal(str(table.loc[venue, "isolated margin"])) == held


def test_an_unknown_venue_is_refused_with_a_configuration_error():
    with pytest.raises(ConfigurationError, match="Binance"):
        venue_liquidation_prices(venues=("Binance", "FTX"))


def test_a_venue_named_in_lower_case_gets_its_own_contract():
    table = venue_liquidation_prices(venues=("hyperliquid",))
    assert list(table.index) == ["Hyperliquid"]
    assert table.loc["Hyperliquid", "isolated LP"] == pytest.approx(1800 / 0.99, abs=1e-6)
