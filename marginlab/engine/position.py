"""A position in one linear perpetual: an immutable value, changed only by applying a fill.

Notation: ``size`` is signed (long > 0, short < 0), Q = |size|, s = sign(size), EP the average
entry price, P the mark price, L the leverage::

    notional        = Q * P
    unrealized PnL  = s * Q * (P - EP)
    initial margin  = Q * P / L
    ROI             = uPnL / (Q * P / L)

Adding to a position averages the entry price, weighted by quantity::

    EP_new = (Q_old * EP_old + q * price) / (Q_old + q)

Reducing by q realizes ``s * q * (price - EP)`` and keeps EP. A fill larger than the position
closes it (realizing PnL on all of it) and opens the rest on the other side at the fill price.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from . import rulebook
from .numbers import ZERO

CROSS, ISOLATED = "cross", "isolated"
LONG, SHORT = "long", "short"


@dataclass(frozen=True)
class Position:
    symbol: str
    size: Decimal
    entry_price: Decimal
    leverage: Decimal
    mode: str = CROSS

    @property
    def side(self) -> str:
        return LONG if self.size > 0 else SHORT

    @property
    def sign(self) -> int:
        return 1 if self.size > 0 else -1

    @property
    def quantity(self) -> Decimal:
        return abs(self.size)

    @property
    def entry_value(self) -> Decimal:
        """Q * EP."""
        return self.quantity * self.entry_price

    def notional(self, mark: Decimal) -> Decimal:
        """Q * P."""
        return self.quantity * mark

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        """s * Q * (P - EP)."""
        return rulebook.unrealized_pnl(self.size, mark, self.entry_price)

    def initial_margin(self, mark: Decimal) -> Decimal:
        """Q * P / L."""
        return rulebook.initial_margin(self.quantity, mark, self.leverage)

    def roi(self, mark: Decimal) -> Decimal:
        """uPnL / (Q * P / L): the return on the margin the position ties up."""
        return self.unrealized_pnl(mark) / self.initial_margin(mark)

    def apply_fill(self, signed_qty: Decimal, price: Decimal) -> tuple[Position | None, Decimal,
                                                                       Decimal]:
        """Apply a fill of ``signed_qty`` (buy > 0, sell < 0) at ``price``.

        Returns ``(new position or None if flat, realized PnL, quantity closed)``.
        """
        if signed_qty * self.size > 0:  # same side: add and average the entry price
            new_size = self.size + signed_qty
            entry = (self.quantity * self.entry_price + abs(signed_qty) * price) / abs(new_size)
            return replace(self, size=new_size, entry_price=entry), ZERO, ZERO
        closed = min(abs(signed_qty), self.quantity)
        # realized PnL: the uPnL formula on the part closed, at the fill price
        realized = rulebook.unrealized_pnl(self.sign * closed, price, self.entry_price)
        new_size = self.size + signed_qty
        if new_size == 0:
            return None, realized, closed
        if new_size * self.size > 0:  # partial reduction keeps the entry price
            return replace(self, size=new_size), realized, closed
        return replace(self, size=new_size, entry_price=price), realized, closed  # flipped
