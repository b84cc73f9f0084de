"""Opening a position: initial margin, fees, the order cost and what a budget buys."""

from __future__ import annotations

from ..numbers import ZERO
from ._both import _param


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
