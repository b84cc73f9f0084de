"""The rulebook: every venue rule written once, for the exact engine and the fast simulator.

Each rule is a small pure function of numbers. Given :class:`decimal.Decimal` numbers it computes
exactly, as the engine needs (:mod:`.risk`, :mod:`.account`, :mod:`.liquidation`,
:mod:`.exchange`); given floats or numpy arrays it computes the same formula element by element
in float64, as the vectorized replay needs (:mod:`marginlab.simulation.replay`). Venue parameters
(rates, tiers) are Decimals in the contract specs: a rule turns them into floats when it works on
arrays. Which rule a venue applies (the mark or the entry price, fee to close or not) is read from
its :class:`~marginlab.rules.VenueRules` by :mod:`.risk`; the rules here only take numbers.

Notation: s = +1 long / -1 short, Q the quantity, ``size`` = s * Q, P a price (the mark), EP the
entry price, L the leverage, B the price maintenance margin is measured on, f a fee rate.

=================  =================================================================
opening            :func:`initial_margin`, :func:`notional_fee`, :func:`position_margin`,
                   :func:`order_cost`, :func:`affordable_quantity`
holding            :func:`unrealized_pnl`, :func:`funding_payment`,
                   :func:`initial_requirement`, :func:`tier_for`,
                   :func:`tier_maintenance_margin`, :func:`maintenance_margin`
checks             :func:`available_balance`, :func:`is_initial_collateralized`,
                   :func:`is_liquidatable`
liquidation        :func:`bankruptcy_price`, :func:`deficit`, :func:`share_deficit`,
                   :func:`liquidation_fee`, :func:`deficit_waterfall`
=================  =================================================================

A rule added later (partial liquidation, a new venue's fee) goes here, once, and both the engine
and the simulator call it. Each docstring names the venue page (or open-source code) it follows.
tests/test_differential.py checks that the engine and the simulator, both built on these rules,
agree on any scenario.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from .numbers import ZERO


# --- how a rule works on both kinds of number ---------------------------------------------------
def _param(value: Decimal, like):
    """A venue parameter (a Decimal) in the arithmetic of ``like``: exact next to a Decimal,
    a float next to anything else."""
    return value if isinstance(like, Decimal) else float(value)


def _minimum(a, b):
    return min(a, b) if isinstance(a, Decimal) and isinstance(b, Decimal) else np.minimum(a, b)


def _positive_part(x):
    """max(x, 0)."""
    return max(x, ZERO) if isinstance(x, Decimal) else np.maximum(x, 0.0)


def _negative_part(x):
    """min(x, 0)."""
    return min(x, ZERO) if isinstance(x, Decimal) else np.minimum(x, 0.0)


# --- opening --------------------------------------------------------------------------------------
def initial_margin(quantity, price, leverage):
    """IM = Q * P / L: the margin a position of notional Q * P ties up at leverage L."""
    return quantity * price / leverage


def notional_fee(quantity, price, rate):
    """Q * P * f: a trading fee, a liquidation (clearance) fee, or the fee to close reserved at
    open: every venue fee is a rate on the notional."""
    return quantity * price * _param(rate, price)


def position_margin(quantity, price, leverage, closing_fee_rate=ZERO):
    """IM + Q * P * f_close: what an opened position's margin holds.

    Bybit (help center "Order Cost", "Position Margin") and BitMEX ("initial margin includes the
    exit fee") reserve the fee to close the position next to its initial margin, because their
    maintenance margin counts that fee (:func:`maintenance_margin`). marginlab reserves it at the
    fill price and measures it in maintenance margin at the entry price, so the two cancel in an
    isolated liquidation price exactly: Bybit's long 1 BTC at 20,000, 50x, MMR 0.5 %, taker
    0.055 % has margin 400 + 11 and MM 100 + 11, LP = 20,000 - (411 - 111) / 1 = 19,700.
    (Bybit itself prices the fee to close at the bankruptcy price, 19,600 * 0.055 % = 10.78:
    marginlab simplifies that to the entry price, a difference of Q * (EP - BP) * f.) Venues that
    do not count the fee (Binance, Hyperliquid) have ``closing_fee_rate`` 0: margin = IM.
    An isolated position keeps this whole amount in its own place; in cross it stays in the wallet
    and counts in the bucket's initial requirement (:func:`initial_requirement`).
    """
    im = initial_margin(quantity, price, leverage)
    return im + notional_fee(quantity, price, closing_fee_rate) if closing_fee_rate else im


def order_cost(quantity, price, leverage, opening_fee_rate, closing_fee_rate=ZERO):
    """Order cost = IM + fee to open + fee to close = Q * P * (1/L + f_open + f_close).

    What an order needs of the available balance (Bybit "Order Cost": "initial margin + fee to
    open + fee to close"; Binance has no fee to close, f_close = 0)."""
    return (position_margin(quantity, price, leverage, closing_fee_rate)
            + notional_fee(quantity, price, opening_fee_rate))


def affordable_quantity(budget, price, leverage, opening_fee_rate, closing_fee_rate=ZERO):
    """Q = budget / (P * (1/L + f_open + f_close)): the quantity whose :func:`order_cost` is
    exactly ``budget`` (before rounding down to the lot size and the tier caps)."""
    per_unit = (price / leverage + price * _param(opening_fee_rate, price)
                + price * _param(closing_fee_rate, price))
    return budget / per_unit


# --- holding --------------------------------------------------------------------------------------
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


# --- liquidation ----------------------------------------------------------------------------------
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
