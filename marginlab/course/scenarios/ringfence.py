"""Lesson 2: two isolated positions and a free balance; the loser dies alone.

Modelled: an account deposits ``deposit`` USDT and opens two isolated longs on Binance's rules:
``eth_qty`` ETH at 2,000 (leverage and extra margin chosen) and ``btc_qty`` BTC at 50,000
(10x). ETH's mark then jumps by ``eth_move_pct`` % in one step; the engine liquidates the ETH
ring if the jump passes its liquidation price. The money sits in three places: the free
balance (the wallet), what the ETH ring holds (isolated margin + uPnL, not below zero) and what
the BTC ring holds. Simplified: one jump (no path), BTC does not move, no funding.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.exchange import Exchange
from ...engine.numbers import ZERO

PLACES = ("free balance", "ETH position", "BTC position")


def isolated_pair(*, eth_move_pct: float, leverage, extra_margin: float = 0,
                  deposit: float = 1_000, eth_qty: str = "2", btc_qty: str = "0.01",
                  eth_mark=None) -> dict:
    """Open the two isolated longs, add ``extra_margin`` to ETH (at most what is available),
    move ETH's mark (by ``eth_move_pct`` %, or to ``eth_mark`` when given); report the money in
    each place ``before`` and ``after`` the move, ETH's liquidation and bankruptcy prices
    before it, the mark, whether ETH was liquidated, and the events of the move
    (``events``)."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=100_000)
    acct = ex.open_account("trader", deposit=deposit, mode="isolated")
    acct.buy("ETH-PERP", eth_qty, leverage=leverage)
    acct.buy("BTC-PERP", btc_qty, leverage=10)
    if extra_margin > 0:
        acct.add_margin("ETH-PERP", min(Decimal(str(extra_margin)), acct.available_balance))
    before = {"free balance": acct.wallet_balance,
              "ETH position": acct.isolated_margin("ETH-PERP"),
              "BTC position": acct.isolated_margin("BTC-PERP")}
    liq = acct.liquidation_price("ETH-PERP")
    bkr = acct.bankruptcy_price("ETH-PERP")
    mark = (Decimal(2000) * (1 + Decimal(str(eth_move_pct)) / 100)).quantize(Decimal("0.01"))
    if eth_mark is not None:
        mark = Decimal(str(eth_mark))
    start = len(ex.events)
    ex.set_mark("ETH-PERP", mark)
    eth = acct.positions.get("ETH-PERP")
    after = {"free balance": acct.wallet_balance,
             "ETH position": (max(ZERO, acct.isolated_margin("ETH-PERP")
                                  + eth.unrealized_pnl(mark)) if eth else ZERO),
             "BTC position": acct.isolated_margin("BTC-PERP")}
    return {"exchange": ex, "account": acct, "before": before, "after": after,
            "liquidation price": liq, "bankruptcy price": bkr, "mark": mark,
            "eth liquidated": eth is None, "events": ex.events.since(start)}


def fund_flows(r: dict) -> dict:
    """Where the ETH ring's margin M went in an :func:`isolated_pair` move, from its events::

        to the insurance fund     = the liquidation fee (what was left above the bankruptcy
                                    price, up to Q * P * fee rate)
        paid by the insurance fund = the deficit Q * (BP - fill) when the fill is below the
                                    bankruptcy price BP (negative balance protection)
        margin lost to the market = M - to the insurance fund - back to the free balance

    as floats, with the mark and the fill."""
    def total(kind):
        return sum((e.amount for e in r["events"] if e.kind == kind), ZERO)

    fill = next((e.price for e in r["events"] if e.kind == "liquidation"), None)
    margin = r["before"]["ETH position"]
    back = r["after"]["free balance"] - r["before"]["free balance"]
    to_fund = -total("liquidation fee")
    return {"mark": float(r["mark"]), "fill": float(fill) if fill is not None else None,
            "ETH margin": float(margin), "to the insurance fund": float(to_fund),
            "paid by the insurance fund": float(-total("insurance fund")),
            "margin lost to the market": float(margin - to_fund - back),
            "back to the free balance": float(back)}


def threshold_and_gap(*, leverage=10, gap_pct: float = -30) -> pd.DataFrame:
    """The lesson's ETH ring liquidated two ways (lesson 2, "Who pays"): with the mark one cent
    past its liquidation price (the maintenance threshold: what is left, about the maintenance
    margin, goes to the insurance fund as the liquidation fee) and after a gap of ``gap_pct`` %
    (below the bankruptcy price: the insurance fund pays the deficit). Columns: the two cases;
    rows: :func:`fund_flows`."""
    lp = isolated_pair(eth_move_pct=0, leverage=leverage)["liquidation price"]
    cases = {"at the liquidation price": isolated_pair(
                 eth_move_pct=0, leverage=leverage, eth_mark=lp.quantize(Decimal("0.01"),
                                                                         rounding="ROUND_FLOOR")),
             f"gap of {gap_pct:g} %": isolated_pair(eth_move_pct=gap_pct, leverage=leverage)}
    return pd.DataFrame({name: fund_flows(r) for name, r in cases.items()})


def liquidation_by_margin_added(*, extra_margins=(0, 100, 200, 400), leverage=10,
                                deposit: float = 1_000) -> pd.DataFrame:
    """How margin added to the lesson's isolated 2 ETH long (opened at 2,000 with ``leverage``,
    the BTC ring beside it, :func:`isolated_pair`) moves its liquidation and bankruptcy prices,
    before ETH moves. On Binance's rules (support FAQ "How to Calculate Liquidation Price of
    USDⓈ-M Futures Contracts"), with M = initial margin + added margin and the first tier
    (MMR 0.5 %, no maintenance amount)::

        liquidation price  LP = (Q * EP - M) / (Q * (1 - MMR))
        bankruptcy price   BP = EP - M / Q

    so each added dollar moves both prices 1 / Q further from the entry (LP slightly more).
    Modelled: each row is a fresh account (:func:`isolated_pair` with no move); an addition is
    capped at what the account has available, so the margin column shows what really went in.
    Simplified: no move, no funding, the mark stays at the entry.

    Index ``margin added`` (USDT asked for, one row per ``extra_margins``); columns
    ``ETH isolated margin`` (USDT), ``liquidation price`` and ``bankruptcy price`` (USDT per
    ETH), as floats.
    """
    rows = []
    for extra in extra_margins:
        r = isolated_pair(eth_move_pct=0, leverage=leverage, extra_margin=extra, deposit=deposit)
        rows.append({"margin added": extra,
                     "ETH isolated margin": float(r["before"]["ETH position"]),
                     "liquidation price": float(r["liquidation price"]),
                     "bankruptcy price": float(r["bankruptcy price"])})
    return pd.DataFrame(rows).set_index("margin added")
