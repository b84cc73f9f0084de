"""Instant feedback for the exercises: ``check.<exercise>(answer)`` prints a verdict.

Each check computes the right answer with the engine, for the scenario stated in the exercise,
and compares within a stated tolerance. A wrong answer gets a hint about *what* is off (sign,
size, units, type) without giving the formula away; a stub (``...`` or ``None``) is "not
attempted yet". A verdict only ever says that the answer matches marginlab's; it never claims
that "all tests passed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from . import formulas
from .contracts import ETH_PERP

NOT_ATTEMPTED = "not attempted yet"


@dataclass(frozen=True)
class Verdict:
    status: str  # "correct", "wrong" or "not attempted yet"
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        color = {"correct": "#1e8449", "wrong": "#b03a2e"}.get(self.status, "#7f7f7f")
        return f"<span style='color:{color}'>{self.message}</span>"


def _as_number(answer):
    """A float from int, float, Decimal, numpy scalar or a numeric string; else None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, str):
        try:
            answer = float(answer.replace(",", "").replace("_", "").strip())
        except ValueError:
            return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def compare(answer, expected, tolerance: float, unit: str, hint: str) -> Verdict:
    """The verdict for a numeric answer (see the module docstring)."""
    if answer is None or answer is Ellipsis:
        return Verdict(NOT_ATTEMPTED, f"… {NOT_ATTEMPTED}: replace the ... with your answer.")
    value = _as_number(answer)
    if value is None:
        kind = type(answer).__name__
        return Verdict("wrong", f"✘ Expected a number in {unit}, got {kind} {answer!r}.")
    expected = float(expected)
    if abs(value - expected) <= tolerance:
        return Verdict("correct", f"✔ Correct: {value:,.2f} {unit} matches marginlab's answer "
                                  f"(tolerance ±{tolerance:g}).")
    if expected and value and (value > 0) != (expected > 0):
        return Verdict("wrong", f"✘ {value:,.2f} {unit} has the wrong sign. {hint}")
    if expected and value and not 0.2 < abs(value / expected) < 5:
        return Verdict("wrong", f"✘ {value:,.2f} {unit} is off by a factor of about "
                                f"{abs(value / expected):.3g}: check the units. {hint}")
    way = "too high" if value > expected else "too low"
    return Verdict("wrong", f"✘ {value:,.2f} {unit} is {way}. {hint}")


@dataclass(frozen=True)
class Exercise:
    """What one check knows: the engine's answer, the tolerance, the unit and a hint."""

    expected: object  # a function of no argument returning the engine's answer
    tolerance: float
    unit: str
    hint: str


EXERCISES: dict[str, Exercise] = {
    # 1a: 2 ETH long at 2,000, 10x isolated (400 USDT margin), ETH-PERP first tier
    "isolated_long_liquidation_price": Exercise(
        lambda: formulas.isolated_liquidation_price("long", 2, 2000, 400, ETH_PERP), 0.01, "USDT",
        "At that price, margin + uPnL equals the maintenance margin, and the maintenance margin "
        "is measured at that same price."),
    # 1b: the same, short
    "isolated_short_liquidation_price": Exercise(
        lambda: formulas.isolated_liquidation_price("short", 2, 2000, 400, ETH_PERP), 0.01,
        "USDT", "A short loses when the price rises: which way does uPnL move?"),
    # 2: cross wallet 1,500; long 2 ETH at 2,000; others: uPnL -150, MM 12.5
    "cross_liquidation_price": Exercise(
        lambda: formulas.cross_liquidation_price("long", 2, 2000, 1500, ETH_PERP,
                                                 other_upnl=-150, other_mm=Decimal("12.5")),
        0.01, "USDT", "The other positions' uPnL adds to the pool, their maintenance margin is "
                      "taken out of it."),
}


def grade(exercise: str, answer) -> Verdict:
    """The verdict for ``answer`` to ``exercise`` (a key of :data:`EXERCISES`), silently."""
    ex = EXERCISES[exercise]
    return compare(answer, ex.expected(), ex.tolerance, ex.unit, ex.hint)


def _checker(name: str):
    def check(answer) -> None:
        print(grade(name, answer).message)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Print the verdict for exercise {name!r}."
    return check


for _name in EXERCISES:
    globals()[_name] = _checker(_name)

__all__ = ["Verdict", "Exercise", "EXERCISES", "compare", "grade", *EXERCISES]
