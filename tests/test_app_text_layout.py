"""Every app's picture stays readable wherever its controls are: no text on top of another, no
legend over a label, no text cut by the edge (renderer window extents, in pixels). Checked at
the start, over a sweep of every control, and at every picture a lesson stores
(``app.snapshot(...)``)."""

import ast
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from apphelpers import assert_readable, layout_problems, sweep

from marginlab.course import widgets
from marginlab.course.widgets import app_classes

ROOT = Path(__file__).resolve().parents[1]


def lesson_snapshots():
    """(lesson, app class, constructor keywords, snapshot keywords) for every snapshot."""
    found = []
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        built = {}
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                        and getattr(node.value.func, "id", "").endswith("App")):
                    built[node.targets[0].id] = (getattr(widgets, node.value.func.id), {
                        kw.arg: ast.literal_eval(kw.value) for kw in node.value.keywords})
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "snapshot"):
                    cls, kwargs = built[node.func.value.id]
                    found.append((path.stem, cls, kwargs, {
                        kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}))
    return found


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_no_text_overlaps_in_any_setting(cls):
    app = cls()
    assert_readable(app, "the start")
    assert sweep(app, points=3, check=assert_readable) >= 3


@pytest.mark.parametrize("lesson, cls, built, values", lesson_snapshots(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_stored_lesson_picture_is_readable(lesson, cls, built, values):
    app = cls(**built)
    app.snapshot(**values)
    assert_readable(app, f"{lesson}: snapshot({values})")


def test_every_lesson_app_and_snapshot_is_checked():
    lessons = {lesson for lesson, *_ in lesson_snapshots()}
    assert {"00_start_here", "01_leverage_and_margin", "09_how_likely_is_liquidation"} <= lessons
    assert len(lesson_snapshots()) >= 10


def test_the_check_sees_overlaps_legends_and_edges():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="a line")
    fig.canvas.draw()
    assert layout_problems(fig) == []
    ax.text(0.5, 0.5, "first label")
    ax.text(0.52, 0.5, "second label")
    legend = ax.legend(loc="center")
    ax.text(1.5, 0.5, "far beyond the right edge of the figure")
    problems = layout_problems(fig)
    plt.close(fig)
    assert "'first label' overlaps 'second label'" in problems
    assert any(p.startswith("the legend covers") for p in problems)
    assert "'far beyond the right edge of the figure' is cut by the edge of the figure" in problems
    assert legend.get_texts()[0].get_text() == "a line"
