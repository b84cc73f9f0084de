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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, is_dataclass
from decimal import Decimal

from ..engine import formulas
from ..engine.contracts import ETH_PERP
from ..engine.errors import MarginLabError
from ..engine.numbers import ZERO
from . import mistakes, practice
from . import practice_losses as losses
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


@dataclass(frozen=True)
class Hints:
    """What a wrong number is told, matched to the mistake: ``mistakes()`` lists ``(the value a
    known mistake gives, the hint for that mistake)``, tried first (within the exercise's
    tolerance); otherwise the hint for a wrong ``sign``, wrong ``units`` (off by a factor beyond
    5), or an answer too ``high`` or too ``low``."""

    high: str
    low: str
    sign: str = "Which way does each amount move when the price moves?"
    units: str = ""
    mistakes: Callable[[], Iterable[tuple[object, str]]] = tuple

    @classmethod
    def of(cls, hint: str | Hints) -> Hints:
        return hint if isinstance(hint, Hints) else cls(hint, hint, hint, hint)


def _mistake(value: float, tolerance: float, hints: Hints) -> str | None:
    """The hint of the known mistake ``value`` matches, if any."""
    for wrong, hint in hints.mistakes():
        if abs(value - float(wrong)) <= tolerance:
            return hint
    return None


def compare(answer, expected, tolerance: float, unit: str, hint: str | Hints) -> Verdict:
    """The verdict for a numeric answer (see the module docstring and :class:`Hints`)."""
    if _stub(answer):
        return STUB
    value = read_number(answer)
    if isinstance(value, NotANumber):
        return _not_a_number(answer, value, f"a number in {unit}" if unit else "a number")
    expected, hints = float(expected), Hints.of(hint)
    said = f"{amount(value)} {unit}".rstrip()
    if abs(value - expected) <= tolerance:
        return Verdict("correct", f"✔ Correct: {said} matches marginlab's "
                                  f"answer (tolerance ±{tolerance:g}).")
    if (known := _mistake(value, tolerance, hints)) is not None:
        return Verdict("wrong", f"✘ {said} is not it: {known}")
    if expected and value and (value > 0) != (expected > 0):
        return Verdict("wrong", f"✘ {said} has the wrong sign. {hints.sign}")
    if expected and value and not 0.2 < abs(value / expected) < 5:
        message = (f"✘ {said} is off by a factor of about "
                   f"{abs(value / expected):.3g}: check the units. {hints.units}")
        return Verdict("wrong", message.rstrip())
    way = "too high" if value > expected else "too low"
    return Verdict("wrong", f"✘ {said} is {way}. "
                            f"{hints.high if value > expected else hints.low}")


Grader = Callable[[object], Verdict]


def number(expected, tolerance: float, unit: str, hint: str | Hints) -> Grader:
    """A number, compared with ``expected()`` (the engine's answer) within ``tolerance``."""
    return lambda answer: compare(answer, expected(), tolerance, unit, hint)


def ranking(expected, hint: str, mistakes=tuple) -> Grader:
    """A list of names in order (list, tuple, array or pandas Series), compared with
    ``expected()``; upper or lower case and surrounding spaces do not matter. An order that
    ``mistakes()`` lists (``(order, hint)``) gets that mistake's hint."""
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
        known = next((h for order, h in mistakes() if list(order) == names), hint)
        return Verdict("wrong", f"✘ {right} of {len(want)} are in the right place: {known}")
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


def amounts(expected, names, tolerance: float, unit: str, hint: str, mistakes=tuple) -> Grader:
    """A mapping ``{name: amount}`` (dict or pandas Series) compared name by name with
    ``expected()``; names left out count as 0. ``names()`` are the names allowed. Amounts that
    ``mistakes()`` lists (``({name: amount}, hint)``) get that mistake's hint."""
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
            known = next((h for bad, h in mistakes()
                          if all(abs(values.get(k, 0.0) - float(bad.get(k, 0))) <= tolerance
                                 for k in allowed)), hint)
            return Verdict("wrong", f"✘ {'; '.join(wrong)}. {known}")
        listed = ", ".join(f"{k} {float(v):,.3f}" for k, v in want.items() if v)
        return Verdict("correct", f"✔ Correct: {listed} {unit}, the others 0, as in marginlab "
                                  f"(tolerance ±{tolerance:g} {unit} each).")
    return grade


def names(expected, allowed, hint: str, mistakes=tuple) -> Grader:
    """A collection of names in any order (list, tuple, set, array or Series) compared as a
    set with ``expected()``; ``allowed()`` are the names there are."""
    def grade(answer) -> Verdict:
        if _stub(answer):
            return STUB
        if hasattr(answer, "tolist"):
            answer = answer.tolist()
        if not isinstance(answer, list | tuple | set | frozenset):
            return Verdict("wrong", f"✘ Expected a list of trader names, got {shown(answer)}.")
        given_ = {text(n).strip().lower() for n in answer}
        if unknown := sorted(given_ - set(allowed())):
            return Verdict("wrong", f"✘ {unknown[0]!r} is not one of "
                                    f"{', '.join(allowed())}.")
        want = set(expected())
        if given_ == want:
            return Verdict("correct", f"✔ Correct: {', '.join(sorted(want))}, as in "
                                      f"marginlab.")
        known = next((h for bad, h in mistakes() if set(bad) == given_), hint)
        return Verdict("wrong", f"✘ {len(given_ & want)} of your {len(given_)} names are right, "
                                f"and {len(want - given_)} are missing: {known}")
    return grade


def interval(expected, tolerance: float, hint: str, mistakes=tuple) -> Grader:
    """Two numbers ``(low, high)`` compared with ``expected()`` within ``tolerance`` each."""
    def grade(answer) -> Verdict:
        if _stub(answer):
            return STUB
        if hasattr(answer, "tolist"):
            answer = answer.tolist()
        if not isinstance(answer, list | tuple) or len(answer) != 2:
            return Verdict("wrong", f"✘ Expected two numbers (low, high), got {shown(answer)}.")
        values = [read_number(a) for a in answer]
        for a, value in zip(answer, values, strict=True):
            if _stub(a):
                return STUB
            if isinstance(value, NotANumber):
                return _not_a_number(a, value, "two numbers (low, high)")
        want = [float(w) for w in expected()]
        if all(abs(v - w) <= tolerance for v, w in zip(values, want, strict=True)):
            return Verdict("correct", f"✔ Correct: {values[0]:.4f} to {values[1]:.4f} matches "
                                      f"marginlab's interval (tolerance ±{tolerance:g} each).")
        known = next((h for bad, h in mistakes() if all(
            abs(v - float(b)) <= tolerance for v, b in zip(values, bad, strict=True))), hint)
        ends = [f"{end} {v:.4f} is {'too high' if v > w else 'too low'}"
                for end, v, w in zip(("low", "high"), values, want, strict=True)
                if abs(v - w) > tolerance]
        return Verdict("wrong", f"✘ {'; '.join(ends)}: {known}")
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
    if type(answer).__name__ == "Design" and is_dataclass(answer):  # a Design of another copy
        answer = {name: getattr(answer, name) for name in capstone.Design.__dataclass_fields__}
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
    """Exercise 13: the design passes the bar in every stress scenario
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


_SHORTS = lambda: sorted(practice.ADL_SHORTS)  # noqa: E731
_ISO = (mistakes.ISO_Q, mistakes.ISO_ENTRY, mistakes.ISO_MARGIN, ETH_PERP)
_PERCENT = "Give the fall as a percentage of the starting price: 12.5 for 12.5 %."

EXERCISES: dict[str, Grader] = {
    # 1a: 3 ETH long at 2,400, 8x isolated (900 USDT margin), ETH-PERP first tier
    "isolated_long_liquidation_price": number(
        lambda: formulas.isolated_liquidation_price("long", *_ISO), 0.01, "USDT", Hints(
            high="Too high means too early: the margin covers a larger fall than that.",
            low="Too low means too late: by then margin + uPnL is below the maintenance margin.",
            sign="A price is positive: solve margin + Q (P - entry) = Q P MMR for P.",
            mistakes=mistakes.isolated_long)),
    # 1b: the same, short
    "isolated_short_liquidation_price": number(
        lambda: formulas.isolated_liquidation_price("short", *_ISO), 0.01, "USDT", Hints(
            high="Too high means too late: by then margin + uPnL is below the maintenance "
                 "margin.",
            low="Too low means too early: the margin covers a larger rise than that.",
            sign="A price is positive: solve margin - Q (P - entry) = Q P MMR for P.",
            mistakes=mistakes.isolated_short)),
    # 2: cross wallet 1,500; long 2 ETH at 2,000; others: uPnL -150, MM 12.5
    "cross_liquidation_price": number(
        lambda: formulas.cross_liquidation_price("long", 2, 2000, 1500, ETH_PERP,
                                                 other_upnl=-150, other_mm=Decimal("12.5")),
        0.01, "USDT", Hints(
            high="The other positions' uPnL adds to the pool, their maintenance margin is "
                 "taken out of it; check each term's sign.",
            low="The pool must cover the maintenance margin of every position, not only ETH's.",
            mistakes=mistakes.cross_long)),
    # 3a, 3b: practice.CRASH_TWIN
    "largest_eth_drop": number(
        practice.largest_eth_drop_pct, 0.01, "%", Hints(
            high="The pool holds less than that: what has the wallet paid already, and what "
                 "must it keep for BTC?",
            low="In cross the whole wallet backs the ETH long, less what the BTC position "
                "(which does not move) needs as maintenance margin.",
            sign="A fall is a positive percentage here: 12.5 for a 12.5 % fall.",
            units=_PERCENT, mistakes=mistakes.largest_drop)),
    "isolated_twin_equity": number(
        practice.isolated_twin_equity_after_drop, 1, "USDT", Hints(
            high="Only one ring is liquidated: which margin goes with it?",
            low="Only one ring is liquidated, and it can lose at most its own margin; the "
                "other ring and the wallet outside the rings stay.",
            sign="Equity cannot go below zero here: the rings limit the loss.",
            mistakes=mistakes.twin_equity)),
    # 4a, 4b: practice.SIZING_CRASH
    "largest_cross_eth_long": largest_cross_eth_long,
    "least_margin_to_add": least_margin_to_add,
    # 5a, 5b: practice.adl_market, ETH gaps to 1,750 with an empty insurance fund
    "adl_queue": ranking(
        practice.adl_ranking,
        "the score is PnL% x margin ratio, both measured at the new mark.",
        mistakes.adl_orders),
    "adl_deleveraged": amounts(
        practice.adl_deleveraged, _SHORTS, 0.001, "ETH",
        "The whale's whole position is closed against the queue, from the top, each short "
        "giving up at most what it holds.", mistakes.adl_amounts),
    # 6a, 6b: practice.hedge_liquidated
    "hedge_eth_short": hedge_eth_short,
    "isolated_btc_leg_fall": number(
        practice.isolated_btc_leg_fall_pct, 0.01, "%", Hints(
            high="The BTC ring has only its own margin, and its maintenance margin is measured "
                 "at the liquidation price.",
            low="The ring is liquidated when margin + uPnL falls to the maintenance margin, "
                "not before.",
            sign="A fall is a positive percentage here: 12.5 for a 12.5 % fall.",
            units=_PERCENT, mistakes=mistakes.btc_leg_fall)),
    # 8a, 8b: practice_losses.gap_market
    "gap_bankruptcy_price": number(
        losses.gap_bankruptcy_price, 0.01, "USDT", Hints(
            high="Too high: the margin runs out sooner than that.",
            low="Too low: the margin covers a larger rise than that.",
            sign="A price is positive: solve margin - Q (P - entry) = 0 for P.",
            mistakes=mistakes.gap_bankruptcy)),
    "insurance_fund_payment": number(
        losses.gap_fund_payment, 0.01, "USDT", Hints(
            high="The fund pays only the loss beyond what the margin covers.",
            low="The position is closed at the mark: everything it loses beyond its margin is "
                "paid by the fund.",
            sign="Give what the fund pays out as a positive amount.",
            mistakes=mistakes.gap_payment)),
    # 9: practice_losses.partial_market
    "partial_liquidation_quantity": number(
        losses.partial_closed, 0.0005, "ETH", Hints(
            high="To compliance closes just enough to bring equity back above the maintenance "
                 "margin of what is left.",
            low="Closing that little leaves the account liquidatable: equity after the fee must "
                "exceed the maintenance margin of the rest.",
            sign="Give the quantity closed as a positive number of ETH.",
            mistakes=mistakes.partial_quantity)),
    # 10: practice_losses.socialized_market
    "socialized_loss": amounts(
        losses.socialized_shares, _SHORTS, 0.01, "USDT",
        "The deficit beyond the whale's margin is shared pro rata to each short's profit at the "
        "new mark.", mistakes.socialized),
    # 11a, 11b: practice_losses.cascade_market
    "cascade_liquidated": names(
        losses.cascade_liquidated, lambda: sorted(losses.CASCADE_LONGS),
        "follow the price round by round: the shock, then each round's forced selling.",
        mistakes.cascade_names),
    "cascade_final_price": number(
        losses.cascade_final_price, 0.05, "USDT", Hints(
            high="The cascade goes further: each liquidation's forced sale moves the price down "
                 "for the next round.",
            low="The cascade stops when a round liquidates nobody: the price moves no further.",
            mistakes=mistakes.cascade_price)),
    # 14a, 14b: practice_losses.protocol_public_state
    "protocol_liquidatable": names(
        losses.liquidatable_accounts, lambda: sorted(losses.protocol_public_state().index),
        "value each account at the oracle: equity = collateral + ETH x (oracle - 2,000), "
        "against maintenance margin = |ETH| x oracle x 5 %.", mistakes.protocol_names),
    "drift_base_to_close": number(
        losses.drift_base_to_close, 0.001, "ETH", Hints(
            high="Closing that much clears more than the shortage: each ETH closed frees "
                 "P (5 % + 2 % - 1 % - 1 %).",
            low="That leaves part of the shortage: shortage = ETH x P x (5 % + 2 %) - equity.",
            sign="Give the ETH closed as a positive number.",
            mistakes=mistakes.drift_base)),
    # 12a, 12b: practice_losses.odds_paths
    "liquidation_probability": number(
        losses.odds_probability, 0.001, "", Hints(
            high="Count only the paths whose lowest price reaches the liquidation price.",
            low="A path is liquidated if its price touches the liquidation price at any hour.",
            units="Give a fraction between 0 and 1.", mistakes=mistakes.odds)),
    "probability_interval": interval(
        losses.odds_interval, 0.001,
        "use the 95 % Wilson interval of the lesson, with z = 1.96 and n = 400 paths.",
        mistakes.odds_intervals),
}

# Exercise 13 (the capstone): a whole venue design, scored against the stress scenarios
EXERCISES["design_scores"] = grade_design


# --- exercise 7: funding (lesson 11) ------------------------------------------------------------
def _funding_hints(hint: str, mistakes_of) -> Hints:
    return Hints(hint, hint, hint, hint, mistakes=mistakes_of)


_FUNDING_PERIODS = number(
    practice.funding_periods_to_liquidation, 0, "periods", _funding_hints(
        "Each payment takes the same amount; the ring goes when equity ≤ maintenance margin.",
        mistakes.funding_periods))


def funding_periods_to_liquidation(answer) -> Verdict:
    """Exercise 7c: the payment after which the isolated ring is liquidated (a whole number)."""
    value = None if _stub(answer) else read_number(answer)
    if isinstance(value, float) and abs(value) < 1e9 and value % 1:
        return Verdict("wrong", f"✘ {amount(value)} periods: funding is paid whole periods at "
                                f"a time; round to the payment that does it.")
    return _FUNDING_PERIODS(answer)


EXERCISES.update({
    # 7a, 7b, 7c: practice.funding_table, lesson 11's funding twins
    "funding_margin_change": number(
        practice.funding_margin_change, 0.01, "USDT", _funding_hints(
            "payment = size × mark × rate, taken from the margin.", mistakes.funding_change)),
    "funding_liquidation_price": number(
        practice.funding_liquidation_price, 0.01, "USDT", _funding_hints(
            "Use the margin left after the payments in the isolated liquidation price.",
            mistakes.funding_price)),
    "funding_periods_to_liquidation": funding_periods_to_liquidation,
})


def grade(exercise: str, answer) -> Verdict:
    """The verdict for ``answer`` to ``exercise`` (a key of :data:`EXERCISES`), silently."""
    if exercise not in EXERCISES:
        raise KeyError(f"no exercise named {exercise!r}; the exercises are: "
                       f"{', '.join(EXERCISES)}")
    return EXERCISES[exercise](answer)


WRITTEN = {"hedge_explanation": "6c"}  # written answers, graded by hand: {name: label}
LEAST_WORDS = 10


def given(exercise: str, answer) -> bool:
    """Whether ``answer`` has been given: a correct answer to a checked exercise, or a written
    answer of at least :data:`LEAST_WORDS` words."""
    if exercise in WRITTEN:
        return isinstance(answer, str) and len(answer.split()) >= LEAST_WORDS
    return grade(exercise, answer).correct


def written(exercise: str, answer) -> None:
    """Print whether a written answer (graded by hand, :data:`WRITTEN`) has been given."""
    if _stub(answer):
        print(STUB.message)
    elif given(exercise, answer):
        print(f"✔ Written: {len(answer.split())} words. {WRITTEN[exercise]} is graded by hand; "
              f"compare it with the engine's replay below.")
    else:
        print(f"✘ Expected a few sentences of text (at least {LEAST_WORDS} words), got "
              f"{shown(answer)}.")


def reveal(show: Callable[[], str], **answers) -> None:
    """Print ``show()`` (the engine replaying an exercise's scenario, which shows its answer)
    only once every ``exercise=answer`` is given (:func:`given`); until then, say which is
    missing. A notebook prints no answer before the learner has given it."""
    for exercise, answer in answers.items():
        if given(exercise, answer):
            continue
        if exercise in WRITTEN:
            print(f"… Write your answer to {WRITTEN[exercise]} first (at least {LEAST_WORDS} "
                  f"words): this cell then replays it in the engine.")
        else:
            print(f"… This cell replays the exercise in the engine once your answer to "
                  f"{exercise!r} is correct.")
        return
    print(show())


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

__all__ = ["Verdict", "Hints", "EXERCISES", "compare", "grade", "given", "reveal", "written",
           "assert_correct", *EXERCISES]
