"""Reading numbers a learner types: prices, quantities, amounts, rates.

Every value the engine accepts goes through :func:`to_decimal`, which reads ints, floats,
strings, :class:`decimal.Decimal`, :class:`fractions.Fraction` and numpy scalars as an exact
:class:`decimal.Decimal`, or raises a :class:`~marginlab.errors.MarginLabError` subclass that
says what was wrong. Floats are read through ``repr`` so that ``0.1`` means one tenth.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal, InvalidOperation

from .errors import InvalidAmountError, InvalidPriceError, InvalidQuantityError

ZERO = Decimal(0)
ONE = Decimal(1)


def to_decimal(value, what: str, error=InvalidAmountError) -> Decimal:
    """Read ``value`` (int, float, str or Decimal) as a finite Decimal, or raise ``error``."""
    if isinstance(value, bool):
        raise error(f"{what} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, numbers.Integral):  # int and numpy integers
        d = Decimal(int(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise error(f"{what} must be a finite number, got {value!r}")
        d = Decimal(float.__repr__(value))  # also numpy.float64, whose repr is not a number
    elif isinstance(value, str):
        try:
            d = Decimal(value.replace(",", "").replace("_", "").strip())
        except InvalidOperation:
            raise error(f"{what} must be a number, got {value!r}") from None
    else:
        try:
            d = Decimal(str(float(value)))  # numpy scalars and the like
        except (TypeError, ValueError, InvalidOperation):
            raise error(f"{what} must be a number, got {value!r}") from None
    if not d.is_finite():
        raise error(f"{what} must be a finite number, got {value!r}")
    return d


def price(value, what: str = "price") -> Decimal:
    """A price: finite and strictly positive."""
    p = to_decimal(value, what, InvalidPriceError)
    if p <= 0:
        raise InvalidPriceError(f"{what} must be above zero, got {value!r}")
    return p


def quantity(value, what: str = "quantity") -> Decimal:
    """A quantity of contracts (base asset): finite and strictly positive."""
    q = to_decimal(value, what, InvalidQuantityError)
    if q <= 0:
        raise InvalidQuantityError(
            f"{what} must be above zero, got {value!r} (use sell/close to reduce a position)"
        )
    return q


def amount(value, what: str = "amount", allow_zero: bool = True) -> Decimal:
    """A money amount or rate: finite and not negative (zero only if ``allow_zero``)."""
    a = to_decimal(value, what, InvalidAmountError)
    if a < 0 or (a == 0 and not allow_zero):
        raise InvalidAmountError(f"{what} must be {'at least' if allow_zero else 'above'} zero, "
                                 f"got {value!r}")
    return a
