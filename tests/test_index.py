"""Mark vs index, and funding from the premium (issue 11, part 4).

Expected numbers are worked by hand from the published rule: Binance "Introduction to Binance
Futures Funding Rates", F = P + clamp(I - P, -0.05 %, +0.05 %) with I = 0.01 % per 8 h, P the
time-weighted average premium (weights 1, 2, ..., n), then capped; Binance's own remark "if
(I - P) is within +/-0.05 % then F = P + (I - P) = I" is checked as it stands.
"""

import math
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import marginlab as ml
from marginlab import errors as E
from marginlab.engine import rulebook
from marginlab.simulation.basis import basis_shock, mark_from_index, premium_funding
from marginlab.simulation.replay import Leg, replay, replay_with_engine

D = Decimal
INTEREST, CLAMP = D("0.0001"), D("0.0005")  # Binance: interest 0.01 % per 8 h, dampener 0.05 %
# A fee-free ETH contract with one flat tier (MMR 0.5 %, up to 100x) keeps the sums readable.
ETH = ml.linear_perp("ETH-PERP", [(0, "0.005", 100)], taker_fee=0, maker_fee=0,
                     liquidation_fee="0.01")


def cents(x: Decimal) -> Decimal:
    """The ledger keeps money to 8 decimals (banker's rounding)."""
    return x.quantize(D("0.00000001"), rounding=ROUND_HALF_EVEN)


def conserved(ex):
    return ex.ledger.total() == ex.ledger.deposited


def exchange(mark=2000, fund=0):
    return ml.Exchange(contracts=[ETH], marks={"ETH-PERP": mark}, insurance_fund=fund)


def state(ex):
    """Everything a price move or a funding could change."""
    return (dict(ex.ledger.balances), len(ex.events), dict(ex.marks), dict(ex.index),
            {s: list(v) for s, v in ex.premiums.items()},
            {t: dict(a.positions) for t, a in ex.accounts.items()})


# --- the rules by hand ----------------------------------------------------------------------------
def test_premium_is_the_marks_distance_from_the_index_over_the_index():
    assert rulebook.premium(D(2010), D(2000)) == D("0.005")
    assert rulebook.premium(D(1990), D(2000)) == D("-0.005")
    assert rulebook.premium(np.array([2010.0, 1990.0]), 2000.0) == pytest.approx([0.005, -0.005])


def test_average_premium_weighs_the_latest_sample_most():
    # (1 * 0.001 + 2 * 0.002 + 3 * 0.003) / (1 + 2 + 3) = 0.014 / 6
    assert rulebook.average_premium([D("0.001"), D("0.002"), D("0.003")]) == D("0.014") / 6
    assert rulebook.average_premium([D("0.004")]) == D("0.004")
    rows = np.array([[0.001, 0.002, 0.003], [0.0, 0.0, 0.006]])  # along the last axis
    assert rulebook.average_premium(rows) == pytest.approx([0.014 / 6, 0.018 / 6])


@pytest.mark.parametrize("p, expected", [
    ("0", "0.0001"),          # |I - P| = 0.01 % <= 0.05 %: F = I (Binance's remark)
    ("0.0003", "0.0001"),     # I - P = -0.02 %: still F = I
    ("-0.0004", "0.0001"),    # I - P = 0.05 %: the edge, F = I
    ("0.001", "0.0005"),      # I - P = -0.09 % -> -0.05 %: F = 0.1 % - 0.05 %
    ("-0.0008", "-0.0003"),   # I - P = 0.09 % -> +0.05 %: F = -0.08 % + 0.05 %
    ("0.05", "0.02"),         # 5 % - 0.05 % = 4.95 %, capped at 2 %
    ("-0.05", "-0.02"),       # -5 % + 0.05 %, floored at -2 %
])
def test_funding_rate_is_the_premium_plus_a_clamped_interest_term_then_capped(p, expected):
    assert rulebook.funding_rate(D(p), INTEREST, CLAMP, D("0.02")) == D(expected)
    fast = rulebook.funding_rate(float(p), INTEREST, CLAMP, D("0.02"))
    assert fast == pytest.approx(float(expected))


def test_a_basis_halves_every_half_life_and_the_mark_is_index_plus_basis():
    assert rulebook.decayed_basis(D(40), 0, 3) == 40
    assert rulebook.decayed_basis(D(40), 3, 3) == 20
    assert rulebook.decayed_basis(D(40), 6, 3) == 10
    assert rulebook.decayed_basis(40.0, np.array([0, 3, 6]), 3) == pytest.approx([40, 20, 10])
    assert rulebook.mark_price(D(2000), D(-120)) == 1880


@settings(max_examples=200, deadline=None)
@given(st.lists(st.decimals("-0.1", "0.1", places=6), min_size=1, max_size=8),
       st.decimals("-0.001", "0.001", places=6), st.decimals("0", "0.001", places=6),
       st.decimals("0.0001", "0.05", places=6))
def test_the_funding_rule_agrees_in_decimal_and_float_and_stays_within_the_cap(
        samples, interest, clamp, cap):
    exact = rulebook.funding_rate(rulebook.average_premium(samples), interest, clamp, cap)
    fast = rulebook.funding_rate(rulebook.average_premium(np.array(samples, dtype=float)),
                                 interest, clamp, cap)
    assert -cap <= exact <= cap
    assert float(exact) == pytest.approx(fast, rel=1e-12, abs=1e-15)
    average = rulebook.average_premium(samples)
    if abs(interest - average) <= clamp and abs(interest) <= cap:
        # a small premium leaves the interest rate alone (to the 28th digit of P + (I - P))
        assert abs(exact - interest) < D("1e-24")


# --- the engine -------------------------------------------------------------------------------
def test_the_index_follows_the_mark_unless_given():
    ex = exchange()
    assert ex.index == {"ETH-PERP": 2000}
    ex.set_mark("ETH-PERP", 2010)
    assert ex.index["ETH-PERP"] == 2010 and ex.premiums["ETH-PERP"] == [0]
    ex.set_mark("ETH-PERP", 2020, index=2000)
    ex.set_marks({"ETH-PERP": 2030}, index={"ETH-PERP": "2001.5"})
    assert ex.index["ETH-PERP"] == D("2001.5")
    assert ex.premiums["ETH-PERP"] == [0, D("0.01"), (D(2030) - D("2001.5")) / D("2001.5")]
    assert "index 2,001.50" in ex.events[-1].message


def test_premium_funding_pays_the_rulebook_rate_on_a_hand_example():
    ex = exchange()
    long_, short = ex.open_account("long", 10_000), ex.open_account("short", 1_000)
    long_.buy("ETH-PERP", 1, leverage=10)
    short.sell("ETH-PERP", 1, leverage=10, mode="isolated")  # 200 USDT isolated margin
    for mark in (2010, 2030, 2040):
        ex.set_mark("ETH-PERP", mark, index=2000)  # premiums 0.5 %, 1.5 %, 2 %
    ex.apply_funding("ETH-PERP")
    # P = (1 * 0.005 + 2 * 0.015 + 3 * 0.02) / 6 = 0.095 / 6; I - P < -0.05 %: F = P - 0.05 %
    rate = D("0.095") / 6 - D("0.0005")
    average = rulebook.average_premium([D("0.005"), D("0.015"), D("0.02")])
    engine_rule = rulebook.funding_rate(average, INTEREST, CLAMP, ETH.funding_cap)
    assert rate == engine_rule
    payment = cents(1 * D(2040) * rate)  # size * mark * rate: 31.28
    assert long_.wallet_balance == 10_000 - payment
    assert short.isolated_margin("ETH-PERP") == 200 + payment
    kinds = [e.kind for e in ex.events][-3:]
    assert kinds == ["funding rate", "funding", "funding"]
    assert "1.5333%" in ex.events[-3].message and "3 samples" in ex.events[-3].message
    assert ex.premiums["ETH-PERP"] == [] and conserved(ex)


def test_funding_with_no_move_since_the_last_uses_the_current_premium():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 1, leverage=10)
    ex.set_mark("ETH-PERP", 2040, index=2000)
    ex.apply_funding("ETH-PERP")  # one sample of 2 %: F = 2 % - 0.05 % = 1.95 %
    ex.apply_funding("ETH-PERP")  # no move since: the premium held at 2 %, the same rate
    assert a.wallet_balance == 10_000 - 2 * D(2040) * D("0.0195")
    assert "1 sample " in ex.events[-2].message and conserved(ex)


def test_a_given_rate_is_paid_as_before_and_says_so():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", 2100, index=2000)
    ex.apply_funding("ETH-PERP", "0.0001")
    assert a.wallet_balance == 10_000 - 2 * D(2100) * D("0.0001")
    assert ex.events[-2].message == "ETH-PERP funding rate 0.0100% (given)"
    assert ex.premiums["ETH-PERP"] == []


def test_the_mark_liquidates_while_the_index_barely_moved():
    ex = exchange(fund=1_000)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 1, leverage=20)  # 100 USDT margin; MM 0.5 % of the mark
    ex.set_mark("ETH-PERP", 1900, index=1999)  # the index -0.05 %, the mark -5 %
    assert "ETH-PERP" not in a.positions  # equity 100 - 100 = 0 <= MM 9.50
    assert [e.kind for e in ex.events].count("liquidation") == 1
    assert conserved(ex)


def test_the_pnl_of_a_close_uses_the_fill_not_the_mark_or_the_index():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", 2010, index=2000)
    a.close("ETH-PERP", price=2005)
    assert a.wallet_balance == 10_000 + 2 * (2005 - 2000)
    assert conserved(ex)


def test_funding_eats_an_isolated_margin_while_a_cross_pool_absorbs_it():
    ex = exchange(fund=100)
    iso, cross = ex.open_account("iso", 1_000), ex.open_account("cross", 1_000)
    iso.buy("ETH-PERP", 1, leverage=20, mode="isolated")  # 100 USDT ring-fenced
    cross.buy("ETH-PERP", 1, leverage=20)                 # backed by the 1,000 wallet
    # the mark 3 % over the index: F = 3 % - 0.05 %, capped at 2 %: 2060 * 2 % = 41.20 a time.
    # isolated equity 100 + 60 uPnL - 41.20 = 118.80, then 77.60, 36.40 (> MM 10.30), -4.80
    for paid in range(1, 5):
        ex.set_mark("ETH-PERP", 2060, index=2000)
        ex.apply_funding("ETH-PERP")
        assert ("ETH-PERP" in iso.positions) == (paid < 4)
    assert cross.position("ETH-PERP").quantity == 1  # equity 1,000 + 60 - 164.80
    assert cross.wallet_balance == 1_000 - 4 * D(2060) * D("0.02")
    assert ex.insurance_fund == 100 - D("4.80")  # the isolated bucket's deficit
    assert conserved(ex)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1_600, 2_400), st.integers(-150, 150), st.booleans()),
                min_size=1, max_size=12))
def test_moves_and_premium_funding_conserve_money(moves):
    """Any walk of marks and indexes with premium funding: money is conserved, each move adds
    one sample, each funding starts the samples afresh and pays at most the cap."""
    ex = exchange(fund=500)
    long_, short = ex.open_account("long", 1_000), ex.open_account("short", 1_000)
    long_.buy("ETH-PERP", "0.5", leverage=10)
    short.sell("ETH-PERP", "0.5", leverage=10, mode="isolated")
    for mark, gap, fund in moves:
        n = len(ex.premiums.get("ETH-PERP", []))
        ex.set_mark("ETH-PERP", mark, index=mark + gap)
        assert len(ex.premiums["ETH-PERP"]) == n + 1
        if fund:
            paid_before = len(ex.events.of_kind("funding"))
            ex.apply_funding("ETH-PERP")
            assert ex.premiums["ETH-PERP"] == []
            for e in ex.events.of_kind("funding")[paid_before:]:
                assert abs(e.amount) <= D("0.5") * mark * ETH.funding_cap
        assert conserved(ex)


# --- bad input changes nothing ----------------------------------------------------------------
@pytest.mark.parametrize("move, error", [
    (lambda ex: ex.set_mark("ETH-PERP", 2010, index=-1), E.InvalidPriceError),
    (lambda ex: ex.set_mark("ETH-PERP", 2010, index=math.nan), E.InvalidPriceError),
    (lambda ex: ex.set_mark("ETH-PERP", 2010, index="spot"), E.InvalidPriceError),
    (lambda ex: ex.set_marks({"ETH-PERP": 2010}, index=2000), E.InvalidPriceError),
    (lambda ex: ex.set_marks({"ETH-PERP": 2010}, index={"XRP-PERP": 1}), E.UnknownSymbolError),
    (lambda ex: ex.set_marks({"ETH-PERP": 2010, "BTC-PERP": 1}, index={"ETH-PERP": 2000}),
     E.UnknownSymbolError),
    (lambda ex: ex.apply_funding("ETH-PERP", math.inf), E.InvalidAmountError),
], ids=["negative index", "NaN index", "text index", "index not a dict", "unknown symbol",
        "mark unknown", "infinite rate"])
def test_a_bad_index_raises_and_changes_nothing(move, error):
    ex = exchange()
    ex.open_account("a", 1_000).buy("ETH-PERP", 1, leverage=10)
    ex.set_mark("ETH-PERP", 2020, index=2000)
    before = state(ex)
    with pytest.raises(error):
        move(ex)
    assert state(ex) == before


def test_an_index_without_its_mark_is_refused_with_a_hint():
    two = ml.Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000})
    before = state(two)
    with pytest.raises(E.InvalidPriceError, match="give its mark too"):
        two.set_marks({"ETH-PERP": 2010}, index={"BTC-PERP": 50_100})
    assert state(two) == before


@pytest.mark.parametrize("field, value", [
    ("funding_cap", 0), ("funding_cap", "-0.01"), ("funding_cap", 2),
    ("funding_clamp", "-0.0005"), ("funding_interest", 2), ("funding_interest", "abc"),
])
def test_bad_funding_settings_of_a_contract_are_refused(field, value):
    with pytest.raises(E.ConfigurationError, match=field):
        ml.linear_perp("ETH-PERP", [(0, "0.005", 100)], **{field: value})


# --- the simulation ---------------------------------------------------------------------------
def test_mark_from_index_opens_the_basis_at_its_step_and_halves_it():
    index = np.full(6, 100.0)
    mark = mark_from_index(index, 0.04, half_life_steps=2, at=1)
    # b = 0, 4 %, 4 % / sqrt 2, 2 %, 2 % / sqrt 2, 1 %
    expected = [100, 104, 100 + 4 / math.sqrt(2), 102, 100 + 2 / math.sqrt(2), 101]
    assert mark == pytest.approx(expected)
    two = mark_from_index(np.array([[100.0, 200.0], [50.0, 50.0]]), -0.1, 1)
    assert two.ravel() == pytest.approx([90, 190, 45, 47.5])


def test_premium_funding_by_hand():
    index = np.full(5, 100.0)
    mark = np.array([100.0, 101.0, 102.0, 100.0, 100.0])
    rates = premium_funding(index, mark, every_steps=2)
    # step 2: P = (1 * 1 % + 2 * 2 %) / 3 = 5 % / 3, F = P - 0.05 %; step 4: P = 0, F = I
    assert rates == pytest.approx([0, 0, 0.05 / 3 - 0.0005, 0, 0.0001])
    # every 3: P = (1 * 1 % + 2 * 2 % + 3 * 0) / 6 = 5 % / 6, F = P - 0.05 %, capped at 0.5 %
    assert premium_funding(index, mark, 3, cap=0.005) == pytest.approx([0, 0, 0, 0.005, 0])


@pytest.mark.parametrize("call, error", [
    (lambda: mark_from_index([100, 100], 1, 2), E.InvalidPathError),
    (lambda: mark_from_index([100, 100], -1, 2), E.InvalidPathError),
    (lambda: mark_from_index([100, 100], math.nan, 2), E.InvalidPathError),
    (lambda: mark_from_index([100, 100], 0.01, 0), E.InvalidPathError),
    (lambda: mark_from_index([100, 100], 0.01, 2, at=2), E.InvalidPathError),
    (lambda: mark_from_index([100, 0], 0.01, 2), E.InvalidPathError),
    (lambda: mark_from_index(100, 0.01, 2), E.InvalidPathError),
    (lambda: premium_funding([100, 100], [100, 100], 1, interest=2), E.SimulationSettingError),
    (lambda: premium_funding([100, 100], [100, 100], 1, clamp=-1), E.SimulationSettingError),
    (lambda: premium_funding([100, 100], [100, 100], 1, cap=0), E.SimulationSettingError),
    (lambda: premium_funding([100, 100], [100, 100], 0), E.SimulationSettingError),
    (lambda: premium_funding([100, 100], [100, 100, 100], 1), E.InvalidPathError),
], ids=["basis 1", "basis -1", "basis NaN", "half-life 0", "at past the end", "index 0",
        "index a number", "interest 2", "clamp < 0", "cap 0", "every 0", "shapes differ"])
def test_bad_simulation_settings_are_refused(call, error):
    with pytest.raises(error):
        call()


def _engine_with_premium_funding(index, mark, legs, deposit, every, mode, fund=0):
    """The scenario through the event engine, funding with no rate given (the premium's)."""
    ex = ml.Exchange(contracts=[ETH], marks={"ETH-PERP": D(str(mark[0]))}, insurance_fund=fund)
    acct = ex.open_account(mode, deposit=deposit, mode=mode)
    for leg in legs:
        (acct.buy if leg.size > 0 else acct.sell)("ETH-PERP", abs(D(str(leg.size))),
                                                    leverage=leg.leverage)
    for t in range(1, len(mark)):
        ex.set_mark("ETH-PERP", D(str(mark[t])), time=t, index=D(str(index[t])))
        if t % every == 0:
            ex.apply_funding("ETH-PERP")
    return ex, acct


@pytest.mark.parametrize("size", [1.0, -1.0], ids=["long", "short"])
def test_the_replay_with_premium_funding_equals_the_engine(size):
    index = np.array([2000, 2001, 1999, 2002, 2000, 2003, 1998, 2001, 2000, 1999, 2000.0])
    mark = mark_from_index(index, 0.03, half_life_steps=3, at=2).round(2)  # on the tick
    rates = premium_funding(index, mark, every_steps=3)
    legs = [Leg("ETH-PERP", size, 25)]
    kw = dict(funding_rate=rates, funding_every=3, contracts=[ETH])
    fast = replay({"ETH-PERP": mark[None, :]}, legs, 1_000, **kw)
    slow = replay_with_engine({"ETH-PERP": mark[None, :]}, legs, 1_000, **kw)
    cols = ["final equity", "first liquidation", "liquidation fees", "deficit"]
    assert np.allclose(fast.accounts[cols].to_numpy(float), slow.accounts[cols].to_numpy(float),
                       rtol=1e-9)
    for mode, row in fast.accounts.set_index("mode").iterrows():
        ex, acct = _engine_with_premium_funding(index, mark, legs, 1_000, 3, mode)
        assert float(acct.equity) == pytest.approx(row["final equity"], rel=1e-9)
        assert conserved(ex)
    assert (rates[3::3] != 0.0001).any()  # the premium, not just the interest, set the rate
    if size > 0:  # longs pay: the isolated margin is eaten, the cross wallet absorbs it
        first = fast.accounts.set_index("mode")["first liquidation"]
        assert first["isolated"] > 0 and first["cross"] == -1


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-0.08, 0.08), st.floats(0.5, 8), st.integers(0, 9),
       st.integers(1, 4), st.sampled_from([1.0, -1.0, 2.5, -0.75]), st.sampled_from([5, 20, 50]))
def test_any_basis_shock_replays_as_the_engine_pays_it(seed, basis, half_life, at, every, size,
                                                       leverage):
    """The vectorized replay fed ``premium_funding`` and the engine paying funding with no rate
    (its own premium samples) agree on every path drawn."""
    rng = np.random.default_rng(seed)
    index = (2000 * np.exp(np.cumsum(np.r_[0, rng.normal(0, 0.004, 11)]))).round(2)
    mark = mark_from_index(index, basis, half_life, at).round(2)
    rates = premium_funding(index, mark, every)
    legs = [Leg("ETH-PERP", size, leverage)]
    fast = replay({"ETH-PERP": mark[None, :]}, legs, 2_000, contracts=[ETH], insurance_fund=50,
                  funding_rate=rates, funding_every=every).accounts.set_index("mode")
    for mode in ("cross", "isolated"):
        ex, acct = _engine_with_premium_funding(index, mark, legs, 2_000, every, mode, fund=50)
        liquidated = [e.time for e in ex.events.of_kind("liquidation")]
        assert min(liquidated, default=-1) == fast.loc[mode, "first liquidation"]
        assert float(acct.equity) == pytest.approx(fast.loc[mode, "final equity"], rel=1e-9)
        assert conserved(ex)


def test_basis_shock_liquidates_by_the_mark_while_the_index_barely_moved():
    shock = basis_shock(seed=0)
    at = 24
    assert abs(shock.index[at] / shock.index[at - 1] - 1) < 0.01  # the index: under 1 %
    assert shock.mark[at] / shock.index[at] == pytest.approx(0.94)  # the mark: 6 % under
    assert shock.funding[8::8].min() < 0 and np.all(np.abs(shock.funding) <= 0.02)
    legs = [Leg("ETH-PERP", 1.0, 20)]
    on_mark = replay({"ETH-PERP": shock.mark[None, :]}, legs, 1_000, modes=["isolated"],
                     funding_rate=shock.funding, funding_every=shock.every)
    on_index = replay({"ETH-PERP": shock.index[None, :]}, legs, 1_000, modes=["isolated"])
    assert on_mark.accounts["first liquidation"].iloc[0] == at
    assert on_index.accounts["first liquidation"].iloc[0] == -1
    frame = shock.to_frame()
    assert list(frame.columns) == ["step", "index", "mark", "premium", "funding rate"]
    assert basis_shock(seed=0).mark == pytest.approx(shock.mark)  # seeded
