"""nbgrader, end to end: an nbgrader course built from solutions/, released, and four submissions
autograded (about a minute: one kernel per notebook and submission).

* the solutions: every autograded point;
* the untouched release: 0;
* the solutions with one wrong answer (1a): 0 for 1a, every other point;
* a cheat: the exercises' stubs, ``check.assert_correct = lambda *a, **k: None`` in the first
  answer cell of each notebook (the one line that used to score full marks) and other
  rebindings of the checks, with one honest answer (1b): the point for 1b and nothing else.

The autograder's hidden tests (``### BEGIN HIDDEN TESTS``) grade with a fresh copy of the checks
(marginlab/course/autograde.py), so what a learner's cell rebinds does not count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

nbgrader_api = pytest.importorskip("nbgrader.api", reason="nbgrader: pip install -e .[grading]")

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
ASSIGNMENT = "ps1"
ONE_LINE = "check.assert_correct = lambda *a, **k: None"
CHEATS = {  # notebook: the lines put at the top of its first answer cell (else ONE_LINE)
    "02": "check.assert_correct = lambda *a, **k: None\n"
          "check.grade = lambda *a, **k: check.Verdict('correct', '✔')",
    "03": "check.assert_correct = lambda *a, **k: None\n"
          "import marginlab.course.autograde as autograde\n"
          "autograde.verify = lambda *a, **k: None\n"
          "practice.adl_ranking = lambda: list(queue)",
}
HONEST = "ex-1b"  # the one answer the cheat gives for real


def nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def answer_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")]


def submit(course: Path, student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)


def read(folder: Path) -> dict[str, nbformat.NotebookNode]:
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}


def with_wrong_answer(solutions):
    out = {name: nbformat.from_dict(nb) for name, nb in solutions.items()}
    for cell in answer_cells(out["01_liquidation_prices.ipynb"]):
        if cell.metadata["nbgrader"]["grade_id"] == "ex-1a":
            cell.source = "long_lp = 2_100  # the bankruptcy price\n" \
                          "check.isolated_long_liquidation_price(long_lp)"
    return out


def cheat(release, solutions):
    """The release, its answer cells as in exercises/ (``name = ...``), one real answer, and the
    cheats."""
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source
             for p in (ROOT / "exercises").glob("*.ipynb")
             for c in answer_cells(nbformat.read(p, as_version=4))}
    real = {c.metadata["nbgrader"]["grade_id"]: c.source
            for nb in solutions.values() for c in answer_cells(nb)}
    out = {}
    for name, nb in release.items():
        nb = nbformat.from_dict(nb)
        for i, cell in enumerate(answer_cells(nb)):
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            cell.source = real[grade_id] if grade_id == HONEST else stubs[grade_id]
            if i == 0:
                cell.source = CHEATS.get(name[:2], ONE_LINE) + "\n" + cell.source
        out[name] = nb
    return out


def scores(course: Path, student: str) -> dict[str, tuple]:
    """{grade id: (points scored automatically, waits for a person)} of every graded cell."""
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.needs_manual_grade)
                for nb in submission.notebooks for g in nb.grades}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'marginlab'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n", encoding="utf-8")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for path in SOLUTIONS:
        shutil.copy(path, source / path.name)
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    release, solutions = read(course / "release" / ASSIGNMENT), read(source)
    submit(course, "solutions", solutions)
    submit(course, "untouched", release)
    submit(course, "wrong", with_wrong_answer(solutions))
    submit(course, "cheat", cheat(release, solutions))
    nbgrader(course, "autograde", ASSIGNMENT)
    return course, {s: scores(course, s) for s in ("solutions", "untouched", "wrong", "cheat")}


@pytest.fixture(scope="module")
def got(graded):
    """{student: {test id: points}} for the autograder tests."""
    _, all_grades = graded
    return {student: {g: points for g, (points, _) in grades.items() if g.endswith("-test")}
            for student, grades in all_grades.items()}


def test_the_release_holds_no_hidden_test_and_no_answer(graded):
    course, _ = graded
    for path in (course / "release" / ASSIGNMENT).glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert "autograde" not in text.replace("# autograder test", "")


def autograded_points() -> dict[str, float]:
    """``{grade_id: points}`` of every autograder test cell in solutions/."""
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
            for path in SOLUTIONS for c in nbformat.read(path, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
            and not c.metadata["nbgrader"]["solution"]}


def test_the_solutions_score_every_autograded_point(got):
    full = autograded_points()
    assert len(got["solutions"]) == len(full) >= 19
    assert got["solutions"] == full


def test_an_untouched_release_scores_nothing(got):
    assert set(got["untouched"]) == set(got["solutions"])
    assert sum(got["untouched"].values()) == 0, got["untouched"]


def test_a_wrong_answer_loses_that_exercise_only(got):
    assert got["wrong"]["ex-1a-test"] == 0
    full = autograded_points()
    assert all(p == full[g] for g, p in got["wrong"].items() if g != "ex-1a-test"), got["wrong"]


def test_rebinding_the_checks_scores_nothing(got):
    assert got["cheat"][f"{HONEST}-test"] == 1  # the honest answer still counts
    assert sum(got["cheat"].values()) == 1, got["cheat"]


def test_the_written_answer_waits_for_a_person_unless_left_blank(graded):
    _, grades = graded
    assert grades["solutions"]["ex-6c"][1]  # needs manual grading
    assert grades["untouched"]["ex-6c"] == (0, False)  # nbgrader scores a blank answer 0
