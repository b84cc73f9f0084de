"""Notebook hygiene: what a learner opens must be clean, complete and portable."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for d in ("lessons", "exercises", "solutions") for p in (ROOT / d).glob("*.ipynb")
)


def test_there_is_a_course():
    assert any(p.parent.name == "lessons" for p in NOTEBOOKS), "lessons/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "kernel must be python3"
    assert "widgets" not in nb["metadata"], "widget state stored in metadata: strip it"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook without code cells"
    for i, cell in enumerate(code):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"code cell {i} stores a traceback"
            text = "".join(out.get("text", "")) if out["output_type"] == "stream" else ""
            assert "Traceback" not in text, f"code cell {i} prints a traceback"
    if path.parent.name != "exercises":
        assert all(c.get("execution_count") for c in code), "not executed top to bottom"
        counts = [c["execution_count"] for c in code]
        assert counts == sorted(counts), "cells were executed out of order"
        assert any(c.get("outputs") for c in code), "no stored outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_has_checked_numbers(path):
    """A change in the engine that changes a taught number must fail CI."""
    if path.parent.name != "lessons":
        pytest.skip("only lessons are required to pin numbers")
    nb = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(s.lstrip().startswith("# NBVAL_CHECK_OUTPUT") for s in sources)


def _anchors(markdown: str) -> set[str]:
    """GitHub/JupyterLab heading anchors: lower case, spaces to '-', punctuation dropped."""
    import re

    heads = re.findall(r"^#+\s+(.+)$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in heads}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_links_to_the_glossary_and_other_lessons_resolve(path):
    import re

    glossary = ROOT / "lessons" / "glossary.md"
    anchors = _anchors(glossary.read_text(encoding="utf-8"))
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for target, anchor in re.findall(r"\]\(([\w./-]+\.(?:md|ipynb))(?:#([\w-]+))?\)", text):
        assert (path.parent / target).exists(), f"broken link to {target}"
        if anchor and target.endswith("glossary.md"):
            assert anchor in anchors, f"glossary has no entry #{anchor}"
