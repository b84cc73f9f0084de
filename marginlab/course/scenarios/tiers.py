"""Lesson 7, "Tiers in practice": the same leverage, a bigger position, an earlier liquidation.

Modelled: an isolated ETH long of notional N USDT opened at :data:`ENTRY` (Q = N / 2,000 ETH)
at leverage L on ``ETH_PERP``'s tiers (Binance's brackets, as of 2025) under Binance's rules.
Its margin is M = Q * EP / L and, with maintenance margin measured at the mark in tier n (the
tier of the notional Q * P at the liquidation price, Binance's "recompute with that
bracket")::

    equity = M + Q * (P - EP) = MM = Q * P * MMR_n - cum_n
    LP     = (Q * EP - M - cum_n) / (Q * (1 - MMR_n))
    fall % = 100 * (1 - LP / EP) = 100 * (1/L - MMR_n + cum_n / N) / (1 - MMR_n)   (N at entry)

With one tier (cum = 0) the fall is (1/L - MMR) / (1 - MMR), whatever the size. With tiers, a
bigger position sits in a tier with a higher MMR: at the same leverage it dies after a smaller
fall. A tier also caps the leverage (its ``max_leverage``): above it the venue refuses the order,
and the position here is opened at the tier's cap instead (``capped`` says so): there the
liquidation price jumps away from the entry, because the margin jumps up.
Simplified: the mark is the only price, no fees, one position alone in its ring.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ...engine.contracts import ETH_PERP
from ...engine.formulas import isolated_liquidation_price
from ...engine.rules import BINANCE

ENTRY = Decimal(2000)
NOTIONALS = (1_000, 2_000, 5_000, 8_000, 10_000, 20_000, 50_000, 80_000, 100_000, 200_000,
             500_000, 800_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000,
             5_000_000, 7_500_000, 10_000_000, 15_000_000, 20_000_000)
"""The sizes the app offers (USDT of notional at the entry), across ETH_PERP's tier floors."""


def tier_position(notional, leverage, *, spec=ETH_PERP, rules=BINANCE) -> dict:
    """One isolated long of ``notional`` USDT at ``leverage`` (capped at the maximum its size
    allows, ``tier max leverage``): the tier of its notional at the liquidation price (1 = the
    first) and that tier's MMR, the leverage used, the
    margin, the liquidation price and the fall it survives (module docstring), as floats; and
    ``no-tier fall %``, the fall with the first tier's MMR for every size (cum = 0)."""
    n = Decimal(str(notional))
    q = n / ENTRY
    cap = spec.max_leverage(n)  # the tier of the notional at entry caps the leverage
    used = min(Decimal(str(leverage)), cap)
    margin = n / used
    lp = isolated_liquidation_price("long", q, ENTRY, margin, spec, rules)
    tier = spec.tier(q * lp)  # maintenance margin: the tier of the notional at the LP
    first = spec.tiers[0].mmr
    return {"notional": float(n), "quantity": float(q), "tier": spec.tiers.index(tier) + 1,
            "MMR %": float(tier.mmr * 100), "tier max leverage": float(cap),
            "leverage used": float(used), "capped": bool(used < Decimal(str(leverage))),
            "margin": float(margin), "liquidation price": float(lp),
            "fall %": float(100 * (1 - lp / ENTRY)),
            "no-tier fall %": float(100 * (1 / used - first) / (1 - first))}


def tiers_in_practice(*, leverage=10, notionals=(5_000, 50_000, 500_000, 1_500_000, 3_000_000,
                                                 4_900_000, 6_000_000)) -> pd.DataFrame:
    """:func:`tier_position` for each size at one leverage (lesson 7, "Tiers in practice").

    Index ``notional`` (USDT); columns ``tier``, ``MMR %``, ``tier max leverage``,
    ``leverage used``, ``liquidation price``, ``fall %``, ``no-tier fall %``."""
    rows = [tier_position(n, leverage) for n in notionals]
    columns = ["notional", "tier", "MMR %", "tier max leverage", "leverage used",
               "liquidation price", "fall %", "no-tier fall %"]
    return pd.DataFrame(rows)[columns].set_index("notional")


def tier_curve(leverage, *, points: int = 160, spec=ETH_PERP) -> dict:
    """The fall survived against the size, for the app's curve: ``notional`` (log-spaced from
    1,000 to 20,000,000 USDT, plus every tier floor and the notional just below it, so the
    jumps are drawn where they are), ``fall %`` and ``no-tier fall %`` (lists of floats), and
    ``floors``, the tier floors in that range."""
    grid = set(np.geomspace(NOTIONALS[0], NOTIONALS[-1], points).round(2))
    floors = [float(t.floor) for t in spec.tiers if NOTIONALS[0] < t.floor <= NOTIONALS[-1]]
    grid |= set(floors) | {f - 0.01 for f in floors}
    notionals = sorted(grid)
    rows = [tier_position(n, leverage, spec=spec) for n in notionals]
    return {"notional": notionals, "fall %": [r["fall %"] for r in rows],
            "no-tier fall %": [r["no-tier fall %"] for r in rows], "floors": floors}
