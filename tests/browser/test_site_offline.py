"""The course website in Debian's chromium with the network off: every page's text, pictures and
fonts come from the site itself, the search works, and glossary links land on their term.

The site is the one tests/test_site.py builds (once per session), served from 127.0.0.1. Every
request that would leave the machine is aborted and recorded: a page that even tries fails.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_site import build_site  # noqa: E402  (the same build as the link check)

NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]|data:|blob:)")  # as conftest's

LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
PAGES = ([f"lessons/{p.stem}.html" for p in LESSONS] + [f"exercises/{p.stem}.html"
                                                         for p in EXERCISES]
         + ["lessons/glossary.html", "book/instructors.html", "book/index.html"])

BROKEN_PICTURES = """async () => {
    const images = [...document.images];
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.filter(img => !(img.complete && img.naturalWidth > 0))
                 .map(img => img.getAttribute('src'));
}"""
FAILED_FONTS = """async () => {
    await document.fonts.ready;
    return [...document.fonts].filter(f => f.status === 'error').map(f => f.family);
}"""


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    html = build_site()[0]
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def offline(browser):
    """A page whose requests to anywhere but 127.0.0.1 are aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.left_the_machine, pg.errors, pg.failed = [], [], []

    def refuse(route):
        pg.left_the_machine.append(route.request.url)
        route.abort()

    context.route(NOT_LOCAL, refuse)
    pg.on("pageerror", lambda err: pg.errors.append(str(err)))
    pg.on("response", lambda r: r.status >= 400 and pg.failed.append(f"{r.status} {r.url}"))
    pg.on("requestfailed", lambda r: pg.failed.append(f"failed {r.url}"))
    yield pg
    context.close()


def title_of(path: str) -> str:
    """The page's first heading, as its source writes it."""
    source = ROOT / path.replace(".html", ".ipynb")
    if source.exists():
        first = json.loads(source.read_text(encoding="utf-8"))["cells"][0]["source"]
        text = "".join(first)
    else:
        source = ROOT / path.replace(".html", ".md")
        text = source.read_text(encoding="utf-8")
    return next(line for line in text.splitlines() if line.startswith("# "))[2:].strip()


@pytest.mark.parametrize("path", PAGES)
def test_page_text_pictures_and_fonts_render_offline(offline, site_url, artifacts, path):
    offline.goto(f"{site_url}/{path}", wait_until="load")
    heading = offline.locator("main article h1").first
    heading.wait_for(state="visible")
    shown = " ".join(heading.inner_text().split()).rstrip("#").strip()
    assert shown.replace("\u2019", "'") == title_of(path)  # the site curls apostrophes
    box = heading.bounding_box()
    assert box["width"] > 100 and box["height"] > 10  # the title is drawn, not blank
    assert offline.evaluate(BROKEN_PICTURES) == []
    assert offline.evaluate(FAILED_FONTS) == []
    if path.startswith("lessons/0"):  # each app's stored picture, with its text alternative
        alts = offline.locator("main img[src*='_images/']").evaluate_all(
            "imgs => imgs.map(i => [i.alt, i.naturalWidth])")
        assert alts and all(alt.strip() and width > 100 for alt, width in alts), alts
    assert "Error displaying widget" not in offline.locator("main").inner_text()
    assert offline.left_the_machine == [], "the page reached for the network"
    assert offline.errors == [] and offline.failed == []
    if path in ("lessons/04_one_losing_trade_drains_the_pool.html", "book/index.html"):
        name = path.replace("/", "-").replace(".html", "")
        offline.screenshot(path=str(artifacts / f"site-{name}.png"), full_page=False)


def test_search_finds_a_lesson_offline(offline, site_url):
    offline.goto(f"{site_url}/search.html?q=bankruptcy", wait_until="load")
    hits = offline.locator("#search-results ul.search li a")
    hits.first.wait_for(timeout=30_000)
    lesson_5 = offline.locator("#search-results ul.search li a[href*='lessons/05_liquidation']")
    try:  # the results list fills in page by page
        lesson_5.first.wait_for(timeout=30_000)
    except Exception:
        hrefs = hits.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        raise AssertionError(f"lesson 5 is not among the hits: {hrefs}") from None
    assert offline.left_the_machine == [] and offline.errors == []


def test_a_glossary_link_lands_on_its_term(offline, site_url):
    offline.goto(f"{site_url}/lessons/02_isolated_margin.html", wait_until="load")
    offline.locator("main a[href='glossary.html#isolated-margin']").first.click()
    offline.wait_for_url("**/lessons/glossary.html#isolated-margin")
    term = offline.locator("#isolated-margin")
    offline.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }",
        arg=term.element_handle())
    assert "Isolated margin" in term.inner_text()
    assert offline.left_the_machine == [] and offline.errors == []


def test_the_offline_check_notices_a_request_that_would_leave(offline, site_url):
    offline.goto(f"{site_url}/search.html", wait_until="load")
    offline.evaluate("""() => new Promise(done => {
        const img = document.createElement('img');
        img.onerror = img.onload = () => done();
        img.src = 'https://cdn.example.org/font-or-picture.png';
        document.body.appendChild(img);
    })""")
    assert offline.left_the_machine == ["https://cdn.example.org/font-or-picture.png"]
    assert offline.evaluate(BROKEN_PICTURES) == ["https://cdn.example.org/font-or-picture.png"]
