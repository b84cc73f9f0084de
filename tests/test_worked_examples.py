"""Worked examples published by the venues themselves, reproduced to the cent.

Sources (see ../shared/reference/margin-formulas.md):
* Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts": cross, wallet
  500 USDT, long 0.02 BTC at 50,000, MMR 0.4 %, maintenance amount 0 -> LP 25,100.40.
* Bybit help "Liquidation Price (USDT Contract)": isolated long 1 BTC at 20,000, 50x, MMR 0.5 %
  -> IM 400, MM 100, LP 19,700.
* BitMEX "Isolated and Cross Margin Examples" (Karen): wallet 10,000 USDT, long 20 ETHUSDT at
  1,000, cross, MM 1 % -> bankruptcy 500 (= 1,000 - 10,000 / 20), liquidation 510 (= 500 + 1 %
  of 1,000).

Bybit and BitMEX count the fee to close in maintenance margin, and reserve it at open (Bybit
"Order Cost", BitMEX "initial margin includes the exit fee"). Their examples are checked with
their real taker fees, as published in 2025: Bybit 0.055 % (non-VIP derivatives), BitMEX
0.075 %. marginlab reserves the fee to close at the fill price (Bybit prices it at the
bankruptcy price: see marginlab/engine/rulebook/, position_margin).
"""

from decimal import Decimal

import pytest

import marginlab as ml

CENT = Decimal("0.01")


def cents(x):
    return Decimal(x).quantize(CENT)


# Binance's published BTCUSDT brackets (first three).
BINANCE_BTC = ml.linear_perp(
    "BTCUSDT", [(0, "0.004", 125), (50_000, "0.005", 100), (250_000, "0.01", 50)],
    tick_size="0.1", lot_size="0.001", taker_fee="0.0005", maker_fee="0.0002",
)
# real taker fees as of 2025 (the maker fee plays no part below)
BYBIT_BTC = ml.linear_perp("BTCUSDT", [(0, "0.005", 100)], tick_size="0.5", lot_size="0.001",
                           taker_fee="0.00055", maker_fee="0.0002")
BITMEX_ETH = ml.linear_perp("ETHUSDT", [(0, "0.01", 100)], tick_size="0.05", lot_size="1",
                            taker_fee="0.00075", maker_fee=0)
# the same contracts as the venues' examples state them, without fees
BYBIT_BTC_NO_FEE = ml.linear_perp("BTCUSDT", [(0, "0.005", 100)], tick_size="0.5",
                                  lot_size="0.001", taker_fee=0, maker_fee=0)
BITMEX_ETH_NO_FEE = ml.linear_perp("ETHUSDT", [(0, "0.01", 100)], tick_size="0.05", lot_size="1",
                                   taker_fee=0, maker_fee=0)


def test_binance_maintenance_amounts_follow_the_published_rule():
    # cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1}): 0, 50,000 * 0.001, 50 + 250,000 * 0.005
    assert [t.cum for t in BINANCE_BTC.tiers] == [0, 50, 1_300]


def test_binance_cross_liquidation_price_formula():
    lp = ml.cross_liquidation_price("long", "0.02", 50_000, 500, BINANCE_BTC, ml.BINANCE)
    assert cents(lp) == Decimal("25100.40")


def test_binance_cross_liquidation_price_from_an_account():
    # an account that paid no fee to open, so its wallet balance is exactly 500 as in the FAQ
    ex = ml.Exchange(contracts=[BINANCE_BTC], marks={"BTCUSDT": 50_000})
    acct = ex.open_account("binance", deposit=500)
    acct.buy("BTCUSDT", "0.02", leverage=20, maker=True)
    ex.ledger.transfer(ml.FEE_POOL, acct.wallet_place, ex.fee_pool, "refund the maker fee")
    assert acct.wallet_balance == 500
    assert cents(acct.liquidation_price("BTCUSDT")) == Decimal("25100.40")
    ex.set_mark("BTCUSDT", "25100.5")
    assert "BTCUSDT" in acct.positions  # one tick above: still open
    ex.set_mark("BTCUSDT", "25100.4")
    assert "BTCUSDT" not in acct.positions


def test_bybit_isolated_example_without_fees():
    # as Bybit's page states it: IM 400, MM 100, LP 20,000 - (400 - 100) = 19,700,
    # bankruptcy EP * (1 - 1/L) = 19,600
    assert ml.initial_margin(1, 20_000, 50, BYBIT_BTC_NO_FEE) == 400
    pos = ml.Position("BTCUSDT", Decimal(1), Decimal(20_000), Decimal(50), ml.ISOLATED)
    assert ml.maintenance_margin(pos, Decimal(20_000), BYBIT_BTC_NO_FEE, ml.BYBIT) == 100
    lp = ml.isolated_liquidation_price("long", 1, 20_000, 400, BYBIT_BTC_NO_FEE, ml.BYBIT)
    assert lp == 19_700
    assert ml.bankruptcy_price("long", 1, 20_000, 400) == 19_600


def test_bybit_isolated_example_with_its_real_fee():
    # taker 0.055 %: fee to open = fee to close (marginlab: at the entry) = 20,000 * 0.055 % = 11
    assert ml.initial_margin(1, 20_000, 50, BYBIT_BTC) == 400
    assert ml.position_margin(1, 20_000, 50, BYBIT_BTC, ml.BYBIT) == 400 + 11
    assert ml.order_cost(1, 20_000, 50, BYBIT_BTC, ml.BYBIT) == 400 + 11 + 11
    pos = ml.Position("BTCUSDT", Decimal(1), Decimal(20_000), Decimal(50), ml.ISOLATED)
    assert ml.maintenance_margin(pos, Decimal(20_000), BYBIT_BTC, ml.BYBIT) == 100 + 11
    # LP = EP - (margin - MM) / Q = 20,000 - (411 - 111) = 19,700: the reserve and the fee in MM
    # cancel (before: margin 400, LP 20,000 - (400 - 111) = 19,711)
    lp = ml.isolated_liquidation_price("long", 1, 20_000, 411, BYBIT_BTC, ml.BYBIT)
    assert lp == 19_700


def test_bybit_isolated_example_from_an_account_with_its_real_fee():
    ex = ml.Exchange(contracts=[BYBIT_BTC], rules=ml.BYBIT, marks={"BTCUSDT": 20_000})
    acct = ex.open_account("bybit", deposit=1_000, mode="isolated")
    acct.buy("BTCUSDT", 1, leverage=50)
    assert acct.isolated_margin("BTCUSDT") == 411  # IM 400 + fee to close 11
    assert acct.wallet_balance == 1_000 - 411 - 11  # and the fee to open, 11, is paid
    assert acct.maintenance_margin("BTCUSDT") == 111
    assert acct.liquidation_price("BTCUSDT") == 19_700
    # marginlab's bankruptcy price is where the isolated margin is all gone: 20,000 - 411.
    # Bybit's 19,600 is where what is left is the fee to close (there 19,600 * 0.055 % = 10.78,
    # here the 11 reserved at the entry price).
    assert acct.bankruptcy_price("BTCUSDT") == 19_589
    assert acct.max_removable_margin("BTCUSDT") == 0  # 411 - (IM 400 + the reserve 11)
    ex.set_mark("BTCUSDT", "19700.5")
    assert "BTCUSDT" in acct.positions  # one tick above: still open
    ex.set_mark("BTCUSDT", 19_700)
    assert "BTCUSDT" not in acct.positions
    # taken over at the bankruptcy price: the fund keeps all that was left, 411 - 300 = 111
    assert ex.insurance_fund == 111
    assert acct.wallet_balance == 1_000 - 411 - 11


def test_bybit_lesson_five_row():
    # lesson 5: isolated long 1 ETH at 2,000, 20x, ETH-PERP (MMR 0.5 %, taker 0.05 %), Bybit rules
    # margin 100 + 1 (fee to close), MM 10 + 1: LP = 2,000 - (101 - 11) = 1,910 (before: 1,911)
    ex = ml.Exchange(rules=ml.BYBIT, marks={"ETH-PERP": 2_000})
    acct = ex.open_account("bybit", deposit=1_000, mode="isolated")
    acct.buy("ETH-PERP", 1, leverage=20)
    assert acct.isolated_margin("ETH-PERP") == 101
    assert acct.liquidation_price("ETH-PERP") == 1_910
    assert ml.isolated_liquidation_price("long", 1, 2_000, 101, ml.ETH_PERP, ml.BYBIT) == 1_910
    # the fee cancels: EP * (1 - 1/L + MMR) = 2,000 * (1 - 0.05 + 0.005)
    assert acct.liquidation_price("ETH-PERP") == 2_000 * (1 - Decimal("0.05") + Decimal("0.005"))


def test_bitmex_cross_example_without_fees():
    bp = ml.bankruptcy_price("long", 20, 1_000, 10_000)
    assert bp == 500
    lp = ml.cross_liquidation_price("long", 20, 1_000, 10_000, BITMEX_ETH_NO_FEE, ml.BITMEX)
    assert cents(lp) == Decimal("510.00")


def test_bitmex_cross_example_from_an_account_without_fees():
    ex = ml.Exchange(contracts=[BITMEX_ETH_NO_FEE], rules=ml.BITMEX, marks={"ETHUSDT": 1_000})
    karen = ex.open_account("karen", deposit=10_000)
    karen.buy("ETHUSDT", 20, leverage=50)
    # "The required initial margin is 2% = 400 USDT, and the maintenance margin is 1% = 200 USDT"
    assert karen.cross_risk().initial == 400
    assert karen.cross_risk().maintenance == 200
    assert karen.bankruptcy_price("ETHUSDT") == 500
    assert karen.liquidation_price("ETHUSDT") == 510


def test_bitmex_cross_example_from_an_account_with_its_real_fee():
    # taker 0.075 % on 20,000 notional: 15 to open (paid), 15 to close (reserved, counted in MM)
    ex = ml.Exchange(contracts=[BITMEX_ETH], rules=ml.BITMEX, marks={"ETHUSDT": 1_000})
    karen = ex.open_account("karen", deposit=10_000)
    karen.buy("ETHUSDT", 20, leverage=50)
    assert karen.wallet_balance == 10_000 - 15
    assert karen.cross_risk().initial == 400 + 15  # the reserve counts in the initial requirement
    assert karen.available_balance == 10_000 - 15 - 415
    assert karen.cross_risk().maintenance == 200 + 15
    # bankruptcy: 1,000 - 9,985 / 20 = 500.75; liquidation: 500.75 + 215 / 20 = 511.50
    assert karen.bankruptcy_price("ETHUSDT") == Decimal("500.75")
    assert karen.liquidation_price("ETHUSDT") == Decimal("511.50")


def test_bitmex_isolated_liquidation_price_with_its_real_fee():
    # isolated 20 ETHUSDT at 1,000, 50x: margin 400 + 15, MM 200 + 15,
    # LP = 1,000 - (415 - 215) / 20 = 990 = EP * (1 - IMR + MMR): the fee to close cancels
    ex = ml.Exchange(contracts=[BITMEX_ETH], rules=ml.BITMEX, marks={"ETHUSDT": 1_000})
    karen = ex.open_account("karen", deposit=10_000, mode="isolated")
    karen.buy("ETHUSDT", 20, leverage=50)
    assert karen.isolated_margin("ETHUSDT") == 415
    assert karen.liquidation_price("ETHUSDT") == 990


# --- sizing and order cost -----------------------------------------------------------------------
def test_initial_margin_and_order_cost_are_named_for_what_they_return():
    # 1 ETH at 2,000, 10x, taker 0.05 %: IM 200, fee to open 1, fee to close 1 where reserved
    assert ml.initial_margin(1, 2_000, 10, ml.ETH_PERP) == 200
    assert ml.order_cost(1, 2_000, 10, ml.ETH_PERP) == 201  # Binance: no fee to close
    assert ml.order_cost(1, 2_000, 10, ml.ETH_PERP, ml.BYBIT) == 202
    assert ml.order_cost(1, 2_000, 10, ml.ETH_PERP, maker=True) == 200 + Decimal("0.4")
    assert ml.position_margin(1, 2_000, 10, ml.ETH_PERP, ml.BITMEX) == 201
    assert ml.required_initial_margin(1, 2_000, 10, ml.ETH_PERP) == 201  # deprecated: IM + fee


def test_max_open_quantity_is_not_one_lot_short_when_the_tier_cap_binds():
    # BTC-PERP allows 125x below 50,000 notional: 50,000 / 30,014.6 = 1.66585..., so 1.665
    # (49,974.31) opens and 1.666 (50,004.32) needs the 100x tier (before: 1.664)
    q = ml.max_open_quantity(10_000, "30014.6", 125, ml.BTC_PERP)
    assert q == Decimal("1.665")
    ex = ml.Exchange(marks={"BTC-PERP": "30014.6"})
    ex.open_account("fits", deposit=10_000).buy("BTC-PERP", q, leverage=125)
    with pytest.raises(ml.errors.InvalidLeverageError):
        ex.open_account("over", deposit=10_000).buy("BTC-PERP", q + Decimal("0.001"),
                                                    leverage=125)


@pytest.mark.parametrize("rules, expected", [
    (ml.BINANCE, "4.975"),  # 1,000 / (2,000 * (1/10 + 0.05 %)) = 4.97512...
    (ml.BYBIT, "4.950"),  # 1,000 / (2,000 * (1/10 + 0.05 % + 0.05 %)) = 4.95049...
])
def test_max_open_quantity_opens_and_one_lot_more_does_not(rules, expected):
    q = ml.max_open_quantity(1_000, 2_000, 10, ml.ETH_PERP, rules)
    assert q == Decimal(expected)
    for mode in ("cross", "isolated"):
        ex = ml.Exchange(rules=rules, marks={"ETH-PERP": 2_000})
        ex.open_account("fits", deposit=1_000, mode=mode).buy("ETH-PERP", q, leverage=10)
        with pytest.raises(ml.errors.InsufficientMarginError):
            ex.open_account("over", deposit=1_000, mode=mode).buy(
                "ETH-PERP", q + Decimal("0.001"), leverage=10)


@pytest.mark.parametrize("side, expected", [("long", "1809.05"), ("short", "2189.05")])
def test_isolated_formula_matches_binance_closed_form(side, expected):
    # Binance isolated: long (Q*EP - WB - cum) / (Q*(1 - MMR)); short (Q*EP + WB + cum) /
    # (Q*(1 + MMR)); 2 ETH at 2,000 with 400 USDT margin, MMR 0.5 %, cum 0.
    q, ep, wb, mmr = Decimal(2), Decimal(2000), Decimal(400), Decimal("0.005")
    by_hand = (q * ep - wb) / (q * (1 - mmr)) if side == "long" else \
        (q * ep + wb) / (q * (1 + mmr))
    lp = ml.isolated_liquidation_price(side, 2, 2000, 400, ml.ETH_PERP)
    assert lp == by_hand
    assert cents(lp) == Decimal(expected)
