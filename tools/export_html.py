#!/usr/bin/env python3
"""Export the lessons, with their stored outputs, as static HTML pages: the course readable
without a kernel (each app appears as the picture stored with it).

    .venv/bin/python tools/export_html.py [--out artifacts/html]

Writes one page per lesson, the glossary, and index.html; links between lessons point to the
pages. Nothing is executed and nothing is fetched: the pages embed their pictures.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import mistune  # nbconvert's Markdown renderer
import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def slug(heading: str) -> str:
    """The anchor GitHub and JupyterLab give a heading: lower case, punctuation out, '-'."""
    return re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-")


def page(nb) -> str:
    """One lesson as HTML: widget views give way to the picture stored next to them."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return re.sub(r'href="([\w.-]+)\.(?:ipynb|md)(#[\w-]*)?"', r'href="\1.html\2"', html)


def export(out: Path, lessons: Path = ROOT / "lessons") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written, items = [], []
    for path in sorted(lessons.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title = nb.cells[0].source.splitlines()[0].lstrip("# ")
        target = out / f"{path.stem}.html"
        target.write_text(page(nb), encoding="utf-8")
        written.append(target)
        items.append(f'<li><a href="{target.name}">{title}</a></li>')
    glossary = lessons / "glossary.md"
    if glossary.exists():
        body = mistune.html(glossary.read_text(encoding="utf-8"))
        body = re.sub(r"<h2>(.+?)</h2>", lambda m: f'<h2 id="{slug(m.group(1))}">{m.group(1)}</h2>',
                      body)
        (out / "glossary.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
        written.append(out / "glossary.html")
        items.append('<li><a href="glossary.html">Glossary</a></li>')
    index = out / "index.html"
    index.write_text("<html><head><meta charset='utf-8'><title>marginlab</title></head><body>"
                     "<h1>marginlab: cross vs isolated margin</h1><ol>" + "".join(items)
                     + "</ol></body></html>", encoding="utf-8")
    return [index, *written]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "html"))
    args = ap.parse_args(argv)
    for path in export(Path(args.out)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
