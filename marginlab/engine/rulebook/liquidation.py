"""Liquidation: the bankruptcy price, the deficit and its shares, the liquidation fee and the
insurance fund's payment."""

from __future__ import annotations

from ._both import _minimum, _positive_part


def bankruptcy_price(sign, quantity, price, equity):
    """P_b = P - s * E / Q: the price at which a position whose bucket has equity E at price P
    leaves that bucket with exactly nothing.

    At the entry price (E = collateral + the other positions' uPnL) this is Bybit's isolated
    ``EP * (1 - 1/L)`` for a long opened with margin Q * EP / L and BitMEX's ``EP - wallet / Q``.
    At the mark of a bankrupt bucket (E = -D_i < 0, this position's share of the deficit) it is
    the price the ADL queue fills at: ``P + s * D_i / Q`` (dYdX v4's bankruptcy price).
    The caller decides what a price at or below zero means (no such price, or one tick).
    """
    return price - sign * equity / quantity


def share_deficit(deficit, weights):
    """D_i = D * w_i / sum w: a bankrupt bucket's deficit shared among its positions in proportion
    to ``weights``, their maintenance margins (dYdX v4 ``x/clob/keeper/liquidations.go``: "the
    deficit is allocated by maintenance margin"); equal shares if every weight is 0."""
    total = sum(weights)
    if not total > 0:
        return [deficit / len(weights) for _ in weights]
    return [deficit * w / total for w in weights]


def deficit(equity):
    """D = max(0, -E): what a bucket whose equity E is below zero lacks (its bankruptcy)."""
    return _positive_part(-equity)


def liquidation_fee(left, due, whole_surplus: bool):
    """``(fee, kept)``: what a liquidated bucket pays the insurance fund out of ``left``, its
    equity once every position is closed at the mark, and what it keeps.

    * mark-price venues (Binance clearance fee, Hyperliquid with rate 0):
      ``fee = min(max(left, 0), due)`` with ``due = sum Q * P * liquidation fee rate``;
    * bankruptcy-price venues (Bybit, BitMEX, ``whole_surplus``): the position is taken over at
      its bankruptcy price, so the fund keeps the whole surplus: ``fee = max(left, 0)``.

    A negative ``left`` pays nothing and keeps nothing: it is a deficit (:func:`deficit_waterfall`).
    """
    surplus = _positive_part(left)
    fee = surplus if whole_surplus else _minimum(surplus, due)
    return fee, surplus - fee


def deficit_waterfall(deficit, fund):
    """``(fund pays, unrecovered)``: a bankrupt bucket's deficit D is paid by the insurance fund
    as far as it goes, ``min(D, fund)``; the rest is left to loss sharing (ADL, socialized loss)
    or, when nothing else pays, unrecovered (Binance insurance fund FAQ: the fund restores a
    negative balance to zero)."""
    paid = _minimum(deficit, fund)
    return paid, deficit - paid
