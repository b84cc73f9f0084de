"""Behaviour of the engine, worked in dollars: each expected number is derived from the rule in
the test, not read off the code."""

from decimal import Decimal

import pandas as pd
import pytest

import marginlab as ml
from marginlab.engine.errors import MarginLabError
from marginlab.engine.events import EventLog

D = Decimal

# A fee-free ETH contract with one flat tier keeps the arithmetic readable.
FLAT_ETH = ml.linear_perp("ETH-PERP", [(0, "0.005", 100)], taker_fee=0, maker_fee=0,
                          liquidation_fee="0.01")
FEE_ETH = ml.linear_perp("ETH-PERP", [(0, "0.005", 100)], taker_fee="0.0005",
                         maker_fee="0.0002", liquidation_fee="0.01")
FLAT_BTC = ml.linear_perp("BTC-PERP", [(0, "0.004", 125)], taker_fee=0, maker_fee=0,
                          liquidation_fee="0.01", tick_size="0.1")


def exchange(*contracts, rules=ml.BINANCE, fund=0, **marks):
    contracts = contracts or (FLAT_ETH, FLAT_BTC)
    marks = marks or {"ETH-PERP": 2000, "BTC-PERP": 50_000}
    return ml.Exchange(contracts=list(contracts), rules=rules, insurance_fund=fund,
                       marks={k.replace("_", "-"): v for k, v in marks.items()})


def conserved(ex):
    return ex.ledger.total() == ex.ledger.deposited


# --- positions --------------------------------------------------------------------------------
def test_adding_averages_the_entry_price_by_quantity():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 1, price=2000)
    a.buy("ETH-PERP", 3, price=2400)
    pos = a.position("ETH-PERP")
    assert pos.entry_price == (1 * D(2000) + 3 * D(2400)) / 4 == 2300
    assert pos.size == 4


def test_partial_close_realizes_pnl_and_keeps_entry():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 2, price=2000)
    realized = a.close("ETH-PERP", 0.5, price=2100)
    assert realized == D("0.5") * 100
    assert a.position("ETH-PERP").entry_price == 2000
    assert a.position("ETH-PERP").size == D("1.5")
    assert a.wallet_balance == 10_000 + 50
    assert conserved(ex)


def test_short_profits_when_price_falls():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.sell("ETH-PERP", 1, price=2000)
    ex.set_mark("ETH-PERP", 1900)
    assert a.position("ETH-PERP").unrealized_pnl(D(1900)) == 100
    assert a.unrealized_pnl == 100
    assert a.close("ETH-PERP") == 100


def test_flip_through_zero_realizes_all_and_opens_the_rest_at_the_fill():
    ex = exchange()
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 1, price=2000, leverage=5)
    realized = a.sell("ETH-PERP", 3, price=1900)
    assert realized == -100  # the whole long closed at a 100 loss
    pos = a.position("ETH-PERP")
    assert (pos.side, pos.quantity, pos.entry_price, pos.leverage) == ("short", 2, 1900, 5)
    assert conserved(ex)


def test_isolated_flip_releases_old_margin_and_posts_new():
    ex = exchange()
    a = ex.open_account("a", 10_000, mode="isolated")
    a.buy("ETH-PERP", 1, price=2000, leverage=10)  # 200 isolated
    a.sell("ETH-PERP", 2, price=2100)              # +100 realized, short 1 at 2100, 210 isolated
    assert a.isolated_margin("ETH-PERP") == D(2100) / 10
    assert a.wallet_balance == 10_000 + 100 - 210
    assert a.total_balance == 10_100


def test_roi_is_upnl_over_initial_margin_at_the_mark():
    pos = ml.Position("ETH-PERP", D(2), D(2000), D(10))
    # uPnL 200, IM at mark = 2 * 2100 / 10 = 420
    assert pos.roi(D(2100)) == D(200) / D(420)


# --- fees and funding ---------------------------------------------------------------------------
def test_taker_and_maker_fees_go_to_the_fee_pool():
    ex = exchange(FEE_ETH, FLAT_BTC)
    a = ex.open_account("a", 10_000)
    a.buy("ETH-PERP", 2, price=2000)               # taker: 4,000 * 0.05 % = 2
    a.close("ETH-PERP", price=2000, maker=True)    # maker: 4,000 * 0.02 % = 0.8
    assert ex.fee_pool == D("2.8")
    assert a.wallet_balance == 10_000 - D("2.8")
    assert conserved(ex)


def test_funding_longs_pay_shorts_when_rate_is_positive():
    ex = exchange()
    long_, short = ex.open_account("long", 10_000), ex.open_account("short", 10_000)
    long_.buy("ETH-PERP", 2)
    short.sell("ETH-PERP", 1, mode="isolated")
    ex.apply_funding("ETH-PERP", "0.0001")  # payment = size * mark * rate
    assert long_.wallet_balance == 10_000 - D(2) * 2000 * D("0.0001")
    assert short.isolated_margin("ETH-PERP") == D(200) + 1 * 2000 * D("0.0001")
    assert [e.kind for e in ex.events][-2:] == ["funding", "funding"]
    assert "pays 0.40 USDT funding" in ex.events[-2].message
    assert conserved(ex)


def test_funding_that_exceeds_isolated_margin_is_covered_by_the_fund():
    ex = exchange(fund=1_000)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 1, leverage=100)              # 20 USDT isolated margin
    ex.apply_funding("ETH-PERP", "0.02")            # owes 40
    assert a.wallet_balance == 980                  # the wallet is ring-fenced
    assert "ETH-PERP" not in a.positions            # liquidated, bankrupt
    assert ex.insurance_fund == 1_000 - 20
    assert conserved(ex)


# --- margin balance, available balance, max size -------------------------------------------------
def test_balances_of_a_mixed_account():
    ex = exchange()
    a = ex.open_account("a", 2_000)
    a.buy("ETH-PERP", 1, leverage=10)                    # cross, IM 200
    a.buy("BTC-PERP", "0.01", leverage=10, mode="isolated")  # isolated 50
    ex.set_mark("ETH-PERP", 1900)
    assert a.wallet_balance == 1_950
    assert a.margin_balance == 1_950 - 100
    # available = wallet + min(0, cross uPnL) - cross IM at mark (1 * 1900 / 10)
    assert a.available_balance == 1_950 - 100 - 190
    assert a.equity == 2_000 - 100
    assert a.margin_ratio == D(1900) * D("0.005") / D(1850)


def test_max_open_quantity_respects_balance_fee_and_lot():
    q = ml.max_open_quantity(1_000, 2_000, 10, FEE_ETH)
    # Q * 2000 / 10 + Q * 2000 * 0.0005 <= 1000  ->  Q <= 4.975124...
    assert q == D("4.975")
    ex = exchange(FEE_ETH, FLAT_BTC)
    a = ex.open_account("a", 1_000)
    a.buy("ETH-PERP", q, leverage=10)
    with pytest.raises(ml.errors.InsufficientMarginError):
        a.buy("ETH-PERP", "0.001")


def test_max_open_quantity_stops_at_the_last_tier_that_allows_the_leverage():
    # ETH_PERP: 100x only below 10,000 notional
    q = ml.max_open_quantity(1_000_000, 2_000, 100, ml.ETH_PERP)
    assert q * 2000 < 10_000
    assert (q + ml.ETH_PERP.lot_size) * 2000 >= 10_000


# --- liquidation price --------------------------------------------------------------------------
def test_cross_liquidation_price_depends_on_the_other_positions():
    ex = exchange()
    a = ex.open_account("a", 1_000)
    a.buy("ETH-PERP", 2, leverage=10)
    alone = a.liquidation_price("ETH-PERP")
    a.buy("BTC-PERP", "0.02", leverage=10)
    with_btc = a.liquidation_price("ETH-PERP")
    assert with_btc > alone  # BTC's maintenance margin uses part of the pool
    ex.set_mark("BTC-PERP", 55_000)  # +100 on BTC backs the ETH long
    assert a.liquidation_price("ETH-PERP") < with_btc


def test_tier_reselection_when_liquidation_notional_is_in_a_lower_bracket():
    # ETH_PERP brackets: 0.5 % below 10,000, 0.65 % (cum 15) from 10,000.
    q, ep, wb = D(6), D(2000), D(3_000)  # notional 12,000 at entry: tier 2
    lp = ml.isolated_liquidation_price("long", q, ep, wb, ml.ETH_PERP)
    assert q * lp < 10_000  # the answer lies in tier 1...
    assert lp == (q * ep - wb - 0) / (q * (1 - D("0.005")))  # ...and uses tier 1's MMR and cum
    mm = ml.ETH_PERP.maintenance_margin(q * lp)
    assert abs(wb + q * (lp - ep) - mm) < D("1e-18")


def test_a_long_that_cannot_be_liquidated_has_no_liquidation_price():
    assert ml.isolated_liquidation_price("long", 1, 2000, 2_000, FLAT_ETH) is None
    assert ml.bankruptcy_price("long", 1, 2000, 2_500) is None


def test_entry_basis_keeps_mm_fixed_while_mark_basis_shrinks_it():
    pos = ml.Position("ETH-PERP", D(1), D(2000), D(10))
    at_entry = ml.maintenance_margin(pos, D(1500), FLAT_ETH, ml.BYBIT.but(fee_in_mm=False))
    at_mark = ml.maintenance_margin(pos, D(1500), FLAT_ETH, ml.BINANCE)
    assert at_entry == 2000 * D("0.005")
    assert at_mark == 1500 * D("0.005")


def test_fee_in_mm_adds_the_closing_fee():
    pos = ml.Position("ETH-PERP", D(1), D(2000), D(10))
    mm = ml.maintenance_margin(pos, D(2000), FEE_ETH, ml.BITMEX)
    assert mm == 2000 * D("0.005") + 2000 * D("0.0005")


# --- liquidation ----------------------------------------------------------------------------
def test_isolated_liquidation_takes_only_that_position():
    ex = exchange(fund=10_000)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 2, leverage=10)        # 400 isolated
    a.buy("BTC-PERP", "0.01", leverage=10)   # 50 isolated
    wallet = a.wallet_balance
    ex.set_mark("ETH-PERP", 1805)            # below LP 1809.05, above bankruptcy 1800
    assert "ETH-PERP" not in a.positions and "BTC-PERP" in a.positions
    assert a.isolated_margin("BTC-PERP") == 50
    # equity left = 400 - 390 = 10; liquidation fee = min(10, 2 * 1805 * 1 %) = 10 -> 0 returned
    assert a.wallet_balance == wallet
    assert ex.insurance_fund == 10_000 + 10
    kinds = [e.kind for e in ex.events.since(len(ex.events) - 2)]
    assert kinds == ["liquidation", "liquidation fee"]
    assert conserved(ex)


def test_isolated_liquidation_returns_what_is_left_after_the_fee():
    cheap = ml.linear_perp("ETH-PERP", [(0, "0.005", 100)], taker_fee=0, maker_fee=0,
                           liquidation_fee="0.002")
    ex = exchange(cheap, FLAT_BTC, rules=ml.ALL_AT_ONCE, fund=0)  # to compliance: see
    a = ex.open_account("a", 1_000, mode="isolated")              # tests/test_policies.py
    a.buy("ETH-PERP", 1, leverage=4)          # 500 isolated; LP = 1500 / 0.995 = 1507.54
    ex.set_mark("ETH-PERP", 1507)             # equity 7 <= MM 7.535
    fee = D(1507) * D("0.002")                # 3.014 to the insurance fund
    assert ex.insurance_fund == fee
    assert a.wallet_balance == 500 + (7 - fee)
    assert conserved(ex)


def test_cross_liquidation_closes_every_cross_position_but_no_isolated_one():
    ex = exchange(rules=ml.ALL_AT_ONCE, fund=10_000)
    a = ex.open_account("a", 1_000)
    a.buy("ETH-PERP", 2, leverage=10)
    a.buy("BTC-PERP", "0.01", leverage=10)
    b_iso = ex.open_account("b", 1_000)
    b_iso.buy("BTC-PERP", "0.01", leverage=10, mode="isolated")
    lp = a.liquidation_price("ETH-PERP")
    ex.set_mark("ETH-PERP", (lp + D("0.01")).quantize(D("0.01")))
    assert set(a.positions) == {"ETH-PERP", "BTC-PERP"}
    ex.set_mark("ETH-PERP", lp.quantize(D("0.01"), rounding="ROUND_DOWN"))
    assert a.positions == {}
    liq = ex.events.of_kind("liquidation")
    assert [e.symbol for e in liq] == ["ETH-PERP", "BTC-PERP"]  # the loser first
    assert all("all 2 cross positions close together: the all-at-once teaching model "
               "(venues unwind step by step: lesson 10)" in e.message for e in liq)
    assert b_iso.positions  # another account is untouched


def test_a_mixed_account_keeps_its_isolated_position_when_cross_is_liquidated():
    ex = exchange(fund=10_000)
    a = ex.open_account("a", 1_000)
    a.buy("BTC-PERP", "0.01", leverage=10, mode="isolated")  # 50 ring-fenced
    a.buy("ETH-PERP", 4, leverage=10)                          # cross
    ex.set_mark("ETH-PERP", 1500)
    assert set(a.positions) == {"BTC-PERP"}
    assert a.isolated_margin("BTC-PERP") == 50


def test_bankrupt_deficit_is_paid_by_the_insurance_fund():
    ex = exchange(fund=1_000)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 2, leverage=10)             # 400 isolated, bankruptcy 1800
    ex.set_mark("ETH-PERP", 1700)                 # gap through: loss 600, deficit 200
    assert a.positions == {}
    assert a.total_balance == 600                 # never below zero: the 600 not at risk
    assert ex.insurance_fund == 800
    assert ex.events.of_kind("insurance fund")[-1].amount == -200
    assert conserved(ex)


def test_bankruptcy_fill_venue_gives_the_whole_surplus_to_the_fund():
    ex = exchange(rules=ml.BYBIT.but(fee_in_mm=False), fund=0)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 2, leverage=10)   # MM on entry = 20; LP = 2000 - (400 - 20) / 2 = 1810
    assert a.liquidation_price("ETH-PERP") == 1810
    ex.set_mark("ETH-PERP", 1805)
    assert a.positions == {}
    assert ex.insurance_fund == 400 - 2 * 195  # equity at the mark above the bankruptcy price
    assert a.total_balance == 600


def test_adl_closes_ranked_opposite_positions_at_the_bankruptcy_price():
    ex = exchange(fund=0)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    big = ex.open_account("big", 1_000)
    small = ex.open_account("small", 10_000)
    loser.buy("ETH-PERP", 2, leverage=10)       # bankruptcy 1800
    big.sell("ETH-PERP", "1.5", leverage=10)    # high margin ratio: ranked first
    small.sell("ETH-PERP", 2, leverage=2)       # low margin ratio
    ex.set_mark("ETH-PERP", 1700)               # deficit 2 * (1800 - 1700) = 200
    assert loser.positions == {}
    adl = ex.events.of_kind("adl")
    assert [e.trader for e in adl] == ["big", "small"]
    assert [e.quantity for e in adl] == [D("1.5"), D("0.5")]
    assert all(e.price == 1800 for e in adl)
    assert big.positions == {}
    assert small.position("ETH-PERP").quantity == D("1.5")
    assert loser.total_balance == 600  # isolated margin lost, wallet kept
    assert ex.insurance_fund == 0
    assert big.wallet_balance == 1_000 + D("1.5") * 200  # profit realized at 1800, not 1700
    assert conserved(ex)


def test_adl_ranking_by_effective_leverage():
    ex = exchange(rules=ml.BINANCE.but(adl_ranking="pnl_x_effective_leverage"), fund=0)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    loser.buy("ETH-PERP", 2, leverage=10)
    low = ex.open_account("low", 100_000)
    high = ex.open_account("high", 1_000)
    low.sell("ETH-PERP", 2, leverage=2)
    high.sell("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", 1700)
    assert [e.trader for e in ex.events.of_kind("adl")] == ["high"]


def test_custom_adl_ranking_function():
    rules = ml.BINANCE.but(adl_ranking=lambda c: -len(c.trader))  # shortest name first
    ex = exchange(rules=rules, fund=0)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    loser.buy("ETH-PERP", 1, leverage=10)
    ex.open_account("bo", 5_000).sell("ETH-PERP", 1)
    ex.open_account("alexandra", 5_000).sell("ETH-PERP", 1)
    ex.set_mark("ETH-PERP", 1700)
    assert [e.trader for e in ex.events.of_kind("adl")] == ["bo"]


def test_adl_with_no_queue_leaves_an_unrecovered_loss():
    ex = exchange(fund=50)
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", 1700)            # deficit 200, fund 50, nobody short
    assert ex.insurance_fund == 0
    assert ex.events.of_kind("unrecovered loss")[-1].amount == 150
    assert "no profitable opposite position" in ex.events.of_kind("liquidation")[-1].message
    assert conserved(ex)


def test_socialized_loss_is_shared_pro_rata_among_winners():
    ex = exchange(rules=ml.SOCIALIZED, fund=50)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    w1, w2 = ex.open_account("w1", 10_000), ex.open_account("w2", 10_000)
    loser.buy("ETH-PERP", 2, leverage=10)
    w1.sell("ETH-PERP", 1)
    w2.sell("ETH-PERP", 3)
    ex.set_mark("ETH-PERP", 1700)   # deficit 200: fund pays 50, winners 150 pro rata 1 : 3
    taken = {e.trader: -e.amount for e in ex.events.of_kind("socialized loss")}
    assert taken == {"w1": D("37.5"), "w2": D("112.5")}
    assert w1.wallet_balance == 10_000 - D("37.5")
    assert ex.insurance_fund == 0
    assert not ex.events.of_kind("unrecovered loss")
    assert conserved(ex)


def test_socialized_loss_never_takes_more_than_the_winners_profit():
    ex = exchange(rules=ml.SOCIALIZED, fund=0)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    w = ex.open_account("w", 10_000)
    w.sell("ETH-PERP", 1, price=1750)       # entry 1750: only 50 of profit at 1700
    loser.buy("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", 1700)
    assert ex.events.of_kind("socialized loss")[-1].amount == -50
    assert ex.events.of_kind("unrecovered loss")[-1].amount == 150


# --- event log and views ---------------------------------------------------------------------
def test_event_log_reads_in_plain_english():
    ex = exchange(fund=10_000)
    a = ex.open_account("alice", 1_000, mode="isolated")
    a.buy("ETH-PERP", 2, leverage=10)
    ex.set_mark("ETH-PERP", "1805", time=7)
    frame = ex.events.to_frame()
    assert list(frame.columns) == EventLog.COLUMNS
    liq = frame[frame.kind == "liquidation"].iloc[0]
    assert liq.time == 7
    assert liq.message.startswith("alice's ETH-PERP long (isolated, 2) liquidated at 1,805.00")
    assert "margin ratio reached" in liq.message
    assert frame.message.str.len().min() > 10
    only = ex.events.to_frame(kinds=["fill"])
    assert set(only.kind) == {"fill"}


def test_views_render_in_a_notebook():
    ex = exchange(fund=10_000)
    a = ex.open_account("alice", 1_000)
    assert "no open positions" in a._repr_html_()
    a.buy("ETH-PERP", 1)
    a.sell("BTC-PERP", "0.01", mode="isolated")
    frame = a.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame.index) == ["BTC-PERP", "ETH-PERP"]
    assert frame.loc["ETH-PERP", "liquidation price"] == pytest.approx(
        float(a.liquidation_price("ETH-PERP")))
    assert "<table" in a._repr_html_() and "alice" in ex._repr_html_()
    assert "liquidation price" in a._repr_html_()
    assert ex.to_frame().loc["alice", "positions"] == 2
    assert ex.places().sum() == pytest.approx(float(ex.ledger.deposited))
    assert "<table" in ex.events._repr_html_()
    assert len(ex.ledger.to_frame()) == len(ex.ledger.transfers)
    assert "alice" in repr(a)


def test_withdraw_and_deposit_move_money_in_and_out():
    ex = exchange()
    a = ex.open_account("a", 1_000)
    a.withdraw(400)
    a.deposit("250.5")
    assert a.wallet_balance == D("850.5") == ex.ledger.deposited


def test_every_error_is_a_marginlab_error():
    for name in dir(ml.errors):
        obj = getattr(ml.errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and obj is not MarginLabError:
            assert issubclass(obj, MarginLabError), name


def test_hyperliquid_liquidation_price_matches_its_published_formula():
    # Hyperliquid: liq = price - s * margin_available / size / (1 - l * s), l = 1 / (2 * maxLev),
    # margin_available = isolated margin - maintenance margin (at the entry price here).
    spec = ml.hyperliquid_perp("ETH-PERP", 25, taker_fee=0, maker_fee=0)
    l = 1 / (2 * D(25))  # noqa: E741
    assert spec.mmr == l
    for s, side in ((1, "long"), (-1, "short")):
        q, ep, margin = D(3), D(2000), D(500)
        available = margin - q * ep * l
        by_doc = ep - s * available / q / (1 - l * s)
        lp = ml.isolated_liquidation_price(side, q, ep, margin, spec, ml.HYPERLIQUID)
        assert abs(lp - by_doc) < D("1e-20")


def test_adl_queue_that_runs_out_leaves_the_rest_unrecovered():
    ex = exchange(fund=0)
    loser = ex.open_account("loser", 1_000, mode="isolated")
    loser.buy("ETH-PERP", 2, leverage=10)              # bankruptcy 1800
    short = ex.open_account("short", 5_000)
    short.sell("ETH-PERP", 1)
    ex.set_mark("ETH-PERP", 1700)                      # deficit 200 over 2 ETH
    liq = ex.events.of_kind("liquidation")[-1]
    assert "the queue ran out" in liq.message
    assert liq.price == (1 * D(1800) + 1 * D(1700)) / 2  # average fill
    assert ex.events.of_kind("adl")[-1].quantity == 1
    assert ex.events.of_kind("unrecovered loss")[-1].amount == 100  # half the deficit
    assert conserved(ex)


def test_an_exchange_prints_as_a_sentence_not_a_memory_address():
    ex = ml.Exchange(marks={"ETH-PERP": 2000}, insurance_fund=100_000)
    ex.open_account("a", deposit=10)
    text = repr(ex)
    assert "0x" not in text
    assert "Binance rules" in text and "1 account(s)" in text and "100,000.00 USDT" in text
    assert "ETH-PERP 2,000.00" in text


def test_a_block_inside_a_block_is_undone_with_the_outer_one():
    # an inner atomic block takes no snapshot of its own: when its error leaves the outer
    # block, the outer block puts back the inner block's changes too
    ex = exchange()
    a = ex.open_account("a", 10_000)
    events, balances = len(ex.events), dict(ex.ledger.balances)
    with pytest.raises(MarginLabError):
        with ex.atomic():
            a.deposit(5_000)  # an atomic block of its own, inside this one
            a.buy("ETH-PERP", 1)
            a.buy("ETH-PERP", 1_000)  # 2,000,000 USD at 10x: far beyond 15,000 USDT
    assert a.positions == {} and len(ex.events) == events
    assert ex.ledger.balances == balances and a.wallet_balance == 10_000 and conserved(ex)
    a.buy("ETH-PERP", 1)  # the exchange works on: no block is left open
    with pytest.raises(MarginLabError):
        a.buy("ETH-PERP", 1_000)
    assert a.position("ETH-PERP").quantity == 1
