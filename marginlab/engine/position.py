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

**Position modes** (Binance "Position Mode", Bybit and OKX "hedge mode"): in *one-way* mode an
account holds at most one position per symbol (position side ``"BOTH"``, key = the symbol); in
*hedge* mode it may hold a LONG leg and a SHORT leg of the same symbol at once, each a position of
its own with its own entry price and maintenance margin, keyed ``"<symbol>:LONG"`` and
``"<symbol>:SHORT"``. A hedge leg never flips: the account refuses a reduction larger than it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from . import rulebook
from .errors import InvalidSideError, PositionModeError
from .numbers import ZERO

CROSS, ISOLATED = "cross", "isolated"
LONG, SHORT = "long", "short"
ONE_WAY, HEDGE = "one_way", "hedge"
POSITION_MODES = (ONE_WAY, HEDGE)
BOTH, LONG_LEG, SHORT_LEG = "BOTH", "LONG", "SHORT"
LEG_SIGN = {LONG_LEG: 1, SHORT_LEG: -1}


@dataclass(frozen=True)
class Position:
    symbol: str
    size: Decimal
    entry_price: Decimal
    leverage: Decimal
    mode: str = CROSS
    position_side: str = BOTH

    @property
    def key(self) -> str:
        """The account's key of this position: the symbol (one-way) or "<symbol>:<LEG>"."""
        return position_key(self.symbol, self.position_side)

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


def position_key(symbol: str, position_side: str = BOTH) -> str:
    """``symbol`` for a one-way position, ``"<symbol>:LONG"`` / ``"<symbol>:SHORT"`` for a leg."""
    return symbol if position_side == BOTH else f"{symbol}:{position_side}"


def check_position_mode(position_mode) -> str:
    """``"one_way"`` or ``"hedge"``, else :class:`PositionModeError`."""
    if not isinstance(position_mode, str) or position_mode not in POSITION_MODES:
        raise PositionModeError(
            f"position mode must be 'one_way' (one position per symbol) or 'hedge' (a LONG and "
            f"a SHORT leg per symbol), got {position_mode!r}")
    return position_mode


def check_position_side(position_mode: str, position_side) -> str:
    """The position side an order names: ``"BOTH"`` in one-way mode (None accepted), ``"LONG"``
    or ``"SHORT"`` in hedge mode, where it is required (Binance's hedge-mode order rule)."""
    side = position_side.upper() if isinstance(position_side, str) else position_side
    if position_mode == ONE_WAY:
        if side not in (None, BOTH):
            raise PositionModeError(
                f"position_side={position_side!r} needs a hedge-mode account; in one-way mode a "
                f"symbol has one position: leave position_side out")
        return BOTH
    if side is None or side == BOTH:
        raise PositionModeError(
            "this account is in hedge mode: name the leg with position_side='LONG' or 'SHORT' "
            "(buy LONG opens a long, sell LONG reduces it; sell SHORT opens a short, buy SHORT "
            "reduces it)")
    if side not in LEG_SIGN:
        raise InvalidSideError(f"position_side must be 'LONG' or 'SHORT', got {position_side!r}")
    return side
