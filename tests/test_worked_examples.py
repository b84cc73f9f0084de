"""Worked examples published by the venues themselves, reproduced to the cent.

Sources (see ../shared/reference/margin-formulas.md):
* Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts": cross, wallet
  500 USDT, long 0.02 BTC at 50,000, MMR 0.4 %, maintenance amount 0 -> LP 25,100.40.
* Bybit help "Liquidation Price (USDT Contract)": isolated long 1 BTC at 20,000, 50x, MMR 0.5 %
  -> IM 400, MM 100, LP 19,700.
* BitMEX "Isolated and Cross Margin Examples" (Karen): wallet 10,000 USDT, long 20 ETHUSDT at
  1,000, cross, MM 1 % -> bankruptcy 500 (= 1,000 - 10,000 / 20), liquidation 510 (= 500 + 1 %
  of 1,000).
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
BYBIT_BTC = ml.linear_perp("BTCUSDT", [(0, "0.005", 100)], tick_size="0.5", lot_size="0.001",
                           taker_fee=0, maker_fee=0)
BITMEX_ETH = ml.linear_perp("ETHUSDT", [(0, "0.01", 100)], tick_size="0.05", lot_size="1",
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


def test_bybit_isolated_example():
    im = ml.required_initial_margin(1, 20_000, 50, BYBIT_BTC)
    assert im == 400
    pos = ml.Position("BTCUSDT", Decimal(1), Decimal(20_000), Decimal(50), ml.ISOLATED)
    assert ml.maintenance_margin(pos, Decimal(20_000), BYBIT_BTC, ml.BYBIT) == 100
    lp = ml.isolated_liquidation_price("long", 1, 20_000, 400, BYBIT_BTC, ml.BYBIT)
    assert cents(lp) == Decimal("19700.00")
    # Bybit's bankruptcy price for an isolated long: EP * (1 - 1/L) = 19,600
    assert ml.bankruptcy_price("long", 1, 20_000, 400) == 20_000 * (1 - Decimal(1) / 50)


def test_bybit_isolated_example_from_an_account():
    ex = ml.Exchange(contracts=[BYBIT_BTC], rules=ml.BYBIT, marks={"BTCUSDT": 20_000})
    acct = ex.open_account("bybit", deposit=1_000, mode="isolated")
    acct.buy("BTCUSDT", 1, leverage=50)
    assert acct.isolated_margin("BTCUSDT") == 400
    assert acct.maintenance_margin("BTCUSDT") == 100
    assert cents(acct.liquidation_price("BTCUSDT")) == Decimal("19700.00")
    assert acct.bankruptcy_price("BTCUSDT") == 19_600


def test_bitmex_cross_example():
    bp = ml.bankruptcy_price("long", 20, 1_000, 10_000)
    assert bp == 500
    lp = ml.cross_liquidation_price("long", 20, 1_000, 10_000, BITMEX_ETH, ml.BITMEX)
    assert cents(lp) == Decimal("510.00")


def test_bitmex_cross_example_from_an_account():
    ex = ml.Exchange(contracts=[BITMEX_ETH], rules=ml.BITMEX, marks={"ETHUSDT": 1_000})
    karen = ex.open_account("karen", deposit=10_000)
    karen.buy("ETHUSDT", 20, leverage=50)
    # "The required initial margin is 2% = 400 USDT, and the maintenance margin is 1% = 200 USDT"
    assert karen.cross_risk().initial == 400
    assert karen.cross_risk().maintenance == 200
    assert karen.bankruptcy_price("ETHUSDT") == 500
    assert karen.liquidation_price("ETHUSDT") == 510


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
