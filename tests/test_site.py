"""The course website (book/): Jupyter Book builds it from the notebooks' stored outputs, with
warnings as errors, into artifacts/site/; then every internal link and anchor of every page is
checked, and each page is checked against the notebook or README text it comes from.

The build runs once per test session (``build_site``); tests/browser/test_site_offline.py opens
the same pages in chromium with the network off.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from base64 import b64decode, b64encode
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
OUT = ROOT / "artifacts" / "site"
HTML = OUT / "_build" / "html"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
BUILD_BUDGET_S = 240  # measured here: about 20 s; CI's whole run has 90 minutes
PICTURES = ("image/png", "image/jpeg", "image/gif")

pytest.importorskip("sphinx", reason="the site extra is not installed (pip install -e '.[site]')")
_spec = importlib.util.spec_from_file_location("stored_pictures",
                                               BOOK / "_ext" / "stored_pictures.py")
stored_pictures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stored_pictures)


@functools.cache
def build_site() -> tuple[Path, float, str]:
    """Build the book from scratch (once per process); return the HTML folder, the seconds the
    build took and its log. Fails on any Sphinx warning (``-W -n``: a missing reference, an
    unknown anchor, a picture without alt text, a notebook that does not parse)."""
    if not JUPYTER_BOOK.exists():
        pytest.skip(f"jupyter-book is not installed next to {sys.executable} "
                    "(pip install -e '.[site]')")
    shutil.rmtree(OUT, ignore_errors=True)
    start = time.monotonic()
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(ROOT), "--config", str(BOOK / "_config.yml"),
         "--toc", str(BOOK / "_toc.yml"), "--path-output", str(OUT), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "build.log").write_text(log, encoding="utf-8")
    assert proc.returncode == 0, f"the site does not build cleanly:\n{log[-6000:]}"
    print(f"\nsite built in {seconds:.1f} s into {HTML}")
    return HTML, seconds, log


@pytest.fixture(scope="module")
def site() -> Path:
    return build_site()[0]


class Page(HTMLParser):
    """What the link check needs from one HTML page: its ids, its links, its images and text."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path, self.ids, self.links, self.images, self.words = path, set(), [], [], []
        self._skip = 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag in ("a", "span", "div", "section") else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, a[key]))
        if tag == "img":
            self.images.append(a)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


@functools.cache
def page(path: Path) -> Page:
    return Page(path)


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def html_of(site: Path, notebook: Path) -> Path:
    return site / notebook.parent.name / f"{notebook.stem}.html"


def broken_links(site: Path) -> tuple[list[str], int]:
    """Every href and src of every page that stays on the site must name a file that exists and,
    with a #fragment, an id in that file. Returns the broken ones and the number checked."""
    broken, checked = [], 0
    for path in pages(site):
        for tag, attr, link in page(path).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("javascript:"):
                continue  # leaves the site (launch buttons, the repository): not ours to check
            checked += 1
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(site) or not target.exists():
                broken.append(f"{path.relative_to(site)}: <{tag} {attr}={link!r}>: no such file")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in page(target).ids:
                    broken.append(f"{path.relative_to(site)}: <{tag} {attr}={link!r}>: "
                                  f"no id {parts.fragment!r} in {target.relative_to(site)}")
    return broken, checked


def test_the_site_builds_with_warnings_as_errors_within_budget():
    site, seconds, log = build_site()
    assert "build succeeded" in log
    assert "execution_mode='off'" in log and "Executing" not in log  # stored outputs only
    assert seconds < BUILD_BUDGET_S, f"the site took {seconds:.0f} s to build"


def test_every_lesson_exercise_and_reference_page_is_there_and_no_solution(site):
    expected = [html_of(site, nb) for nb in LESSONS + EXERCISES] + [
        site / "lessons" / "glossary.html", site / "book" / "instructors.html",
        site / "book" / "index.html", site / "index.html", site / "search.html"]
    assert [p for p in expected if not p.exists()] == []
    assert not (site / "solutions").exists()
    print(f"\nsite: {len(pages(site))} HTML pages, {len(LESSONS)} lessons, "
          f"{len(EXERCISES)} exercises")


def test_every_internal_link_and_anchor_resolves(site):
    broken, checked = broken_links(site)
    print(f"\nlink check: {checked} internal links and anchors, {len(broken)} broken")
    assert checked > 500  # the check is not vacuous: every page links its neighbours
    assert broken == []


def test_the_link_check_finds_a_broken_anchor_and_a_missing_page(site, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(site, copy)
    lesson = copy / "lessons" / "02_isolated_margin.html"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace(
        'href="glossary.html#isolated-margin"', 'href="glossary.html#isolated-margins"', 1)
        .replace('href="03_cross_margin.html"', 'href="03_crossmargin.html"', 1),
        encoding="utf-8")
    page.cache_clear()
    try:
        broken, _ = broken_links(copy)
    finally:
        page.cache_clear()
    assert len([b for b in broken if "no id 'isolated-margins'" in b]) == 1
    assert any("03_crossmargin.html" in b and "no such file" in b for b in broken)


def glossary_anchors(notebook: Path) -> set[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return set(re.findall(r"\]\((?:\.\./lessons/)?glossary\.md#([\w-]+)\)", text))


def test_lessons_link_their_glossary_terms(site):
    glossary = page(site / "lessons" / "glossary.html")
    terms = re.findall(r"^## (.+)$", (ROOT / "lessons" / "glossary.md").read_text(), flags=re.M)
    assert {t for t in terms if t in glossary.text} == set(terms)
    linked = 0
    for notebook in LESSONS:
        hrefs = {link for _, _, link in page(html_of(site, notebook)).links}
        for anchor in glossary_anchors(notebook):
            assert f"glossary.html#{anchor}" in hrefs, f"{notebook.name}: {anchor}"
            assert anchor in glossary.ids
            linked += 1
    assert linked >= 20


def stored_pictures_of(notebook: Path) -> list[tuple[str, str]]:
    """(sha256 of the bytes, the alt text the output carries or '') for every stored picture."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for mime in PICTURES:
                if mime in out.get("data", {}):
                    data = out["data"][mime]
                    digest = hashlib.sha256(b64decode("".join(data))).hexdigest()
                    meta = out.get("metadata", {})
                    found.append((digest, (meta.get(mime) or {}).get("alt") or meta.get("alt")
                                  or ""))
    return found


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_each_app_is_its_stored_picture_with_a_text_alternative(site, notebook):
    lesson = page(html_of(site, notebook))
    images = {Path(urlsplit(img["src"]).path).stem: img for img in lesson.images}
    stored = stored_pictures_of(notebook)
    assert stored, "a lesson without a stored picture"
    for digest, carried in stored:
        assert digest in images, f"a stored picture is missing from {notebook.stem}.html"
        alt = images[digest].get("alt", "")
        assert alt.strip(), "a picture without a text alternative"
        assert not re.match(r"<.*(object|Figure|App).*>$", alt), alt  # not a repr
        if carried:
            assert alt == " ".join(carried.split())
        assert (site / "_images" / f"{digest}.png").exists()
    assert "application/vnd.jupyter.widget-view+json" not in lesson.path.read_text()
    assert "Error displaying widget" not in lesson.text


def test_the_exercises_are_there_and_their_solutions_are_not(site):
    """Every line a solution adds between BEGIN and END SOLUTION is absent from every page,
    while the exercise's own placeholder is on its page."""
    solution_lines = set()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S):
                solution_lines |= {" ".join(line.split()) for line in region.splitlines()
                                   if len(line.strip()) >= 12}
    assert len(solution_lines) >= 10
    shown = " ".join(" ".join("".join(c["source"]).split()) for path in EXERCISES
                     for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
    # what the exercise itself says (a stub's opening, the instructions) is no leak
    solution_lines = {line for line in solution_lines if line not in shown}
    everything = " ".join(page(p).text for p in pages(site))
    assert [line for line in solution_lines if line in everything] == []
    for notebook in EXERCISES:
        assert "YOUR CODE HERE" in page(html_of(site, notebook)).text
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert "solutions/" not in index


@pytest.mark.parametrize("notebook", LESSONS + EXERCISES, ids=lambda p: p.stem)
def test_launch_buttons_open_the_notebook_on_binder_and_on_a_jupyterhub(site, notebook):
    links = {html.unescape(link) for _, _, link in page(html_of(site, notebook)).links}
    path = f"{notebook.parent.name}/{notebook.name}"
    binder = [u for u in links if u.startswith("https://mybinder.org/v2/gh/")]
    assert [u for u in binder if u.endswith(f"?urlpath=lab/tree/{path}")], binder
    hub = [u for u in links if "/hub/user-redirect/git-pull?" in u]  # nbgitpuller
    assert [u for u in hub if f"urlpath=lab/tree/marginlab/{path}" in u and "repo=" in u], hub


def test_search_is_local_and_knows_the_course(site):
    assert (site / "search.html").exists()
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    for term in ("bankruptci", "insur", "deleverag", "isol"):  # stemmed, as Sphinx indexes
        assert f'"{term}' in index, term
    for notebook in LESSONS + EXERCISES:
        assert f'"{notebook.parent.name}/{notebook.stem}"' in index


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_instructor_page_is_the_readme_instructor_sections(site):
    text = page(site / "book" / "instructors.html").text.replace("\u2019", "'")  # smart quote
    for title in ("For instructors", "Running a class"):
        section = readme_section(title)
        sentences = [" ".join(s.split()) for s in re.split(r"(?<=\.)\s", section)
                     if "`" not in s and "*" not in s and "[" not in s and len(s) > 40]
        assert sentences, title
        assert [s for s in sentences if s not in text] == [], title


def test_nothing_on_the_site_loads_from_the_network(site):
    """Scripts, styles, pictures and fonts come from the site itself (links to leave the site,
    such as the launch buttons, are fine)."""
    remote = []
    for path in pages(site):
        for tag, attr, link in page(path).links:
            if tag != "a" and urlsplit(link).netloc:
                remote.append(f"{path.relative_to(site)}: <{tag} {attr}={link}>")
    for path in (site / "_static").rglob("*.css"):
        remote += [f"{path.name}: {u}" for u in
                   re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", path.read_text())]
    assert remote == []


def test_alt_text_comes_from_the_output_then_the_cell():
    picture = b"\x89PNG stand-in bytes"
    png, digest = b64encode(picture).decode(), hashlib.sha256(picture).hexdigest()

    def nb(output_meta=None, cell_meta=None, above="Intro.\n\nThe pool, **after** the [crash]"
                                                      "(glossary.md#x). Then more."):
        out = {"output_type": "display_data", "data": {"image/png": png},
               "metadata": output_meta or {}}
        return {"cells": [{"cell_type": "markdown", "source": "## Heading\n\n" + above},
                          {"cell_type": "code", "metadata": cell_meta or {},
                           "outputs": [out], "source": ""}]}

    alts = stored_pictures.picture_alts
    assert alts(nb({"image/png": {"alt": "Two  bars:\ncross and isolated"}})) == {
        digest: "Two bars: cross and isolated"}
    assert alts(nb({"alt": "Equity against ETH"})) == {digest: "Equity against ETH"}
    assert alts(nb(cell_meta={"alt": "From the cell"})) == {digest: "From the cell"}
    assert alts(nb()) == {digest: "The pool, after the crash."}
    assert alts(nb(above="")) == {digest: "Heading"}
    assert alts(nb(above="A 30 % crash at 20x:\n")) == {digest: "A 30 % crash at 20x"}
