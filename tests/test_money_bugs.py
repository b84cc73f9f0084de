"""Regression tests, in dollars, for the money bugs of issue 10 (section 1): no loss may leave a
solvent account, and a bankrupt account's deficit is shared by a published rule.

Every expected number is worked by hand in the test from the contract's published parameters
(taker fee 0.05 %, ETH MMR 0.5 %, BTC MMR 0.4 % in the first bracket), not read off the engine.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import marginlab as ml
from marginlab.engine.liquidation import pro_rata_capped
from marginlab.errors import WouldLiquidateError

ETH, BTC = "ETH-PERP", "BTC-PERP"
FEE = D("0.0005")


def conserved(ex) -> bool:
    return ex.ledger.total() == ex.ledger.deposited


def hedged_alice(rules=ml.SOCIALIZED, fund=0):
    """Alice: 1,000 USDT, ETH long 1 @ 2,000 and BTC short 0.1 @ 50,000, both cross 10x; Bob
    holds the ETH short on the other side. Then ETH 500, BTC 20,000."""
    ex = ml.Exchange(marks={ETH: 2000, BTC: 50_000}, insurance_fund=fund, rules=rules)
    alice = ex.open_account("alice", 1_000)
    alice.buy(ETH, 1, leverage=10)
    alice.sell(BTC, "0.1", leverage=10)
    bob = ex.open_account("bob", 10_000)
    bob.sell(ETH, 1, leverage=10)
    ex.set_marks({ETH: 500, BTC: 20_000})
    return ex, alice, bob


def test_a_solvent_cross_account_pays_its_own_realized_loss():
    ex, alice, bob = hedged_alice()
    wallet = D(1000) - 2000 * FEE - 5000 * FEE  # 996.50 after the two opening fees
    assert alice.wallet_balance == wallet
    assert alice.margin_balance == wallet - 1500 + 3000  # 2,496.50: solvent
    alice.close(ETH)  # realizes -1,500 and pays 500 * 0.05 % to close
    assert alice.wallet_balance == wallet - 1500 - 500 * FEE  # -503.75, backed by BTC's profit
    assert alice.margin_balance == wallet - 1500 - 500 * FEE + 3000
    alice.close(BTC)  # realizes +3,000 and pays 2,000 * 0.05 %
    assert alice.wallet_balance == wallet - 1500 - 500 * FEE + 3000 - 2000 * FEE  # 2,495.25
    assert bob.wallet_balance == D(10_000) - 2000 * FEE  # bob paid nothing (was 503.50)
    assert not ex.events.of_kind("socialized loss", "insurance fund", "unrecovered loss")
    assert conserved(ex)


def test_a_funding_payment_beyond_the_wallet_is_paid_from_equity():
    ex, alice, _ = hedged_alice(rules=ml.BINANCE, fund=10_000)
    wallet, fund = alice.wallet_balance, ex.insurance_fund
    ex.apply_funding(BTC, "-0.6")  # BTC shorts pay 0.1 * 20,000 * 60 % = 1,200 > the wallet
    assert alice.wallet_balance == wallet - 1200  # -203.50, backed by 1,500 of net profit
    assert ex.insurance_fund == fund  # the fund paid nothing (it paid 203.50 before)
    assert alice.positions and not ex.events.of_kind("liquidation", "insurance fund")
    assert conserved(ex)


def adl_scene():
    ex = ml.Exchange(marks={ETH: 2000, BTC: 50_000}, insurance_fund=0)
    x = ex.open_account("x", 800)
    x.sell(ETH, 1, leverage=10)
    x.buy(BTC, "0.1", leverage=10)
    y = ex.open_account("y", 5_000)
    y.buy(ETH, 1, leverage=10)
    ex.set_marks({ETH: 6000, BTC: 11_000})
    return ex, x, y


def test_adl_shares_a_cross_deficit_by_maintenance_margin_and_never_below_zero():
    ex, x, y = adl_scene()
    # x's equity: 800 - 1.00 - 2.50 fees, ETH short -4,000, BTC long -3,900: deficit 7,103.50
    deficit = D(7103.5)
    mm_eth, mm_btc = 1 * 6000 * D("0.005"), D("0.1") * 11_000 * D("0.004")  # 30 and 4.40
    eth_share = deficit * mm_eth / (mm_eth + mm_btc)  # 6,194.91: more than 1 ETH at 6,000
    assert 6000 - eth_share < 0  # dYdX's price would be below zero: floored at one tick
    [adl] = ex.events.of_kind("adl")
    assert adl.trader == "y" and adl.price == D("0.01")  # not -1,103.50 as before
    assert y.wallet_balance == D(5000) - 1 + (D("0.01") - 2000)
    liquidation = [e.message for e in ex.events.of_kind("liquidation")]
    assert all("maintenance margin (dYdX's bankruptcy price)" in m for m in liquidation)
    [unrecovered] = ex.events.of_kind("unrecovered loss")
    assert unrecovered.amount == deficit - (6000 - D("0.01"))  # what the floor left uncovered
    assert all(e.price > 0 for e in ex.events.of_kind("adl", "liquidation", "fill"))
    assert x.wallet_balance == 0 and not x.positions and conserved(ex)


def test_adl_of_a_single_position_bucket_keeps_the_whole_deficit_on_it():
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=0)
    whale = ex.open_account("whale", 600, mode="isolated")
    whale.buy(ETH, 5, leverage=20)  # IM 500, fee 5: bankruptcy price 2,000 - 500/5 = 1,900
    short = ex.open_account("short", 3_000)
    short.sell(ETH, 5, leverage=5)
    ex.set_mark(ETH, 1800)  # deficit 5 * 100 = 500 - ... = 5 * 1,800 - 5 * 1,900 = -500
    [adl] = ex.events.of_kind("adl")
    assert adl.price == D(1900)  # 1,800 + 500 / 5
    assert conserved(ex)


def test_a_voluntary_close_past_the_bankruptcy_price_is_refused():
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=0, rules=ml.SOCIALIZED)
    a = ex.open_account("a", 1_000)
    a.buy(ETH, 1, leverage=10)
    b = ex.open_account("b", 1_000)
    b.sell(ETH, 1, leverage=10)
    ex.set_mark(ETH, 2500)
    before = (dict(ex.ledger.balances), len(ex.events), dict(a.positions))
    with pytest.raises(WouldLiquidateError, match="bankruptcy price 1,001.00"):
        a.close(ETH, price="0.01")  # 999 of wallet + 0 at 2,500: bankrupt below 2,000 - 999
    assert (dict(ex.ledger.balances), len(ex.events), dict(a.positions)) == before
    a.close(ETH, price="1001.00")  # at the bankruptcy price itself the loss is exactly covered
    assert a.wallet_balance == 0 and not ex.events.of_kind("socialized loss", "unrecovered loss")
    assert conserved(ex)


def test_socialized_loss_is_pro_rata_to_profit_capped_at_what_each_holds():
    assert pro_rata_capped(D(200), [D(560), D(140)], [D(300), D(140)]) == [D(160), D(40)]
    # a payer capped below its pro-rata share passes the rest on, pro rata again
    assert pro_rata_capped(D(200), [D(560), D(140)], [D(100), D(140)]) == [D(100), D(100)]
    assert pro_rata_capped(D(500), [D(560), D(140)], [D(100), D(140)]) == [D(100), D(140)]


def test_socialized_loss_through_the_exchange():
    # Whale: isolated 5 ETH long at 20x, bankrupt below 1,900; two cross shorts in profit
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=0, rules=ml.SOCIALIZED)
    whale = ex.open_account("whale", 505, mode="isolated")
    whale.buy(ETH, 5, leverage=20)
    big = ex.open_account("big", 301)  # 300 after the 1.00 fee... holds less than its profit
    big.sell(ETH, 4, leverage=50)  # fee 4: wallet 297
    small = ex.open_account("small", 1_001)
    small.sell(ETH, 1, leverage=10)  # fee 1: wallet 1,000
    ex.set_mark(ETH, 1860)  # whale: 500 - 5 * 140 = -200; big +560, small +140
    shares = {e.trader: -e.amount for e in ex.events.of_kind("socialized loss")}
    assert shares == {"big": D(160), "small": D(40)}  # pro rata 560 : 140 of 200
    assert conserved(ex)


def test_hyperliquid_charges_no_liquidation_fee():
    assert ml.hyperliquid_perp("ETH-PERP", 25).liquidation_fee == 0


def test_an_isolated_open_of_exactly_the_available_balance_is_accepted():
    ex = ml.Exchange(marks={ETH: "2000.01"})
    a = ex.open_account("a", "0.07800039")
    a.buy(ETH, "0.003", leverage=80, mode="isolated")  # IM 0.0750003750 + fee 0.003000015
    assert a.wallet_balance == 0 and a.total_balance + ex.fee_pool == D("0.07800039")


def test_a_contract_named_cross_is_its_own_isolated_bucket():
    spec = ml.linear_perp("cross", [(0, "0.005", 100)])
    ex = ml.Exchange(contracts=[spec, ml.ETH_PERP], marks={"cross": 100, ETH: 2000})
    b = ex.open_account("b", 1000)
    b.buy("cross", 1, leverage=10, mode="isolated")
    b.buy(ETH, 1, leverage=10)
    assert set(b.buckets()) == {"cross", "isolated:cross"}
    ex.set_mark("cross", 85)  # only the isolated "cross" position is lost
    assert set(b.positions) == {ETH}
    assert b.isolated_margin("cross") == 0 and conserved(ex)


@pytest.mark.xfail(strict=True, reason="open bug (pre-existing, found by the conservation "
                   "machine): the ADL fill at a short's bankruptcy price floored at one tick "
                   "can cost a profitable isolated counterparty more than its margin")
def test_adl_at_a_floored_bankruptcy_price_never_costs_a_counterparty_more_than_its_margin():
    """t0 (cross, 202.11 USDT): short 0.002 ETH at 2,000 and long 0.005 BTC at 50,000. BTC goes
    to 0.10: t0's deficit is 0.005 * (50,000 - 0.10) - (202.11 - 0.125 fee) ~ 48.02, shared by
    maintenance margin, and almost all of it lands on the ETH short, whose bankruptcy price
    2,000.20 - D_ETH / 0.002 is below zero, floored at 0.01. t1's isolated ETH long (0.002 at
    2,000, margin 2.00 at 2x, in profit) is deleveraged there: it loses 0.002 * (2,000 - 0.01)
    = 4.00 > its 2.00 margin, and its isolated place is left at -2.00 with nothing open."""
    ex = ml.Exchange(contracts=[ml.ETH_PERP, ml.BTC_PERP], insurance_fund=D("0.5"),
                     marks={ETH: 2000, BTC: 50_000}, rules=ml.ALL_AT_ONCE)
    t0 = ex.open_account("t0", deposit=D("202.11"), leverage=1)
    t1 = ex.open_account("t1", deposit=50, mode="isolated", leverage=2)
    t0.sell(ETH, "0.002", leverage=1)
    t1.buy(ETH, "0.002")
    ex.set_mark(ETH, "2000.2")
    t0.buy(BTC, "0.005", leverage=2)
    margin = t1.isolated_margin(ETH)
    assert margin == 2
    ex.set_mark(BTC, "0.1")
    assert ETH not in t1.positions
    assert t1.isolated_margin(ETH) >= 0             # fails today: -1.99998
    assert t1.total_balance >= 50 - margin - D("0.002")  # the 0.002 fee to open
