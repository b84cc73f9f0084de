"""Lesson 1: one isolated position, its leverage and where it dies.

Modelled: ``quantity`` ETH bought at ``entry`` with isolated margin ``Q * entry / L`` (the
initial margin; the opening fee is paid from the wallet, not from this margin), under a venue's
maintenance-margin tiers. For a long (s = +1) or a short (s = -1)::

    uPnL = s * Q * (P - entry)         equity = margin + uPnL
    MM   = tier MM of the notional Q * P          margin ratio = MM / equity
    liquidation price: equity = MM      bankruptcy price: equity = 0 (entry - s * margin / Q)

Simplified: the mark is the only price (no index, no funding), one position alone in its ring.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.contracts import ETH_PERP
from ...engine.formulas import bankruptcy_price, isolated_liquidation_price
from ...engine.position import ISOLATED, Position
from ...engine.risk import bucket_risk
from ...engine.rules import BINANCE


def initial_margin(quantity, entry, leverage, spec=ETH_PERP) -> Decimal:
    """``Q * entry / L``, after checking that ``spec`` allows ``leverage`` at that notional."""
    q, p = Decimal(str(quantity)), Decimal(str(entry))
    return q * p / spec.check_leverage(leverage, q * p)


def one_position(*, side: str, leverage, move_pct: float, entry: float = 2000.0,
                 quantity: float = 1.0, spec=ETH_PERP, rules=BINANCE) -> dict:
    """Open ``quantity`` on ``side`` at ``entry`` with ``leverage``, move the mark by
    ``move_pct`` % and report the numbers of the module docstring (floats; prices None when
    there is none)."""
    s = 1 if side == "long" else -1
    q = Decimal(str(quantity))
    entry = Decimal(str(entry))
    lev = spec.check_leverage(leverage, q * entry)
    mark = entry * (1 + Decimal(str(move_pct)) / 100)
    margin = q * entry / lev
    pos = Position(spec.symbol, s * q, entry, lev, ISOLATED)
    risk = bucket_risk(margin, [pos], {spec.symbol: mark}, {spec.symbol: spec}, rules)
    liq = isolated_liquidation_price(side, q, entry, margin, spec, rules)
    bkr = bankruptcy_price(side, q, entry, margin)
    return {
        "side": side, "leverage": float(lev), "mark": float(mark),
        "notional": float(pos.notional(mark)), "initial margin": float(margin),
        "maintenance margin": float(risk.maintenance),
        "unrealized PnL": float(pos.unrealized_pnl(mark)),
        "ROI %": float(pos.roi(mark) * 100),
        "equity": float(risk.equity),
        "margin ratio %": min(float(risk.margin_ratio * 100), 1e6),
        "liquidation price": float(liq) if liq is not None else None,
        "bankruptcy price": float(bkr) if bkr is not None else None,
        "liquidated": risk.is_liquidatable,
    }


def leverage_ladder(leverages=(2, 5, 10, 20, 50, 100), *, quantity=1, entry=2000,
                    spec=ETH_PERP, rules=BINANCE) -> pd.DataFrame:
    """One isolated long at each leverage: initial margin, liquidation and bankruptcy prices,
    and the move (in %) from the entry to the liquidation price."""
    rows = []
    for lev in leverages:
        margin = initial_margin(quantity, entry, lev, spec)
        liq = isolated_liquidation_price("long", quantity, entry, margin, spec, rules)
        bkr = bankruptcy_price("long", quantity, entry, margin)
        rows.append({"leverage": f"{lev}x", "initial margin": float(margin),
                     "liquidation price": float(liq), "bankruptcy price": float(bkr),
                     "move to liquidation %": float((liq / entry - 1) * 100)})
    return pd.DataFrame(rows).set_index("leverage")


def margin_at_entry_and_at_mark(*, leverage=10, mark: float = 1_900, quantity=1, entry=2000,
                                spec=ETH_PERP) -> pd.DataFrame:
    """The two measures of initial margin and ROI a learner meets (lesson 1): the margin posted
    at entry, Q * EP / L, and Binance's initial margin measured at the mark, Q * MP / L (its
    position table and ROI use it: ``ROI = uPnL / (Q * MP * IMR)``, Binance support FAQ "How to
    Calculate Liquidation Price of USDⓈ-M Futures Contracts" and "Leverage & Margin"). With
    uPnL = Q * (MP - EP) for a long::

        at entry:  IM = Q * EP / L    ROI = uPnL / (Q * EP / L)
        at mark:   IM = Q * MP / L    ROI = uPnL / (Q * MP / L)

    Index ``measured at`` (``entry``, ``mark (Binance)``); columns ``initial margin`` and
    ``ROI %`` (floats)."""
    q, ep, mp = Decimal(str(quantity)), Decimal(str(entry)), Decimal(str(mark))
    lev = spec.check_leverage(leverage, q * ep)
    upnl = q * (mp - ep)
    rows = [{"measured at": name, "initial margin": float(q * p / lev),
             "ROI %": float(100 * upnl / (q * p / lev))}
            for name, p in (("entry", ep), ("mark (Binance)", mp))]
    return pd.DataFrame(rows).set_index("measured at")


def isolated_liquidation_by_hand(*, quantity=1, entry=2000, margin=200, spec=ETH_PERP,
                                 rules=BINANCE) -> dict:
    """The isolated long's liquidation price solved by hand from "equity = maintenance margin"
    (lesson 1), next to the engine's. With MM measured at the mark in the tier of the notional
    at the liquidation price (Binance)::

        equity = M + Q * (P - EP)          MM = Q * P * MMR - cum
        M + Q * P - Q * EP = Q * P * MMR - cum
        P = (Q * EP - M - cum) / (Q * (1 - MMR))

    Returns the terms (``Q``, ``EP``, ``M``, ``MMR``, ``cum``; the tier is the one the engine's
    answer falls in), ``by hand`` and ``engine`` (:func:`~marginlab.engine.formulas.
    isolated_liquidation_price`), as floats."""
    q, ep, m = Decimal(str(quantity)), Decimal(str(entry)), Decimal(str(margin))
    engine = isolated_liquidation_price("long", q, ep, m, spec, rules)
    tier = spec.tier(q * engine)
    by_hand = (q * ep - m - tier.cum) / (q * (1 - tier.mmr))
    return {"Q": float(q), "EP": float(ep), "M": float(m), "MMR": float(tier.mmr),
            "cum": float(tier.cum), "by hand": float(by_hand), "engine": float(engine)}
