"""The vectorized replay agrees with the event engine, keeps its invariants, refuses bad input."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import marginlab as ml
from marginlab import errors
from marginlab.engine import rulebook
from marginlab.engine.contracts import ETH_PERP
from marginlab.engine.rules import BINANCE, BITMEX, BYBIT, HYPERLIQUID
from marginlab.simulation import unwind
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
                   "unrecovered", "liquidator fees", "backstop vault", "counterparties"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-9, atol=atol, err_msg=column)
    assert list(a["first liquidation"]) == list(b["first liquidation"])
    keys = ["path", "mode", "bucket"]
    bf = fast.buckets.sort_values(keys).reset_index(drop=True)
    bs = slow.buckets.sort_values(keys).reset_index(drop=True)
    for column in ("liquidation step", "liquidation steps"):
        assert list(bf[column]) == list(bs[column]), column
    np.testing.assert_allclose(bf["quantity closed"], bs["quantity closed"], atol=1e-9)
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


# --- the liquidation policies, worked by hand (issue 11) ----------------------------------------
def tst(symbol="TST-PERP", liquidation_fee="0.002", brackets=((0, "0.01", 50),), **kw):
    """A test contract: one 1 % tier unless told, no trading fee (nothing to open), lots of 0.1,
    ``liquidation_fee`` 0.2 % (below the MMR, so a partial close frees margin)."""
    return ml.linear_perp(symbol, list(brackets), taker_fee=0, lot_size="0.1",
                          liquidation_fee=liquidation_fee, **kw)


def one_path(**marks):
    return {f"{s}-PERP": np.array([p], dtype=float) for s, p in marks.items()}


def row(run, mode="isolated"):
    return run.accounts.set_index("mode").loc[mode]


def conserved(a, deposit, fund0=0.0):
    """Every dollar is somewhere: the trader, the fee pool, the fund, the liquidators, the
    backstop vault or the counterparties (what they gained: trading losses, funding, less what
    they absorbed)."""
    return a["final equity"] + a["opening fees"] + a["insurance fund"] + a["liquidator fees"] \
        + a["backstop vault"] + a["counterparties"] == pytest.approx(deposit + fund0, abs=1e-9)


def test_to_compliance_closes_just_enough_lots_of_an_isolated_long():
    # long 10 TST at 100, 10x: margin 100 of a 1,000 deposit (free 900). At 90.6:
    # E = 100 - 10 * 9.4 = 6 <= MM = 906 * 1 % = 9.06. Closing q pays q * 90.6 * 0.2 % and frees
    # q * 90.6 * 1 %: compliant when 6 - 0.1812 q > 9.06 - 0.906 q, q > 3.06 / 0.7248 = 4.22.
    # q = 4.3: 6 - 0.77916 = 5.22084 > 5.7 * 0.906 = 5.1642; q = 4.2: 5.23896 < 5.2548.
    r = replay(one_path(TST=[100, 90.6]), [Leg("TST-PERP", 10, 10)], 1_000, contracts=[tst()],
               rules=BINANCE, modes=("isolated",))
    b = r.buckets.iloc[0]
    assert b["liquidation steps"] == 1 and b["liquidation step"] == 1
    assert b["quantity closed"] == pytest.approx(4.3)
    # margin 100 - 4.3 * 9.4 (realized) - 0.77916 (fee) = 58.80084, plus 5.7 * -9.4 open
    assert b["final equity"] == pytest.approx(100 - 40.42 - 0.77916 - 53.58)
    a = row(r)
    assert a["liquidation fees"] == pytest.approx(0.77916) == a["insurance fund"]
    assert a["final equity"] == pytest.approx(900 + 5.22084)
    assert a["counterparties"] == pytest.approx(94.0)  # 4.3 * 9.4 realized + 5.7 * 9.4 open
    assert conserved(a, 1_000)


def test_tier_step_down_moves_a_bybit_position_into_the_lower_tier():
    # Bybit: MM on the entry value, fee to close 0 (taker 0). Tiers 1 % below 1,000, 2 % above
    # (cum 1,000 * 1 % = 10). Long 15 at 100, 10x: margin 150, MM = 1,500 * 2 % - 10 = 20.
    # At 91: E = 150 - 135 = 15 <= 20. Into tier 0 the value left must be below 1,000:
    # q = 5.1 (9.9 * 100 = 990), MM left 9.9; E - 5.1 * 91 * 0.2 % = 15 - 0.9282 > 9.9.
    spec = tst(brackets=((0, "0.01", 50), (1_000, "0.02", 25)))
    r = replay(one_path(TST=[100, 91]), [Leg("TST-PERP", 15, 10)], 1_000, contracts=[spec],
               rules=BYBIT, modes=("isolated",))
    b = r.buckets.iloc[0]
    assert b["quantity closed"] == pytest.approx(5.1) and b["liquidation steps"] == 1
    assert b["final equity"] == pytest.approx(15 - 0.9282)
    assert row(r)["liquidation fees"] == pytest.approx(0.9282)
    assert conserved(row(r), 1_000)


HL = HYPERLIQUID.but(chunk_threshold=500)


@pytest.mark.parametrize("cooldown, steps, closed_at_2", [(1, 3, [1.6, 6.4]), (2, 2, [8.0])])
def test_chunks_then_the_cooldown_then_the_whole_position(cooldown, steps, closed_at_2):
    # Hyperliquid (no fee here), chunks above 500 USDT. Long 10 at 100, 10x, margin 100.
    # Step 1, 90.8: E = 100 - 92 = 8 <= MM 9.08, not below 2/3 of it; 908 > 500: 20 % = 2
    # closes (realized -18.4, balance 81.6); E = 8 > 8 * 0.908 = 7.264: compliant.
    # Step 2, 90.5: E = 81.6 - 76 = 5.6 <= 7.24 (backstop below 4.83: no). Cooldown 1: the
    # partial close was 1 step ago, not cooling: 20 % of 8 = 1.6 closes; E = 5.6 <= 5.792 still,
    # and now cooling: the 6.4 left closes whole, 5.6 released. Cooldown 2: cooling at once,
    # the 8 close whole. Either way the trader keeps 900 + 5.6.
    rules = HL.but(cooldown_steps=cooldown)
    r = replay(one_path(TST=[100, 90.8, 90.5]), [Leg("TST-PERP", 10, 10)], 1_000,
               contracts=[tst(liquidation_fee=0)], rules=rules, modes=("isolated",))
    b = r.buckets.iloc[0]
    assert b["liquidation steps"] == steps and b["liquidation step"] == 1
    assert b["quantity closed"] == pytest.approx(2 + sum(closed_at_2))
    a = row(r)
    assert a["final equity"] == pytest.approx(905.6)
    assert a["backstop vault"] == 0 and a["liquidation fees"] == 0
    assert a["counterparties"] == pytest.approx(18.4 + 76)
    assert conserved(a, 1_000)


def test_the_backstop_vault_takes_the_position_and_the_margin_below_two_thirds_of_mm():
    # as above to step 1 (2 of 10 closed, balance 81.6); step 2 at 90: E = 81.6 - 80 = 1.6 <
    # 2/3 * 7.2 = 4.8: the vault takes the 8 left and the 1.6 the bucket holds; nothing released.
    r = replay(one_path(TST=[100, 90.8, 90]), [Leg("TST-PERP", 10, 10)], 1_000,
               contracts=[tst(liquidation_fee=0)], rules=HL, modes=("isolated",))
    b = r.buckets.iloc[0]
    assert b["backstop vault"] == pytest.approx(1.6) and b["liquidation steps"] == 2
    assert b["quantity closed"] == pytest.approx(10) and b["final equity"] == pytest.approx(0)
    a = row(r)
    assert a["final equity"] == pytest.approx(900) and a["backstop vault"] == pytest.approx(1.6)
    assert a["counterparties"] == pytest.approx(18.4 + 80)
    assert conserved(a, 1_000)


def test_to_compliance_in_cross_closes_the_largest_loser_then_part_of_the_next():
    # cross, deposit 300: long 10 AAA and 10 BBB at 100, 10x. Step 1: AAA 61 (-390), BBB 110
    # (+100): E = 10 <= MM 6.1 + 11 = 17.1. Round 1, AAA (the loser): compliance needs
    # 10 - 0.122 q > 11 + (10 - q) 0.61, q > 14.5 > 10: close AAA whole; realized -390, wallet
    # -90, its fee capped at the balance above zero: 0. Round 2: E = 10 <= MM 11, BBB alone:
    # 10 - 0.22 q > (10 - q) 1.1, q > 1.14: 1.2 lots close (realized +12, wallet -78, fee 0
    # again); E = -78 + 88 = 10 > 8.8 * 1.1 = 9.68.
    specs = [tst("AAA-PERP"), tst("BBB-PERP")]
    r = replay(one_path(AAA=[100, 61], BBB=[100, 110]),
               [Leg("BBB-PERP", 10, 10), Leg("AAA-PERP", 10, 10)], 300, contracts=specs,
               rules=BINANCE, modes=("cross",))
    b = r.buckets.iloc[0]
    assert b["liquidation steps"] == 2 and b["quantity closed"] == pytest.approx(11.2)
    a = row(r, "cross")
    assert a["final equity"] == pytest.approx(10) and a["liquidation fees"] == 0
    assert a["counterparties"] == pytest.approx(390 - 12 - 88)
    assert conserved(a, 300)


def test_shortage_only_pays_the_liquidator_and_keeps_a_buffer():
    # Drift: liquidation fee 0.2 % to the fund, liquidator fee 0.3 %, buffer 0.5 %. Long 10 at
    # 100, 10x, margin 100; at 90.6 E = 6 <= 9.06. Compliance with the buffer:
    # 6 - 0.453 q > (10 - q) 90.6 * 1.5 %, q > 7.59 / 0.906 = 8.38: q = 8.4 (8.3: 2.2401 <
    # 2.3103). Fees 8.4 * 90.6 * 0.2 % = 1.52208 and * 0.3 % = 2.28312.
    spec = tst(liquidator_fee="0.003")
    rules = BINANCE.but(liquidation_policy="shortage_only", shortage_buffer="0.005")
    r = replay(one_path(TST=[100, 90.6]), [Leg("TST-PERP", 10, 10)], 1_000, contracts=[spec],
               rules=rules, modes=("isolated",))
    b = r.buckets.iloc[0]
    assert b["quantity closed"] == pytest.approx(8.4)
    assert b["liquidator fees"] == pytest.approx(2.28312)
    a = row(r)
    assert a["liquidation fees"] == pytest.approx(1.52208)
    assert a["final equity"] == pytest.approx(900 + 6 - 1.52208 - 2.28312)
    assert conserved(a, 1_000)


POLICY_RULES = st.sampled_from([BINANCE, BYBIT, BITMEX, HYPERLIQUID]).flatmap(
    lambda base: st.builds(
        base.but, liquidation_policy=st.sampled_from(
            ["all_at_once", "to_compliance", "tier_step_down", "chunks", "shortage_only"]),
        chunk_threshold=st.sampled_from([0, 500, 5_000, 100_000]),
        cooldown_steps=st.integers(0, 2),
        shortage_buffer=st.sampled_from(["0", "0.002", "0.01"])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), lev=st.sampled_from([5, 10, 25]), rules=POLICY_RULES,
       fee=st.sampled_from(["0", "0.001", "0.005"]), fund=st.sampled_from([0, 50]))
def test_every_policy_conserves_money_and_never_leaves_a_bucket_below_zero(seed, lev, rules, fee,
                                                                          fund):
    specs = [tst("ETH-PERP", fee, ((0, "0.005", 100), (5_000, "0.01", 50))),
             tst("BTC-PERP", fee, ((0, "0.004", 125), (10_000, "0.008", 60)))]
    prices = walk(seed, 20, 40, vol=(0.02, 0.03))
    legs = [Leg("ETH-PERP", 4, lev), Leg("BTC-PERP", -0.3, lev)]
    deposit = 23_000 / lev * 1.3  # notional 4 * 2,000 + 0.3 * 50,000
    r = replay(prices, legs, deposit, contracts=specs, rules=rules, insurance_fund=fund,
               funding_rate=0.002, funding_every=5, keep_equity=True)
    a = r.accounts
    total = a["final equity"] + a["opening fees"] + a["insurance fund"] + a["liquidator fees"] \
        + a["backstop vault"] + a["counterparties"]
    np.testing.assert_allclose(total, deposit + fund, rtol=0, atol=1e-8)
    np.testing.assert_allclose(a["insurance fund"],
                               fund + a["liquidation fees"] - a["insurance fund paid"], atol=1e-9)
    b = r.buckets
    assert (b["final equity"] >= -1e-9).all()  # an isolated loss never exceeds its margin
    held = b["bucket"].map({"cross": 4.3, "ETH-PERP": 4, "BTC-PERP": 0.3})
    assert (b["quantity closed"] <= held + 1e-9).all()
    partial = (b["quantity closed"] > 0) & (b["quantity closed"] < held - 1e-9)
    event(f"{rules.liquidation_policy}: {'a partial close' if partial.any() else 'no partial'}")
    assert ((b["liquidation steps"] > 0) == (b["liquidation step"] >= 0)).all()
    for mode, equity in r.equity.items():
        np.testing.assert_allclose(equity[:, -1], a[a["mode"] == mode]["final equity"])


def test_paths_without_a_liquidation_are_the_same_under_every_policy():
    prices = walk(4, 30, 60, vol=(0.02, 0.03))
    runs = [replay(prices, HEDGE, 1_000, rules=BINANCE.but(liquidation_policy=p)).accounts
            for p in ("all_at_once", "to_compliance", "chunks")]
    calm = runs[0]["first liquidation"] < 0
    assert 0 < calm.mean() < 1
    for other in runs[1:]:
        assert other[calm].equals(runs[0][calm])
        assert list(other["first liquidation"]) == list(runs[0]["first liquidation"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), fee=st.sampled_from(["0", "0.004", "0.005", "0.0125"]),
       extra=st.sampled_from(["0", "0.0005", "0.01"]), entry_basis=st.booleans())
def test_the_whole_position_shortcut_gives_the_rulebooks_answer(seed, fee, extra, entry_basis):
    # unwind.closes_whole skips the rulebook where its answer is Q at a glance: on liquidatable
    # buckets (E <= MM) drawn at random, the rulebook must answer Q wherever the shortcut says so;
    # unwind.reachable_tiers leaves out the tiers above the largest value: the same answers
    rng = np.random.default_rng(seed)
    n = 400
    q = np.round(rng.uniform(0.1, 40, n), 1)
    mark = rng.uniform(1_500, 2_500, n)
    basis = rng.uniform(1_500, 2_500, n) if entry_basis else mark
    mm_rest = rng.uniform(0, 200, n)
    mm = rulebook.maintenance_margin(q, basis, ETH_PERP.tiers, Decimal(extra)) + mm_rest
    equity = mm * rng.uniform(-0.2, 1.0, n)
    sized = (q, mark, basis, ETH_PERP.tiers, equity, mm_rest, Decimal(fee), Decimal("0.1"),
             Decimal(extra))
    for policy, size in (("to_compliance", rulebook.cure_quantity),
                         ("tier_step_down", rulebook.step_down_quantity)):
        whole = unwind.closes_whole(policy, q, mark, basis, ETH_PERP.tiers, Decimal(fee),
                                    Decimal(extra))
        answer = size(*sized)
        np.testing.assert_allclose(answer[whole], q[whole])
        fewer = (*sized[:3], unwind.reachable_tiers(ETH_PERP.tiers, q * basis), *sized[4:])
        np.testing.assert_array_equal(size(*fewer), answer)  # the tiers out of reach change none
        event(f"{policy}: {whole.mean():.0%} skipped" if whole.all() or not whole.any()
              else f"{policy}: some skipped")
