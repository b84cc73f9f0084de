"""Reading numbers a learner types: prices, quantities, amounts, rates, leverage.

Every value the engine accepts goes through :func:`to_decimal`, which reads ints, floats,
strings, :class:`decimal.Decimal`, :class:`fractions.Fraction`, numpy integer and floating
scalars and 0-d numpy arrays as an exact :class:`decimal.Decimal`, or raises a
:class:`~marginlab.errors.MarginLabError` subclass that says what was wrong. Floats are read
through their shortest ``repr`` so that ``0.1`` means one tenth (``np.float32(0.1)`` too).
``True``/``False`` (also numpy's), NaN, infinities, ``None``, lists and text that is not a number
are refused. Text may group thousands with commas or underscores: ``"1,000"``, ``"1_000"``.

**The engine's decimal context.** The engine computes in its own :data:`ENGINE_CONTEXT`
(28 significant digits, banker's rounding: Python's defaults), never in the context of the
notebook calling it: a notebook that sets ``decimal.getcontext().prec = 10``, another rounding or
other traps changes no engine result. Public engine functions are wrapped in :func:`exact`.

**Bounds.** Money is kept to 8 decimals (0.00000001 USDT), so with 28 digits an amount stays
exact up to 10**20 USDT. The readers refuse numbers that could push a sum past that, before
anything changes::

    prices        MIN_PRICE = 1e-8 ... MAX_PRICE = 1e8 USDT
    quantities    MIN_QUANTITY = 1e-12 ... MAX_QUANTITY = 1e9 (base asset)
    notional      at most MAX_PRICE * MAX_QUANTITY = 1e17 USDT (MAX_MAGNITUDE)
    amounts       at most MAX_AMOUNT = 1e12 USDT; where zero is refused, at least one unit
                  of money, 0.00000001 USDT (smaller amounts would round to zero)
    leverage      1 ... MAX_LEVERAGE = 1000
    rates         -MAX_RATE ... MAX_RATE = 1 (100 %) per payment
    anything else |x| <= MAX_MAGNITUDE = 1e17, and not below TINY = 1e-30 unless zero

so the largest notional (1e17) still leaves a thousandfold margin under 10**20 for sums.
"""

from __future__ import annotations

import functools
import numbers
import re
from contextvars import ContextVar
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction

from .errors import (
    InvalidAmountError,
    InvalidLeverageError,
    InvalidPriceError,
    InvalidQuantityError,
)

ENGINE_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999,
                         capitals=1, clamp=0, flags=[],
                         traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
ONE = Decimal(1)

MONEY_UNIT = Decimal("0.00000001")  # the smallest amount of money the ledger holds
MIN_PRICE = Decimal("1e-8")
MAX_PRICE = Decimal("1e8")
MIN_QUANTITY = Decimal("1e-12")
MAX_QUANTITY = Decimal("1e9")
MAX_AMOUNT = Decimal("1e12")
MAX_LEVERAGE = Decimal(1000)
MAX_RATE = ONE
MAX_MAGNITUDE = MAX_PRICE * MAX_QUANTITY  # 1e17: the largest notional
TINY = Decimal("1e-30")
MAX_TEXT = 100  # characters in a number written as text

_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 1,000 or -12,345,678.9


_IN_ENGINE = ContextVar("marginlab_in_engine_context", default=False)


def exact(function):
    """Run ``function`` inside the engine's private decimal context (:data:`ENGINE_CONTEXT`).

    ``decimal.localcontext`` gives the call a fresh copy of the engine context and puts the
    caller's context back afterwards, whatever the caller had set (precision, rounding, traps).
    A call made from inside another ``exact`` call is already there and runs as it is.
    """
    @functools.wraps(function)
    def in_engine_context(*args, **kwargs):
        if _IN_ENGINE.get():
            return function(*args, **kwargs)
        token = _IN_ENGINE.set(True)
        try:
            with localcontext(ENGINE_CONTEXT):
                return function(*args, **kwargs)
        finally:
            _IN_ENGINE.reset(token)
    return in_engine_context


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _from_text(text: str, what: str, error) -> Decimal:
    written = text.strip()
    if len(written) > MAX_TEXT:
        raise error(f"{what} must be a number written with at most {MAX_TEXT} characters")
    if _GROUPED.fullmatch(written):
        written = written.replace(",", "")
    try:
        return Decimal(written)
    except (InvalidOperation, ValueError):
        pass
    hint = ""
    if written.endswith("%"):
        hint = "; write a rate as a fraction, e.g. 0.05 for 5 %"
    elif written.lower().endswith("x"):
        hint = "; write leverage as a plain number, e.g. 10 for 10x"
    elif "," in written:
        hint = "; write decimals with a dot (2.5) and commas only between thousands (1,000)"
    raise error(f"{what} must be a number such as 10, 2.5, '0.001' or '1,000', "
                f"got {text!r}{hint}") from None


def _from_numpy(value, what: str, error):
    """A numpy scalar or 0-d array as a plain Python value (floats as their shortest text)."""
    if getattr(value, "shape", ()) != ():
        raise error(f"{what} must be one number, got an array of shape {value.shape}")
    kind = value.dtype.kind
    if kind == "b":
        raise error(f"{what} must be a number, not {bool(value)} (a yes/no value)")
    if kind in "iu":
        return int(value)
    if kind == "f":
        return str(value)  # numpy prints the shortest text that reads back as this float
    if kind in "OUS":
        return value.item()
    raise error(f"{what} must be a real number, got {_shown(value)}")


@exact
def to_decimal(value, what: str, error=InvalidAmountError, limit: Decimal = MAX_MAGNITUDE,
               unit: str = "") -> Decimal:
    """Read ``value`` as a finite Decimal of at most ``limit`` in size, or raise ``error``.

    ``what`` names the value in the message ("deposit", "ETH-PERP mark price"...), ``unit``
    follows the limit there (" USDT").
    """
    if isinstance(value, bool):
        raise error(f"{what} must be a number, not {value} (a yes/no value)")
    given = value
    if hasattr(value, "dtype") and not isinstance(value, Decimal | Fraction | int | float):
        value = _from_numpy(value, what, error)
    elif isinstance(value, float):  # also numpy.float64
        value = float.__repr__(value)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        d = _from_text(value, what, error)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        d = Decimal(int(value))
    elif isinstance(value, numbers.Rational):  # Fraction: exact when it ends, else 28 digits
        d = Decimal(value.numerator) / Decimal(value.denominator)
    elif isinstance(value, numbers.Real):
        d = Decimal(float.__repr__(float(value)))
    elif value is None:
        raise error(f"{what} must be a number, got None")
    elif isinstance(value, list | tuple | set | dict):
        raise error(f"{what} must be one number, got a {type(value).__name__}: {_shown(value)}")
    else:
        raise error(f"{what} must be a number, got {_shown(value)} "
                    f"({type(value).__name__})")
    if not d.is_finite():
        raise error(f"{what} must be a finite number, got {_shown(given)}")
    d = +d  # at most 28 significant digits, and no minus sign on zero
    if abs(d) > limit:
        size = "at most " if d > 0 else "at least -"
        raise error(f"{what} must be {size}{limit:,f}{unit}, got {_shown(given)}")
    if d and abs(d) < TINY:
        raise error(f"{what} is too small to compute with: {_shown(given)} (below 1e-30)")
    return d


@exact
def price(value, what: str = "price") -> Decimal:
    """A price: finite, from :data:`MIN_PRICE` to :data:`MAX_PRICE` USDT."""
    p = to_decimal(value, what, InvalidPriceError, MAX_PRICE, " USDT")
    if p <= 0:
        raise InvalidPriceError(f"{what} must be above zero, got {_shown(value)}")
    if p < MIN_PRICE:
        raise InvalidPriceError(f"{what} must be at least {MIN_PRICE:f} USDT, got {_shown(value)}")
    return p


@exact
def quantity(value, what: str = "quantity") -> Decimal:
    """A quantity of contracts (base asset): finite, from :data:`MIN_QUANTITY` to
    :data:`MAX_QUANTITY`."""
    q = to_decimal(value, what, InvalidQuantityError, MAX_QUANTITY)
    if q <= 0:
        raise InvalidQuantityError(
            f"{what} must be above zero, got {_shown(value)} (use sell/close to reduce a position)"
        )
    if q < MIN_QUANTITY:
        raise InvalidQuantityError(f"{what} must be at least {MIN_QUANTITY:f}, "
                                   f"got {_shown(value)}")
    return q


@exact
def amount(value, what: str = "amount", allow_zero: bool = True) -> Decimal:
    """A money amount: finite, not negative, at most :data:`MAX_AMOUNT` USDT; when zero is
    refused (``allow_zero=False``), at least :data:`MONEY_UNIT` (smaller would round to 0)."""
    a = to_decimal(value, what, InvalidAmountError, MAX_AMOUNT, " USDT")
    if a < 0 or (a == 0 and not allow_zero):
        raise InvalidAmountError(f"{what} must be {'at least' if allow_zero else 'above'} zero, "
                                 f"got {_shown(value)}")
    if not allow_zero and a < MONEY_UNIT:
        raise InvalidAmountError(f"{what} must be at least {MONEY_UNIT:f} USDT, the smallest "
                                 f"unit of money (it would round to 0), got {_shown(value)}")
    return a


@exact
def rate(value, what: str = "rate", error=InvalidAmountError) -> Decimal:
    """A rate per payment (funding rate): finite, from -:data:`MAX_RATE` to :data:`MAX_RATE`."""
    return to_decimal(value, what, error, MAX_RATE, " (a fraction: 0.0001 is 0.01 %)")


@exact
def leverage(value, what: str = "leverage") -> Decimal:
    """A leverage: finite, from 1 to :data:`MAX_LEVERAGE` (a contract's tiers may allow less)."""
    lev = to_decimal(value, what, InvalidLeverageError, MAX_LEVERAGE, "x")
    if lev < 1:
        raise InvalidLeverageError(f"{what} must be at least 1x, got {_shown(value)}")
    return lev
