"""Unwinding: how much of a position one liquidation step closes, by venue policy."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..numbers import ZERO
from ._both import _minimum, _param, _positive_part, _where
from .holding import tier_maintenance_margin

# A step closes q of one position of a liquidatable bucket at the mark P and charges a fee
# q * P * f (to the insurance fund, and to the liquidator where the venue pays one). The bucket is
# compliant again when its equity is above its maintenance margin (margin ratio below 100 %):
#
#     E - q P f  >  MM_rest + MM_i(Q - q)                                     (compliance)
#
# with E the bucket's equity at the mark before the step, MM_rest the maintenance margin of the
# bucket's other positions and MM_i(Q - q) = tier MM((Q - q) B) + (Q - q) B (f_close + buffer)
# what the position still needs (B the price MM is measured on, :func:`maintenance_margin`; a
# ``buffer`` rate is Drift's liquidation margin buffer). Within one tier k the right side is
# linear in q, so the smallest q that complies is found tier by tier (:func:`cure_quantity`).
# Quantities are whole lots; a result equal to Q means "close it all" (no partial step helps).
LOT_SLACK = 1e-9
"""In float64 a count of lots within 1e-9 of a whole number is that whole number (0.2 * 3 BTC is
0.6000000000000001): so the simulator rounds to lots as the exact engine does."""


def lots_above(x, lot):
    """The smallest whole number of lots strictly above ``x`` (x >= 0): ``(floor(x/lot) + 1)``
    lots."""
    if isinstance(x, Decimal):
        return ((x / lot).to_integral_value(rounding="ROUND_FLOOR") + 1) * lot
    return (np.floor(np.asarray(x, dtype=float) / float(lot) + LOT_SLACK) + 1.0) * float(lot)


def lots_at_least(x, lot):
    """The smallest whole number of lots at or above ``x``: ``ceil(x/lot) lot``."""
    if isinstance(x, Decimal):
        return (x / lot).to_integral_value(rounding="ROUND_CEILING") * lot
    return np.ceil(np.asarray(x, dtype=float) / float(lot) - LOT_SLACK) * float(lot)


def lots_at_most(x, lot):
    """The largest whole number of lots at or below ``x``: ``floor(x/lot) lot``."""
    if isinstance(x, Decimal):
        return (x / lot).to_integral_value(rounding="ROUND_FLOOR") * lot
    return np.floor(np.asarray(x, dtype=float) / float(lot) + LOT_SLACK) * float(lot)


def _tier_bounds(quantity, basis, tier, next_floor, lot):
    """``(q_lo, q_hi)``: the lots q for which the value left, (Q - q) B, lies in
    ``[tier.floor, next_floor)``; empty when q_lo > q_hi."""
    lot = _param(lot, quantity)
    q_hi = _minimum(lots_at_most(quantity - _param(tier.floor, basis) / basis, lot), quantity)
    if next_floor is None:
        return lot + 0 * quantity, q_hi
    q_lo = lots_above(_positive_part(quantity - _param(next_floor, basis) / basis), lot)
    return _where(q_lo < lot, lot + 0 * quantity, q_lo), q_hi


def cure_quantity(quantity, mark, basis, tiers, equity, mm_rest, fee_rate, lot,
                  closing_fee_rate=ZERO, buffer_rate=ZERO):
    """The smallest whole number of lots q (0 < q <= Q) whose close at the mark brings the bucket
    back into compliance (see above); Q when no partial close does (close it all).

    In tier k (MMR m_k, maintenance amount cum_k) compliance reads ``c_k + a_k q > 0`` with::

        a_k = B (m_k + f_close + buffer) - P f
        c_k = E - MM_rest - Q B (m_k + f_close + buffer) + cum_k

    so if a_k > 0 the smallest q is the first lot above -c_k / a_k (Binance "Liquidation
    Protocols": one IOC order "without fully liquidating the user", stopping once the account is
    "margin compliant after ... the liquidation fee deductions"; Drift's
    ``calculate_base_asset_amount_to_cover_margin_shortage`` is the single-tier case,
    ``q = shortage / (P (m + buffer) - P f)``). If a_k <= 0 (the fee on a unit closed is more
    than the margin it frees) closing more never helps in that tier. The answer is the smallest
    such q over all tiers, or Q.
    """
    extra = _param(closing_fee_rate, basis) + _param(buffer_rate, basis)
    fee = _param(fee_rate, mark)
    best = quantity
    for k, tier in enumerate(tiers):
        next_floor = tiers[k + 1].floor if k + 1 < len(tiers) else None
        q_lo, q_hi = _tier_bounds(quantity, basis, tier, next_floor, lot)
        rate = _param(tier.mmr, basis) + extra
        a = basis * rate - mark * fee
        c = equity - mm_rest - quantity * basis * rate + _param(tier.cum, basis)
        safe_a = _where(a > 0, a, 1 + 0 * a)
        q_star = _where(a > 0, lots_above(_positive_part(-c / safe_a), _param(lot, a)), q_lo)
        q_star = _where(q_star < q_lo, q_lo, q_star)
        ok = (q_lo <= q_hi) & (q_star <= q_hi) & (c + a * q_star > 0)
        best = _where(ok & (q_star < best), q_star, best)
    return best


def step_down_quantity(quantity, mark, basis, tiers, equity, mm_rest, fee_rate, lot,
                       closing_fee_rate=ZERO):
    """Bybit / BitMEX risk-limit step-down: the smallest close that moves the position into a
    lower tier (value (Q - q) B below that tier's upper floor) and leaves the bucket compliant;
    Q when the position is in the lowest tier already, or no lower tier is enough.

    Bybit help center "Liquidation Process" (classic): on a higher risk limit, "a FillOrKill
    order whose value is the difference between the position value and the lower risk limit
    needed to meet MM", else the whole position is taken over at the bankruptcy price; BitMEX
    (/app/liquidation) the same ladder. The close is at the mark and pays ``fee_rate``. Here the
    tier is set by the position's value, so Bybit's step (a), choosing a lower risk limit without
    closing anything, does not arise.
    """
    fee = _param(fee_rate, mark)
    fc = _param(closing_fee_rate, basis)
    best = quantity
    for k in range(len(tiers) - 1, 0, -1):  # into tier k - 1: value below tiers[k].floor
        floor = _param(tiers[k].floor, basis)
        q = lots_above(_positive_part(quantity - floor / basis), _param(lot, quantity))
        left = quantity - q
        mm_left = tier_maintenance_margin(left * basis, tiers) + left * basis * fc
        ok = (q < quantity) & (quantity * basis >= floor) \
            & (equity - q * mark * fee > mm_rest + mm_left)
        best = _where(ok & (q < best), q, best)
    return best


def chunk_quantity(quantity, mark, threshold, share, lot, cooling):
    """Hyperliquid: a liquidatable position worth more than ``threshold`` (100,000 USDC) at the
    mark sends only ``share`` (20 %) of it, rounded up to a lot, as a market liquidation order;
    a smaller one, or any during the cooldown after a partial liquidation (``cooling``), is
    closed whole (Hyperliquid docs, trading/liquidations)."""
    part = _minimum(lots_at_least(quantity * _param(share, mark), _param(lot, mark)), quantity)
    large = quantity * mark > _param(threshold, mark)
    if isinstance(large, (bool, np.bool_)) and isinstance(cooling, (bool, np.bool_)):
        return part if large and not cooling else quantity
    return np.where(np.asarray(large) & ~np.asarray(cooling, dtype=bool), part, quantity)


def needs_backstop(equity, maintenance, ratio):
    """Hyperliquid's backstop liquidation: account equity below ``ratio`` (2/3) of maintenance
    margin, the liquidator vault takes the positions and the collateral over."""
    return equity < maintenance * _param(ratio, maintenance)
