"""Liquidation fills through a simple order book (issue 11, part 5).

An exchange may give a symbol a **book depth** D (USD): the market-order notional that moves its
price by 1 % (``Exchange(book_depth={"ETH-PERP": 30_000})``, :meth:`Exchange.set_book_depth`).
A liquidation close of quantity Q of side s then fills at the book's average price from the mark
P (:func:`marginlab.engine.rulebook.book_fill_price`)::

    F = max(P (1 - s * 0.005 * Q P / D), tick)

instead of at the mark; without a depth (the default) it fills at the mark. The money follows
from the usual settlement: on mark-price venues the trader's realized loss includes the
slippage s Q (P - F) until its bucket is bankrupt, then the insurance fund pays the gap; on
bankruptcy-price venues (Bybit, BitMEX) the fund keeps the surplus of the book fill over the
bankruptcy price, or pays the gap (Bybit help center "Liquidation Process": a fill better than
the bankruptcy price leaves the remaining margin to the insurance fund, a worse one is paid by
it). Fills against the ADL queue stay at the bankruptcy price; the book moves no mark (the marks
are the market's, :func:`marginlab.simulation.market.cascade` moves them).
"""

from __future__ import annotations

from decimal import Decimal

from . import rulebook
from .errors import InvalidAmountError
from .events import usd
from .numbers import amount


def read_depth(symbol: str, depth) -> Decimal | None:
    """A book depth checked: None (fills at the mark) or a USD amount above zero."""
    if depth is None:
        return None
    return amount(depth, f"book depth of {symbol} (USD per 1 % move)", allow_zero=False)


def read_depths(given, symbol_of) -> dict:
    """``{symbol: depth}`` from a ``book_depth`` argument (None or a dict), each symbol read by
    ``symbol_of`` (which refuses an unknown one: the exchange's contracts, the replay's paths)
    and each depth a USD amount above zero; a symbol given None has no book."""
    if given is None:
        return {}
    if not hasattr(given, "items"):
        raise InvalidAmountError(f"book_depth takes a dict {{symbol: USD}}, e.g. "
                                 f"{{'ETH-PERP': 30_000}}; got {given!r}")
    depths = {}
    for symbol, depth in given.items():
        symbol = symbol_of(symbol)
        d = read_depth(symbol, depth)
        if d is not None:
            depths[symbol] = d
    return depths


def fill_price(ex, symbol: str, sign: int, quantity: Decimal) -> Decimal:
    """The price a liquidation close of ``quantity`` of a position of side ``sign`` fills at:
    the book's average price when ``symbol`` has a depth, else the mark."""
    mark, depth = ex.marks[symbol], ex.book_depth.get(symbol)
    if depth is None:
        return mark
    return rulebook.book_fill_price(sign, quantity, mark, depth, ex.contract(symbol).tick_size)


def slippage(ex, positions) -> Decimal:
    """``sum s Q (P - F)``: what closing every one of ``positions`` whole through the book would
    cost its bucket next to closing at the mark (0 without a depth)."""
    return sum((pos.sign * pos.quantity * (ex.marks[pos.symbol]
                                           - fill_price(ex, pos.symbol, pos.sign, pos.quantity))
                for pos in positions), Decimal(0))


def describe(ex, symbol: str, sign: int, quantity: str, fill: Decimal) -> str:
    """``"; sold 1 ETH through the book at an average 1,999.33, 0.67 below the mark"``, or ""
    without a depth."""
    if symbol not in ex.book_depth:
        return ""
    mark, base = ex.marks[symbol], ex.contract(symbol).base
    verb, where = ("sold", "below") if sign > 0 else ("bought back", "above")
    return (f"; {verb} {quantity} {base} through the book at an average {usd(fill)}, "
            f"{usd(abs(mark - fill))} {where} the mark")
