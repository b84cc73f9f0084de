"""Mark, index and funding: the premium, its average, the funding rate, the decaying basis
and the mark price."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..numbers import ZERO
from ._both import _clip, _param


# The index I_t is the spot price (venues: a volume-weighted average over spot exchanges); the mark
# is the index plus a basis, M_t = I_t + b_t. Liquidation and margin use the mark, the PnL of a
# close uses its fill. Funding is paid every interval at the rate F set by the premium of the mark
# over the index during that interval, so a perpetual that trades above spot costs its longs.
def premium(mark, index):
    """One premium sample, ``(M - I) / I``: the mark's premium (> 0) or discount (< 0) over the
    index. A model: venues measure the premium with the impact bid/ask prices of the order book,
    ``[max(0, impact bid - I) - max(0, I - impact ask)] / I`` (Binance "Introduction to Binance
    Futures Funding Rates"; Bybit "Funding Rate"), which this model has no book for."""
    return (mark - index) / index


def average_premium(samples):
    """P = (1 p_1 + 2 p_2 + ... + n p_n) / (1 + 2 + ... + n): the time-weighted average of the
    n premium samples of a funding interval, the latest weighing most (Binance "Introduction to
    Binance Futures Funding Rates": the premium index every 5 s, averaged with weights 1 to n).

    ``samples`` is a list of Decimals, or a float array averaged along its last axis."""
    if isinstance(samples, list | tuple):
        n = len(samples)
        return sum(((i + 1) * p for i, p in enumerate(samples)), ZERO) / (n * (n + 1) // 2)
    values = np.asarray(samples, dtype=float)
    weights = np.arange(1, values.shape[-1] + 1, dtype=float)
    return values @ weights / weights.sum()


def funding_rate(average, interest, clamp, cap):
    """F = clamp(P + clamp(I - P, -c, +c), -cap, +cap): the funding rate of an interval from its
    average premium P (:func:`average_premium`), the interest rate I (0.01 % per 8 h on Binance),
    the dampener c (0.05 %) and the contract's funding cap (Binance "Introduction to Binance
    Futures Funding Rates"; Bybit "Funding Rate" the same shape). While |I - P| <= c the rate
    is I: a small premium leaves the interest rate alone."""
    i, c, k = (_param(v, average) for v in (interest, clamp, cap))
    return _clip(average + _clip(i - average, -c, c), -k, k)


def decayed_basis(basis, elapsed, half_life):
    """b_t = b_0 * 2^(-t / h): a basis ``b_0`` that halves every ``h`` steps, ``t`` steps after it
    appeared. A model of how a mark converges back to the index: Binance's "Mark Price" is the
    median of the index plus a moving average of the basis, the index times the funding due, and
    the last price, so a basis that opens on the perpetual fades from the mark as it closes."""
    if isinstance(basis, Decimal):
        return basis * Decimal(2) ** (-Decimal(elapsed) / Decimal(half_life))
    return basis * np.exp2(-np.asarray(elapsed, dtype=float) / float(half_life))


def mark_price(index, basis):
    """M = I + b: the mark is the index plus the basis (Binance "Mark Price": the price index plus
    a moving average of the basis)."""
    return index + basis
