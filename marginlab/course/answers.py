"""Reading a learner's answer: any value a notebook can produce, as a number or as the reason
it is not one, and short, safe text to show it in a verdict.

Numbers: ``int``, ``float``, ``Decimal``, ``Fraction``, numpy integer and float scalars (and
0-d arrays), and numeric strings (``"1,809.05"``). Not numbers: ``bool`` (numpy's too), NaN,
infinities and values beyond a float's range (``10**400``): :func:`read_number` returns a
:class:`NotANumber` saying why. Nothing here raises, whatever it is given.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

TEXT_LIMIT = 40  # characters of a value shown in a verdict


@dataclass(frozen=True)
class NotANumber:
    """Why an answer is not a usable number: ``""`` (not a number type), ``"not a number"``
    (NaN), ``"infinite"`` or ``"too large"`` (finite, but beyond a float: 1e308)."""

    why: str = ""

    def explain(self) -> str:
        return {"not a number": " (NaN: not a number)", "infinite": " (infinite)",
                "too large": " (far too large: check the units)"}.get(self.why, "")


def read_number(answer) -> float | NotANumber:
    """``answer`` as a finite float, or :class:`NotANumber` (see the module docstring)."""
    if getattr(answer, "ndim", None) == 0 and hasattr(answer, "item"):
        answer = answer.item()  # a 0-d numpy array
    if isinstance(answer, str):
        try:
            answer = Decimal(answer.replace(",", "").replace("_", "").strip())
        except (InvalidOperation, ValueError):
            return NotANumber()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real | Decimal):
        return NotANumber()
    if isinstance(answer, Decimal) and not answer.is_finite():
        return NotANumber("not a number" if answer.is_nan() else "infinite")
    try:
        value = float(answer)
    except OverflowError:
        return NotANumber("too large")
    except (TypeError, ValueError):
        return NotANumber()
    if math.isnan(value):
        return NotANumber("not a number")
    if math.isinf(value):
        finite_type = isinstance(answer, numbers.Rational | Decimal)
        return NotANumber("too large" if finite_type else "infinite")
    return value + 0.0  # -0.0 is 0


def text(value) -> str:
    """``str(value)``, shortened to :data:`TEXT_LIMIT` characters; never raises (an int of
    thousands of digits cannot be turned into a string)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'a negative' if value < 0 else 'an'} integer of about {digits} digits"
    try:
        out = str(value)
    except Exception:  # any object a learner passes: describe it, never fail  # noqa: BLE001
        out = f"<{type(value).__name__}>"
    return out if len(out) <= TEXT_LIMIT else out[: TEXT_LIMIT - 1] + "…"


def shown(value) -> str:
    """``type value`` for a verdict: ``list [1809.05]``, ``str 'about 1800'``, ``an integer of
    about 401 digits``."""
    body = repr(value) if isinstance(value, str) else text(value)
    if body.startswith(("an integer", "a negative integer")):
        return body
    if isinstance(value, str) and len(body) > TEXT_LIMIT:
        body = body[: TEXT_LIMIT - 1] + "…"
    return f"{type(value).__name__} {body}"


def amount(value: float, decimals: int = 2) -> str:
    """``1,809.05`` (with ``decimals``); ``1e+25`` style beyond a trillion, where digits stop
    meaning anything."""
    return f"{value:,.{decimals}f}" if abs(value) < 1e12 else f"{value:.3g}"
