"""The toy market: seeded twin crowds, liquidation cascades on a linear book, market runs."""

import functools
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from marginlab import BINANCE, Exchange, errors
from marginlab.engine.numbers import MAX_PRICE
from marginlab.simulation.market import (
    DEFAULT_DEPTH,
    cascade,
    cascade_twins,
    crowd,
    simulate_market,
    traders,
)

ETH, BTC = "ETH-PERP", "BTC-PERP"


def conserved(ex):
    return ex.ledger.total() == ex.ledger.deposited


def on_tick(x: Decimal, tick: Decimal) -> Decimal:
    return max(tick, (x / tick).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * tick)


def crash_path(steps=30, at=5, eth_drop=0.35, btc_drop=0.2, seed=0):
    """Small seeded wiggles around ETH 2,000 / BTC 50,000 with one gap down at step ``at``."""
    rng = np.random.default_rng(seed)
    walk = np.vstack([np.zeros(2), rng.normal(0, 0.002, (steps - 1, 2)).cumsum(0)])
    walk[at:] += np.log([1 - eth_drop, 1 - btc_drop])
    return pd.DataFrame(np.exp(walk) * [2_000, 50_000], columns=[ETH, BTC])


# --- the crowd ---------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_crowd_and_another_seed_another():
    a, b, c = traders(crowd(seed=3)), traders(crowd(seed=3)), traders(crowd(seed=4))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("seed", [0, 7])
def test_cross_and_isolated_crowds_are_twins(seed):
    cross = crowd(25, mode="cross", seed=seed)
    isolated = crowd(25, mode="isolated", seed=seed)
    a, b = traders(cross), traders(isolated)
    assert set(a["mode"]) == {"cross"} and set(b["mode"]) == {"isolated"}
    pd.testing.assert_frame_equal(a.drop(columns="mode"), b.drop(columns="mode"))
    for ex, mode in ((cross, "cross"), (isolated, "isolated")):
        assert all(p.mode == mode for acct in ex.accounts.values()
                   for p in acct.positions.values())
        assert conserved(ex)
    for t in a.index:  # same entry prices and leverage, position by position
        pa, pb = cross.account(t).positions, isolated.account(t).positions
        assert {s: (p.size, p.entry_price, p.leverage) for s, p in pa.items()} == \
            {s: (p.size, p.entry_price, p.leverage) for s, p in pb.items()}


def test_the_crowd_mixes_btc_only_traders_longs_and_shorts():
    who = traders(crowd(40, seed=0))
    assert list(who.index[:3]) == ["t00", "t01", "t02"]
    assert who["btc only"].sum() == 10  # 25 % of 40
    assert (who.loc[who["btc only"], ETH] == 0).all()
    both = who[~who["btc only"]]
    assert (both[ETH] != 0).all() and (both[BTC] != 0).all()
    assert (np.sign(both[ETH]) == np.sign(both[BTC])).all()  # one direction on both coins
    assert 0 < (who[BTC] < 0).sum() < 20  # mostly long, some short
    assert who["deposit"].between(500, 5_000).all() and who["leverage"].between(3, 25).all()


def test_the_crowd_commits_most_of_the_deposit_within_the_balance():
    ex = crowd(30, seed=2)
    for t, row in traders(ex).iterrows():
        acct = ex.account(t)
        margin = sum(p.initial_margin(ex.marks[p.symbol]) for p in acct.positions.values())
        assert Decimal("0.5") * Decimal(row["deposit"]) < margin <= Decimal(row["deposit"])


@pytest.mark.parametrize("kw", [
    {"deposit": (1, 60), "leverage": (1, 125), "commit": (1, 1)},
    {"deposit": (40_000, 400_000), "leverage": (40, 100), "commit": (0.95, 1)},
    {"eth_share": 1, "long_share": 0, "btc_only_share": 0},
    {"eth_share": 0, "btc_only_share": 1, "mode": "isolated"},
], ids=["tiny", "huge-and-tiered", "eth-short", "btc-isolated"])
def test_opening_never_fails_and_sizes_on_the_lot(kw):
    ex = crowd(20, seed=1, **kw)
    for acct in ex.accounts.values():
        assert acct.wallet_balance >= 0
        for p in acct.positions.values():
            assert p.quantity % ex.contract(p.symbol).lot_size == 0
            assert not acct.buckets()[acct.bucket_key(p.symbol)].is_liquidatable
    assert conserved(ex)


# --- cascades ------------------------------------------------------------------------------------
def test_a_hand_worked_cascade_in_dollars():
    """Depth 1,000 USD per 1 % on both coins, insurance fund 10,000 (no ADL).

    ann: 220 USDT, 1 ETH long at 10x (fee 1): liquidated below (2000 - 219) / 0.995 = 1,789.95.
    ben: 640 USDT, 2 ETH and 0.01 BTC long at 10x (fees 2 + 0.25): with BTC at 50,000 he is
    liquidated when 637.75 + 2 (P - 2000) <= 0.01 P + 2, i.e. below 3,364.25 / 1.99 = 1,690.58.

    round 0: ETH 2,000 x 0.85 = 1,700.00: ann goes, selling 1 x 1,700 = 1,700 of ETH.
    round 1: ETH 1,700 x (1 - 0.01 x 1,700 / 1,000) = 1,671.10: ben goes; cross margin sells his
             2 ETH (3,342.20) and his 0.01 BTC (500.00).
    round 2: ETH 1,671.10 x (1 - 0.033422) = 1,615.248... -> 1,615.25 on the tick;
             BTC 50,000 x (1 - 0.01 x 500 / 1,000) = 49,750. Nobody is left: the cascade stops.
    Both were past bankruptcy: the fund pays 219 - 300 = -81 and 637.75 - 657.80 = -20.05.
    """
    ex = Exchange(marks={ETH: 2000, BTC: 50_000}, insurance_fund=10_000)
    ex.open_account("ann", 220).buy(ETH, 1, leverage=10)
    ben = ex.open_account("ben", 640)
    ben.buy(ETH, 2, leverage=10)
    ben.buy(BTC, "0.01", leverage=10)
    table = cascade(ex, {ETH: -0.15}, {ETH: 1_000, BTC: 1_000}, time=0)
    rows = {(r["round"], r["symbol"]): r for r in table.to_dict("records")}
    expected = {  # (round, symbol): (price, forced sell notional, liquidations, traders so far)
        (0, ETH): (1_700.00, 1_700.00, 1, 1), (0, BTC): (50_000, 0, 0, 0),
        (1, ETH): (1_671.10, 3_342.20, 1, 2), (1, BTC): (50_000, 500.00, 1, 1),
        (2, ETH): (1_615.25, 0, 0, 2), (2, BTC): (49_750, 0, 0, 1),
    }
    assert set(rows) == set(expected)
    for key, (price, forced, count, people) in expected.items():
        row = rows[key]
        assert row["price"] == price, key
        assert row["forced sell notional"] == pytest.approx(forced, abs=1e-9), key
        assert (row["liquidations"], row["traders liquidated"]) == (count, people), key
    assert rows[(2, ETH)]["move %"] == pytest.approx((1_615.25 / 2_000 - 1) * 100)
    assert ex.insurance_fund == Decimal("10000") - Decimal("81") - Decimal("20.05")
    assert conserved(ex)


def open_sizes(ex) -> dict:
    return {(a.trader, s): p.size for a in ex.accounts.values() for s, p in a.positions.items()}


@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_each_round_moves_the_price_by_the_linear_depth_formula(mode):
    """The forced notional of round r is recomputed from the positions themselves: the crowd
    after ``max_rounds=r - 1`` and after ``max_rounds=r`` (the same seed gives the same crowd),
    the sizes that vanished times round r's price (a fund of 10**9 covers every deficit, so
    there is no ADL fill at another price)."""
    shock, depth = {ETH: -0.15}, {ETH: 15_000, BTC: 45_000}
    table = cascade(crowd(40, mode=mode, seed=0, insurance_fund=10**9), shock, depth, time=100)
    prices = table.pivot(index="round", columns="symbol", values="price")
    assert len(prices) > 2  # the cascade had rounds to check
    before = crowd(40, mode=mode, seed=0, insurance_fund=10**9)
    start, sizes = dict(before.marks), open_sizes(before)
    for s in (ETH, BTC):
        tick = before.contract(s).tick_size
        assert Decimal(str(prices.loc[0, s])) == on_tick(
            start[s] * (1 + Decimal(str(shock.get(s, 0)))), tick)
    for r in prices.index:
        ex = crowd(40, mode=mode, seed=0, insurance_fund=10**9)
        cascade(ex, shock, depth, max_rounds=r)
        assert not ex.events.of_kind("adl", "socialized loss", "unrecovered loss")
        after = open_sizes(ex)
        for s in (ETH, BTC):
            sold = sum((size - after.get((t, sym), 0) for (t, sym), size in sizes.items()
                        if sym == s), Decimal(0))
            forced = sold * Decimal(str(prices.loc[r, s]))
            row = table[(table["round"] == r) & (table["symbol"] == s)].iloc[0]
            assert row["forced sell notional"] == pytest.approx(float(forced), abs=1e-6), (s, r)
            if r + 1 in prices.index:  # the next round's price follows the depth formula
                tick = ex.contract(s).tick_size
                expected = on_tick(Decimal(str(prices.loc[r, s]))
                                   * (1 - Decimal("0.01") * forced / Decimal(depth[s])), tick)
                assert Decimal(str(prices.loc[r + 1, s])) == expected, (s, r)
        sizes = after
    assert conserved(ex)


def test_the_cascade_stops_and_counts_what_it_liquidated():
    ex = crowd(40, seed=0)
    table = cascade(ex, {ETH: -0.15}, DEFAULT_DEPTH)
    last = table[table["round"] == table["round"].max()]
    assert (last["liquidations"] == 0).all() and table["round"].max() < 100
    events = ex.events.of_kind("liquidation")
    assert table["liquidations"].sum() == len(events)
    for s in (ETH, BTC):
        assert last.set_index("symbol").loc[s, "traders liquidated"] == \
            len({e.trader for e in events if e.symbol == s})
        assert last.set_index("symbol").loc[s, "price"] == float(ex.marks[s])
    assert conserved(ex)
    capped = cascade(crowd(40, seed=0), {ETH: -0.15}, DEFAULT_DEPTH, max_rounds=1)
    assert capped["round"].max() == 1 and capped["liquidations"].sum() < len(events)


@functools.cache
def twins_of(seed):
    return cascade_twins(40, seed=seed)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_cross_margin_spreads_an_eth_crash_to_btc_only_traders(seed):
    twins = twins_of(seed)
    s = twins.summary
    assert twins["cross"] is twins.tables["cross"]
    assert s.loc["cross", "BTC-PERP move %"] < s.loc["isolated", "BTC-PERP move %"] - 3
    # BTC falls only in cross; whether it falls far enough to liquidate BTC-only traders depends
    # on the crowd: never fewer than in isolated (where BTC does not move), more on most seeds
    liquidated = s["BTC-only traders liquidated"]
    assert liquidated["cross"] >= liquidated["isolated"] == 0
    for mode, ex in twins.exchanges.items():
        assert conserved(ex)
        who = twins.traders[mode]
        gone = {e.trader for e in ex.events.of_kind("liquidation")}
        btc_only = set(who.index[who["btc only"]])
        assert s.loc[mode, "BTC-only traders liquidated"] == len(gone & btc_only)
    # the mechanism: at the shock itself BTC has not moved, yet cross closes BTC positions of
    # traders who also held ETH; isolated closes none
    round0 = {m: t[(t["round"] == 0) & (t["symbol"] == BTC)].iloc[0]
              for m, t in twins.tables.items()}
    assert round0["cross"]["forced sell notional"] > 0 and round0["isolated"]["liquidations"] == 0
    cross = twins.exchanges["cross"]
    first_btc = {e.trader for e in cross.events.of_kind("liquidation")
                 if e.symbol == BTC and e.time == 0}
    assert first_btc and not first_btc & set(twins.traders["cross"].query("`btc only`").index)


def test_cross_liquidates_btc_only_traders_on_most_crowds():
    counts = [twins_of(seed).summary["BTC-only traders liquidated"] for seed in range(6)]
    assert sum(c["cross"] > c["isolated"] for c in counts) >= 4


def test_a_deeper_market_gives_a_smaller_cascade():
    thin = cascade_twins(40, depth={ETH: 30_000, BTC: 30_000})
    deep = cascade_twins(40, depth={ETH: 300_000, BTC: 300_000})
    for mode in ("cross", "isolated"):
        a, b = thin.summary.loc[mode], deep.summary.loc[mode]
        assert b["ETH-PERP move %"] > a["ETH-PERP move %"]
        assert b["BTC-PERP move %"] >= a["BTC-PERP move %"]
        assert b["traders liquidated"] <= a["traders liquidated"]
    move = "BTC-PERP move %"
    assert deep.summary.loc["cross", move] > thin.summary.loc["cross", move]


# --- market runs ---------------------------------------------------------------------------------
def test_a_market_run_timeline_adds_up_to_its_events():
    prices = crash_path(steps=200, at=120, eth_drop=0.25, btc_drop=0.1)
    run = simulate_market(prices, n_traders=40, insurance_fund=5_000)
    tl, ex = run.timeline, run.exchange
    assert list(tl["step"]) == list(range(200))
    assert tl["insurance fund"].iloc[-1] == float(ex.insurance_fund)
    assert conserved(ex)
    for column, kind in (("liquidations", "liquidation"), ("adl events", "adl")):
        assert tl[column].sum() == len(ex.events.of_kind(kind))
    assert tl["socialized loss"].sum() == pytest.approx(
        -sum(float(e.amount) for e in ex.events.of_kind("socialized loss")))
    assert tl["unrecovered loss"].sum() == pytest.approx(
        sum(float(e.amount) for e in ex.events.of_kind("unrecovered loss")))
    assert tl["liquidations"].iloc[120] > 0
    assert len(run.events) == len(ex.events.of_kind(
        "liquidation", "insurance fund", "adl", "socialized loss", "unrecovered loss"))
    oi = sum(p.quantity * ex.marks[p.symbol] for a in ex.accounts.values()
             for p in a.positions.values())
    assert tl["open interest"].iloc[-1] == pytest.approx(float(oi))
    assert tl["open interest"].iloc[0] > tl["open interest"].iloc[-1]
    for s in (ETH, BTC):  # the path was replayed, on the tick
        assert tl[s].iloc[-1] == float(ex.marks[s])
        half_tick = float(ex.contract(s).tick_size) / 2 + 1e-9
        assert np.abs(tl[s].to_numpy() - prices[s].to_numpy()).max() <= half_tick
    assert traders(run.exchange).shape[0] == run.traders.shape[0] == 40


def test_with_an_empty_fund_a_crash_is_deleveraged_or_socialized():
    prices = crash_path()
    adl = simulate_market(prices, insurance_fund=0, rules=BINANCE.but(loss_sharing="adl"))
    soc = simulate_market(prices, insurance_fund=0, rules=BINANCE.but(loss_sharing="socialize"))
    assert adl.timeline["adl events"].sum() > 0 and adl.timeline["socialized loss"].sum() == 0
    assert soc.timeline["socialized loss"].sum() > 0 and soc.timeline["adl events"].sum() == 0
    assert set(adl.events["kind"]) >= {"liquidation", "adl"}
    assert (soc.events.loc[soc.events["kind"] == "socialized loss", "amount"] < 0).all()
    assert conserved(adl.exchange) and conserved(soc.exchange)


def test_a_custom_adl_ranking_changes_who_is_deleveraged_first():
    prices = crash_path()
    number = lambda c: int(c.trader[1:])  # noqa: E731
    runs = {}
    for name, rank in (("high first", number), ("low first", lambda c: -number(c))):
        run = simulate_market(prices, insurance_fund=0, rules=BINANCE.but(adl_ranking=rank))
        events = list(run.exchange.events)
        queues, queue = [], []  # consecutive ADL events: one bankrupt position's queue
        for e in events:
            if e.kind == "adl":
                queue.append(int(e.trader[1:]))
            elif queue:
                queues.append(queue)
                queue = []
        assert queues and any(len(q) > 1 for q in queues)
        for q in queues:
            assert q == sorted(q, reverse=name == "high first")
        runs[name] = queues[0][0]
    assert runs["high first"] > runs["low first"]


# --- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("change, words", [
    (lambda p: p.drop(columns=BTC), "BTC-PERP"),
    (lambda p: p.assign(**{"DOGE-PERP": 1.0}), "DOGE-PERP"),
    (lambda p: p.iloc[:0], "no rows"),
    (lambda p: p.assign(**{ETH: [2_000.0, 2_001.0, 2_002.0, np.nan, 2_003.0]}), "row 3"),
    (lambda p: p.assign(**{BTC: [-1.0] + list(p[BTC].iloc[1:])}), "row 0"),
    (lambda p: p.assign(**{ETH: ["x"] * len(p)}), "'ETH-PERP'"),
    (lambda p: p[ETH].to_numpy(), "DataFrame"),
])
def test_bad_prices_are_refused_with_a_clear_message(change, words):
    with pytest.raises(errors.InvalidPathError, match=words):
        simulate_market(change(crash_path(steps=5)), n_traders=3)


@pytest.mark.parametrize("kw, error", [
    ({"mode": "portfolio"}, errors.MarginModeError),
    ({"n_traders": 0}, errors.ConfigurationError),
    ({"n_traders": 2.5}, errors.ConfigurationError),
    ({"deposit": (100, 50)}, errors.InvalidAmountError),
    ({"deposit": 1_000}, errors.InvalidAmountError),
    ({"leverage": (0, 10)}, errors.InvalidLeverageError),
    ({"leverage": (3.2, 3.8)}, errors.InvalidLeverageError),
    ({"eth_share": 1.5}, errors.ConfigurationError),
    ({"long_share": -0.1}, errors.ConfigurationError),
    ({"commit": (0.5, 1.2)}, errors.ConfigurationError),
    ({"marks": {ETH: 2_000}}, errors.InvalidPriceError),
    ({"seed": -1}, errors.ConfigurationError),
    ({"seed": 1.5}, errors.ConfigurationError),
    ({"seed": "abc"}, errors.ConfigurationError),
    ({"n_traders": 10**12}, errors.ConfigurationError),
    ({"n_traders": True}, errors.ConfigurationError),
    ({"deposit": (1e30, 1e31)}, errors.InvalidAmountError),
    ({"deposit": (float("nan"), 10)}, errors.InvalidAmountError),
    ({"leverage": (1, 1e30)}, errors.InvalidLeverageError),
    ({"commit": (0.5, float("nan"))}, errors.ConfigurationError),
    ({"eth_share": np.nan}, errors.ConfigurationError),
    ({"rules": "Binanse"}, errors.ConfigurationError),
    ({"insurance_fund": -1}, errors.InvalidAmountError),
    ({"insurance_fund": float("nan")}, errors.InvalidAmountError),
])
def test_bad_crowds_are_refused(kw, error):
    with pytest.raises(error):
        crowd(**kw)


def test_numpy_and_exact_numbers_make_the_same_crowd():
    plain = traders(crowd(12, seed=5, deposit=(500, 5_000), leverage=(3, 25), eth_share=0.5))
    other = traders(crowd(np.int64(12), seed=np.int64(5), deposit=(Decimal(500), np.float32(5_000)),
                          leverage=(np.int64(3), Fraction(25)), eth_share=np.float64(0.5)))
    pd.testing.assert_frame_equal(plain, other)


def test_a_notebook_decimal_context_changes_no_crowd_or_cascade():
    reference = cascade(crowd(30, seed=1), {ETH: -0.15}, DEFAULT_DEPTH)
    with localcontext() as notebook:
        notebook.prec, notebook.rounding = 6, ROUND_FLOOR
        again = cascade(crowd(30, seed=1), {ETH: -0.15}, DEFAULT_DEPTH)
    pd.testing.assert_frame_equal(reference, again)


def test_a_book_pushed_past_the_largest_price_stops_there():
    ex = Exchange(marks={ETH: 2000, BTC: 50_000}, insurance_fund=10_000)
    ex.open_account("shorty", 300).sell(ETH, 1, leverage=10)
    table = cascade(ex, {ETH: 0.15}, {ETH: 1e-12, BTC: 1})  # bought back into an empty book
    assert table["price"].max() == float(MAX_PRICE)
    assert conserved(ex)


@pytest.mark.parametrize("shock, depth, error, words", [
    ({ETH: -1.0}, DEFAULT_DEPTH, errors.InvalidPriceError, "above -1"),
    ({ETH: float("nan")}, DEFAULT_DEPTH, errors.InvalidPriceError, "finite"),
    ({ETH: -0.1}, {ETH: 30_000}, errors.ConfigurationError, "no depth for BTC-PERP"),
    ({ETH: -0.1}, {ETH: 0, BTC: 1}, errors.InvalidAmountError, "above zero"),
    ({"XRP-PERP": -0.1}, DEFAULT_DEPTH, errors.UnknownSymbolError, "XRP-PERP"),
    ({ETH: -0.1}, 30_000, errors.ConfigurationError, "depth must be a dict"),
    ([(ETH, -0.1)], DEFAULT_DEPTH, errors.ConfigurationError, "shock must be a dict"),
    ({ETH: "-10%"}, DEFAULT_DEPTH, errors.InvalidPriceError, "0.05 for 5 %"),
    ({ETH: -0.1}, {ETH: np.inf, BTC: 1}, errors.InvalidAmountError, "finite"),
])
def test_bad_cascades_are_refused_and_change_nothing(shock, depth, error, words):
    ex = crowd(10, seed=0)
    n, marks = len(ex.events), dict(ex.marks)
    with pytest.raises(error, match=words):
        cascade(ex, shock, depth)
    assert len(ex.events) == n and ex.marks == marks


def test_simulate_market_refuses_marks_of_its_own():
    with pytest.raises(errors.ConfigurationError, match="first row"):
        simulate_market(crash_path(steps=3), marks={ETH: 1, BTC: 1})


@pytest.mark.parametrize("call, error, words", [
    (lambda: simulate_market(crash_path(steps=3), n_traders=3, leverages=(3, 5)),
     errors.ConfigurationError, "unknown crowd setting.*leverages"),
    (lambda: cascade_twins(3, lev=(3, 5)), errors.ConfigurationError, "unknown crowd setting"),
    (lambda: simulate_market(crash_path(steps=3) * 1e6, n_traders=3), errors.InvalidPathError,
     "at most 100,000,000"),
    (lambda: simulate_market(crash_path(steps=3), n_traders=3, seed=-5),
     errors.ConfigurationError, "seed"),
])
def test_bad_market_runs_are_refused(call, error, words):
    with pytest.raises(error, match=words):
        call()
