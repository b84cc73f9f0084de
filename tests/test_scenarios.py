"""The lessons' tables (lessons 2, 3, 4, 7, 8 and 9), checked against hand-worked dollars and closed
forms: each expected number below is worked out from the venue's published formula or the
scenario's set-up, not read back from the function under test.

Shared facts: ETH_PERP's first tier has MMR 0.5 % (notional below 10,000, cum 0), its second
0.65 % (cum = 10,000 * 0.15 % = 15); BTC_PERP's first 0.4 %; the taker fee is 0.05 %.
"""

import math
from decimal import Decimal

import pytest

import marginlab as ml
from marginlab.course.scenarios import (
    contract_for,
    crash_recovery_grid,
    crash_summary,
    cross_pool_by_hand,
    deficits_with_jumps,
    hedge_after_moves,
    interval_by_paths,
    isolated_liquidation_by_hand,
    liquidation_by_margin_added,
    margin_at_entry_and_at_mark,
    odds_by_leverage,
    odds_with_jumps,
    price_path,
    ratio_past_the_liquidation_price,
    size_by_leverage,
    threshold_and_gap,
    twins_through_crashes,
    venue_liquidation_prices,
    venue_parameters,
    who_pays_for_a_crash,
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
    # Hyperliquid, ETH max 25x since March 2025: MMR = 1 / (2 * 25) = 2 % on the mark
    "Hyperliquid": (200, 1800 / 0.98, 1000 / 0.98),
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
    assert table.loc["Hyperliquid", "isolated LP"] == pytest.approx(1800 / 0.98, abs=1e-6)


# --- lesson 8: the stored crashes (anchors: hour, BTC, ETH, in marginlab.simulation.paths) -----
CRASHES_BY_HAND = {
    # name: (first day, last anchor hour, BTC start and low, ETH start and low)
    "covid-2020-03": ("2020-03-12", 72, (7_900, 3_800), (195, 90)),
    "luna-2022-05": ("2022-05-05", 180, (40_000, 26_700), (2_900, 1_800)),
    "ftx-2022-11": ("2022-11-06", 94, (21_000, 15_700), (1_600, 1_100)),
    "may-2021": ("2021-05-19", 24, (43_000, 30_000), (3_400, 1_900)),
}


def test_crash_summary_reads_each_crash_from_its_anchors():
    # log-linear between anchors, so each low is an anchor: fall = 1 - low / start
    table = crash_summary()
    assert list(table.index) == list(CRASHES_BY_HAND)
    for name, (day, hours, btc, eth) in CRASHES_BY_HAND.items():
        row = table.loc[name]
        assert (row["starts (UTC)"], row["hours"]) == (day, hours)
        for coin, (start, low) in (("BTC", btc), ("ETH", eth)):
            assert row[f"{coin} start"] == pytest.approx(start, rel=1e-12)
            assert row[f"{coin} low"] == pytest.approx(low, rel=1e-12)
            assert row[f"{coin} fall %"] == pytest.approx(100 * (1 - low / start), abs=1e-9)
    assert table.loc["covid-2020-03", "BTC fall %"] == pytest.approx(51.90, abs=0.01)


def test_twins_through_ftx_at_2x_end_where_the_prices_say():
    # 2x survives a fall of about 50 %, FTX falls 25 % (BTC) and 31 % (ETH): nobody is
    # liquidated, both twins hold the same longs. 600 committed (margin + fee), 60 % on ETH:
    # ETH floor(360 / (1,600 * 0.5005), 0.001) = 0.449, BTC floor(240 / (21,000 * 0.5005)) = 0.022;
    # fees (0.449 * 1,600 + 0.022 * 21,000) * 0.05 % = 0.5902; PnL 0.449 * (1,100 - 1,600)
    # + 0.022 * (15,700 - 21,000) = -341.1; no funding in the replay.
    table = twins_through_crashes(names=("ftx-2022-11",), leverages=(2,))
    expected = 1_000 - 0.5902 - 341.1
    assert table.loc["ftx-2022-11", ("cross ends with", "2x")] == pytest.approx(expected, abs=0.01)
    assert table.loc["ftx-2022-11", ("isolated ends with", "2x")] == pytest.approx(expected,
                                                                                   abs=0.01)


def test_the_isolated_twin_keeps_its_free_40_percent_and_cross_loses_more_with_leverage():
    table = twins_through_crashes(leverages=(2, 3, 5, 10))
    assert list(table.columns.get_level_values("leverage")[:4]) == ["2x", "3x", "5x", "10x"]
    # the opening fee is inside the 600 committed: at worst every ring is lost, 400 stays
    assert (table["isolated ends with"] >= 400).all().all()
    assert (table["cross ends with"] >= 0).all().all()
    # every crash ends below its start on both coins: bigger longs end with less
    for _, row in table["cross ends with"].iterrows():
        assert list(row) == sorted(row, reverse=True)


def test_who_pays_for_black_thursday_conserves_the_deficit():
    table = who_pays_for_a_crash(insurance_funds=(0, 2_000, 20_000))
    social, adl = table.loc["socialize"], table.loc["adl"]
    deficit = 20_000 - social.loc[20_000, "insurance fund at end"]  # a fund that pays it all
    assert deficit > 2_000
    for fund in (0, 2_000, 20_000):
        # the fund pays first, the winners the rest: nothing appears or vanishes
        assert social.loc[fund, "insurance fund at end"] == pytest.approx(max(fund - deficit, 0))
        shared = social.loc[fund, "socialized loss"] + social.loc[fund, "unrecovered loss"]
        assert shared == pytest.approx(max(deficit - fund, 0), abs=1e-6)
        assert adl.loc[fund, "unrecovered loss"] <= max(deficit - fund, 0) + 1e-6
    # a fund larger than the deficit: no ADL and the same fund left as under socialization
    assert adl.loc[20_000, "ADL events"] == 0
    assert adl.loc[20_000, "insurance fund at end"] == pytest.approx(20_000 - deficit)
    assert adl.loc[0, "ADL events"] > 0


# --- lesson 9: liquidation odds ------------------------------------------------------------------
Z95 = 1.959963984540054


def test_odds_by_leverage_intervals_contain_their_estimates():
    n = 400
    table = odds_by_leverage(leverages=(2, 10, 50), paths=n, seed=0)
    assert list(table.index) == ["2x", "10x", "50x"]
    for mode in ("cross", "isolated"):
        for _, row in table.iterrows():
            low, high = (float(x) for x in row[f"{mode} 95 % interval"].split("-"))
            assert low - 0.05 <= row[f"{mode} liquidated %"] <= high + 0.05
        assert list(table[f"{mode} liquidated %"]) == sorted(table[f"{mode} liquidated %"])
    # no cross liquidation at 2x: Wilson's upper bound for 0 of n is z^2 / (n + z^2)
    assert table.loc["2x", "cross liquidated %"] == 0
    assert table.loc["2x", "cross 95 % interval"] == f"0.0-{100 * Z95**2 / (n + Z95**2):.1f}"
    # cross has the whole deposit behind the same longs; an isolated ring loses only its margin
    assert (table["isolated liquidated %"] >= table["cross liquidated %"]).all()
    assert (table["isolated loss in the worst 5 %"] <= 50 + 1e-9).all()


def test_the_interval_narrows_like_one_over_root_n():
    table = interval_by_paths(path_counts=(250, 1_000, 4_000), leverage=10)
    for n, row in table.iterrows():
        p = row["isolated liquidated %"] / 100
        assert row["interval from %"] <= 100 * p <= row["to %"]
        assert row["width (points)"] == pytest.approx(row["to %"] - row["interval from %"])
        # Wilson and the normal approximation 2 z sqrt(p (1 - p) / n) agree within 5 % here
        assert row["width (points)"] == pytest.approx(200 * Z95 * math.sqrt(p * (1 - p) / n),
                                                      rel=0.05)
    widths = list(table["width (points)"])
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.1)   # four times the paths
    assert widths[1] / widths[2] == pytest.approx(2, rel=0.1)


def hourly_touch_probability(barrier: float, sigma: float = 0.8, days: float = 7) -> float:
    """P(a driftless GBM falls to ``barrier`` x its start within ``days``): the reflection
    formula for log price X = nu t + sigma W, nu = -sigma^2 / 2,
    P = Phi((b - nu T) / s) + exp(2 nu b / sigma^2) Phi((b + nu T) / s), s = sigma sqrt(T),
    with Broadie-Glasserman-Kou's shift b = ln(barrier) - 0.5826 sigma sqrt(dt) for a price
    checked once an hour."""
    t, dt, nu = days / 365, 1 / (365 * 24), -sigma**2 / 2
    b, s = math.log(barrier) - 0.5826 * sigma * math.sqrt(dt), sigma * math.sqrt(t)

    def phi(x):
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))
    return phi((b - nu * t) / s) + math.exp(2 * nu * b / sigma**2) * phi((b + nu * t) / s)


def test_gbm_odds_match_the_reflection_formula():
    n = 4_000
    table = odds_with_jumps(leverages=(5, 10, 20), paths=n, seed=1)
    assert list(table.columns) == ["GBM liquidated %", "same-variance GBM liquidated %",
                                   "GBM + jumps liquidated %"]
    for lev in (5, 10, 20):
        # 1 ETH at 2,000 held isolated with margin 2,000 / L (Binance, MMR 0.5 %):
        # LP = 2,000 (1 - 1/L) / 0.995
        p = hourly_touch_probability((1 - 1 / lev) / 0.995)
        three_se = 3 * math.sqrt(p * (1 - p) / n)
        assert table.loc[f"{lev}x", "GBM liquidated %"] / 100 == pytest.approx(p, abs=three_se)
        assert 0 <= table.loc[f"{lev}x", "GBM + jumps liquidated %"] <= 100
        assert 0 <= table.loc[f"{lev}x", "same-variance GBM liquidated %"] <= 100


def test_jumps_show_in_the_deficit_not_the_odds():
    # with the drift compensated and the variance matched, jumps hardly move the odds of a
    # liquidation, but a jump gaps past the bankruptcy price: the worst deficit is larger
    deficits = deficits_with_jumps(leverages=(10,), paths=2_000, seed=1)
    row = deficits.loc["10x"]
    jumpy, control = row["GBM + jumps largest deficit USDT"], row[
        "same-variance GBM largest deficit USDT"]
    assert jumpy > 2 * control
    # a GBM hour moves about 0.8 / sqrt(8760) ~ 0.85 %: its deficit stays within a few hours'
    # moves of the 2,000 notional (a 5 % overshoot would be 100 USDT)
    assert row["GBM largest deficit USDT"] < 100


def test_venue_parameters_are_dated_and_hyperliquid_eth_is_25x():
    # Hyperliquid cut ETH to 25x (BTC 40x) after 12 March 2025; MMR = 1 / (2 x 25) = 2 %
    table = venue_parameters()
    assert table.loc["Hyperliquid", "max leverage"] == 25
    assert table.loc["Hyperliquid", "MMR %"] == pytest.approx(2.0)
    assert table.loc["Hyperliquid", "liquidation fee %"] == 0
    assert table.loc["Binance", "MMR %"] == pytest.approx(0.5)
    assert (table["as of"] != "").all() and table["source"].str.contains("http").all()
    assert ml.HYPERLIQUID_BTC_PERP.max_leverage() == 40
    assert ml.HYPERLIQUID_BTC_PERP.mmr == Decimal("0.0125")
    assert "as_of='March 2025'" in repr(ml.HYPERLIQUID_ETH_PERP)
    assert "as_of='2025'" in repr(ml.BINANCE)


def test_at_the_threshold_the_fee_feeds_the_fund_and_past_bankruptcy_the_fund_pays():
    # 2 ETH long at 2,000, 10x: M = 400, LP = (4,000 - 400) / (2 x 0.995) = 1,809.045..
    # -> mark 1,809.04; left: 400 - 2 x 190.96 = 18.08, under the fee 2 x 1,809.04 x 1.25 %
    # = 45.23, so all 18.08 goes to the fund. A -30 % gap fills at 1,400, below the bankruptcy
    # price 2,000 - 400 / 2 = 1,800: the fund pays 2 x (1,800 - 1,400) = 800.
    table = threshold_and_gap(leverage=10, gap_pct=-30)
    at, gap = table["at the liquidation price"], table["gap of -30 %"]
    assert at["fill"] == pytest.approx(1809.04)
    assert at["to the insurance fund"] == pytest.approx(18.08)
    assert at["paid by the insurance fund"] == 0
    assert at["margin lost to the market"] == pytest.approx(381.92)
    assert gap["fill"] == pytest.approx(1400) and gap["paid by the insurance fund"] == 800
    assert gap["to the insurance fund"] == 0 and gap["back to the free balance"] == 0


@pytest.mark.parametrize("mode, past, equity, mm, ratio", [
    # isolated ring: 400 + 2 x (1,805 - 2,000) = 10; MM 2 x 1,805 x 0.5 % = 18.05: 180.5 %
    ("isolated", 1805, 10, 18.05, 180.5),
    # cross: wallet 1,000 - fees (4,000 + 500) x 0.05 % = 997.75, equity 997.75 - 990 = 7.75;
    # MM 15.05 + 0.01 x 50,000 x 0.4 % = 17.05: 220 %
    ("cross", 1505, 7.75, 17.05, 220.0),
])
def test_lesson_0_ratios_are_one_price_step_past_the_liquidation_price(mode, past, equity, mm,
                                                                        ratio):
    r = ratio_past_the_liquidation_price(mode, step=5)
    assert r["mark past"] == past and r["mark before"] == past + 5
    assert r["mark past"] < r["liquidation price"] < r["mark before"]
    assert r["equity past"] == pytest.approx(equity) and r["MM past"] == pytest.approx(mm)
    assert r["margin ratio past %"] == pytest.approx(ratio)
    assert r["margin ratio before %"] < 100


def test_binance_measures_initial_margin_and_roi_at_the_mark():
    # 1 ETH long at 2,000, 10x, mark 1,900: uPnL -100; at entry IM 200, ROI -50 %; at the
    # mark (Binance) IM 1,900 / 10 = 190, ROI -100 / 190 = -52.63 %
    table = margin_at_entry_and_at_mark(leverage=10, mark=1_900)
    assert table.loc["entry", "initial margin"] == 200
    assert table.loc["entry", "ROI %"] == pytest.approx(-50)
    assert table.loc["mark (Binance)", "initial margin"] == 190
    assert table.loc["mark (Binance)", "ROI %"] == pytest.approx(-100 / 190 * 100)


def test_the_isolated_and_cross_derivations_agree_with_the_engine():
    iso = isolated_liquidation_by_hand(quantity=1, entry=2000, margin=200)
    assert iso["by hand"] == pytest.approx((2000 - 200) / 0.995) == iso["engine"]
    # cross hedge: wallet 1,000 - fees (2,000 + 2,000) x 0.05 % = 998; BTC MM 2,000 x 0.4 % = 8;
    # short ETH: P = (998 + 0 - 8 + 2,000) / (1 x 0.005 + 1) = 2,990 / 1.005
    cross = cross_pool_by_hand(market_pct=0)
    assert cross["W"] == 998 and cross["MM_o"] == 8
    assert cross["by hand"] == pytest.approx(2990 / 1.005) == cross["engine"]
