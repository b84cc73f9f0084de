"""Exercises come from the solutions, run cleanly as stubs, and the checks say the right thing."""

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from marginlab import check, formulas
from marginlab.contracts import ETH_PERP

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools/make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def check_outputs(nb):
    """The text printed by every cell that calls check.<something>."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "check." in "".join(cell["source"]):
            yield "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def test_exercises_are_generated_from_the_solutions():
    assert SOLUTIONS, "no solution notebooks"
    assert make_exercises.stale() == [], "run tools/make_exercises.py"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_check_in_the_solutions_reports_correct(path):
    outputs = list(check_outputs(json.loads(path.read_text(encoding="utf-8"))))
    assert outputs and all(o.startswith("✔ Correct") for o in outputs), outputs


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_every_check_in_the_exercises_reports_not_attempted(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = list(check_outputs(nb))
    assert outputs and all("not attempted yet" in o for o in outputs), outputs
    assert "BEGIN SOLUTION" not in path.read_text(encoding="utf-8")


def test_stub_keeps_only_the_names_the_check_uses():
    src = ("x = 1\n### BEGIN SOLUTION\na, b = 1, 2\nhelper = 3\nanswer = a + b\n"
           "### END SOLUTION\ncheck.something(answer)\n")
    out = make_exercises.stub_source(src)
    assert out == "x = 1\n# YOUR CODE HERE\nanswer = ...\ncheck.something(answer)\n"


LONG_LP = formulas.isolated_liquidation_price("long", 2, 2000, 400, ETH_PERP)


@pytest.mark.parametrize("answer", [LONG_LP, float(LONG_LP), str(round(LONG_LP, 2)),
                                    f"{LONG_LP:,.2f}", np.float64(LONG_LP), Decimal("1809.05")])
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
    ([1809.05], "Expected a number in USDT, got list"),
    ("about 1800", "Expected a number"),
    (True, "Expected a number"),
    (float("nan"), "Expected a number"),
])
def test_a_wrong_answer_gets_the_right_message(answer, words):
    verdict = check.grade("isolated_long_liquidation_price", answer)
    assert verdict.status == "wrong" and words in verdict.message
    value = check._as_number(answer)
    if value is not None and f"{abs(value):,.2f}" != "1,809.05":
        assert "1,809.05" not in verdict.message  # never gives the answer away


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
