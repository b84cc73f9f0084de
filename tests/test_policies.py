"""Liquidation policies (issue 11): worked examples to the cent, properties, bad settings.

Every expected value is computed here from the venue's published rule (Binance "Liquidation
Protocols", Bybit "Liquidation Process", BitMEX /app/liquidation, Hyperliquid docs
trading/liquidations, Drift protocol-v2 math/liquidation), never read off the engine.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import marginlab as ml
from marginlab.engine import rulebook
from marginlab.engine.errors import ConfigurationError, MarginLabError
from marginlab.engine.unwinding import step

D = Decimal
BTC, ETH = "BTC-PERP", "ETH-PERP"
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def first_lot_above(x: Decimal, lot: Decimal) -> Decimal:
    """The smallest whole number of lots strictly above x."""
    return ((x / lot).to_integral_value(rounding=ROUND_FLOOR) + 1) * lot


def liquidations(ex, kind="liquidation"):
    return ex.events.of_kind(kind)


# --- Binance: to compliance -------------------------------------------------------------------
def test_binance_closes_just_enough_of_a_high_tier_position_to_be_compliant():
    """BTC-PERP bracket 4 (notional 1M-10M): MMR 2.5 %, maintenance amount
    cum = 50,000 * 0.1 % + 250,000 * 0.5 % + 1,000,000 * 1.5 % = 16,300, above the 1.25 %
    liquidation fee, so a partial close frees more margin than its fee costs."""
    ex = ml.Exchange(rules=ml.BINANCE, marks={BTC: 50_000}, insurance_fund=1_000)
    alice = ex.open_account("alice", deposit=200_000)
    alice.buy(BTC, 30, leverage=20)                       # taker fee 1.5M * 0.05 % = 750
    wallet = D(200_000) - D(750)
    p, m, cum, f = D(43_862), D("0.025"), D(16_300), D("0.0125")
    equity = wallet + 30 * (p - 50_000)                   # 15,110
    mm = 30 * p * m - cum                                 # 16,596.50
    assert (equity, mm) == (D(15_110), D("16596.5"))
    # compliant after closing q at the mark: E - q P f > (30 - q) P m - cum
    q = first_lot_above((30 * p * m - cum - equity) / (p * (m - f)), D("0.001"))
    assert q == D("2.712")                                # 1,486.5 / 548.275 = 2.7112...

    ex.set_mark(BTC, p)

    fee = q * p * f                                       # 1,486.9218
    assert alice.positions[BTC].size == 30 - q            # 27.288 BTC left, entry unchanged
    assert alice.positions[BTC].entry_price == 50_000
    assert ex.insurance_fund == 1_000 + fee == D("2486.9218")
    assert alice.wallet_balance == wallet + q * (p - 50_000) - fee == D("181116.8222")
    assert alice.margin_balance == equity - fee == D("13623.0782")
    assert alice.cross_risk().maintenance == (30 - q) * p * m - cum == D("13622.6564")
    (event,) = liquidations(ex)
    assert "closed 2.712 of 30 BTC at 43,862.00" in event.message
    assert "margin ratio from 109.8 % back to 99.9 %" in event.message
    assert "Liquidation Protocols" in event.message and "360033525271" in event.message
    # all at once the 16,448.25 fee (30 * 43,862 * 1.25 %) would have taken all 15,110
    ex2 = ml.Exchange(rules=ml.ALL_AT_ONCE, marks={BTC: 50_000}, insurance_fund=1_000)
    ex2.open_account("alice", deposit=200_000).buy(BTC, 30, leverage=20)
    ex2.set_mark(BTC, p)
    assert ex2.account("alice").total_balance == 0 and ex2.insurance_fund == 1_000 + equity


def test_binance_closes_the_whole_position_when_the_fee_is_above_the_rate():
    """Tier 1 of BTC-PERP: MMR 0.4 % < fee 1.25 %: closing frees less margin than it costs, so
    no partial close helps and the position closes whole (min(left, Q P f) to the fund)."""
    ex = ml.Exchange(rules=ml.BINANCE, marks={BTC: 50_000}, insurance_fund=0)
    alice = ex.open_account("alice", deposit=1_000)
    alice.buy(BTC, "0.1", leverage=10)                    # wallet 1,000 - 2.50 fee = 997.50
    ex.set_mark(BTC, 40_190)                              # E = 997.50 - 981 = 16.50 > 16.076
    assert alice.positions
    ex.set_mark(BTC, 40_180)                              # E = 15.50 <= MM 16.072
    assert alice.positions == {}
    assert ex.insurance_fund == D("15.5")                 # min(15.50, 0.1 * 40,180 * 1.25 %)
    assert alice.total_balance == 0
    assert "no partial close brings it back below 100 %" in liquidations(ex)[0].message


# --- Bybit and BitMEX: one step down the risk-limit tiers ---------------------------------------
STEPPED = ml.linear_perp("BTC-PERP", [(0, "0.005", 100), (2_000_000, "0.01", 50)],
                         tick_size="0.5", lot_size="0.001", taker_fee="0.00055",
                         maker_fee="0.0002", liquidation_fee="0.00055")


@pytest.mark.parametrize("rules", [ml.BYBIT, ml.BITMEX], ids=["bybit", "bitmex"])
def test_bybit_and_bitmex_step_down_into_the_lower_risk_limit(rules):
    """50 BTC at 50,000 = 2.5M, risk limit 2 (MMR 1 %, deduction 2M * 0.5 % = 10,000). MM on the
    entry value with the fee to close: 25,000 - 10,000 + 2.5M * 0.055 % = 16,375. The step-down
    closes just enough to bring the value under the 2M limit: (50 - q) * 50,000 < 2M."""
    ex = ml.Exchange(contracts=[STEPPED], rules=rules, marks={BTC: 50_000}, insurance_fund=0)
    alice = ex.open_account("alice", deposit=60_000)
    alice.buy(BTC, 50, leverage=50)                       # fee to open 1,375
    wallet, p, fee_rate = D(58_625), D(49_150), D("0.00055")
    equity = wallet + 50 * (p - 50_000)                   # 16,125 <= MM 16,375
    q = first_lot_above(50 - D(2_000_000) / 50_000, D("0.001"))
    assert q == D("10.001")
    left_value = (50 - q) * 50_000                        # 1,999,950: tier 1, MMR 0.5 %
    mm_left = left_value * D("0.005") + left_value * fee_rate  # 9,999.75 + 1,099.9725
    fee = q * p * fee_rate                                # 270.3520325
    assert equity - fee > mm_left                         # 15,854.65 > 11,099.72: compliant

    ex.set_mark(BTC, p)

    assert alice.positions[BTC].size == D("39.999")
    assert ex.insurance_fund == fee == D("270.3520325")
    assert alice.wallet_balance == wallet + q * (p - 50_000) - fee == D("49853.7979675")
    assert alice.cross_risk().maintenance == mm_left == D("11099.7225")
    (event,) = liquidations(ex)
    assert "closed 10.001 of 50 BTC" in event.message
    assert "from 101.5 % back to 70.0 %" in event.message
    assert "000001098" in event.message and "/app/liquidation" in event.message


@pytest.mark.parametrize("rules", [ml.BYBIT, ml.BITMEX], ids=["bybit", "bitmex"])
def test_on_the_lowest_risk_limit_the_whole_position_is_taken_over(rules):
    """1 BTC (50,000, tier 1): no lower tier, so the position is taken over at its bankruptcy
    price and the insurance fund keeps the whole surplus."""
    ex = ml.Exchange(contracts=[STEPPED], rules=rules, marks={BTC: 50_000}, insurance_fund=0)
    alice = ex.open_account("alice", deposit=1_100)
    alice.buy(BTC, 1, leverage=50)                        # wallet 1,100 - 27.50 = 1,072.50
    # MM = 250 + 27.50 = 277.50; E = 1,072.50 + (P - 50,000) <= 277.50 at P <= 49,205
    ex.set_mark(BTC, "49205.5")
    assert alice.positions
    ex.set_mark(BTC, 49_205)
    assert alice.positions == {}
    assert ex.insurance_fund == D("277.5")                # E = 1,072.50 - 795, all of it
    assert alice.total_balance == 0


# --- Hyperliquid: 20 % chunks, the cooldown, the backstop vault --------------------------------
HL_BTC = ml.hyperliquid_perp("BTC-PERP", 40, taker_fee=0, maker_fee=0, tick_size="1")
# MMR = 1 / (2 * 40) = 1.25 %; no clearance fee


def hyperliquid_alice(mode="cross"):
    ex = ml.Exchange(contracts=[HL_BTC], rules=ml.HYPERLIQUID, marks={BTC: 50_000})
    alice = ex.open_account("alice", deposit=5_000, mode=mode)
    alice.buy(BTC, 3, leverage=40)                        # 150,000 > 100,000 USDC
    return ex, alice


def test_hyperliquid_sends_a_20_percent_chunk_then_the_whole_position_within_the_cooldown():
    ex, alice = hyperliquid_alice()
    p = D(48_945)
    equity, mm = 5_000 + 3 * (p - 50_000), 3 * p / 80     # 1,835 <= 1,835.4375, >= 2/3 MM
    assert equity <= mm and equity >= mm * 2 / 3
    chunk = D(3) * D("0.2")                               # 0.6 BTC, a whole number of lots

    ex.set_mark(BTC, p)

    assert alice.positions[BTC].size == 3 - chunk
    assert alice.wallet_balance == 5_000 + chunk * (p - 50_000) == D(4_367)  # no fee
    assert alice.cross_risk().maintenance == (3 - chunk) * p / 80 == D("1468.35")
    (event,) = liquidations(ex)
    assert "closed 0.6 of 3 BTC" in event.message and "20 % chunk" in event.message
    assert "from 100.0 % back to 80.0 %" in event.message
    # funding in the same price step (within the cooldown): 2.4 BTC, still worth 117,468 >
    # 100,000, now goes whole. Payment 117,468 * 0.5 % = 587.34: E = 1,247.66 <= MM 1,468.35
    ex.apply_funding(BTC, "0.005")
    assert alice.positions == {}
    assert alice.wallet_balance == equity - (3 - chunk) * p * D("0.005") == D("1247.66")
    assert "cooldown" in liquidations(ex)[-1].message
    assert ex.backstop_vault == 0 and ex.insurance_fund == 0


def test_after_the_cooldown_a_large_position_is_chunked_again():
    ex, alice = hyperliquid_alice()
    ex.set_mark(BTC, 48_945)                              # the first chunk: 2.4 BTC left
    # next price step: E = 4,367 + 2.4 (P - 50,000) <= 2.4 P / 80 at P <= 115,633 / 2.37
    # = 48,790.30; at 48,790: E = 1,463 <= MM 1,463.70, above 2/3 MM; 117,096 > 100,000
    ex.set_mark(BTC, 48_790)
    assert alice.positions[BTC].size == D("2.4") - D("0.48")  # 20 % of 2.4 again
    assert [e.quantity for e in liquidations(ex)] == [D("-0.6"), D("-0.48")]
    # two steps, numbered apart: a reader (the replay's step count) needs no message parsing
    first, second = liquidations(ex)
    assert first.step is not None and second.step is not None and first.step != second.step


def test_a_cross_bucket_closed_whole_is_one_step_however_many_positions():
    ex = ml.Exchange(rules=ml.ALL_AT_ONCE, marks={BTC: 50_000, "ETH-PERP": 2_000})
    bob = ex.open_account("bob", deposit=1_000)
    bob.buy(BTC, "0.1", leverage=10)
    bob.buy("ETH-PERP", 1, leverage=10)
    ex.set_marks({BTC: 45_000, "ETH-PERP": 1_400})     # E = 1,000 - 3.5 - 500 - 600 < 0
    closes = liquidations(ex)
    assert len(closes) == 2 and len({e.step for e in closes}) == 1
    assert all(e.step is None for e in ex.events.of_kind("fill", "mark"))


@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_below_two_thirds_of_maintenance_margin_the_backstop_vault_takes_over(mode):
    ex, alice = hyperliquid_alice(mode)
    collateral = D(5_000) if mode == "cross" else D(3_750)  # isolated: IM = 150,000 / 40
    p = D(48_600) if mode == "cross" else D(49_000)
    equity, mm = collateral + 3 * (p - 50_000), 3 * p / 80   # 800 / 750; MM 1,822.5 / 1,837.5
    assert 0 < equity < mm * 2 / 3

    ex.set_mark(BTC, p)

    assert alice.positions == {}
    assert ex.backstop_vault == equity                    # the vault keeps what is left
    assert ml.BACKSTOP_VAULT in ex.ledger.balances
    assert alice.total_balance == (0 if mode == "cross" else D(1_250))  # wallet untouched
    assert ex.insurance_fund == 0 and ex.ledger.total() == ex.ledger.deposited
    events = liquidations(ex, "backstop")
    assert len(events) == 2 and "backstop vault" in events[1].message
    assert "below 0.667 of the maintenance margin" in events[0].message


def test_a_step_s_fee_never_makes_a_solvent_account_bankrupt():
    """Ann, cross, 335 USDT: long 1 ETH at 2,000 and 0.04 BTC at 50,000, both 20x (fees 2,
    wallet 333). ETH 1,800 and BTC 47,000: equity 333 - 200 - 120 = 13 <= MM 9 + 7.52. Closing ETH
    (the largest loser) frees 9 of MM but costs 1,800 * 1.25 % = 22.50 of fee, more than the 13
    the account is still worth with BTC's -120 open. The fee takes those 13 and no more (before:
    it was capped at the wallet, 133, took 22.50, and the fund paid the 9.50 it made up)."""
    ex = ml.Exchange(rules=ml.BINANCE, marks={ETH: 2_000, BTC: 50_000}, insurance_fund=1_000)
    ann = ex.open_account("ann", deposit=335)
    ann.buy(ETH, 1, leverage=20)
    ann.buy(BTC, "0.04", leverage=20)
    ex.set_marks({ETH: 1_800, BTC: 47_000})
    (fee,) = ex.events.of_kind("liquidation fee")
    assert fee.amount == -13
    assert ex.events.of_kind("insurance fund") == []      # the fund paid nothing
    assert ex.insurance_fund == 1_013 and ann.equity == 0 and ann.positions == {}
    first, second = liquidations(ex)
    assert "closed all 1 ETH" in first.message and "; the margin ratio went" in first.message
    assert "equity was gone" in second.message
    # the simulator caps the fee the same way
    from marginlab.simulation.replay import Leg, replay
    run = replay({ETH: np.array([[2_000.0, 1_800.0]]), BTC: np.array([[50_000.0, 47_000.0]])},
                 [Leg(ETH, 1, 20), Leg(BTC, 0.04, 20)], 335, rules=ml.BINANCE,
                 insurance_fund=1_000, modes=("cross",)).accounts.iloc[0]
    assert run["insurance fund"] == pytest.approx(1_013) and run["unrecovered"] == 0


# --- Drift: only the shortage ---------------------------------------------------------------------
def drift_contract(liquidator_fee="0.01"):
    """Drift's own test market: margin ratio 10 % = maintenance 8 % + the 2 % buffer, liquidator
    fee 1 %, insurance-fund fee 1 %."""
    return ml.linear_perp("SOL-PERP", [(0, "0.08", 10)], tick_size="0.01", lot_size="0.001",
                          taker_fee=0, maker_fee=0, liquidation_fee="0.01",
                          liquidator_fee=liquidator_fee)


def test_drift_closes_the_base_that_covers_the_shortage():
    """Drift's test "one_percent_liquidation_fee_and_one_percent_if_liquidation_fee": a $10
    shortage at $100, margin ratio 10 %, fees 1 % + 1 %: base = 10 / (100 * (0.10 - 0.01) -
    100 * 0.01) = 1.25. Here: 5 SOL long from 110, wallet 90, mark 100: E = 40 = MM
    (5 * 100 * 8 %), so liquidatable, and the shortage against MM + buffer is
    5 * 100 * 10 % - 40 = 10."""
    ex = ml.Exchange(contracts=[drift_contract()], rules=ml.DRIFT, marks={"SOL-PERP": 110},
                     insurance_fund=0)
    bob = ex.open_account("bob", deposit=90)
    bob.buy("SOL-PERP", 5, leverage=10)
    p, ratio, f_liq, f_if = D(100), D("0.10"), D("0.01"), D("0.01")
    shortage = 5 * p * ratio - (90 + 5 * (p - 110))
    drift_base = shortage / (p * (ratio - f_liq) - p * f_if)
    assert (shortage, drift_base) == (10, D("1.25"))
    q = first_lot_above(drift_base, D("0.001"))           # marginlab needs E strictly above

    ex.set_mark("SOL-PERP", p)

    assert q == D("1.251")
    assert bob.positions["SOL-PERP"].size == 5 - q        # 3.749
    assert ex.insurance_fund == q * p * f_if == D("1.251")
    assert ex.liquidators == q * p * f_liq == D("1.251")
    assert bob.wallet_balance == 90 + q * (p - 110) - 2 * D("1.251") == D("74.988")
    equity = bob.margin_balance
    assert equity == D("37.498") > (5 - q) * p * ratio == D("37.49")  # covered, with buffer
    (event,) = liquidations(ex)
    assert "closed 1.251 of 5 SOL" in event.message and "Drift" in event.message
    assert "from 100.0 % back to 79.9 %" in event.message  # 29.992 / 37.498 = 79.98 %


@pytest.mark.parametrize("liquidator_fee, if_fee, drift_base", [
    ("0", "0", D(1)),                     # zero_percent_liquidation_fee: "must lose 1 base"
    ("0.01", "0", D(10) / 9),             # one_percent_liquidation_fee: "must lose 10/9 base"
    ("0.01", "0.01", D("1.25")),          # ... and_one_percent_if_liquidation_fee
])
def test_drift_s_own_shortage_examples(liquidator_fee, if_fee, drift_base):
    """Drift protocol-v2 ``math/liquidation/tests.rs``, ``calculate_base_asset_amount_to_cover
    _margin_shortage``: a $10 shortage, margin ratio 10 % (10x), oracle $100. The rulebook's
    single-tier case, q = shortage / (P (m + buffer) - P f), with f the liquidator fee plus the
    insurance-fund fee; marginlab closes the first lot (0.001) strictly above Drift's base,
    since it asks for equity strictly above the requirement."""
    tiers = drift_contract().tiers                          # 8 % + the 2 % buffer = 10 %
    quantity, p = D(5), D(100)
    equity = quantity * p * D("0.10") - 10                 # a $10 shortage against MM + buffer
    q = rulebook.cure_quantity(quantity, p, p, tiers, equity, D(0),
                               D(liquidator_fee) + D(if_fee), D("0.001"),
                               buffer_rate=D("0.02"))
    assert q == first_lot_above(drift_base, D("0.001"))
    freed = q * p * D("0.10") - q * p * (D(liquidator_fee) + D(if_fee))
    assert freed > 10 and freed - p * D("0.10") * D("0.001") <= 10  # one lot less is short


def test_drift_s_own_open_interest_example():
    """Drift ``calculate_funding_rate_deltas_to_resolve_bankruptcy``, "total_base_asset_amount
    _not_zero": a $100 loss over 7 base long and 4 short is 9.0909... per unit (Drift stores
    9090910000 at 1e9, rounded up)."""
    per_unit = rulebook.loss_per_unit(D(-100), D(7), D(-4))
    assert per_unit == D(100) / 11
    assert (per_unit * 10**9).to_integral_value(rounding="ROUND_CEILING") == 9_090_909_091
    assert per_unit.quantize(D("0.00001")) == D("9.09091")


# --- properties ---------------------------------------------------------------------------------
def contracts_with(fee: str, liquidator_fee: str):
    """ETH and BTC as listed (tiered), with fees of at most three decimals so that every fee on
    a lot at a tick is a whole number of settlement units (no rounding blurs an inequality)."""
    return [replace(c, liquidation_fee=D(fee), liquidator_fee=D(liquidator_fee), taker_fee=D(0),
                    maker_fee=D(0)) for c in (ml.ETH_PERP, ml.BTC_PERP)]


CURING = [ml.BINANCE, ml.DRIFT, ml.DRIFT.but(name="no buffer", shortage_buffer=0),
          ml.BINANCE.but(name="mark, fee in MM", fee_in_mm=True)]
fees = st.sampled_from(["0", "0.001", "0.005", "0.01", "0.02"])
scenario = dict(
    fee=fees, liquidator_fee=st.sampled_from(["0", "0.002", "0.01"]), long=st.booleans(),
    lots=st.integers(1, 400_000), lev=st.integers(2, 50),
    btc=st.none() | st.tuples(st.booleans(), st.integers(1, 40_000), st.integers(-500, 500)),
    past_bps=st.integers(0, 30) | st.integers(0, 2_000))


def crashed_account(rules, fee, liquidator_fee, long, lots, lev, btc, past_bps):
    """A cross account (ETH, maybe BTC entered off the mark so it carries uPnL) and the ETH mark
    ``past_bps`` beyond the liquidation price (one tick at least)."""
    ex = ml.Exchange(contracts=contracts_with(fee, liquidator_fee), rules=rules,
                     insurance_fund=1_000_000, marks={ETH: 2_000, BTC: 50_000})
    q = lots * D("0.001")
    acct = ex.open_account("x", deposit=q * 2_000 / lev + 50_000)
    try:
        if btc is not None:
            buy, blots, bps = btc
            at = D(50_000) * (10_000 + bps) / 10_000
            (acct.buy if buy else acct.sell)(BTC, blots * D("0.001"), price=at, leverage=20)
        (acct.buy if long else acct.sell)(ETH, q, leverage=min(lev, ml.ETH_PERP.max_leverage(
            q * 2_000)))
        acct.withdraw((acct.available_balance * D("0.95")).quantize(D("0.01"), ROUND_FLOOR))
    except MarginLabError:
        assume(False)
    lp = acct.liquidation_price(ETH)
    assume(lp is not None and lp > 1)
    s = 1 if long else -1
    past = (lp * (10_000 - s * past_bps) / 10_000).quantize(D("0.01"), ROUND_FLOOR) - s * D("0.01")
    assume(past > 0)
    return ex, acct, past


@SETTINGS
@given(rules=st.sampled_from(CURING), **scenario)
def test_a_curing_step_leaves_the_bucket_compliant_or_the_position_closed(
        rules, fee, liquidator_fee, long, lots, lev, btc, past_bps):
    """to_compliance and shortage_only: after one step (the mark moved without the engine's
    rounds), the bucket is compliant (Drift: even counting the buffer) or the target is gone."""
    ex, acct, past = crashed_account(rules, fee, liquidator_fee, long, lots, lev, btc, past_bps)
    ex.marks[ETH] = past                                  # move the mark, run no round
    risk = acct.cross_risk()
    assume(risk.is_liquidatable and risk.equity > 0)
    target = min(acct.cross_positions, key=lambda p: (p.unrealized_pnl(ex.marks[p.symbol]),
                                                       p.symbol))
    step(ex, acct, "cross")
    left = acct.positions.get(target.symbol)
    if left is None:
        event("the target closed whole")
        return
    event("a partial close")
    assert left.quantity < target.quantity and left.entry_price == target.entry_price
    after = acct.cross_risk()
    buffer = sum((p.quantity * ex.marks[p.symbol] * rules.shortage_buffer
                  for p in acct.cross_positions), D(0))
    assert after.equity > after.maintenance + buffer


@SETTINGS
@given(rules=st.sampled_from(CURING), **scenario)
def test_curing_never_leaves_the_trader_less_than_all_at_once(
        rules, fee, liquidator_fee, long, lots, lev, btc, past_bps):
    """At one fixed price and the same fee rates (all at once charging the liquidator's fee in
    its liquidation fee), a partial policy never leaves the trader with less equity."""
    ex, acct, past = crashed_account(rules, fee, liquidator_fee, long, lots, lev, btc, past_bps)
    same_fees = str(D(fee) + (D(liquidator_fee) if rules.liquidation_policy == "shortage_only"
                              else 0))
    ex2, acct2, _ = crashed_account(rules.but(liquidation_policy="all_at_once"), same_fees, "0",
                                    long, lots, lev, btc, past_bps)
    ex.set_mark(ETH, past)
    ex2.set_mark(ETH, past)
    assert acct.equity >= acct2.equity
    assert acct.equity >= 0


@SETTINGS
@given(rules=st.sampled_from([*ml.PRESETS.values(), ml.ALL_AT_ONCE]), fee=fees,
       liquidator_fee=st.sampled_from(["0", "0.01"]), long=st.booleans(),
       lots=st.integers(1, 400_000), lev=st.integers(2, 50), extra=st.integers(0, 5_000),
       past_bps=st.integers(0, 3_000))
def test_an_isolated_loss_never_exceeds_its_margin_and_money_is_conserved(
        rules, fee, liquidator_fee, long, lots, lev, extra, past_bps):
    ex = ml.Exchange(contracts=contracts_with(fee, liquidator_fee), rules=rules,
                     insurance_fund=0, marks={ETH: 2_000, BTC: 50_000})
    q = lots * D("0.001")
    acct = ex.open_account("x", deposit=q * 2_000 + extra + 100, mode="isolated")
    try:
        (acct.buy if long else acct.sell)(ETH, q, leverage=min(lev, ml.ETH_PERP.max_leverage(
            q * 2_000)))
    except MarginLabError:
        assume(False)
    margin, total = acct.isolated_margin(ETH), acct.total_balance
    lp = acct.liquidation_price(ETH)
    assume(lp is not None)
    s = 1 if long else -1
    past = max((lp * (10_000 - s * past_bps) / 10_000).quantize(D("0.01"), ROUND_FLOOR),
               D("0.01"))
    ex.set_mark(ETH, past)
    assert total - acct.total_balance <= margin
    assert ex.ledger.total() == ex.ledger.deposited
    places = (ml.INSURANCE_FUND, ml.FEE_POOL, ml.BACKSTOP_VAULT, ml.LIQUIDATORS)
    assert sum((ex.ledger.balance(p) for p in places), D(0)) + ex.counterparties \
        + acct.total_balance == ex.ledger.deposited


# --- bad settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"liquidation_policy": "half"}, "liquidation_policy must be 'all_at_once' or "
                                     "'to_compliance' or 'tier_step_down' or 'chunks' or "
                                     "'shortage_only', got 'half'"),
    ({"liquidation_policy": None}, "liquidation_policy must be"),
    ({"chunk_share": 0}, "chunk_share must be above 0 and at most 1, got 0"),
    ({"chunk_share": "1.5"}, "chunk_share must be above 0 and at most 1, got '1.5'"),
    ({"chunk_threshold": -1}, "chunk_threshold must be at least 0 and no upper bound, got -1"),
    ({"backstop_ratio": 2}, "backstop_ratio must be at least 0 and at most 1, got 2"),
    ({"shortage_buffer": "-0.02"}, "shortage_buffer must be at least 0 and at most 1"),
    ({"shortage_buffer": "two"}, "shortage_buffer"),
    ({"cooldown_steps": -1}, "cooldown_steps must be a whole number of price steps"),
    ({"cooldown_steps": 1.5}, "cooldown_steps must be a whole number of price steps"),
    ({"cooldown_steps": True}, "cooldown_steps must be a whole number of price steps"),
])
def test_every_policy_setting_is_refused_with_a_clear_message(change, message):
    ex = ml.Exchange(rules=ml.HYPERLIQUID, marks={ETH: 2_000})
    ex.open_account("alice", deposit=1_000).buy(ETH, 1, leverage=5)
    before = (dict(ex.ledger.balances), len(ex.events), ex.rules, ex.step)
    with pytest.raises(ConfigurationError) as err:
        ex.rules.but(**change)
    assert message in str(err.value)
    with pytest.raises(ConfigurationError):
        ml.Exchange(rules=ml.VenueRules(**{"name": "x", **change}))
    assert (dict(ex.ledger.balances), len(ex.events), ex.rules, ex.step) == before
    assert ml.HYPERLIQUID.chunk_share == D("0.2") and ml.HYPERLIQUID.cooldown_steps == 1


@pytest.mark.parametrize("value, message", [
    (-0.01, "liquidator_fee must be a rate in [0, 1) (e.g. 0.01 for 1 %), got -0.01"),
    (1, "liquidator_fee must be a rate in [0, 1) (e.g. 0.01 for 1 %), got 1"),
    ("1.5", "liquidator_fee must be a rate in [0, 1) (e.g. 0.01 for 1 %), got '1.5'"),
    ("abc", "liquidator_fee"), (float("nan"), "liquidator_fee must be a finite number"),
    (None, "liquidator_fee must be a number, got None"), (True, "liquidator_fee must be a number"),
])
def test_a_bad_liquidator_fee_is_refused(value, message):
    with pytest.raises(ConfigurationError) as err:
        replace(ml.SOL_PERP, liquidator_fee=value)
    assert message in str(err.value)
    assert ml.SOL_PERP.liquidator_fee == 0


def test_a_refused_price_step_is_not_counted():
    ex = ml.Exchange(rules=ml.HYPERLIQUID, marks={ETH: 2_000})
    ex.set_mark(ETH, 1_990)
    with pytest.raises(MarginLabError):
        ex.set_marks({ETH: 1_980, "XRP-PERP": 1})
    assert ex.step == 1 and ex.marks[ETH] == 1_990


def test_the_presets_name_their_policy():
    assert ml.DRIFT.liquidation_policy == "shortage_only"
    assert ml.DRIFT.shortage_buffer == D("0.02")          # protocol-v2, as of 2025
    assert ml.ALL_AT_ONCE.liquidation_policy == "all_at_once"
    assert ml.ALL_AT_ONCE.but(name="Binance", liquidation_policy="to_compliance") == ml.BINANCE
    assert ml.Exchange(rules="drift").rules is ml.DRIFT
    assert ml.Exchange(rules="All at once (teaching model)").rules is ml.ALL_AT_ONCE
