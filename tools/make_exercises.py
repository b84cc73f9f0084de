#!/usr/bin/env python3
"""Generate ``exercises/`` from ``solutions/``, the single source.

    .venv/bin/python tools/make_exercises.py          # write exercises/
    .venv/bin/python tools/make_exercises.py --check  # exit 1 if exercises/ is stale

In a solution notebook the answer code sits between nbgrader's markers::

    ### BEGIN SOLUTION
    long_lp = (q * ep - margin) / (q * (1 - mmr))
    ### END SOLUTION
    check.isolated_long_liquidation_price(long_lp)

The exercise gets ``# YOUR CODE HERE`` and, for every name the region assigns and the rest of
the cell then uses, ``name = ...``: the notebook still runs to the end and each check reports
"not attempted yet". A written answer is a Markdown cell marked as an nbgrader solution cell;
the exercise gets ``YOUR ANSWER HERE`` in its place. Outputs are cleared.

Every cell holding a solution carries nbgrader's cell metadata (``solution: true`` and a unique
``grade_id``), so ``nbgrader generate_assignment`` accepts the same solution notebooks. After
each exercise a locked nbgrader test cell calls ``check.assert_correct``: nbgrader's autograder
scores with it; the exercises leave it out, since it raises on a stub.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
TEXT_STUB = "YOUR ANSWER HERE"
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*\n?",
                    re.M | re.S)


def _assigned(code: str) -> list[str]:
    """Names the code binds, in order: ``a = ...``, ``a, b = ...``, ``for a in ...`` etc."""
    names = []
    for node in ast.walk(ast.parse(textwrap.dedent(code))):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    return names


def _used(code: str) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def stub_source(source: str) -> str:
    """Replace every solution region of one cell's source with a stub."""
    def replace(match: re.Match) -> str:
        indent, body = match.group(1), match.group(2)
        rest = source[match.end():]
        names = [n for n in _assigned(body) if n in _used(rest)]
        lines = [f"{indent}# YOUR CODE HERE"] + [f"{indent}{n} = ..." for n in names]
        return "\n".join(lines) + "\n"

    return REGION.sub(replace, source)


def exercise_from(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(solution)
    nb.metadata.pop("widgets", None)
    nb.cells = [cell for cell in nb.cells if not is_test_cell(cell)]
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif is_solution_cell(cell):
            cell.source = TEXT_STUB
    return nb


def is_test_cell(cell) -> bool:
    """nbgrader's mark of an autograder test cell: graded, and not a solution."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell) -> bool:
    """nbgrader's mark of a cell holding (part of) a solution."""
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def generated() -> dict[Path, str]:
    """What exercises/ should contain: {path: notebook JSON text}."""
    out = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        nb = exercise_from(nbformat.read(path, as_version=4))
        out[EXERCISES / path.name] = nbformat.writes(nb) + "\n"
    return out


def stale() -> list[str]:
    """Differences between exercises/ and what the solutions generate (empty when in sync)."""
    want = generated()
    have = {p: p.read_text(encoding="utf-8") for p in EXERCISES.glob("*.ipynb")}
    problems = [f"missing {p.name}" for p in want if p not in have]
    problems += [f"{p.name} has no solution" for p in have if p not in want]
    problems += [f"{p.name} is stale" for p in want if p in have and have[p] != want[p]]
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = stale()
        for p in problems:
            print(p)
        if problems:
            print("run: .venv/bin/python tools/make_exercises.py")
        return 1 if problems else 0
    EXERCISES.mkdir(exist_ok=True)
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
