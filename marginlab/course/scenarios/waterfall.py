"""Lesson 5: where an isolated position's margin goes when it is liquidated, venue by venue.

Modelled: one isolated long of 1 ETH at 2,000 on a venue's rules (:data:`VENUES`, presets of
:mod:`marginlab.engine.rules`). The mark lands ``gap_pct`` % beyond the liquidation price, in
one step (a gap, as in a fast market). The engine liquidates; the event log then splits the
position's margin M into::

    lost to the market       = M - back to the trader - to the insurance fund
    to the insurance fund    = the liquidation fee (or the surplus above the bankruptcy price)
    to the backstop vault    = Hyperliquid: what is left when equity fell below 2/3 of the
                               maintenance margin, kept by the liquidator vault
    back to the trader       = what returns to the wallet

and, when the fill is beyond the bankruptcy price, the deficit ``Q * (P_bankruptcy - fill)``
paid by the insurance fund or left unrecovered. Simplified: one position, a one-step gap, no
funding; Hyperliquid's ETH contract is :data:`HYPERLIQUID_ETH`, the others use ``ETH_PERP``
(both presets of :mod:`marginlab.engine.contracts`, dated, with their sources;
:func:`venue_parameters` tabulates them).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.contracts import ETH_PERP, HYPERLIQUID_ETH_PERP
from ...engine.exchange import Exchange
from ...engine.money import floor_to
from ...engine.rules import PRESETS

VENUES = ("Binance", "Bybit (classic)", "BitMEX", "Hyperliquid")
# Hyperliquid: 25x max since March 2025, "remaining collateral stays with the trader".
HYPERLIQUID_ETH = HYPERLIQUID_ETH_PERP


def contract_for(venue: str):
    """The ETH contract on ``venue``: Hyperliquid's maintenance margin is half the initial
    margin at its maximum leverage (:data:`HYPERLIQUID_ETH`, 25x as of March 2025: MMR 2 %);
    the others use ``ETH_PERP``'s tiers."""
    return HYPERLIQUID_ETH if venue == "Hyperliquid" else ETH_PERP


def venue_max_leverage(venues=VENUES) -> int:
    """The highest leverage every venue of ``venues`` allows for a 1 ETH position at 2,000
    (the lowest of their maximums): the top of the lesson 5 app's leverage slider."""
    return int(min(contract_for(v).max_leverage(Decimal(2000)) for v in venues))


def venue_parameters(venues=VENUES) -> pd.DataFrame:
    """The ETH contract and rules each venue's preset uses, with their date and source (lessons
    5 and 7 quote them): maximum leverage and maintenance margin rate of the first tier, the
    liquidation fee and taker fee (rates on notional, in %), where maintenance margin is
    measured (mark or entry), the liquidation fill (mark or bankruptcy price), the unwinding
    policy, ``as of`` and ``source`` (the contract's, then the rules')."""
    rows = []
    for venue in venues:
        spec, rules = contract_for(venue), PRESETS[venue]
        rows.append({"venue": venue, "max leverage": float(spec.max_leverage()),
                     "MMR %": float(spec.mmr * 100),
                     "liquidation fee %": float(spec.liquidation_fee * 100),
                     "taker fee %": float(spec.taker_fee * 100), "MM on": rules.mm_basis,
                     "filled at": rules.liquidation_fill, "policy": rules.liquidation_policy,
                     "as of": spec.as_of, "source": f"{spec.source}; {rules.source}"})
    return pd.DataFrame(rows).set_index("venue")


def liquidate_with_gap(venue: str, *, leverage, gap_pct: float, fund: float = 1_000,
                       deposit: float = 1_000) -> dict:
    """Open 1 ETH long isolated at 2,000, put the mark ``gap_pct`` % below its liquidation
    price, and account for every dollar of the liquidation from the engine's event log (keys:
    see the module docstring, plus the prices, the fill and the engine's message)."""
    spec = contract_for(venue)
    ex = Exchange(contracts=[spec], rules=PRESETS[venue], marks={"ETH-PERP": 2000},
                  insurance_fund=fund)
    acct = ex.open_account("trader", deposit=deposit, mode="isolated")
    acct.buy("ETH-PERP", 1, leverage=leverage)
    margin = acct.isolated_margin("ETH-PERP")
    maintenance = acct.maintenance_margin("ETH-PERP")
    wallet = acct.wallet_balance
    liq = acct.liquidation_price("ETH-PERP")
    bkr = acct.bankruptcy_price("ETH-PERP")
    mark = liq * (1 - Decimal(str(gap_pct)) / 100)
    mark = floor_to(mark, spec.tick_size)
    start = len(ex.events)
    ex.set_mark("ETH-PERP", mark)
    events = ex.events.since(start)

    def total(kind):
        return sum((e.amount for e in events if e.kind == kind), Decimal(0))

    fund_paid = -total("insurance fund")
    unrecovered = total("unrecovered loss")
    back = acct.wallet_balance - wallet
    to_fund = -total("liquidation fee")
    to_vault = ex.backstop_vault
    lost = margin - back - to_fund - to_vault
    liquidation = next(e for e in events if e.kind in ("liquidation", "backstop"))
    return {
        "venue": venue, "margin posted": margin, "lost to the market": lost,
        "to the insurance fund": to_fund, "to the backstop vault": to_vault,
        "back to the trader": back,
        "deficit paid by the fund": fund_paid, "deficit unrecovered": unrecovered,
        "liquidation price": liq, "bankruptcy price": bkr, "mark": mark,
        "maintenance margin at entry": maintenance,
        "fill": liquidation.price, "message": liquidation.message,
        "trader balance after": acct.total_balance, "exchange": ex,
    }


def venue_comparison(*, leverage=20) -> pd.DataFrame:
    """The same isolated long (1 ETH at 2,000) on every venue, liquidated right at its
    liquidation price: maintenance margin at entry, liquidation and bankruptcy prices, and
    where the margin left at the liquidation price goes."""
    rows = []
    for venue in VENUES:
        r = liquidate_with_gap(venue, leverage=leverage, gap_pct=0)
        rows.append({"venue": venue, "MM at entry": float(r["maintenance margin at entry"]),
                     "liquidation price": float(r["liquidation price"]),
                     "bankruptcy price": float(r["bankruptcy price"]),
                     "to insurance fund": float(r["to the insurance fund"]),
                     "back to trader": float(r["back to the trader"])})
    return pd.DataFrame(rows).set_index("venue")
