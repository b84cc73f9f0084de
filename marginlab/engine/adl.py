"""Auto-deleveraging (ADL) queue: who is closed, first, when the insurance fund cannot pay.

Only profitable positions on the side opposite to the bankrupt one are eligible. Each gets a
score; the highest score is deleveraged first, at the bankrupt position's bankruptcy price.

* ``pnl_x_margin_ratio`` (Binance)::

      PnL% = max(0, uPnL) / max(1, WB),   margin ratio = MM / (WB + uPnL),   score = PnL% * ratio

  with WB the collateral of the position's bucket (wallet balance or isolated margin).
* ``pnl_x_effective_leverage`` (BitMEX)::

      PnL% = uPnL / (Q * EP),   EffLev = Q * P / equity,
      score = PnL% * EffLev if PnL% > 0 else PnL% / EffLev

A ranking is any function ``f(candidate) -> number``: pass your own as ``adl_ranking``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .numbers import ONE, ZERO
from .position import Position


@dataclass(frozen=True)
class AdlCandidate:
    """What a ranking may look at for one opposite-side position."""

    trader: str
    position: Position
    mark: Decimal
    collateral: Decimal  # the bucket's wallet balance or isolated margin
    bucket: object  # a Risk: equity, initial and maintenance margin of the position's bucket

    @property
    def unrealized_pnl(self) -> Decimal:
        return self.position.unrealized_pnl(self.mark)


def pnl_x_margin_ratio(c: AdlCandidate) -> Decimal:
    pnl_pct = max(ZERO, c.unrealized_pnl) / max(ONE, c.collateral)
    ratio = c.bucket.maintenance / c.bucket.equity if c.bucket.equity > 0 else ZERO
    return pnl_pct * ratio


def pnl_x_effective_leverage(c: AdlCandidate) -> Decimal:
    pnl_pct = c.unrealized_pnl / c.position.entry_value
    if c.bucket.equity <= 0:
        return ZERO
    eff_lev = c.position.notional(c.mark) / c.bucket.equity
    return pnl_pct * eff_lev if pnl_pct > 0 else pnl_pct / eff_lev


RANKINGS = {
    "pnl_x_margin_ratio": pnl_x_margin_ratio,
    "pnl_x_effective_leverage": pnl_x_effective_leverage,
}


def adl_queue(candidates, ranking) -> list[AdlCandidate]:
    """Profitable candidates, highest score first (ties: larger quantity, then trader name)."""
    score = RANKINGS[ranking] if isinstance(ranking, str) else ranking
    eligible = [c for c in candidates if c.unrealized_pnl > 0]
    return sorted(eligible, key=lambda c: (-Decimal(score(c)), -c.position.quantity, c.trader))
