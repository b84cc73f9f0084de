"""The index next to the mark, and funding from the premium: what the exchange keeps per symbol.

Each price move (:meth:`Exchange.set_marks`) sets a symbol's mark M and its index I (the spot
price; when only the mark is given, the index follows it: I = M) and records one premium sample
``(M - I) / I`` (:func:`marginlab.rulebook.premium`). At funding time
(:meth:`Exchange.apply_funding` with no rate) the rate comes from the samples recorded since the
symbol's last funding, by the contract's rule (:func:`marginlab.rulebook.funding_rate` of
:func:`marginlab.rulebook.average_premium`); with no sample since then, the current premium is
the one sample (prices that did not move held it the whole interval).
"""

from __future__ import annotations

from decimal import Decimal

from . import rulebook
from .errors import InvalidPriceError
from .numbers import price


def read_index(marks: dict, index, symbol_of) -> dict:
    """``{symbol: index price}`` for the symbols of ``marks`` (already read): each given index
    read as a price, the others equal to their new mark. ``symbol_of`` checks a symbol is
    listed; an index may move only with its mark."""
    if index is None:
        return dict(marks)
    if not hasattr(index, "items"):
        raise InvalidPriceError(
            f"index takes a dict {{symbol: price}}, e.g. {{'ETH-PERP': 2000}}; got {index!r}")
    given = {symbol_of(s): price(p, f"{s} index price") for s, p in index.items()}
    for symbol in given:
        if symbol not in marks:
            raise InvalidPriceError(
                f"the {symbol} index moves with its mark: give its mark too, e.g. "
                f"set_marks({{{symbol!r}: mark}}, index={{{symbol!r}: index}})")
    return {s: given.get(s, m) for s, m in marks.items()}


def rate_from_premium(spec, samples: list, mark: Decimal, index: Decimal):
    """``(rate, note)``: the funding rate the contract's rule gives for ``samples`` (or, if
    none, the current premium of ``mark`` over ``index``), and a sentence saying where it came
    from."""
    used = samples or [rulebook.premium(mark, index)]
    average = rulebook.average_premium(used)
    rate = rulebook.funding_rate(average, spec.funding_interest, spec.funding_clamp,
                                 spec.funding_cap)
    note = (f"from the average premium {_pct(average)} of {len(used)} sample"
            f"{'s' if len(used) > 1 else ''} (interest {_pct(spec.funding_interest)}, "
            f"dampener +/-{_pct(spec.funding_clamp)}, cap +/-{_pct(spec.funding_cap)})")
    return rate, note


def _pct(x) -> str:
    """0.000123 -> '0.0123%'."""
    return f"{float(x) * 100:.4f}%"
