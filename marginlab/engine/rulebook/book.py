"""The order book: a market order's price impact and a liquidation's average fill."""

from __future__ import annotations

from decimal import Decimal

from ._both import _at_least, _param


# A linear book of depth D (USD): a market order selling notional N (N < 0: buying) moves the
# price by -N / D per cent. This is the toy book of :func:`marginlab.simulation.market.cascade`;
# with a depth set (``Exchange(book_depth=...)``) the engine's liquidation closes fill through it
# instead of at the mark.
def book_price(price, notional, depth):
    """P' = P (1 - 0.01 N / D): the price after a market order selling notional N (N < 0 buys)
    through a linear book that moves 1 % per D USD; a caller floors P' at one tick.

    Depth D = 30,000: selling N = 3,000 at P = 2,000 moves the price 0.01 * 3,000 / 30,000 = 0.1 %
    down, to 1,998."""
    return price * (1 - _param(Decimal("0.01"), price) * notional / depth)


def book_fill_price(sign, quantity, price, depth, tick):
    """F = max(P (1 - s * 0.005 * Q P / D), tick): the average price at which a market order
    closing quantity Q of a position of side s (a long sells, s = +1; a short buys back, s = -1)
    fills through the linear book of :func:`book_price` from the mark P.

    The u-th unit sold meets the price the first u units left, P (1 - 0.01 s u P / D) (its
    notional taken at the mark P), linear in u; so the average over u in [0, Q] is the midpoint
    of P and the price after the whole order, ``(P + book_price(P, s Q P, D)) / 2``, which is F.
    A fill is never below one tick (a long too large for the book sells at the tick). Closing
    1 ETH long at 2,000 through D = 30,000: F = 2,000 (1 - 0.005 * 2,000 / 30,000) = 1,999.333...,
    0.666... below the mark; the price after is 1,998.666...."""
    half = _param(Decimal("0.005"), price)
    return _at_least(price * (1 - sign * half * quantity * price / depth), _param(tick, price))
