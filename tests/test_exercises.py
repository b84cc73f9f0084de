"""Exercises come from the solutions, run cleanly as stubs, and the checks say the right thing."""

import dataclasses
import importlib.util
import json
import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from marginlab import formulas
from marginlab.course import check, practice
from marginlab.course import practice_losses as losses
from marginlab.course.scenarios import capstone
from marginlab.engine.contracts import ETH_PERP

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools/make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def check_outputs(nb):
    """The text printed by every cell that calls check.<something>."""
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "check." in source and "check.reveal" not in source:
            yield "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def test_exercises_are_generated_from_the_solutions():
    assert SOLUTIONS, "no solution notebooks"
    assert make_exercises.stale() == [], "run tools/make_exercises.py"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_check_in_the_solutions_reports_correct(path):
    outputs = list(check_outputs(json.loads(path.read_text(encoding="utf-8"))))
    assert outputs and all(o.startswith(("✔ Correct", "✔ Written")) for o in outputs), outputs


def all_text(nb) -> str:
    return "\n".join("".join(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


# what the answers look like when printed (the released notebooks must print none of them)
ANSWERS = ["ann, ben", "39.91", "2,110.55", "2,686.57", "1,337.94", "19.36", "595.75", "3.523",
           "7.21", "922.51",
           "grace, heidi", "9.64", "1 ETH short", "1.0 ETH", "798.00", "998.00",
           "nothing liquidated", "liquidated ['BTC-PERP']", "2,420", "300.00", "133.86",
           "208.33", "ivan, judy", "1,802.12", "1835.82", "0.2007", "0.2842"]


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_every_check_in_the_exercises_reports_not_attempted_and_prints_no_answer(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = list(check_outputs(nb))
    assert outputs and all("not attempted yet" in o for o in outputs), outputs
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text
    printed = all_text(nb) + "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert [a for a in ANSWERS if a in printed] == []
    replays = [c for c in nb.cells if "check.reveal" in c.source]
    assert all("… " in all_text(nbformat.v4.new_notebook(cells=[c])) for c in replays)


def test_stub_keeps_only_the_names_the_check_uses():
    src = ("x = 1\n### BEGIN SOLUTION\na, b = 1, 2\nhelper = 3\nanswer = a + b\n"
           "### END SOLUTION\ncheck.something(answer)\n")
    out = make_exercises.stub_source(src)
    assert out == "x = 1\n# YOUR CODE HERE\nanswer = ...\ncheck.something(answer)\n"


LONG_LP = formulas.isolated_liquidation_price("long", 3, 2400, 900, ETH_PERP)


@pytest.mark.parametrize("answer", [LONG_LP, float(LONG_LP), str(round(LONG_LP, 2)),
                                    f"{LONG_LP:,.2f}", np.float64(LONG_LP), Decimal("2110.55"),
                                    np.float32(2110.55), Fraction(LONG_LP), np.array(2110.55),
                                    Fraction(211055, 100)])
def test_a_right_answer_of_any_reasonable_type_passes(answer, capsys):
    verdict = check.grade("isolated_long_liquidation_price", answer)
    assert verdict.correct
    check.isolated_long_liquidation_price(answer)  # what the learner calls: it prints
    assert capsys.readouterr().out.startswith("✔ Correct")
    assert "all tests passed" not in verdict.message.lower()


@pytest.mark.parametrize("answer, words", [
    (-float(LONG_LP), "wrong sign"),
    (float(LONG_LP) * 100, "factor of about 100"),
    (float(LONG_LP) + 25, "too high"),
    (float(LONG_LP) - 25, "too low"),
    ([2110.55], "Expected a number in USDT, got list"),
    ("about 1800", "Expected a number"),
    (True, "Expected a number"),
    (float("nan"), "Expected a number"),
])
def test_a_wrong_answer_gets_the_right_message(answer, words):
    verdict = check.grade("isolated_long_liquidation_price", answer)
    assert verdict.status == "wrong" and words in verdict.message
    value = check.read_number(answer)
    if isinstance(value, float) and f"{abs(value):,.2f}" != "2,110.55":
        assert "2,110.55" not in verdict.message  # never gives the answer away


@pytest.mark.parametrize("stub", [..., None])
def test_a_stub_is_not_attempted(stub):
    verdict = check.grade("cross_liquidation_price", stub)
    assert verdict.status == check.NOT_ATTEMPTED and not verdict.correct
    assert "<span" in verdict._repr_html_()


def test_every_exercise_has_a_check_function_and_a_solution_that_uses_it():
    sources = "".join(p.read_text(encoding="utf-8") for p in SOLUTIONS)
    for name in check.EXERCISES:
        assert callable(getattr(check, name))
        assert f"check.{name}(" in sources, f"no solution notebook exercises {name}"


def test_a_written_answer_becomes_a_text_stub_and_tuples_are_stubbed():
    cell = nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nBecause...\n### END SOLUTION")
    cell.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "x", "points": 1}
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("Read me.")])
    out = make_exercises.exercise_from(nb)
    assert [c.source for c in out.cells] == ["YOUR ANSWER HERE", "Read me."]
    src = "### BEGIN SOLUTION\nleft, taken = 5, {}\n### END SOLUTION\ncheck.x(taken)\n"
    assert make_exercises.stub_source(src) == "# YOUR CODE HERE\ntaken = ...\ncheck.x(taken)\n"


def test_every_solution_cell_is_marked_for_nbgrader():
    ids = []
    for path in SOLUTIONS:
        cells = nbformat.read(path, as_version=4).cells
        for cell, after in zip(cells, [*cells[1:], None], strict=True):
            meta = cell.metadata.get("nbgrader")
            has_region = "### BEGIN SOLUTION" in cell.source
            assert has_region == bool(meta and meta["solution"]), (path.name, cell.source[:60])
            if meta:
                assert meta["schema_version"] == 3
                ids.append(meta["grade_id"])
            if has_region and not meta["grade"]:  # a hidden autograder test cell follows
                assert cell.cell_type == "code" and make_exercises.is_test_cell(after)
                assert after.metadata["nbgrader"]["locked"] and after.metadata["nbgrader"]["points"]
                hidden = after.source.split("### BEGIN HIDDEN TESTS\n")[1]
                assert "run_module(\"marginlab.course.autograde\")[\"verify\"]" in hidden
                assert "check." not in hidden  # nothing a learner's cell can rebind
            elif has_region:  # a written answer, graded by hand
                assert meta["grade"] and meta["points"]
    assert len(ids) == len(set(ids)) >= 20
    for path in EXERCISES:
        assert "autograde" not in path.read_text(encoding="utf-8")


def test_assert_correct_is_silent_when_right_and_raises_the_verdict_when_wrong():
    check.assert_correct("hedge_eth_short", 1)
    with pytest.raises(AssertionError, match="too small"):
        check.assert_correct("hedge_eth_short", "0.1")
    with pytest.raises(AssertionError, match="not attempted"):
        check.assert_correct("hedge_eth_short", ...)


def test_there_are_at_least_six_exercises_each_paired_with_a_lesson():
    headings = "\n".join(c.source for p in SOLUTIONS
                         for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown")
    exercises = set(re.findall(r"^#{2,3} (\d+)[a-c]? ·", headings, re.M))
    assert len(exercises) >= 6, exercises
    for path in SOLUTIONS:
        assert "../lessons/" in path.read_text(encoding="utf-8"), f"{path.name} names no lesson"


# --- the scenarios, against independent answers from the published rules ---------------------

def test_the_largest_cross_long_is_the_closed_form_and_the_engine_agrees():
    # wallet 1,999 - Q; at the crash equity 1,799 - 501 Q must exceed MM 7.2 + 7.5 Q
    closed_form = Decimal("1791.8") / Decimal("508.5")
    best = practice.largest_cross_eth_long()
    assert best == closed_form.quantize(Decimal("0.001"), rounding="ROUND_FLOOR")
    assert practice.cross_sizing_liquidated(best) == []
    assert practice.cross_sizing_liquidated(best + Decimal("0.001")) != []


def test_the_least_margin_to_add_is_what_each_ring_is_short_of():
    need = practice.least_margin_to_add()
    # ring short of = MM(crash) - (margin + uPnL(crash))
    assert need["BTC-PERP"] == Decimal("0.04") * 45_000 * Decimal("0.004") + Decimal("0.01")
    assert need["ETH-PERP"] == 3 * 1500 * Decimal("0.005") + 900 + Decimal("0.01")
    assert practice.liquidated(practice.isolated_sizing_account(need), practice.SIZING_CRASH) == []
    less = {s: v - Decimal("0.02") for s, v in need.items()}
    assert sorted(practice.liquidated(practice.isolated_sizing_account(less),
                                      practice.SIZING_CRASH)) == sorted(need)


def test_the_adl_queue_follows_binance_score():
    shorts = practice.adl_shorts()
    upnl = shorts["short ETH"] * (shorts["entry price"] - 1750)
    ratio = shorts["short ETH"] * 1750 * 0.005 / (shorts["wallet balance"] + upnl)
    score = upnl / shorts["wallet balance"] * ratio
    assert practice.adl_ranking() == list(score.sort_values(ascending=False).index)
    taken = practice.adl_deleveraged()
    assert sum(taken.values()) == 5  # the whale's whole position, from the top of the queue
    assert list(taken) == practice.adl_ranking()[:len(taken)]


def test_funding_takes_size_times_mark_times_rate_from_the_isolated_margin():
    # 2 ETH at 2,000, 0.08 % per 8 h: 3.20 a payment out of a 200 USDT margin (20x)
    assert practice.funding_margin_change() == Decimal("-3.2")
    # ten payments later: margin 168, LP = (2 x 2,000 - 168) / (2 x (1 - 0.5 %))
    assert practice.funding_liquidation_price() == pytest.approx(Decimal(3832) / Decimal("1.99"))
    # liquidated at the first payment with 200 - 3.2 n <= MM 20: n = 57 (56.25 rounded up)
    assert practice.funding_periods_to_liquidation() == 57


def test_the_hedge_breaks_in_isolated_and_holds_in_cross():
    assert practice.hedge_liquidated(1) == {"down": [], "up": []}
    assert practice.hedge_liquidated(1, "isolated") == {"down": ["BTC-PERP"], "up": ["ETH-PERP"]}
    assert practice.hedge_liquidated(0)["down"] == ["BTC-PERP"]  # no hedge: the long goes
    fall = practice.isolated_btc_leg_fall_pct()
    lp = (Decimal(2000) - 200) / (Decimal("0.04") * (1 - Decimal("0.004")))
    assert fall == (1 - lp / 50_000) * 100


# --- every grader: right answer, wrong sign, wrong size, wrong type -------------------------

CAREFUL_DESIGN = capstone.Design(max_leverage=10, insurance_fund=150_000,
                                 tiers=((0, 0.02, 25), (100_000, 0.04, 12), (500_000, 0.08, 6),
                                        (2_000_000, 0.15, 3)))

RIGHT = {
    # 14a: at 1,830 ann (equity 12,500 - 60 x 170 = 2,300 <= 5,490) and ben (2,000 - 1,360 = 640
    # <= 732); cat 650 > 457.5, fay 2,300 > 915, the shorts gain
    "protocol_liquidatable": lambda: ["ann", "ben"],
    # 14b: shortage 60 x 1,860 x 7 % - (12,500 - 60 x 140) = 7,812 - 4,100 = 3,712; each ETH
    # frees 1,860 x (7 % - 2 %) = 93
    "drift_base_to_close": lambda: Decimal(3712) / 93,
    "largest_eth_drop": lambda: practice.largest_eth_drop_pct(),
    "isolated_twin_equity": lambda: practice.isolated_twin_equity_after_drop(),
    "largest_cross_eth_long": lambda: practice.largest_cross_eth_long(),
    "least_margin_to_add": lambda: practice.least_margin_to_add(),
    "adl_queue": lambda: practice.adl_ranking(),
    "adl_deleveraged": lambda: practice.adl_deleveraged(),
    "hedge_eth_short": lambda: Decimal(1),
    "isolated_btc_leg_fall": lambda: practice.isolated_btc_leg_fall_pct(),
    "funding_margin_change": lambda: practice.funding_margin_change(),
    "funding_liquidation_price": lambda: practice.funding_liquidation_price(),
    "funding_periods_to_liquidation": lambda: Decimal(practice.funding_periods_to_liquidation()),
    "gap_bankruptcy_price": lambda: Decimal(2420),  # 2,200 + 1,100 / 5
    "insurance_fund_payment": lambda: Decimal(300),  # 5 x (2,480 - 2,420)
    "partial_liquidation_quantity": lambda: Decimal("133.861"),  # worked below
    "socialized_loss": lambda: {"erin": Decimal(125), "frank": Decimal(250),  # 750 x profit share
                                "grace": Decimal(750) * 625 / 2250,
                                "heidi": Decimal(750) * 500 / 2250},
    "cascade_liquidated": lambda: ["ivan", "judy"],
    "cascade_final_price": lambda: Decimal("1802.12"),
    "liquidation_probability": lambda: Decimal(losses.odds_count()) / 400,
    "probability_interval": lambda: losses.odds_interval(),
    "design_scores": lambda: CAREFUL_DESIGN,
}


def test_every_exercise_has_a_right_answer_here():
    assert set(RIGHT) | {"isolated_long_liquidation_price", "isolated_short_liquidation_price",
                         "cross_liquidation_price"} == set(check.EXERCISES)


@pytest.mark.parametrize("name", RIGHT)
def test_the_right_answer_passes_in_every_reasonable_form(name):
    right = RIGHT[name]()
    forms = [right]
    if isinstance(right, Decimal):
        forms += [float(right), np.float64(right), f"{float(right):.6f}"]
    elif isinstance(right, capstone.Design):
        fields = dataclasses.asdict(right)
        forms += [fields, {f" {k} ": v for k, v in fields.items()}]
    elif isinstance(right, list):
        forms += [tuple(right), [n.upper() for n in right], pd.Series(right), np.array(right)]
    elif isinstance(right, tuple):
        forms += [list(right), np.array(right)]
    else:
        forms += [{k.split("-")[0].lower(): float(v) for k, v in right.items()},
                  pd.Series({k: float(v) for k, v in right.items()})]
    for answer in forms:
        verdict = check.grade(name, answer)
        assert verdict.correct, (answer, verdict.message)


WRONG = [  # (exercise, answer from the right one, words the message must hold)
    ("protocol_liquidatable", lambda r: ["ann"], "those are dYdX's"),
    ("protocol_liquidatable", lambda r: [], "liquidation starts earlier"),
    ("protocol_liquidatable", lambda r: ["ann", "zed"], "'zed' is not one of"),
    ("drift_base_to_close", lambda r: Decimal(3712) / (1860 * Decimal("0.07")), "fees are missing"),
    ("drift_base_to_close", lambda r: -r, "positive number"),
    ("largest_eth_drop", lambda r: -r, "wrong sign"),
    ("largest_eth_drop", lambda r: r / 100, "give a percentage"),
    ("largest_eth_drop", lambda r: r * 100, "check the units"),
    ("largest_eth_drop", lambda r: r + 1, "too high"),
    ("largest_eth_drop", lambda r: [r], "Expected a number in %, got list"),
    ("isolated_twin_equity", lambda r: r + 400, "too high"),
    ("largest_cross_eth_long", lambda r: -r, "wrong sign"),
    ("largest_cross_eth_long", lambda r: r + Decimal("0.001"), "liquidates the cross account"),
    ("largest_cross_eth_long", lambda r: r - Decimal("0.5"), "could hold more"),
    ("largest_cross_eth_long", lambda r: r * 100, "cannot even be opened"),
    ("largest_cross_eth_long", lambda r: r + Decimal("0.0001"), "lots of 0.001"),
    ("largest_cross_eth_long", lambda r: {"ETH": r}, "Expected a number of ETH, got dict"),
    ("least_margin_to_add", lambda r: {k: v - 1 for k, v in r.items()}, "still liquidated"),
    ("least_margin_to_add", lambda r: {k: v + 5 for k, v in r.items()}, "more than it needs"),
    ("least_margin_to_add", lambda r: {k: -v for k, v in r.items()}, "0 or more"),
    ("least_margin_to_add", lambda r: {k: v * 100 for k, v in r.items()}, "refuses"),
    ("least_margin_to_add", lambda r: list(r.values()), "Expected a dict"),
    ("least_margin_to_add", lambda r: {"SOL": 1}, "the rings are"),
    ("adl_queue", lambda r: r[::-1], "in the right place"),
    ("adl_queue", lambda r: r[:2], "rank them all"),
    ("adl_queue", lambda r: r[:1] * 4, "appears 4 times"),
    ("adl_queue", lambda r: ", ".join(r), "trader names, first in the queue first, got str"),
    ("adl_queue", lambda r: ["eve", *r[1:]], "'eve' is not in the queue"),
    ("adl_deleveraged", lambda r: {k: -v for k, v in r.items()}, "wrong sign"),
    ("adl_deleveraged", lambda r: {k: v * 2 for k, v in r.items()}, "too high"),
    ("adl_deleveraged", lambda r: list(r), "Expected a dict {name: ETH}, got list"),
    ("adl_deleveraged", lambda r: {"whale": 5}, "'whale' is not one of"),
    ("adl_deleveraged", lambda r: {k: "lots" for k in r}, "expected a number in ETH"),
    ("hedge_eth_short", lambda r: -r, "wrong sign"),
    ("hedge_eth_short", lambda r: r / 10, "too small"),
    ("hedge_eth_short", lambda r: r * 2, "too big"),
    ("hedge_eth_short", lambda r: "one", "Expected a number of ETH, got str"),
    ("isolated_btc_leg_fall", lambda r: r * 10, "check the units"),
    ("funding_margin_change", lambda r: -r, "the sign is not"),
    ("funding_margin_change", lambda r: r * 100, "0.08 % is 0.0008"),
    ("funding_margin_change", lambda r: r / 2, "on the whole position"),
    ("funding_margin_change", lambda r: r - 1, "too low"),
    ("funding_liquidation_price", lambda r: Decimal(3800) / Decimal("1.99"),
     "before any funding"),
    ("funding_liquidation_price", lambda r: Decimal(3768) / Decimal("1.99"),
     "the wrong way"),
    ("funding_liquidation_price", lambda r: r + 5, "too high"),
    ("funding_periods_to_liquidation", lambda r: r - 1, "round up"),
    ("funding_periods_to_liquidation", lambda r: Decimal(62), "not when the margin is gone"),
    ("funding_periods_to_liquidation", lambda r: Decimal("56.25"), "whole periods"),
    ("funding_periods_to_liquidation", lambda r: -r, "wrong sign"),
    ("design_scores", lambda r: dataclasses.replace(r, insurance_fund=0), "breaks in"),
    ("design_scores", lambda r: dataclasses.replace(r, max_leverage=25), "(crash): Breaks"),
    ("design_scores", lambda r: {"max_leverage": 500}, "refused: max_leverage 500x is beyond"),
    ("design_scores", lambda r: {"leverage": 5}, "not a design"),
    ("design_scores", lambda r: 20, "Expected a Design"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG,
                         ids=[f"{n}-{w}" for n, _, w in WRONG])
def test_a_wrong_answer_to_each_exercise_gets_the_right_message(name, wrong, words):
    verdict = check.grade(name, wrong(RIGHT[name]()))
    assert verdict.status == "wrong" and words in verdict.message, verdict.message
    assert "passed" not in verdict.message.lower()


@pytest.mark.parametrize("name", list(check.EXERCISES))
def test_a_stub_of_each_exercise_is_not_attempted(name):
    assert check.grade(name, ...).status == check.NOT_ATTEMPTED
    assert check.grade(name, None).status == check.NOT_ATTEMPTED


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="largest_eth_drop"):
        check.grade("no_such_exercise", 1)


# --- any number gets a verdict, never a traceback ----------------------------------------------

ODD_NUMBERS = [
    1e25, -1e25, 1e-300, 10**400, -(10**400), 10**5000, float("nan"), float("inf"),
    -float("inf"), -0.0, np.float64(1e25), np.float64("nan"), np.float32(1.5), np.int64(2),
    np.int64(-3), np.uint8(3), np.True_, np.array(2.5), Fraction(1, 3), Fraction(10**400, 3),
    Decimal("1e400"), Decimal("-1e-400"), Decimal("NaN"), Decimal("sNaN"), Decimal("-0"),
    Decimal("Infinity"), "1e400", "nan", "-0", 2**63, 1 + 1j,
]


def shapes(name, value):
    """``value`` as the answer to ``name`` itself and inside the shape that exercise takes."""
    try:
        as_key = [{value: 1}]  # a name that is a number
    except TypeError:  # arrays and signaling NaNs cannot be keys
        as_key = []
    if name == "least_margin_to_add":
        return [value, {"ETH-PERP": value, "BTC-PERP": 0}, {"btc": value}, *as_key]
    if name == "adl_deleveraged":
        return [value, {"alice": value}, *as_key]
    if name == "adl_queue":
        return [value, [value, "alice"]]
    return [value]


@pytest.mark.parametrize("name", list(check.EXERCISES))
def test_any_number_of_any_type_gets_a_verdict_never_a_traceback(name, capsys):
    for value in ODD_NUMBERS:
        for answer in shapes(name, value):
            verdict = check.grade(name, answer)
            assert verdict.status in ("correct", "wrong", check.NOT_ATTEMPTED), answer
            assert verdict.message[0] in "✔✘…" and len(verdict.message) < 400
            getattr(check, name)(answer)  # what the learner calls: it prints the same verdict
            assert capsys.readouterr().out.strip() == verdict.message


ODD_MESSAGES = [
    (10**400, "an integer of about 401 digits (far too large"),
    (-(10**5000), "a negative integer of about 5001 digits (far too large"),
    (Fraction(10**400, 3), "far too large"),
    (Decimal("1e400"), "far too large"),
    ("1e400", "far too large"),
    (float("nan"), "NaN: not a number"),
    (Decimal("sNaN"), "NaN: not a number"),
    (np.float64("inf"), "(infinite)"),
    (np.True_, "Expected a number in USDT, got bool"),
    (1 + 1j, "Expected a number in USDT, got complex"),
    (1e25, "off by a factor of about 4.74e+21"),
    (-0.0, "0.00 USDT is too low"),
]


@pytest.mark.parametrize("answer, words", ODD_MESSAGES, ids=[w for _, w in ODD_MESSAGES])
def test_an_odd_number_is_told_what_is_odd_about_it(answer, words):
    verdict = check.grade("isolated_long_liquidation_price", answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_an_absurd_size_is_refused_before_the_engine_is_asked():
    verdict = check.grade("largest_cross_eth_long", 1e25)
    # margin alone at 10x: 1e25 ETH x 2,000 / 10 = 2e27 USDT
    assert "cannot even be opened" in verdict.message and "2e+27 USDT" in verdict.message
    verdict = check.grade("hedge_eth_short", Decimal("1e20"))
    assert "cannot even be opened" in verdict.message
    assert "wrong sign" in check.grade("hedge_eth_short", -0.0).message
    verdict = check.grade("least_margin_to_add", {"ETH-PERP": 1e25, "BTC-PERP": 0})
    assert "refuses" in verdict.message and "2,000 USDT" in verdict.message


# --- the checks need neither ipywidgets nor matplotlib nor IPython -----------------------------

WITHOUT_DISPLAY_LIBRARIES = """
import importlib.abc
import sys

BLOCKED = ("ipywidgets", "matplotlib", "IPython")


class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None


sys.meta_path.insert(0, Blocked())
try:
    import matplotlib  # noqa: F401
except ImportError:
    print("matplotlib blocked")
import marginlab
import marginlab.check as check

check.isolated_long_liquidation_price(2110.55)
check.hedge_eth_short(1)
ex = marginlab.Exchange(marks={"ETH-PERP": 2000})
print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED) or "none of them imported")
"""


def test_the_checks_run_with_ipywidgets_matplotlib_and_ipython_absent():
    out = subprocess.run([sys.executable, "-c", WITHOUT_DISPLAY_LIBRARIES], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "matplotlib blocked"  # the blocker works
    assert lines[1].startswith("✔ Correct") and lines[2].startswith("✔ Correct")
    assert lines[3] == "none of them imported"


# --- the new numbers, and hints that match the mistake ----------------------------------------
# worked by hand from the exercise texts (Binance: MM = Q x mark x MMR, taker fee 0.05 % on open)
TWIN_WALLET = 1200 - (3 * 2000 + Decimal("0.05") * 50_000) * Decimal("0.0005")  # 1,195.75


def twin_drop(wallet, btc_mm=Decimal("0.05") * 50_000 * Decimal("0.004")):
    return (1 - (3 * 2000 - wallet + btc_mm) / (3 * Decimal("0.995")) / 2000) * 100


def test_the_new_numbers_are_the_hand_worked_ones_and_no_lesson_prints_them():
    assert round(LONG_LP, 2) == Decimal("2110.55")  # (7,200 - 900) / (3 x 0.995)
    assert check.grade("isolated_short_liquidation_price", Decimal(8100) / Decimal("3.015")).correct
    assert abs(practice.largest_eth_drop_pct() - twin_drop(TWIN_WALLET)) < Decimal("1e-9")
    assert practice.isolated_twin_equity_after_drop() == TWIN_WALLET - 600
    lessons = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "lessons").glob("*.ipynb"))
    for shown in ("2,110.55", "2,686.57", "19.36", "595.75", "grace"):
        assert shown not in lessons, shown


MISTAKES = [  # (exercise, the answer a mistake gives, worked by hand, words of its hint)
    ("isolated_long_liquidation_price", 2100, "bankruptcy price"),  # (7,200 - 900) / 3
    ("isolated_long_liquidation_price", (7200 - 900 + 36) / 3, "at the entry price"),
    ("isolated_long_liquidation_price", 8100 / 3.015, "A long loses when the price falls"),
    ("isolated_short_liquidation_price", 6300 / 2.985, "A short loses when the price rises"),
    ("isolated_short_liquidation_price", 8100 / 2.985, "wrong side of the equation"),
    ("cross_liquidation_price", (4000 - 1500 - 150 + 12.5) / 1.99, "uPnL has the wrong sign"),
    ("cross_liquidation_price", (4000 - 1500 + 150) / 1.99, "others' maintenance margin is"),
    ("largest_eth_drop", twin_drop(Decimal(1200)), "opening fees"),
    ("largest_eth_drop", twin_drop(TWIN_WALLET, 0), "BTC position's maintenance margin"),
    ("isolated_twin_equity", 600, "opening fees"),
    ("isolated_twin_equity", TWIN_WALLET, "its margin goes with it"),
    ("isolated_twin_equity", 0, "cross* twin"),
    ("isolated_btc_leg_fall", 10, "bankruptcy price"),
    ("isolated_btc_leg_fall", (1 - 1800 / (0.04 * 0.995) / 50_000) * 100, "0.4 %"),
    ("adl_queue", ["grace", "erin", "heidi", "frank"], "leverage chosen at opening"),
    ("adl_queue", ["frank", "grace", "heidi", "erin"], "profit in USDT"),
    ("adl_deleveraged", {"grace": 5}, "cannot give up more than it holds"),
    ("gap_bankruptcy_price", 12_100 / 5.025, "that is the liquidation price"),
    ("insurance_fund_payment", 5 * 280, "the whole loss"),
    ("partial_liquidation_quantity", Decimal("133.860"), "round *up*"),
    ("partial_liquidation_quantity", Decimal("100.396"), "liquidation fee is missing"),
    # no opening fee: equity 400,000 - 1,500 x 230 = 55,000, MM 1,500 x 1,770 x 5 % - 70,365 =
    # 62,385, shortage 7,385, each ETH closed cuts it by 1,770 x (5 % - 1.25 %) = 66.375:
    # 7,385 / 66.375 = 111.2618... -> the next lot, 111.262
    ("partial_liquidation_quantity", Decimal("111.262"), "opening fee is missing"),
    ("socialized_loss", {n: 187.5 for n in ("erin", "frank", "grace", "heidi")}, "pro rata"),
    ("cascade_liquidated", ["ivan"], "only the shock's victim"),
    ("cascade_final_price", 1835.82, "one round short"),
    ("liquidation_probability", 24, "not a percentage"),
]


@pytest.mark.parametrize("name, answer, words", MISTAKES, ids=[w for *_, w in MISTAKES])
def test_a_known_mistake_gets_its_own_hint(name, answer, words):
    verdict = check.grade(name, answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_a_plain_miss_is_not_told_about_fees_or_signs():
    for answer in (float(LONG_LP) + 25, float(LONG_LP) - 25):
        message = check.grade("isolated_long_liquidation_price", answer).message
        assert "fee" not in message and "sign" not in message, message
    assert "fee" not in check.grade("isolated_twin_equity", 300).message


def test_a_replay_waits_for_the_answer(capsys):
    check.reveal(lambda: "the answer", isolated_twin_equity=...)
    check.reveal(lambda: "the answer", hedge_eth_short=1, hedge_explanation="too short")
    check.reveal(lambda: "the answer", adl_deleveraged=practice.adl_deleveraged())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("… This cell replays") and "'isolated_twin_equity'" in lines[0]
    assert lines[1].startswith("… Write your answer to 6c first")
    assert lines[2] == "the answer"


REBIND_THEN_VERIFY = """
import runpy
from marginlab.course import check, practice
import marginlab.engine.formulas as formulas
check.assert_correct = lambda *a, **k: None
check.grade = lambda *a, **k: check.Verdict("correct", "✔")
formulas.isolated_liquidation_price = lambda *a, **k: 5
practice.adl_ranking = lambda: ["frank"]
verify = runpy.run_module("marginlab.course.autograde")["verify"]
for exercise, answer in (("isolated_long_liquidation_price", 5), ("adl_queue", ["frank"]),
                         ("isolated_long_liquidation_price", ...),
                         ("isolated_long_liquidation_price", 2110.55)):
    try:
        verify(exercise, answer)
        print("passed")
    except AssertionError as err:
        print("failed:", str(err)[:30])
print(check.grade is not None and formulas.isolated_liquidation_price(1) == 5)
import builtins
builtins.abs = lambda x: 0
try:
    verify("isolated_long_liquidation_price", 5)
except AssertionError as err:
    print(err)
"""


def test_the_autograder_ignores_what_a_cell_rebinds():
    out = subprocess.run([sys.executable, "-c", REBIND_THEN_VERIFY], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["failed", "failed", "failed", "passed"]
    assert "not attempted" in lines[2]
    assert lines[4] == "True"  # the learner's own modules are left as they were
    assert lines[5] == "not graded: a cell replaced Python's abs"


def test_the_partial_step_is_the_first_lot_above_the_shortfall():
    # ETH-PERP's 5 % tier: amount 10k x 0.15 % + 100k x 0.35 % + 1M x 1 % + 2M x 3 % = 70,365
    equity = 400_000 - Decimal(1500 * 2000) * Decimal("0.0005") + 1500 * (1770 - 2000)  # 53,500
    mm = 1500 * 1770 * Decimal("0.05") - 70_365  # 62,385
    x = (mm - equity) / (1770 * (Decimal("0.05") - Decimal("0.0125")))  # 8,885 / 66.375
    assert losses.partial_closed() == (x * 1000).to_integral_value("ROUND_FLOOR") / 1000 \
        + Decimal("0.001") == Decimal("133.861")


def test_the_cascade_and_the_gap_follow_the_hand_worked_rounds():
    assert losses.gap_bankruptcy_price() == 2200 + 1100 / 5
    assert losses.gap_fund_payment() == 5 * (2480 - 2420)
    first = round(1880 * (1 - 0.01 * 5 * 1880 / 4000), 2)  # ivan sold: 1,835.82
    second = round(first * (1 - 0.01 * 4 * first / 4000), 2)  # judy sold
    assert losses.cascade_final_price() == Decimal(str(second)) == Decimal("1802.12")
    assert losses.cascade_liquidated() == ["ivan", "judy"]  # ken's 1,758.93 is below 1,802.12
    lp = losses.cascade_longs()["liquidation price"]
    assert abs(lp["ken"] - (12_000 - 1_500 - 15) / (6 * 0.9935)) < 1e-6  # tier 2: 0.65 %, 15


def test_the_interval_is_wilsons():
    k, n, z = losses.odds_count(), 400, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert losses.odds_interval() == pytest.approx((centre - half, centre + half))
    assert 0 < k < n
