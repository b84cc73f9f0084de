"""Hedge mode (issue 11, part 2): a LONG and a SHORT leg of one symbol in one account.

Reference: Binance USDⓈ-M FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
(see ../shared/reference/margin-formulas.md), cross, with the L and S legs of one symbol and
TMM1 / UPNL1 the maintenance margin and uPnL of every other symbol at its mark::

    LP = (WB - TMM1 + UPNL1 + cumL + cumS - Q_L*EP_L + Q_S*EP_S)
         / (Q_L*MMR_L + Q_S*MMR_S - Q_L + Q_S)

Isolated: long LP = (Q*EP - WB - cum) / (Q*(1 - MMR)), short LP = (Q*EP + WB + cum) /
(Q*(1 + MMR)), per leg. Hedge-mode order rules (Binance "Position Mode"): buy LONG opens or adds,
sell LONG reduces (never past zero), sell SHORT opens, buy SHORT reduces.

Every expected number below is worked out in the test from those published rules.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import marginlab as ml
from marginlab import errors as E
from marginlab.engine.money import floor_to

CENT = D("0.01")
# Binance's published BTCUSDT brackets (first three), without fees, so that the wallet balance
# stays exactly what was deposited: floors 0 / 50,000 / 250,000, MMR 0.4 / 0.5 / 1.0 %,
# maintenance amounts (cum) 0 / 50 / 1,300.
BTC = ml.linear_perp("BTCUSDT", [(0, "0.004", 125), (50_000, "0.005", 100),
                                 (250_000, "0.01", 50)],
                     tick_size="0.1", lot_size="0.001", taker_fee=0, maker_fee=0)
ETH = ml.linear_perp("ETHUSDT", [(0, "0.005", 100)], tick_size="0.01", lot_size="0.001",
                     taker_fee=0, maker_fee=0)
B, E_ = "BTCUSDT", "ETHUSDT"


def cents(x):
    return D(x).quantize(CENT)


def snapshot(ex):
    return (dict(ex.ledger.balances), len(ex.ledger.transfers), dict(ex.marks), len(ex.events),
            {t: (dict(a.positions), a.position_mode) for t, a in ex.accounts.items()})


# --- the worked example -----------------------------------------------------------------------
def hedged_account():
    """WB 15,000; LONG 1.2 BTC at 50,000, SHORT 0.5 BTC at 52,000 (mark 52,000); one other
    symbol open: long 10 ETH at 2,000, its mark now 1,900."""
    ex = ml.Exchange(contracts=[BTC, ETH], marks={B: 50_000, E_: 2_000})
    acct = ex.open_account("hana", deposit=15_000, leverage=20, position_mode="hedge")
    acct.buy(B, "1.2", position_side="LONG")
    acct.buy(E_, 10, position_side="LONG")
    ex.set_marks({B: 52_000, E_: 1_900})
    acct.sell(B, "0.5", position_side="SHORT")
    return ex, acct


def by_hand_lp(wb, tmm1, upnl1, long_tier, short_tier):
    """Binance's hedge formula with the legs of hedged_account() and the tiers given."""
    (mmr_l, cum_l), (mmr_s, cum_s) = long_tier, short_tier
    q_l, ep_l, q_s, ep_s = D("1.2"), D(50_000), D("0.5"), D(52_000)
    return ((wb - tmm1 + upnl1 + cum_l + cum_s - q_l * ep_l + q_s * ep_s)
            / (q_l * mmr_l + q_s * mmr_s - q_l + q_s))


def test_binance_hedge_formula_by_hand_with_tier_recomputation():
    ex, acct = hedged_account()
    assert acct.wallet_balance == 15_000
    # the other symbol at its mark: UPNL1 = 10 * (1,900 - 2,000), TMM1 = 10 * 1,900 * 0.5 %
    upnl1, tmm1 = D(-1_000), D(95)
    # at the mark the long leg's notional 1.2 * 52,000 = 62,400 is in bracket 2 (0.5 %, cum 50)
    first = by_hand_lp(D(15_000), tmm1, upnl1, (D("0.005"), D(50)), (D("0.004"), D(0)))
    assert D("1.2") * first < 50_000  # ... but at that price it is in bracket 1: recompute
    lp = by_hand_lp(D(15_000), tmm1, upnl1, (D("0.004"), D(0)), (D("0.004"), D(0)))
    assert D("1.2") * lp < 50_000 and D("0.5") * lp < 50_000  # consistent now
    assert cents(lp) == D("28988.75")  # 20,095 / 0.6932
    assert acct.liquidation_price(B) == lp
    assert acct.liquidation_price(B, "SHORT") == lp == acct.liquidation_price(B, "LONG")
    assert ml.hedge_liquidation_price("1.2", 50_000, "0.5", 52_000, 15_000, BTC, ml.BINANCE,
                                      other_upnl=upnl1, other_mm=tmm1) == lp


def test_the_engine_liquidates_the_hedge_exactly_at_that_price():
    ex, acct = hedged_account()
    lp = acct.liquidation_price(B)
    above = -floor_to(-lp, BTC.tick_size)  # 28,988.8: one tick before (the legs are net long)
    assert ex.set_mark(B, above) == []
    assert acct.positions[f"{B}:LONG"].quantity == D("1.2")
    assert acct.positions[f"{B}:SHORT"].quantity == D("0.5")
    # equity just above the legs' MM added to the other symbol's
    risk = acct.cross_risk()
    assert risk.equity > risk.maintenance
    events = ex.set_mark(B, floor_to(lp, BTC.tick_size))  # 28,988.7: at / past it
    assert events and all(e.kind == "liquidation" for e in events)
    # the largest loser goes first: the long leg, 1.2 * (28,988.7 - 50,000) < 0; the short leg
    # (in profit) is left alone by the first step
    assert events[0].symbol == B and events[0].quantity < 0
    long_after = acct.positions.get(f"{B}:LONG")
    assert long_after is None or long_after.quantity < D("1.2")
    assert not acct.cross_risk().is_liquidatable


def test_hedge_legs_maintenance_margins_add():
    ex, acct = hedged_account()
    # at 52,000: long 62,400 * 0.5 % - 50 = 262; short 26,000 * 0.4 % = 104; ETH 19,000 * 0.5 %
    assert acct.maintenance_margin(B, "LONG") == 262
    assert acct.maintenance_margin(B, "SHORT") == 104
    assert acct.maintenance_margin(B) == 366
    assert acct.cross_risk().maintenance == 262 + 104 + 95
    # not netted: the net 0.7 BTC as one position would need only 36,400 * 0.4 % = 145.6
    assert acct.maintenance_margin(B) > D("145.6")


def test_a_lone_leg_gives_the_one_way_cross_price():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    hedge = ex.open_account("h", deposit=500, leverage=20, position_mode="hedge")
    hedge.buy(B, "0.02", position_side="LONG")
    # Binance's own worked example: WB 500, long 0.02 at 50,000 -> 25,100.40
    assert cents(hedge.liquidation_price(B)) == D("25100.40")
    one_way = ml.cross_liquidation_price("long", "0.02", 50_000, 500, BTC, ml.BINANCE)
    assert hedge.liquidation_price(B, "LONG") == one_way


FEE_BTC = ml.linear_perp("BTCUSDT", [(0, "0.004", 125), (50_000, "0.005", 100),
                                     (250_000, "0.01", 50)], tick_size="0.1", lot_size="0.001",
                         taker_fee="0.0005", maker_fee="0.0002")
FEE_ETH = ml.linear_perp("ETHUSDT", [(0, "0.005", 100), (20_000, "0.01", 50)],
                         tick_size="0.01", lot_size="0.01", taker_fee="0.0005",
                         maker_fee="0.0002")
# brackets close together, so that a leg's notional at the answer often sits in another one
DENSE_BRACKETS = [(0, "0.004", 125), (5_000, "0.005", 100), (20_000, "0.01", 50),
                  (60_000, "0.025", 20)]
DENSE = ml.linear_perp("BTCUSDT", DENSE_BRACKETS, tick_size="0.1", lot_size="0.001",
                       taker_fee="0.0005", maker_fee=0)


def ref_mm(q, basis, fee):
    """Binance's bracket rule written out: MM = N * MMR_n - cum_n (+ N * fee), N = Q * basis,
    cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1})."""
    notional, cum, prev, out = q * basis, D(0), D(0), None
    for floor, mmr, _ in DENSE_BRACKETS:
        floor, mmr = D(floor), D(mmr)
        cum += floor * (mmr - prev)
        prev = mmr
        if notional >= floor:
            out = notional * mmr - cum
    return out + notional * fee


@given(rules=st.sampled_from([ml.BINANCE, ml.BYBIT]), q_l=st.integers(1, 2_000),
       q_s=st.integers(1, 2_000), ep_l=st.integers(5_000, 60_000), ep_s=st.integers(5_000, 60_000),
       wallet=st.integers(0, 20_000), other=st.integers(-3_000, 3_000),
       mark=st.integers(1_000, 100_000))
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_hedge_liquidation_price_round_trip(rules, q_l, q_s, ep_l, ep_s, wallet, other, mark):
    """At the answer the bucket's equity equals the legs' maintenance margins (each on its own
    bracket; on the mark for Binance, on the entry value plus the fee to close for Bybit)."""
    q_l, q_s = D(q_l) / 100, D(q_s) / 100
    lp = ml.hedge_liquidation_price(q_l, ep_l, q_s, ep_s, wallet, DENSE, rules,
                                    other_upnl=other, other_mm=0, mark=mark)
    assume(lp is not None)
    equity = wallet + other + q_l * (lp - ep_l) - q_s * (lp - ep_s)
    if rules is ml.BINANCE:
        mm = ref_mm(q_l, lp, D(0)) + ref_mm(q_s, lp, D(0))
    else:
        mm = ref_mm(q_l, D(ep_l), DENSE.taker_fee) + ref_mm(q_s, D(ep_s), DENSE.taker_fee)
    assert abs(equity - mm) <= D("1e-12") * max(abs(mm), D(1))


# --- isolated legs --------------------------------------------------------------------------
def test_isolated_legs_are_separate_buckets_with_the_isolated_formula():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    acct = ex.open_account("iso", deposit=10_000, mode="isolated", leverage=10,
                           position_mode="hedge")
    acct.buy(B, 1, position_side="LONG")  # margin 50,000 / 10 = 5,000
    acct.sell(B, "0.4", position_side="SHORT")  # margin 20,000 / 10 = 2,000
    assert ex.ledger.balance(f"iso:isolated:{B}:LONG") == 5_000
    assert ex.ledger.balance(f"iso:isolated:{B}:SHORT") == 2_000
    assert acct.isolated_margin(B, "SHORT") == 2_000
    assert set(acct.buckets()) == {"cross", f"isolated:{B}:LONG", f"isolated:{B}:SHORT"}
    long_lp = (D(50_000) - 5_000 - 0) / (1 * (1 - D("0.004")))
    short_lp = (D("0.4") * 50_000 + 2_000 + 0) / (D("0.4") * (1 + D("0.004")))
    assert 1 * long_lp < 50_000 and D("0.4") * short_lp < 50_000  # bracket 1 holds at LP
    assert acct.liquidation_price(B, "LONG") == long_lp
    assert acct.liquidation_price(B, "SHORT") == short_lp
    with pytest.raises(E.PositionModeError, match="each with its own price"):
        acct.liquidation_price(B)
    # the short leg goes alone: the long's margin is ring-fenced
    assert ex.set_mark(B, -floor_to(-short_lp, BTC.tick_size) - BTC.tick_size) == []
    events = ex.set_mark(B, -floor_to(-short_lp, BTC.tick_size))
    assert events and {e.quantity > 0 for e in events} == {True}  # the short is bought back
    assert f"{B}:SHORT" not in acct.positions
    assert acct.positions[f"{B}:LONG"].quantity == 1
    assert ex.ledger.balance(f"iso:isolated:{B}:LONG") == 5_000


# --- order rules ----------------------------------------------------------------------------
def test_legs_open_add_and_reduce_without_flipping():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    acct = ex.open_account("h", deposit=10_000, position_mode="hedge")
    acct.buy(B, "0.3", position_side="LONG")
    acct.sell(B, "0.2", position_side="SHORT")
    ex.set_mark(B, 51_000)
    acct.buy(B, "0.1", position_side="LONG")  # adds: EP = (0.3*50,000 + 0.1*51,000) / 0.4
    assert acct.position(B, "LONG").entry_price == (D("0.3") * 50_000 + D("0.1") * 51_000) / D(
        "0.4")
    realized = acct.buy(B, "0.05", position_side="SHORT")  # reduces the short: -0.05 * 1,000
    assert realized == D("0.05") * (50_000 - 51_000)
    assert acct.position(B, "SHORT").size == D("-0.15")
    assert acct.close(B, position_side="short") == D("0.15") * (50_000 - 51_000)
    assert set(acct.positions) == {f"{B}:LONG"}
    assert acct.position(B, "LONG").key == f"{B}:LONG"


def _hedge(ex):
    return ex.account("h")


BAD_ORDERS = [
    ("side missing in hedge mode", lambda ex: _hedge(ex).buy(B, "0.1"), E.PositionModeError,
     "hedge mode: name the leg"),
    ("unknown side", lambda ex: _hedge(ex).buy(B, "0.1", position_side="UP"), E.InvalidSideError,
     "'LONG' or 'SHORT'"),
    ("reduce a leg past zero", lambda ex: _hedge(ex).sell(B, "0.4", position_side="LONG"),
     E.InvalidQuantityError, "never flips"),
    ("reduce the short past zero", lambda ex: _hedge(ex).buy(B, "0.3", position_side="SHORT"),
     E.InvalidQuantityError, "never flips"),
    ("reduce a leg that is not open",
     lambda ex: ex.account("h2").buy(B, "0.1", position_side="SHORT"), E.NoPositionError,
     "no open BTCUSDT SHORT leg"),
    ("close more than the leg", lambda ex: _hedge(ex).close(B, 1, position_side="LONG"),
     E.ReduceTooLargeError, "only 0.3"),
    ("close a leg that is not open", lambda ex: ex.account("h2").close(B, position_side="SHORT"),
     E.NoPositionError, "SHORT leg"),
    ("legs in two margin modes",
     lambda ex: ex.account("h2").sell(B, "0.01", mode="isolated", position_side="SHORT"),
     E.MarginModeError, "one margin mode"),
    ("side named in one-way mode", lambda ex: ex.account("o").buy(B, "0.1", position_side="LONG"),
     E.PositionModeError, "needs a hedge-mode account"),
    ("switch mode with positions open",
     lambda ex: setattr(_hedge(ex), "position_mode", "one_way"), E.PositionModeError,
     "close them all"),
    ("unknown position mode", lambda ex: ex.open_account("x", position_mode="two_way"),
     E.PositionModeError, "'one_way'"),
    ("add margin to a cross leg", lambda ex: _hedge(ex).add_margin(B, 10, position_side="LONG"),
     E.MarginModeError, "cross position"),
]


@pytest.mark.parametrize("what, action, error, words", BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_bad_hedge_orders_are_refused_and_change_nothing(what, action, error, words):
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    ex.open_account("h", deposit=10_000, position_mode="hedge").buy(B, "0.3",
                                                                    position_side="LONG")
    ex.account("h").sell(B, "0.2", position_side="SHORT")
    ex.open_account("h2", deposit=1_000, position_mode="hedge").buy(B, "0.01",
                                                                     position_side="LONG")
    ex.open_account("o", deposit=1_000)
    before = snapshot(ex)
    with pytest.raises(error, match=words):
        action(ex)
    assert snapshot(ex) == before


def test_one_way_accepts_both_and_switches_mode_only_when_flat():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    acct = ex.open_account("o", deposit=1_000)
    assert acct.position_mode == ml.ONE_WAY
    acct.buy(B, "0.01", position_side="BOTH")
    assert acct.position(B).key == B and set(acct.positions) == {B}
    acct.close(B)
    acct.position_mode = "hedge"
    acct.buy(B, "0.01", position_side="LONG")
    assert set(acct.positions) == {f"{B}:LONG"}


# --- ADL and funding --------------------------------------------------------------------------
def test_adl_takes_the_opposite_leg_of_a_hedge_account():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})  # no insurance fund: ADL
    bob = ex.open_account("bob", deposit=1_000, leverage=50)
    bob.buy(B, 1)  # 50,000 at 50x: bankrupt below 49,000
    hana = ex.open_account("hana", deposit=100_000, position_mode="hedge")
    hana.buy(B, "0.5", position_side="LONG")
    hana.sell(B, 2, position_side="SHORT")
    ex.set_mark(B, 45_000)  # bob's equity 1,000 - 5,000 < 0, the fund holds 0
    assert B not in bob.positions
    adl = ex.events.of_kind("adl")
    assert [e.trader for e in adl] == ["hana"] and adl[0].quantity == 1  # buys 1 BTC back
    assert hana.position(B, "SHORT").quantity == 1  # 2 - bob's 1
    assert hana.position(B, "LONG").quantity == D("0.5")  # the same side as bob: untouched


def test_open_interest_sharing_counts_both_legs_of_a_hedge():
    # Drift-style: each unit of base, long or short, pays |loss| / (|base_long| + |base_short|)
    rules = ml.BINANCE.but(name="Drift-style", loss_sharing="socialize_open_interest")
    ex = ml.Exchange(contracts=[BTC], rules=rules, marks={B: 50_000})
    bob = ex.open_account("bob", deposit=1_000, leverage=50)
    bob.buy(B, 1)
    hana = ex.open_account("hana", deposit=100_000, position_mode="hedge")
    hana.buy(B, "0.5", position_side="LONG")
    hana.sell(B, 2, position_side="SHORT")
    before = hana.wallet_balance
    ex.set_mark(B, 45_000)  # bob: 1,000 - 1 * 5,000 = -4,000, nobody else holds BTCUSDT
    per_unit = D(4_000) / (D("0.5") + 2)  # 1,600 USDT per BTC of open interest
    paid = sorted(-e.amount for e in ex.events.of_kind("socialized loss"))
    assert paid == [D("0.5") * per_unit, 2 * per_unit]  # 800 by the long leg, 3,200 the short
    assert hana.wallet_balance == before - 4_000


def test_funding_pays_each_leg():
    ex = ml.Exchange(contracts=[BTC], marks={B: 50_000})
    acct = ex.open_account("h", deposit=10_000, position_mode="hedge")
    acct.buy(B, 1, position_side="LONG")
    acct.sell(B, "0.4", position_side="SHORT")
    before = acct.wallet_balance
    ex.apply_funding(B, "0.0001")
    # long pays 1 * 50,000 * 0.01 % = 5, short receives 0.4 * 50,000 * 0.01 % = 2
    assert acct.wallet_balance == before - 5 + 2
    paid = [e.amount for e in ex.events.of_kind("funding")]
    assert sorted(paid) == [-5, 2]


@given(mode=st.sampled_from(["cross", "isolated"]), fund=st.sampled_from([0, 100_000]),
       steps=st.lists(st.tuples(st.sampled_from([B, E_]), st.integers(-40, 60),
                                st.integers(-1_500, 1_500)), min_size=1, max_size=12))
@settings(max_examples=80, deadline=None, derandomize=True, database=None)
def test_a_hedge_account_with_one_leg_per_symbol_is_a_one_way_account(mode, fund, steps):
    """Long BTC and short ETH, traded as legs or as one-way positions, on the same marks:
    the same money everywhere, the same positions, the same liquidations."""
    exs, accts = [], []
    for pm in ("one_way", "hedge"):
        ex = ml.Exchange(contracts=[FEE_BTC, FEE_ETH], insurance_fund=fund,
                         marks={B: 50_000, E_: 2_000})
        ex.open_account("other", deposit=50_000).sell(B, 1)  # an ADL counterparty
        acct = ex.open_account("t", deposit=3_000, mode=mode, leverage=20, position_mode=pm)
        exs.append(ex)
        accts.append(acct)
    for symbol, lots, bps in steps:
        spec = exs[0].contract(symbol)
        side, sign = ("LONG", 1) if symbol == B else ("SHORT", -1)
        q = abs(lots) * spec.lot_size * (10 if symbol == B else 100)
        opening = lots > 0
        outcomes = []
        for ex, acct in zip(exs, accts, strict=True):
            kw = {"position_side": side} if acct.position_mode == "hedge" else {}
            trade = acct.buy if (sign > 0) == opening else acct.sell
            try:
                held = sum((p.quantity for p in acct.legs(symbol)), D(0))
                if q > 0 and (opening or q <= held):  # never ask a one-way account to flip
                    trade(symbol, q, **kw)
                outcomes.append("ok")
            except E.MarginLabError as err:
                outcomes.append(type(err).__name__)
            mark = floor_to(ex.marks[symbol] * (10_000 + bps) / 10_000, spec.tick_size)
            ex.set_mark(symbol, max(mark, spec.tick_size))
        assert outcomes[0] == outcomes[1]
        one, two = exs
        assert one.ledger.balance("t:wallet") == two.ledger.balance("t:wallet")
        assert accts[0].total_balance == accts[1].total_balance
        for place in (ml.INSURANCE_FUND, ml.FEE_POOL, ml.COUNTERPARTIES, "other:wallet"):
            assert one.ledger.balance(place) == two.ledger.balance(place)
        assert [(p.symbol, p.size, p.entry_price) for p in accts[0].legs(B) + accts[0].legs(E_)] \
            == [(p.symbol, p.size, p.entry_price) for p in accts[1].legs(B) + accts[1].legs(E_)]


# --- conservation over random hedge trades and marks -------------------------------------------
SIDES = st.sampled_from(["LONG", "SHORT"])
SYMS = st.sampled_from([B, E_])
NAMES = st.sampled_from(["hc", "hi", "oc", "oi"])


class HedgeConservation(RuleBasedStateMachine):
    """Hedge accounts (cross and isolated) next to one-way ones; random legs, marks, funding.
    Money is conserved; a refused action changes nothing; no bucket is left liquidatable."""

    def __init__(self):
        super().__init__()
        self.ex, self.deposited = None, D(0)

    @initialize(fund=st.sampled_from([0, 50_000]),
                deposits=st.lists(st.integers(200, 50_000), min_size=4, max_size=4))
    def start(self, fund, deposits):
        self.ex = ml.Exchange(contracts=[FEE_BTC, FEE_ETH], insurance_fund=fund,
                              marks={B: 50_000, E_: 2_000})
        self.deposited = D(fund) + sum(D(d) for d in deposits)
        for name, dep, mode, pm in zip(("hc", "hi", "oc", "oi"), deposits,
                                       ("cross", "isolated", "cross", "isolated"),
                                       ("hedge", "hedge", "one_way", "one_way"), strict=True):
            self.ex.open_account(name, deposit=dep, mode=mode, leverage=20, position_mode=pm)

    def attempt(self, fn, *args, **kwargs):
        before = snapshot(self.ex)
        try:
            fn(*args, **kwargs)
        except E.MarginLabError:
            assert snapshot(self.ex) == before, f"refused {fn.__name__} changed the state"

    def _leg(self, name, symbol, side):
        acct = self.ex.account(name)
        return acct, acct.positions.get(f"{symbol}:{side}" if acct.position_mode == "hedge"
                                        else symbol)

    @rule(name=NAMES, symbol=SYMS, side=SIDES, percent=st.integers(1, 90))
    def open_leg(self, name, symbol, side, percent):
        """Open or add: buy LONG / sell SHORT (a one-way account: buy or sell)."""
        acct, spec = self.ex.account(name), self.ex.contract(symbol)
        q = floor_to(acct.available_balance * percent / 100 / (self.ex.marks[symbol] / 20),
                     spec.lot_size)
        kw = {"position_side": side} if acct.position_mode == "hedge" else {}
        self.attempt(acct.buy if side == "LONG" else acct.sell, symbol, max(q, spec.lot_size),
                     **kw)

    @rule(name=NAMES, symbol=SYMS, side=SIDES, percent=st.integers(1, 120))
    def reduce_leg(self, name, symbol, side, percent):
        """Reduce a share of an open leg (over 100 %: refused in hedge mode, a flip one-way)."""
        acct, pos = self._leg(name, symbol, side)
        if pos is None:
            return
        spec = self.ex.contract(symbol)
        q = max(spec.lot_size, floor_to(pos.quantity * percent / 100, spec.lot_size))
        kw = {"position_side": pos.position_side} if acct.position_mode == "hedge" else {}
        self.attempt(acct.sell if pos.size > 0 else acct.buy, symbol, q, **kw)

    @rule(name=NAMES, symbol=SYMS, side=SIDES)
    def close_leg(self, name, symbol, side):
        acct, pos = self._leg(name, symbol, side)
        if pos is not None:
            kw = {"position_side": side} if acct.position_mode == "hedge" else {}
            self.attempt(acct.close, symbol, **kw)

    @rule(symbol=SYMS, side=SIDES, value=st.integers(1, 2_000))
    def margin(self, symbol, side, value):
        acct, pos = self._leg("hi", symbol, side)
        if pos is not None:
            self.attempt(acct.add_margin if value % 2 else acct.remove_margin, symbol,
                         D(value) / 10, position_side=side)

    @rule(symbol=SYMS, bps=st.integers(-3_000, 3_000), ppm=st.none() | st.integers(-5_000, 5_000))
    def move(self, symbol, bps, ppm):
        """Move the mark; then, sometimes, a funding payment at ``ppm`` per million."""
        spec = self.ex.contract(symbol)
        new = floor_to(self.ex.marks[symbol] * (10_000 + bps) / 10_000, spec.tick_size)
        self.ex.set_mark(symbol, max(new, spec.tick_size))
        if ppm is not None:
            self.ex.apply_funding(symbol, D(ppm) / 1_000_000)

    @rule(symbol=SYMS, name=st.sampled_from(["hc", "hi"]), side=SIDES, ticks=st.integers(-2, 5))
    def to_liquidation_price(self, symbol, name, side, ticks):
        acct, spec = self.ex.account(name), self.ex.contract(symbol)
        pos = acct.positions.get(f"{symbol}:{side}")
        if pos is None:
            return
        lp = acct.liquidation_price(symbol, side)
        if lp is not None:
            net = sum((p.size for p in acct.legs(symbol)), D(0)) if pos.mode == "cross" else \
                pos.size
            step = spec.tick_size if net < 0 else -spec.tick_size
            self.ex.set_mark(symbol, max(floor_to(lp, spec.tick_size) + ticks * step,
                                         spec.tick_size))

    @invariant()
    def money_is_conserved(self):
        ex = self.ex
        if ex is None:
            return
        total = (sum((a.total_balance for a in ex.accounts.values()), D(0)) + ex.counterparties
                 + ex.fee_pool + ex.insurance_fund + ex.backstop_vault + ex.liquidators)
        assert total == self.deposited

    @invariant()
    def no_bucket_left_liquidatable(self):
        for a in ([] if self.ex is None else self.ex.accounts.values()):
            for key, risk in a.buckets().items():
                assert not risk.is_liquidatable, (a.trader, key)

    @invariant()
    def hedge_legs_never_flip(self):
        for a in ([] if self.ex is None else self.ex.accounts.values()):
            for key, p in a.positions.items():
                assert key == p.key
                if p.position_side != "BOTH":
                    assert (p.size > 0) == (p.position_side == "LONG")


HedgeConservation.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestHedgeConservation = HedgeConservation.TestCase
