"""Instant feedback for the exercises: ``check.<exercise>(answer)`` prints a verdict.

Each check computes the right answer with the engine, for the scenario stated in the exercise,
and compares within a stated tolerance. A wrong answer gets a hint about *what* is off (sign,
size, units, type) without giving the formula away; a stub (``...`` or ``None``) is "not
attempted yet". A verdict only ever says that the answer matches marginlab's; it never claims
that "all tests passed". Any value gets a verdict, never a traceback: ``1e25``, ``10**400``,
``float("nan")``, ``-0.0``, numpy scalars, ``Fraction`` and ``Decimal`` included (reading an
answer is :mod:`marginlab.course.answers`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..engine import formulas
from ..engine.contracts import ETH_PERP
from ..engine.errors import MarginLabError
from ..engine.numbers import ZERO
from . import practice
from .answers import NotANumber, amount, read_number, shown, text
from .scenarios import capstone

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


def _stub(answer) -> bool:
    return answer is None or answer is Ellipsis


STUB = Verdict(NOT_ATTEMPTED, f"… {NOT_ATTEMPTED}: replace the ... with your answer.")


def _not_a_number(answer, reading: NotANumber, wanted: str, where: str = "") -> Verdict:
    """The verdict for an answer (or the part of it at ``where``) that is not a usable
    number."""
    lead = f"{where}: expected" if where else "Expected"
    return Verdict("wrong", f"✘ {lead} {wanted}, got {shown(answer)}{reading.explain()}.")


def compare(answer, expected, tolerance: float, unit: str, hint: str) -> Verdict:
    """The verdict for a numeric answer (see the module docstring)."""
    if _stub(answer):
        return STUB
    value = read_number(answer)
    if isinstance(value, NotANumber):
        return _not_a_number(answer, value, f"a number in {unit}")
    expected = float(expected)
    if abs(value - expected) <= tolerance:
        return Verdict("correct", f"✔ Correct: {amount(value)} {unit} matches marginlab's "
                                  f"answer (tolerance ±{tolerance:g}).")
    if expected and value and (value > 0) != (expected > 0):
        return Verdict("wrong", f"✘ {amount(value)} {unit} has the wrong sign. {hint}")
    if expected and value and not 0.2 < abs(value / expected) < 5:
        return Verdict("wrong", f"✘ {amount(value)} {unit} is off by a factor of about "
                                f"{abs(value / expected):.3g}: check the units. {hint}")
    way = "too high" if value > expected else "too low"
    return Verdict("wrong", f"✘ {amount(value)} {unit} is {way}. {hint}")


Grader = Callable[[object], Verdict]


def number(expected, tolerance: float, unit: str, hint: str) -> Grader:
    """A number, compared with ``expected()`` (the engine's answer) within ``tolerance``."""
    return lambda answer: compare(answer, expected(), tolerance, unit, hint)


def ranking(expected, hint: str) -> Grader:
    """A list of names in order (list, tuple, array or pandas Series), compared with
    ``expected()``; upper or lower case and surrounding spaces do not matter."""
    def grade(answer) -> Verdict:
        if _stub(answer):
            return STUB
        if hasattr(answer, "tolist"):
            answer = answer.tolist()
        if not isinstance(answer, list | tuple):
            return Verdict("wrong", f"✘ Expected a list of trader names, first in the queue "
                                    f"first, got {shown(answer)}.")
        want = expected()
        names = [text(n).strip().lower() for n in answer]
        for name in names:
            if name not in want:
                return Verdict("wrong", f"✘ {name!r} is not in the queue; the candidates are "
                                        f"{', '.join(sorted(want))}.")
            if names.count(name) > 1:
                return Verdict("wrong", f"✘ {name!r} appears {names.count(name)} times.")
        if len(names) < len(want):
            return Verdict("wrong", f"✘ Your list ranks {len(names)} of the {len(want)} "
                                    f"candidates: rank them all.")
        right = sum(a == b for a, b in zip(names, want, strict=True))
        if right == len(want):
            return Verdict("correct", f"✔ Correct: {', '.join(want)} is marginlab's queue.")
        return Verdict("wrong", f"✘ {right} of {len(want)} are in the right place. {hint}")
    return grade


def _mapping(answer, shape: str) -> dict | Verdict:
    """A dict from a dict or a pandas Series; else the verdict (stub, or the wrong type)."""
    if _stub(answer):
        return STUB
    if hasattr(answer, "to_dict"):
        answer = answer.to_dict()
    if not isinstance(answer, Mapping):
        return Verdict("wrong", f"✘ Expected a dict {shape}, got {shown(answer)}.")
    return answer


def amounts(expected, names, tolerance: float, unit: str, hint: str) -> Grader:
    """A mapping ``{name: amount}`` (dict or pandas Series) compared name by name with
    ``expected()``; names left out count as 0. ``names()`` are the names allowed."""
    def grade(answer) -> Verdict:
        answer = _mapping(answer, f"{{name: {unit}}}")
        if isinstance(answer, Verdict):
            return answer
        allowed = names()
        given = {text(k).strip().lower(): v for k, v in answer.items()}
        values = {}
        for key, value in given.items():
            if key not in allowed:
                return Verdict("wrong", f"✘ {key!r} is not one of {', '.join(allowed)}.")
            if _stub(value):
                return STUB
            values[key] = read_number(value)
            if isinstance(values[key], NotANumber):
                return _not_a_number(value, values[key], f"a number in {unit}", key)
        want = expected()
        wrong = []
        for key in allowed:
            value, right = values.get(key, 0.0), float(want.get(key, 0))
            if abs(value - right) > tolerance:
                way = "too high" if value > right else "too low"
                if right and value and (value > 0) != (right > 0):
                    way = "the wrong sign"
                wrong.append(f"{key}: {amount(value, 3)} {unit} is {way}")
        if wrong:
            return Verdict("wrong", f"✘ {'; '.join(wrong)}. {hint}")
        listed = ", ".join(f"{k} {float(v):,.3f}" for k, v in want.items() if v)
        return Verdict("correct", f"✔ Correct: {listed} {unit}, the others 0, as in marginlab "
                                  f"(tolerance ±{tolerance:g} {unit} each).")
    return grade


MOST_ETH = 1_000_000  # a size beyond this is refused before the engine is asked


def _size(answer, what: str, lot: Decimal) -> Decimal | Verdict:
    """A positive quantity on the lot size, or the verdict saying what is wrong with it."""
    value = read_number(answer)
    if isinstance(value, NotANumber):
        return _not_a_number(answer, value, "a number of ETH")
    if value <= 0:
        return Verdict("wrong", f"✘ {value:g} ETH has the wrong sign: give the size of the "
                                f"{what} as a positive number of ETH.")
    if value > MOST_ETH:
        margin = value * float(practice.START["ETH-PERP"]) / practice.LEVERAGE
        return Verdict("wrong", f"✘ A {value:.3g} ETH {what} cannot even be opened: its margin "
                                f"alone would be {amount(margin)} USDT, far more than the "
                                f"account holds.")
    size = Decimal(str(value))
    if size % lot:
        return Verdict("wrong", f"✘ ETH-PERP trades in lots of {lot} ETH: round {value:g} "
                                f"down to a whole lot.")
    return size


def _replay(answer, what: str, replay) -> tuple | Verdict:
    """Check a size (stub, type, sign, lot), then replay it: ``(size, replay(size))``, or the
    verdict saying what is wrong."""
    if _stub(answer):
        return STUB
    size = _size(answer, what, Decimal("0.001"))
    if isinstance(size, Verdict):
        return size
    try:
        return size, replay(size)
    except MarginLabError as err:
        return Verdict("wrong", f"✘ A {size} ETH {what} cannot even be opened: {err}")


def largest_cross_eth_long(answer) -> Verdict:
    """Exercise 4a: survives the crash, and within 0.01 ETH of the largest long that does."""
    replayed = _replay(answer, "long", practice.cross_sizing_liquidated)
    if isinstance(replayed, Verdict):
        return replayed
    size, gone = replayed
    if gone:
        return Verdict("wrong", f"✘ With a {size} ETH long the crash liquidates the cross "
                                f"account: hold less. The crash moves BTC too.")
    if size < practice.largest_cross_eth_long() - Decimal("0.01"):
        return Verdict("wrong", f"✘ {size} ETH survives the crash, but the account could hold "
                                f"more (tolerance: within 0.01 ETH of the largest size).")
    return Verdict("correct", f"✔ Correct: a {size} ETH long survives the crash in marginlab, "
                              f"within 0.01 ETH of the largest that does.")


def _symbol(key) -> str:
    key = text(key).strip().upper()
    return key if key.endswith("-PERP") else f"{key}-PERP"


def least_margin_to_add(answer) -> Verdict:
    """Exercise 4b: each ring survives the crash with at most 1 USDT more than it needs."""
    answer = _mapping(answer, "{'BTC-PERP': USDT, 'ETH-PERP': USDT}")
    if isinstance(answer, Verdict):
        return answer
    need = practice.least_margin_to_add()
    added = {}
    for key, value in answer.items():
        symbol = _symbol(key)
        if symbol not in need:
            return Verdict("wrong", f"✘ {text(key)!r}: the rings are {', '.join(need)}.")
        if _stub(value):
            return STUB
        number_ = read_number(value)
        if isinstance(number_, NotANumber) or number_ < 0:
            why = number_.explain() if isinstance(number_, NotANumber) else ""
            return Verdict("wrong", f"✘ {symbol}: expected USDT to add (0 or more), got "
                                    f"{shown(value)}{why}.")
        if number_ > practice.SIZING_DEPOSIT:
            return Verdict("wrong", f"✘ The account refuses that: it holds "
                                    f"{practice.SIZING_DEPOSIT:,} USDT, so it cannot add "
                                    f"{amount(number_)} USDT to {symbol}.")
        added[symbol] = Decimal(str(number_)).quantize(Decimal("0.01"))
    try:
        gone = practice.liquidated(practice.isolated_sizing_account(added),
                                   practice.SIZING_CRASH)
    except MarginLabError as err:
        return Verdict("wrong", f"✘ The account refuses that: {err}")
    wrong = [f"{s}: the ring is still liquidated in the crash, add more" for s in gone]
    wrong += [f"{s}: survives, but {added[s]:,.2f} USDT is more than it needs (tolerance: within "
              f"1 USDT of the least)" for s in need
              if s not in gone and added.get(s, ZERO) > need[s] + 1]
    if wrong:
        return Verdict("wrong", f"✘ {'; '.join(wrong)}.")
    listed = " and ".join(f"{added.get(s, ZERO):,.2f} USDT to {s}" for s in need)
    return Verdict("correct", f"✔ Correct: with {listed}, both rings survive the crash in "
                              f"marginlab, each within 1 USDT of the least that does.")


def hedge_eth_short(answer) -> Verdict:
    """Exercise 6a: the cross account survives the market moving 60 % either way."""
    replayed = _replay(answer, "short", practice.hedge_liquidated)
    if isinstance(replayed, Verdict):
        return replayed
    size, gone = replayed
    if gone["down"]:
        return Verdict("wrong", f"✘ With a {size} ETH short the cross account is liquidated "
                                f"when the market falls 60 %: the hedge is too small.")
    if gone["up"]:
        return Verdict("wrong", f"✘ With a {size} ETH short the cross account is liquidated "
                                f"when the market rises 60 %: the short is too big.")
    return Verdict("correct", f"✔ Correct: with a {size} ETH short the cross account survives "
                              f"a 60 % fall and a 60 % rise in marginlab.")


def _design(answer):
    """A :class:`~marginlab.course.scenarios.capstone.Design` from a Design or a dict of its
    fields; else the verdict saying what is wrong (the design's own refusal included)."""
    if isinstance(answer, capstone.Design):
        return answer
    if isinstance(answer, Mapping):
        try:
            return capstone.Design(**{text(k).strip(): v for k, v in answer.items()})
        except TypeError as err:
            return Verdict("wrong", f"✘ That dict is not a design: {err}. A Design has "
                                    f"{', '.join(capstone.Design.__dataclass_fields__)}.")
        except MarginLabError as err:
            return Verdict("wrong", f"✘ The design is refused: {err}")
    return Verdict("wrong", f"✘ Expected a Design, e.g. Design(max_leverage=20, "
                            f"insurance_fund=50_000), got {shown(answer)}.")


def grade_design(answer) -> Verdict:
    """Exercise 9: the design passes the bar in every stress scenario
    (:func:`marginlab.course.scenarios.capstone.passes`); a failing one is told which
    scenarios break it and why."""
    if _stub(answer):
        return STUB
    design = _design(answer)
    if isinstance(design, Verdict):
        return design
    table = capstone.score(design)
    rows = table.drop(index="total")
    broken = rows[~rows["passes"].astype(bool)]
    if broken.empty:
        return Verdict("correct", f"✔ Correct: the design passes the bar in all {len(rows)} "
                                  f"stress scenarios in marginlab (the fund never emptied, "
                                  f"nothing unrecovered, no haircut above "
                                  f"{capstone.HAIRCUT_BAR:g} %); its lowest fund at the end "
                                  f"is {table.loc['total', 'fund at end']:,.0f} USDT. Now "
                                  f"defend it in writing.")
    why = "\n".join(f"  · {capstone.stress_scenarios()[k].title} ({k}): {row['verdict']}"
                    for k, row in broken.iterrows())
    return Verdict("wrong", f"✘ The design breaks in {len(broken)} of {len(rows)} stress "
                            f"scenarios:\n{why}\nLess leverage, steeper tiers, a partial "
                            f"liquidation policy or a larger fund each help somewhere.")


_SHORTS = lambda: sorted(practice.adl_ranking())  # noqa: E731

EXERCISES: dict[str, Grader] = {
    # 1a: 2 ETH long at 2,000, 10x isolated (400 USDT margin), ETH-PERP first tier
    "isolated_long_liquidation_price": number(
        lambda: formulas.isolated_liquidation_price("long", 2, 2000, 400, ETH_PERP), 0.01, "USDT",
        "At that price, margin + uPnL equals the maintenance margin, and the maintenance margin "
        "is measured at that same price."),
    # 1b: the same, short
    "isolated_short_liquidation_price": number(
        lambda: formulas.isolated_liquidation_price("short", 2, 2000, 400, ETH_PERP), 0.01,
        "USDT", "A short loses when the price rises: which way does uPnL move?"),
    # 2: cross wallet 1,500; long 2 ETH at 2,000; others: uPnL -150, MM 12.5
    "cross_liquidation_price": number(
        lambda: formulas.cross_liquidation_price("long", 2, 2000, 1500, ETH_PERP,
                                                 other_upnl=-150, other_mm=Decimal("12.5")),
        0.01, "USDT", "The other positions' uPnL adds to the pool, their maintenance margin is "
                      "taken out of it."),
    # 3a, 3b: practice.CRASH_TWIN
    "largest_eth_drop": number(
        practice.largest_eth_drop_pct, 0.01, "%",
        "In cross the whole wallet backs the ETH long, less what the BTC position (which does "
        "not move) needs as maintenance margin."),
    "isolated_twin_equity": number(
        practice.isolated_twin_equity_after_drop, 1, "USDT",
        "Only one ring is liquidated: which margin goes with it, and what stays outside it? "
        "Remember the opening fees."),
    # 4a, 4b: practice.SIZING_CRASH
    "largest_cross_eth_long": largest_cross_eth_long,
    "least_margin_to_add": least_margin_to_add,
    # 5a, 5b: lesson 6's market, ETH gaps to 1,800 with an empty insurance fund
    "adl_queue": ranking(
        practice.adl_ranking,
        "The score is PnL% x margin ratio, both measured at the new mark."),
    "adl_deleveraged": amounts(
        practice.adl_deleveraged, _SHORTS, 0.001, "ETH",
        "The whale's whole position is closed against the queue, from the top, each short "
        "giving up at most what it holds."),
    # 6a, 6b: practice.hedge_liquidated
    "hedge_eth_short": hedge_eth_short,
    "isolated_btc_leg_fall": number(
        practice.isolated_btc_leg_fall_pct, 0.01, "%",
        "The BTC ring has only its own margin, and its maintenance margin is measured at the "
        "liquidation price."),
}

# Exercise 9 (the capstone): a whole venue design, scored against the stress scenarios
EXERCISES["design_scores"] = grade_design


def grade(exercise: str, answer) -> Verdict:
    """The verdict for ``answer`` to ``exercise`` (a key of :data:`EXERCISES`), silently."""
    if exercise not in EXERCISES:
        raise KeyError(f"no exercise named {exercise!r}; the exercises are: "
                       f"{', '.join(EXERCISES)}")
    return EXERCISES[exercise](answer)


def assert_correct(exercise: str, answer) -> None:
    """For autograders (nbgrader's test cells): silent when correct, else ``AssertionError``
    carrying the verdict."""
    verdict = grade(exercise, answer)
    if not verdict.correct:
        raise AssertionError(verdict.message)


def _checker(name: str):
    def check(answer) -> None:
        print(grade(name, answer).message)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Print the verdict for exercise {name!r}."
    return check


for _name in EXERCISES:
    globals()[_name] = _checker(_name)

__all__ = ["Verdict", "EXERCISES", "compare", "grade", "assert_correct", *EXERCISES]
