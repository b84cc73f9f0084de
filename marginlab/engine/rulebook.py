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
unwinding          :func:`cure_quantity`, :func:`step_down_quantity`, :func:`chunk_quantity`,
                   :func:`needs_backstop` (how much a liquidation step closes), with
                   :func:`lots_above`, :func:`lots_at_least`, :func:`lots_at_most`
mark, index and    :func:`premium`, :func:`average_premium`, :func:`funding_rate`,
funding            :func:`decayed_basis`, :func:`mark_price`
loss sharing       :func:`capped_rate`, :func:`capped_shares`, :func:`profit_shares`,
                   :func:`open_interest_shares`, :func:`loss_per_unit`
order book         :func:`book_price`, :func:`book_fill_price`
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
    a float next to anything else (an array of parameters, one per row, stays as it is)."""
    if isinstance(like, Decimal) or isinstance(value, np.ndarray):
        return value
    return float(value)


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


# --- unwinding: how much of a position a liquidation step closes -------------------------------
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


def _where(condition, a, b):
    if isinstance(condition, (bool, np.bool_)) and not isinstance(a, np.ndarray) \
            and not isinstance(b, np.ndarray):
        return a if condition else b
    return np.where(condition, a, b)


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


# --- mark, index and funding ----------------------------------------------------------------------
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


def _clip(x, low, high):
    if isinstance(x, Decimal):
        return min(max(x, low), high)
    return np.clip(x, low, high)


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


# --- order book: a market order's price impact -------------------------------------------------
# A linear book of depth D (USD): a market order selling notional N (N < 0: buying) moves the
# price by -N / D per cent. This is the toy book of :func:`marginlab.simulation.market.cascade`;
# with a depth set (``Exchange(book_depth=...)``) the engine's liquidation closes fill through it
# instead of at the mark.
def _at_least(x, low):
    return max(x, low) if isinstance(x, Decimal) else np.maximum(x, low)


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


# --- loss sharing: who pays a deficit the insurance fund could not -------------------------------
# A shortfall S is shared among payers i, each with a weight w_i >= 0 (its profit, or its open
# interest) and a cap c_i >= 0 (what it may give at most). All pay the same rate r per unit of
# weight, except those whose cap is below r * w_i, who pay their cap; r is the smallest rate at
# which the payers cover S, or every cap when the caps together fall short:
#
#     share_i = min(r * w_i, c_i),     sum_i share_i = min(S, sum of c_i over w_i > 0)
#
# So what a capped payer cannot pay is passed on to the others, by the same rule.
def capped_rate(total, weights, caps):
    """r: the common rate per unit of weight at which ``sum min(r * w_i, c_i)`` reaches
    ``min(total, sum c_i)`` (payers with w_i = 0 take no part); 0 when there is nothing to share.

    Sorting the payers by t_i = c_i / w_i (the rate at which each reaches its cap), the sum paid
    at rate t_k is ``sum_{j<k} c_j + t_k * sum_{j>=k} w_j``: r lies in the first interval where
    that reaches the target, ``r = (target - sum_{j<k} c_j) / sum_{j>=k} w_j``. Decimals give the
    exact rate (lists of Decimals in), floats or numpy arrays the float64 one.

    >>> capped_rate(Decimal(200), [Decimal(560), Decimal(140)], [Decimal(100), Decimal(140)])
    Decimal('0.7142857142857142857142857143')
    """
    if isinstance(total, Decimal):
        return _capped_rate_exact(total, weights, caps)
    w = np.asarray(weights, dtype=float)
    c = np.maximum(np.asarray(caps, dtype=float), 0.0)[w > 0]
    w = w[w > 0]
    order = np.argsort(c / w, kind="stable")
    t, w, c = (c / w)[order], w[order], c[order]
    target = min(float(total), float(c.sum()))
    if target <= 0:
        return 0.0
    paid_before = np.concatenate(([0.0], np.cumsum(c)[:-1]))
    open_weight = np.cumsum(w[::-1])[::-1]
    k = int(np.searchsorted(paid_before + t * open_weight, target))
    return float(t[-1]) if k == len(t) else float((target - paid_before[k]) / open_weight[k])


def _capped_rate_exact(total: Decimal, weights, caps) -> Decimal:
    payers = sorted((max(c, ZERO) / w, w, max(c, ZERO))
                    for w, c in zip(weights, caps, strict=True) if w > 0)
    target = min(total, sum((c for _, _, c in payers), ZERO))
    if target <= 0:
        return ZERO
    paid, open_weight = ZERO, sum((w for _, w, _ in payers), ZERO)
    for t, w, c in payers:
        if paid + t * open_weight >= target:
            return (target - paid) / open_weight
        paid, open_weight = paid + c, open_weight - w
    return payers[-1][0]


def capped_shares(total, weights, caps):
    """``[min(r * w_i, c_i)]`` with r = :func:`capped_rate` (0 for a payer of weight 0): the
    shares before rounding to the settlement unit (a list for Decimals, an array for floats)."""
    rate = capped_rate(total, weights, caps)
    if isinstance(total, Decimal):
        return [min(rate * w, max(c, ZERO)) if w > 0 else ZERO
                for w, c in zip(weights, caps, strict=True)]
    w = np.asarray(weights, dtype=float)
    return np.where(w > 0, np.minimum(rate * w, np.maximum(np.asarray(caps, dtype=float), 0)), 0)


def profit_shares(shortfall, profits, holdings):
    """A shortfall taken in **equal percentage of profit**: share_i = min(r * p_i, p_i, h_i)
    with p_i = max(profit_i, 0) and h_i = max(held_i, 0), r the same percentage for every payer
    whom neither cap binds (:func:`capped_rate`); nobody gives more than its profit or than it
    holds, and nobody without profit gives anything.

    Two venue rules are this one formula with a different profit: the socialized loss of
    Deribit-style venues (profit = unrealized profit of the positions, pro rata being the same as
    equal percentage) and the OKX / OKEx clawback (profit = net profit, realized + unrealized:
    "we will take a portion of the profit in equal percentage from all profited traders", OKEx
    support page on clawback, 2018). A 200 USDT shortfall on profits 560 and 140 takes
    200 / 700 = 28.57 % of each: 160 and 40.
    """
    if isinstance(shortfall, Decimal):
        p = [max(x, ZERO) for x in profits]
        caps = [min(a, max(b, ZERO)) for a, b in zip(p, holdings, strict=True)]
    else:
        p = np.maximum(np.asarray(profits, dtype=float), 0.0)
        caps = np.minimum(p, np.maximum(np.asarray(holdings, dtype=float), 0.0))
    return capped_shares(shortfall, p, caps)


def loss_per_unit(loss, base_long, base_short):
    """|loss| / (|base_long| + |base_short|): what each unit of open interest of a market, long
    or short alike, pays towards a bankrupt position's loss in that market (Drift protocol-v2,
    ``math/liquidation.rs`` ``calculate_funding_rate_deltas_to_resolve_bankruptcy``: the loss the
    insurance fund and fee pool leave is resolved by bumping the cumulative funding rate of longs
    up and of shorts down by this amount per unit of base, in ``resolve_perp_bankruptcy``)."""
    return abs(loss) / (abs(base_long) + abs(base_short))


def open_interest_shares(loss, bases, holdings):
    """Drift's socialized loss over **open interest**, with caps: share_i = min(r * |b_i|, h_i),
    b_i the base amount (signed size) of payer i in the bankrupt position's market, h_i what it
    may give (its bucket's worth); r = :func:`loss_per_unit` when no cap binds, otherwise the
    rate at which the uncapped payers cover what the capped ones could not (:func:`capped_rate`).

    Drift itself caps nothing: the funding bump lands in every position's unsettled PnL, which
    may go below zero and bankrupt it in turn. A 300 USDT loss over 4 BTC long and 2 BTC short
    (the bankrupt's own position closed) is 300 / 6 = 50 USDT per BTC: 200 and 100.
    """
    if isinstance(loss, Decimal):
        return capped_shares(abs(loss), [abs(b) for b in bases], holdings)
    return capped_shares(abs(loss), np.abs(np.asarray(bases, dtype=float)), holdings)
