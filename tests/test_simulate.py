"""The vectorized replay agrees with the event engine, keeps its invariants, refuses bad input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marginlab import errors
from marginlab.engine.rules import BINANCE, BITMEX, BYBIT, HYPERLIQUID
from marginlab.simulation.replay import Leg, replay, replay_with_engine

HEDGE = [Leg("ETH-PERP", 2, 10), Leg("BTC-PERP", -0.04, 10)]


def walk(seed, paths, steps, vol=(0.01, 0.015), start=(50_000, 2_000)):
    """Seeded log-normal walks for BTC and ETH (independent of simulation.paths on purpose)."""
    rng = np.random.default_rng(seed)
    out = {}
    for symbol, s0, sigma in zip(("BTC-PERP", "ETH-PERP"), start, vol, strict=True):
        z = rng.normal(0, sigma, (paths, steps))
        out[symbol] = s0 * np.exp(np.concatenate([np.zeros((paths, 1)), z.cumsum(axis=1)], 1))
    return out


def assert_agree(prices, legs, deposit, **kw):
    fast = replay(prices, legs, deposit, **kw)
    slow = replay_with_engine(prices, legs, deposit, **kw)
    keys = ["path", "mode"]
    a = fast.accounts.sort_values(keys).reset_index(drop=True)
    b = slow.accounts.sort_values(keys).reset_index(drop=True)
    # the engine rounds every movement to 1e-8 USDT: allow ten such units on top of 1e-9
    atol = 1e-9 * max(float(deposit), 1.0) + 1e-7
    for column in ("final equity", "insurance fund", "liquidation fees", "insurance fund paid",
                   "unrecovered"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-9, atol=atol, err_msg=column)
    assert list(a["first liquidation"]) == list(b["first liquidation"])
    keys = ["path", "mode", "bucket"]
    bf = fast.buckets.sort_values(keys).reset_index(drop=True)
    bs = slow.buckets.sort_values(keys).reset_index(drop=True)
    assert list(bf["liquidation step"]) == list(bs["liquidation step"])
    return fast, slow


@pytest.mark.parametrize("kw", [
    {},
    {"funding_rate": 0.0001, "funding_every": 8, "insurance_fund": 1_000},
    {"funding_rate": -0.002, "funding_every": 3, "rules": BYBIT, "insurance_fund": 50},
    {"funding_rate": 0.02, "funding_every": 5, "insurance_fund": 1_000_000},  # funding > margin
    {"rules": BITMEX},
], ids=["plain", "funding", "bybit", "heavy-funding", "bitmex"])
def test_the_vectorized_replay_agrees_with_the_event_engine(kw):
    fast, _ = assert_agree(walk(1, 30, 160), HEDGE, 1_000, **kw)
    liquidated = (fast.buckets["liquidation step"] >= 0).mean()
    assert 0.1 < liquidated < 0.9  # the scenarios do liquidate, and not everything


def test_heavy_funding_with_an_empty_fund_agrees_on_every_dollar():
    # funding is paid in full out of a bucket's equity (there is no "unpaid funding" any more);
    # a bucket it drives to bankruptcy leaves a deficit that an empty fund cannot pay
    prices = walk(1, 20, 200)
    fast, _ = assert_agree(prices, HEDGE, 1_000, funding_rate=0.02, funding_every=5)
    a = fast.accounts
    assert (a["unrecovered"] > 0).any()
    np.testing.assert_allclose(a["unrecovered"], a["deficit"] - a["insurance fund paid"])
    # the fund started empty: it can only have paid out what liquidation fees brought in
    assert (a["insurance fund paid"] <= a["liquidation fees"] + 1e-9).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000),
       eth=st.integers(-3_000, 3_000).filter(lambda n: n != 0),
       btc=st.integers(-80, 80),
       lev=st.sampled_from([2, 5, 10, 20]),
       rules=st.sampled_from([BINANCE, BYBIT, BITMEX, HYPERLIQUID]),
       funding=st.sampled_from([(0.0, None), (0.0001, 8), (-0.003, 4), (0.01, 2)]))
def test_any_scenario_agrees_with_the_event_engine(seed, eth, btc, lev, rules, funding):
    legs = [Leg("ETH-PERP", eth / 1000, lev)] + ([Leg("BTC-PERP", btc / 1000, lev)] if btc else [])
    notional = sum(abs(leg.size) * p for leg, p in zip(legs, (2_000, 50_000), strict=False))
    deposit = notional / lev * 1.5 + 10  # room for the initial margin and fees, not much more
    assert_agree(walk(seed, 3, 40, vol=(0.02, 0.03)), legs, deposit, rules=rules,
                 funding_rate=funding[0], funding_every=funding[1], insurance_fund=1e6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), lev=st.sampled_from([3, 10, 25, 50]),
       fund=st.sampled_from([0, 10, 1_000]), chunk=st.integers(1, 50))
def test_invariants_and_chunking(seed, lev, fund, chunk):
    prices = walk(seed, 40, 60, vol=(0.02, 0.03))
    legs = [Leg("ETH-PERP", 1, lev), Leg("BTC-PERP", 0.02, lev)]
    r = replay(prices, legs, 1_200, insurance_fund=fund, funding_rate=0.001, funding_every=6,
               keep_equity=True)
    a = r.accounts
    assert (a["final equity"] >= -1e-9).all()  # negative balance protection
    assert (a["unrecovered"] >= -1e-9).all() and (a["insurance fund"] >= -1e-9).all()
    np.testing.assert_allclose(a["insurance fund"],
                               fund + a["liquidation fees"] - a["insurance fund paid"])
    for mode, equity in r.equity.items():
        np.testing.assert_allclose(equity[:, -1], a[a["mode"] == mode]["final equity"])
    again = replay(prices, legs, 1_200, insurance_fund=fund, funding_rate=0.001, funding_every=6,
                   chunk=chunk)
    assert again.accounts.equals(a) and again.buckets.equals(r.buckets)


def test_one_losing_trade_takes_the_cross_account_down_but_not_the_isolated_twin():
    steps = 50
    eth = np.linspace(2_000, 1_200, steps + 1)[None, :]  # ETH slides 40 %, BTC holds
    prices = {"ETH-PERP": eth, "BTC-PERP": np.full_like(eth, 50_000)}
    legs = [Leg("ETH-PERP", 2, 10), Leg("BTC-PERP", 0.04, 10)]
    r = replay(prices, legs, 1_000, keep_equity=True)
    b = r.buckets.set_index(["mode", "bucket"])["liquidation step"]
    assert b["cross", "cross"] >= 0  # everything closed together
    assert b["isolated", "ETH-PERP"] >= 0 and b["isolated", "BTC-PERP"] == -1
    assert b["isolated", "ETH-PERP"] < b["cross", "cross"]  # isolated dies earlier...
    final = r.accounts.set_index("mode")["final equity"]
    assert final["isolated"] > final["cross"] + 500  # ...but keeps the rest of the account


BAD = [
    (lambda p: {**p, "ETH-PERP": np.where(p["ETH-PERP"] > 0, np.nan, 1)},
     errors.InvalidPathError, "NaN, infinite or not above zero; the first is at path 0"),
    (lambda p: {**p, "ETH-PERP": -p["ETH-PERP"]}, errors.InvalidPathError, "not above zero"),
    (lambda p: {**p, "ETH-PERP": p["ETH-PERP"][:, :10]}, errors.InvalidPathError, "one shape"),
    (lambda p: {k: v[:, :1] for k, v in p.items()}, errors.InvalidPathError, "at least 2 steps"),
    (lambda p: np.ones((2, 3)), errors.InvalidPathError, "pass prices as"),
    (lambda p: {"ETH-PERP": p["ETH-PERP"]}, errors.InvalidPathError, "no price path for BTC"),
]


@pytest.mark.parametrize("bad, error, words", BAD)
def test_bad_paths_are_refused_clearly(bad, error, words):
    with pytest.raises(error, match=words):
        replay(bad(walk(0, 2, 10)), HEDGE, 1_000)


@pytest.mark.parametrize("legs, deposit, kw, error, words", [
    ([Leg("ETH-PERP", 0, 10)], 1_000, {}, errors.InvalidQuantityError, "above zero"),
    ([Leg("ETH-PERP", 0.0001, 10)], 1_000, {}, errors.InvalidQuantityError, "lot"),
    ([Leg("ETH-PERP", 2, 500)], 1_000, {}, errors.InvalidLeverageError, "at most 100x"),
    ([Leg("ETH-PERP", 20, 10)], 1_000, {}, errors.InsufficientMarginError, "more than"),
    ([Leg("ETH-PERP", 1), Leg("ETH-PERP", 1)], 1_000, {}, errors.MarginModeError, "twice"),
    ([], 1_000, {}, errors.InvalidPathError, "at least one leg"),
    (HEDGE, 1_000, {"modes": ("portfolio",)}, errors.MarginModeError, "portfolio"),
    (HEDGE, 1_000, {"funding_rate": np.nan, "funding_every": 2}, errors.InvalidPathError,
     "funding rate"),
])
def test_bad_legs_are_refused_clearly(legs, deposit, kw, error, words):
    with pytest.raises(error, match=words):
        replay(walk(0, 2, 10), legs, deposit, **kw)


def test_an_array_with_symbols_is_accepted_like_a_dict():
    prices = walk(3, 5, 30)
    array = np.stack([prices["BTC-PERP"], prices["ETH-PERP"]], axis=-1)
    a = replay(array, HEDGE, 1_000, symbols=["BTC-PERP", "ETH-PERP"]).accounts
    assert a.equals(replay(prices, HEDGE, 1_000).accounts)
