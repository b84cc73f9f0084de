"""Liquidation fills through a linear order book (issue 11, part 5): worked examples to the cent.

The book: a market order selling notional N moves the price by -N / D per cent (D the depth, USD
per 1 %), so the u-th unit of a close of Q units meets P (1 - 0.01 s u P / D) and the average
fill is the midpoint, F = P (1 - s 0.005 Q P / D). Every expected value below is computed here
from that rule and the venues' published settlement (Binance: the clearance fee is capped by
what is left and a negative balance is restored to zero by the insurance fund; Bybit "Liquidation
Process": a fill better than the bankruptcy price leaves the rest to the fund, a worse one is
paid by it), never read off the engine.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import SETTINGS, STATEFUL, ConservationMachine

import marginlab as ml
from marginlab.engine import rulebook
from marginlab.engine.errors import InvalidAmountError, UnknownSymbolError
from marginlab.simulation import market

D = Decimal
BTC, ETH = "BTC-PERP", "ETH-PERP"
MONEY = D("0.00000001")


def m(x: Decimal) -> Decimal:
    """Rounded to the ledger's unit, as every transfer is."""
    return x.quantize(MONEY)


# --- the rule ----------------------------------------------------------------------------------
def test_the_average_fill_is_the_midpoint_of_a_linear_book():
    # selling 1 ETH at 2,000 through 30,000 USD per 1 %: 2,000 USD is 2/30 of 1 %
    after = D(2000) * (1 - D("0.01") * 2000 / 30_000)            # 1,998.666...
    assert rulebook.book_price(D(2000), D(2000), D(30_000)) == after
    fill = rulebook.book_fill_price(1, D(1), D(2000), D(30_000), D("0.01"))
    assert abs(fill - (D(2000) + after) / 2) < D("1e-20")       # 28 digits either way
    assert usd_round(fill) == D("1999.33") and usd_round(D(2000) - fill) == D("0.67")
    # a short buys back: the price rises by the same amount
    assert abs(rulebook.book_fill_price(-1, D(1), D(2000), D(30_000), D("0.01"))
               - (4000 - fill)) < D("1e-20")
    # the float (simulator) version computes the same formula
    floats = rulebook.book_fill_price(np.array([1, -1]), np.array([1.0, 1.0]), 2000.0,
                                      30_000.0, D("0.01"))
    assert floats == pytest.approx([float(fill), float(4000 - fill)], rel=1e-15)


def test_a_fill_never_goes_below_one_tick():
    # 3,000 ETH at 2,000 through 10,000: P (1 - 0.005 * 6,000,000 / 10,000) = 2,000 * (-2) < 0
    assert rulebook.book_fill_price(1, D(3000), D(2000), D(10_000), D("0.01")) == D("0.01")
    assert rulebook.book_fill_price(1.0, 3000.0, 2000.0, 10_000.0, D("0.01")) == 0.01


def test_the_average_of_many_small_orders_tends_to_the_midpoint():
    """Cutting the close into n orders, each through the book the previous left, averages to
    the midpoint as n grows (the integral the formula solves)."""
    p, q, depth, n = 2000.0, 5.0, 30_000.0, 20_000
    du = q / n
    u = (np.arange(n) + 0.5) * du                                 # the middle of each slice
    average = np.mean(p * (1 - 0.01 * u * p / depth))
    assert average == pytest.approx(float(rulebook.book_fill_price(1.0, q, p, depth,
                                                                   D("0.01"))), rel=1e-12)


def usd_round(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"))


# --- a mark-price venue (Binance) ---------------------------------------------------------------
def binance_long(depth, fund=1_000):
    """Alice, cross, 500 USDT, long 4 ETH at 2,000 at 20x: taker fee 8,000 * 0.05 % = 4, wallet
    496. MM at P (tier 1, 0.5 %) = 0.02 P; liquidatable when 496 + 4 (P - 2,000) <= 0.02 P, i.e.
    P <= 7,504 / 3.98 = 1,885.43."""
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=fund, book_depth={ETH: depth})
    alice = ex.open_account("alice", deposit=500)
    alice.buy(ETH, 4, leverage=20)
    assert alice.wallet_balance == 496
    return ex, alice


def test_a_mark_price_venue_charges_the_trader_the_slippage():
    ex, alice = binance_long(30_000)
    ex.set_mark(ETH, 1880)                  # E = 496 - 480 = 16 <= MM 37.60: the whole 4 ETH
    fill = D(1880) * (1 - D("0.005") * 4 * 1880 / 30_000)       # 1,877.6437333...
    slippage = 4 * (1880 - fill)                                  # 9.4250666...
    pnl = m(4 * (fill - 2000))                                    # -489.42506667
    assert pnl == D("-489.42506667") and usd_round(slippage) == D("9.43")
    left = 496 + pnl                                              # 6.57493333 above zero
    fee = min(left, 4 * D(1880) * D("0.0125"))                    # capped at what is left (94)
    assert fee == D("6.57493333")
    assert alice.total_balance == 0 and not alice.positions
    assert ex.insurance_fund == 1_000 + fee                       # 16 with a mark fill
    assert ex.counterparties == -pnl                              # the market took the loss
    ledger = ex.ledger.to_frame()
    assert ledger.iloc[-2]["amount"] == pytest.approx(float(-pnl))
    assert ledger.iloc[-1]["to"] == ml.INSURANCE_FUND
    (event,) = ex.events.of_kind("liquidation")
    assert event.price == fill
    assert "liquidated at 1,877.64" in event.message
    assert "sold 4 ETH through the book at an average 1,877.64, 2.36 below the mark" \
        in event.message
    assert ex.ledger.total() == ex.ledger.deposited


def test_a_mark_price_venue_fund_pays_only_the_gap_below_zero():
    ex, alice = binance_long(3_000)
    ex.set_mark(ETH, 1880)
    fill = D(1880) * (1 - D("0.005") * 4 * 1880 / 3_000)        # 1,856.4373333...
    pnl = m(4 * (fill - 2000))                                    # -574.25066667
    gap = -(496 + pnl)                                            # the trader had 496 only
    assert gap == D("78.25066667")
    assert alice.total_balance == 0
    assert ex.insurance_fund == 1_000 - gap
    assert ex.counterparties == -pnl
    (paid,) = ex.events.of_kind("insurance fund")
    assert paid.amount == -gap and "78.25 USDT" in paid.message
    assert ex.events.of_kind("liquidation fee") == []
    assert ex.ledger.total() == ex.ledger.deposited


@pytest.mark.parametrize("depth, fund", [(30_000, 1_000 + 6.57493333),
                                         (3_000, 1_000 - 78.25066667)],
                         ids=["the fund gains the rest", "the fund pays the gap"])
def test_the_vectorized_replay_fills_through_the_same_book(depth, fund):
    """The two examples above, replayed on the price path 2,000 -> 1,880 by the simulator: the
    same fills through the book, so the same fund (the fee capped at what is left, or the gap
    paid) and nothing left for the trader."""
    from marginlab.simulation.replay import Leg, replay

    run = replay({ETH: np.array([[2000.0, 1880.0]])}, [Leg(ETH, 4, 20)], 500,
                 rules=ml.BINANCE, insurance_fund=1_000, modes=("cross",),
                 book_depth={ETH: depth})
    a = run.accounts.iloc[0]
    assert a["final equity"] == pytest.approx(0, abs=1e-6)
    assert a["insurance fund"] == pytest.approx(fund, abs=1e-6)
    # without the book the fund gets the whole 16 left at the mark
    flat = replay({ETH: np.array([[2000.0, 1880.0]])}, [Leg(ETH, 4, 20)], 500,
                  rules=ml.BINANCE, insurance_fund=1_000, modes=("cross",))
    assert flat.accounts.iloc[0]["insurance fund"] == pytest.approx(1_016, abs=1e-6)


def test_a_replay_book_is_checked_like_the_exchange_s():
    from marginlab.simulation.replay import Leg, replay

    path = {ETH: np.array([[2000.0, 1880.0]])}
    for bad, words in (({ETH: 0}, "book depth of ETH-PERP"), ({ETH: -5}, "book depth"),
                       ({BTC: 1_000}, "no price path"), ([1, 2], "takes a dict")):
        with pytest.raises(ml.errors.MarginLabError, match=words):
            replay(path, [Leg(ETH, 4, 20)], 500, book_depth=bad)


def test_a_liquidated_short_buys_back_through_the_book():
    """Bob, isolated short 2 ETH at 2,000 at 10x: margin 400, fee 2, wallet 598. MM = 0.01 P;
    at 2,190 E = 400 - 380 = 20 <= 21.90. Buying 2 ETH back through 50,000 per 1 % lifts the
    price: F = 2,190 (1 + 0.005 * 4,380 / 50,000) = 2,190.95922."""
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=0, book_depth={ETH: 50_000})
    bob = ex.open_account("bob", deposit=1_000, mode="isolated")
    bob.sell(ETH, 2, leverage=10)
    ex.set_mark(ETH, 2190)
    fill = D(2190) * (1 + D("0.005") * 2 * 2190 / 50_000)
    assert fill == D("2190.95922")
    left = 400 - 2 * (fill - 2000)                                # 18.08156 < fee due 54.75
    assert ex.insurance_fund == left == D("18.08156")
    assert bob.total_balance == 598 and not bob.positions
    (event,) = ex.events.of_kind("liquidation")
    assert "bought back 2 ETH through the book at an average 2,190.96, 0.96 above the mark" \
        in event.message


@SETTINGS
@given(sign=st.sampled_from([1, -1]), lots=st.integers(1, 10**6), cents=st.integers(1, 10**8),
       depth=st.integers(1, 10**10))
def test_the_exact_and_the_float_fill_agree_and_stay_above_a_tick(sign, lots, cents, depth):
    q, p, tick = D(lots) / 1000, D(cents) / 100, D("0.01")
    exact = rulebook.book_fill_price(sign, q, p, D(depth), tick)
    fast = rulebook.book_fill_price(float(sign), float(q), float(p), float(depth), tick)
    assert exact >= tick and fast >= 0.01
    assert fast == pytest.approx(float(exact), rel=1e-12, abs=1e-12)
    assert (exact <= p) if sign > 0 else (exact >= p)              # the book only costs


def test_an_empty_fund_sends_a_bucket_the_book_would_bankrupt_to_the_adl_queue():
    """Fund 0: the 78.25 USDT the book would leave is more than the fund holds, so on an ADL
    venue alice's 4 ETH go to the ADL queue at her bankruptcy price at the mark,
    P_b = 1,880 - 16 / 4 = 1,876 (E = 16), not through the book; bob, short 4 ETH from 2,000,
    takes them there. Nobody's loss is left unrecovered."""
    ex, alice = binance_long(3_000, fund=0)
    bob = ex.open_account("bob", deposit=5_000)
    bob.sell(ETH, 4, leverage=5)                                  # fee 4: wallet 4,996
    ex.set_mark(ETH, 1880)
    assert alice.total_balance == 0 and not bob.positions
    assert bob.wallet_balance == 4_996 + 4 * (2000 - 1876)        # 5,492
    assert ex.insurance_fund == 0 and ex.events.of_kind("unrecovered loss") == []
    (adl,) = ex.events.of_kind("adl")
    assert adl.price == 1876
    (event,) = ex.events.of_kind("liquidation")
    assert "less than the 78.25 USDT deficit the book would leave" in event.message
    assert "through the book" not in event.message


def test_without_a_depth_the_fill_stays_at_the_mark():
    ex = ml.Exchange(marks={ETH: 2000}, insurance_fund=1_000)
    alice = ex.open_account("alice", deposit=500)
    alice.buy(ETH, 4, leverage=20)
    ex.set_mark(ETH, 1880)
    assert ex.insurance_fund == 1_000 + 16                        # left 496 - 480 = 16
    (event,) = ex.events.of_kind("liquidation")
    assert event.price == 1880 and "through the book" not in event.message


def test_a_partial_close_fills_through_the_book():
    """test_policies' Binance example (30 BTC at 50,000, 20x, mark 43,862: close 2.712 BTC)
    through a deep book, 1e9 USD per 1 %: the slippage 0.005 (q P)^2 / D = 0.0707 is smaller
    than the 0.42 the step leaves above maintenance margin, so one step is enough."""
    ex = ml.Exchange(rules=ml.BINANCE, marks={BTC: 50_000}, insurance_fund=1_000,
                     book_depth={BTC: 10**9})
    alice = ex.open_account("alice", deposit=200_000)
    alice.buy(BTC, 30, leverage=20)
    p, q = D(43_862), D("2.712")
    ex.set_mark(BTC, p)
    fill = p * (1 - D("0.005") * q * p / 10**9)
    fee = q * p * D("0.0125")                                     # on the notional at the mark
    assert alice.positions[BTC].size == 30 - q
    assert alice.wallet_balance == 200_000 - 750 + m(q * (fill - 50_000)) - m(fee)
    assert ex.insurance_fund == 1_000 + m(fee)
    (event,) = ex.events.of_kind("liquidation")
    assert event.price == fill and "sold 2.712 BTC through the book" in event.message


# --- a bankruptcy-price venue (Bybit) ----------------------------------------------------------
def bybit_long(depth):
    """Alice, isolated, long 1 BTC at 20,000 at 50x on Bybit rules: margin = IM 400 + fee to close
    20,000 * 0.05 % = 410, fee to open 10, wallet 1,000 - 420 = 580. MM on the entry value:
    80 + 10 = 90; bankruptcy price 20,000 - 410 = 19,590; liquidatable at 410 + (P - 20,000)
    <= 90, i.e. P <= 19,680."""
    ex = ml.Exchange(rules=ml.BYBIT, marks={BTC: 20_000}, insurance_fund=1_000,
                     book_depth={BTC: depth})
    alice = ex.open_account("alice", deposit=1_000, mode="isolated")
    alice.buy(BTC, 1, leverage=50)
    assert (alice.isolated_margin(BTC), alice.wallet_balance) == (410, 580)
    return ex, alice


def test_a_bankruptcy_price_venue_fund_keeps_the_surplus_of_the_book_fill():
    ex, alice = bybit_long(3_000_000)
    ex.set_mark(BTC, 19_680)
    fill = D(19_680) * (1 - D("0.005") * 19_680 / 3_000_000)    # 19,679.354496
    assert fill == D("19679.354496")
    surplus = fill - 19_590                                       # over the bankruptcy price
    assert ex.insurance_fund == 1_000 + surplus == D("1089.354496")
    assert alice.total_balance == 580 and not alice.positions    # the wallet is untouched
    assert ex.counterparties == -(fill - 20_000)                  # the market took 320.645504
    (fee,) = ex.events.of_kind("liquidation fee")
    assert fee.amount == -surplus and "surplus between the liquidation and the bankruptcy" \
        in fee.message


def test_a_bankruptcy_price_venue_fund_pays_the_gap_of_the_book_fill():
    ex, alice = bybit_long(10_000)
    ex.set_mark(BTC, 19_680)
    fill = D(19_680) * (1 - D("0.005") * 19_680 / 10_000)       # 19,486.3488
    gap = 19_590 - fill
    assert gap == D("103.6512")
    assert ex.insurance_fund == 1_000 - gap
    assert alice.total_balance == 580 and alice.isolated_margin(BTC) == 0
    assert ex.counterparties == 20_000 - fill                     # 513.6512
    assert ex.ledger.total() == ex.ledger.deposited


# --- conservation with a book ------------------------------------------------------------------
def _book_case(rules, fund):
    """The conservation machine of test_properties on an exchange whose two symbols fill
    liquidations through a thin book (most liquidations slip)."""
    machine = type(f"Book_{rules.name.split()[0]}", (ConservationMachine,),
                   {"RULES": rules, "FUND": D(fund), "BOOK_DEPTH": {ETH: 20_000, BTC: 50_000}})
    case = machine.TestCase
    case.settings = STATEFUL
    return case


TestBookConservationBinance = _book_case(ml.BINANCE, 1_000)
TestBookConservationBybitNoFund = _book_case(ml.BYBIT, 0)


@SETTINGS
@given(depth=st.integers(1_000, 10_000_000), mark=st.integers(1_000, 1_885),
       rules=st.sampled_from([ml.BINANCE, ml.BYBIT, ml.HYPERLIQUID, ml.ALL_AT_ONCE]))
def test_a_book_liquidation_conserves_money(depth, mark, rules):
    ex = ml.Exchange(rules=rules, marks={ETH: 2000}, insurance_fund=100,
                     book_depth={ETH: depth})
    ex.open_account("alice", deposit=500).buy(ETH, 4, leverage=20)
    ex.open_account("bob", deposit=5_000).sell(ETH, 4, leverage=5)
    ex.set_mark(ETH, mark)
    assert ex.ledger.total() == ex.ledger.deposited == 100 + 500 + 5_000
    assert all(b >= 0 for p, b in ex.ledger.balances.items() if p != ml.COUNTERPARTIES)


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [0, -5, "lots", float("nan"), float("inf"), True, [1]])
def test_a_depth_must_be_a_usd_amount_above_zero(depth):
    with pytest.raises(InvalidAmountError, match="book depth of ETH-PERP"):
        ml.Exchange(marks={ETH: 2000}, book_depth={ETH: depth})
    ex = ml.Exchange(marks={ETH: 2000}, book_depth={ETH: 30_000})
    with pytest.raises(InvalidAmountError, match="book depth of ETH-PERP"):
        ex.set_book_depth(ETH, depth)
    assert ex.book_depth == {ETH: 30_000}


def test_unknown_symbols_and_bad_shapes_are_refused():
    with pytest.raises(UnknownSymbolError, match="'DOGE-PERP' is not listed"):
        ml.Exchange(book_depth={"DOGE-PERP": 30_000})
    with pytest.raises(InvalidAmountError, match="book_depth takes a dict"):
        ml.Exchange(book_depth=30_000)
    ex = ml.Exchange(marks={ETH: 2000})
    with pytest.raises(UnknownSymbolError, match="'DOGE-PERP' is not listed"):
        ex.set_book_depth("DOGE-PERP", 30_000)
    assert ex.book_depth == {}


def test_none_takes_the_book_away():
    ex = ml.Exchange(marks={ETH: 2000}, book_depth={ETH: 30_000, BTC: None})
    assert ex.book_depth == {ETH: 30_000}
    assert repr(ex).endswith("; ETH-PERP book 30,000.00 USD per 1 %>")
    ex.set_book_depth(ETH, None)
    assert ex.book_depth == {}


# --- the cascade moves prices by the same rule --------------------------------------------------
def test_the_cascade_moves_prices_by_the_rulebook_book_price():
    ex = market.crowd(20, seed=3)
    table = market.cascade(ex, {ETH: -0.15}, market.DEFAULT_DEPTH)
    eth = table[table.symbol == ETH].reset_index(drop=True)
    for r in range(1, len(eth)):
        before, sold = D(str(eth.price[r - 1])), D(str(eth["forced sell notional"][r - 1]))
        by_hand = before * (1 - D("0.01") * sold / 30_000)       # the module docstring's rule
        assert abs(D(str(eth.price[r])) - by_hand) <= D("0.005") + D("1e-6")
