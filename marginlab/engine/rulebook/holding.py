"""Holding a position: unrealized PnL, funding, tiers and maintenance margin, and the checks
on a bucket (available balance, initial collateral, liquidatable)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..numbers import MONEY_UNIT, ZERO
from ._both import _negative_part, _param
from .opening import initial_margin, notional_fee


def unrealized_pnl(size, price, entry_price):
    """uPnL = s * Q * (P - EP) = size * (P - EP); the same formula on the part closed gives the
    realized PnL of a fill at P."""
    return size * (price - entry_price)


def funding_payment(size, mark, rate):
    """Funding = size * P * rate: > 0 the position pays (a long when the rate is positive), < 0 it
    receives (Binance "Introduction to Funding Rates": position value times rate)."""
    return size * mark * rate


def initial_requirement(quantity, mark, entry_price, leverage, closing_fee_rate=ZERO):
    """One open position's share of its bucket's initial requirement: Q * P / L at the mark
    (Binance's "initial margin" in the available balance), plus the fee to close reserved at open,
    Q * EP * f_close (:func:`position_margin`; 0 where the venue does not count it)."""
    im = initial_margin(quantity, mark, leverage)
    return im + notional_fee(quantity, entry_price, closing_fee_rate) if closing_fee_rate else im


def tier_for(value: Decimal, tiers):
    """The tier (bracket, risk limit) whose range ``[floor_n, floor_{n+1})`` holds ``value``."""
    chosen = tiers[0]
    for tier in tiers[1:]:
        if value < tier.floor:
            break
        chosen = tier
    return chosen


def tier_maintenance_margin(value, tiers):
    """MM = V * MMR_n - cum_n, with n the tier holding the value V = Q * B (V >= 0).

    Binance "brackets" and Bybit "risk limits": each slice of notional at its own tier's rate,
    which the maintenance amount ``cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1})`` turns into
    one line (:func:`marginlab.contracts.make_tiers`). Floors 0 / 50,000 with MMR 0.4 % / 0.5 %:
    V = 60,000 gives 60,000 * 0.5 % - 50 = 250 = 50,000 * 0.4 % + 10,000 * 0.5 %.
    """
    if isinstance(value, Decimal):
        tier = tier_for(value, tiers)
        return value * tier.mmr - tier.cum
    floors = np.array([float(t.floor) for t in tiers])
    rates = np.array([float(t.mmr) for t in tiers])
    cums = np.array([float(t.cum) for t in tiers])
    lo, hi = np.searchsorted(floors, [np.min(value), np.max(value)], side="right") - 1
    if lo == hi:  # one tier holds every value: no per-element look-up
        return value * rates[lo] - cums[lo]
    n = np.maximum(np.searchsorted(floors, value, side="right") - 1, 0)
    return value * rates[n] - cums[n]


def maintenance_margin(quantity, basis_price, tiers, closing_fee_rate=ZERO):
    """MM = tier_MM(Q * B) + Q * B * f_close.

    B is the mark (Binance, Hyperliquid: MM shrinks as a long loses) or the entry price (Bybit
    classic, BitMEX: MM fixed); f_close is the taker fee where the venue counts the fee to close
    in maintenance margin (Bybit "Maintenance Margin (USDT Contract)", BitMEX), else 0."""
    value = quantity * basis_price
    mm = tier_maintenance_margin(value, tiers)
    return mm + value * _param(closing_fee_rate, value) if closing_fee_rate else mm


# --- checks ---------------------------------------------------------------------------------------
def available_balance(collateral, unrealized_pnl, initial):
    """collateral + min(0, uPnL) - initial requirement: what may open more or leave the bucket.

    Binance's available balance (cross: wallet balance; isolated: the "max removable margin" of
    an isolated position). A profit not yet realized does not count; a loss does. May be below
    zero when losses ate into the initial margin."""
    return collateral + _negative_part(unrealized_pnl) - initial


def is_initial_collateralized(collateral, unrealized_pnl, initial, cost=ZERO):
    """True when :func:`available_balance` covers ``cost`` (an order cost, a withdrawal): the
    check a venue makes before a trader opens more or takes money out (dYdX v4 names it
    ``IsInitialCollateralized``; it counts the whole net collateral, Binance only losses)."""
    return available_balance(collateral, unrealized_pnl, initial) >= cost


def is_liquidatable(equity, maintenance):
    """Margin ratio MM / equity at or above 100 %: ``MM > 0 and equity <= MM`` (Binance: "when
    the margin ratio reaches 100 %"; dYdX v4: liquidatable iff MMR > 0 and MMR > NC)."""
    return (maintenance > 0) & (equity <= maintenance)


def equity_is_gone(equity):
    """Equity below one settlement unit (1e-8 USDT): nothing is left to save, so a liquidation
    closes the whole bucket whatever the venue's policy (the bankruptcy case of every venue's
    liquidation page). One unit rather than zero, so that a step whose capped fee took exactly
    what was left reads the same in exact and in float arithmetic."""
    return equity < _param(MONEY_UNIT, equity)
