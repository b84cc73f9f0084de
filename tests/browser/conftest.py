"""Real servers and Debian's chromium, driven by Playwright.

Skipped, with the reason shown, when chromium (``/usr/bin/chromium``) or Playwright is missing:
``.ci/run`` installs chromium, so CI always runs them. Every request that does not go to
127.0.0.1 is aborted: the course must work offline. Screenshots go to ``artifacts/browser/``
(git-ignored).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from servers import copy_course, free_port, lab_command, start, stop, voila_command, wait_for_api
from ui import CHROMIUM, FLAGS, NOT_LOCAL

from marginlab.course.cli import write_lab_settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason:
        skip = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
        for item in items:
            if "browser" in item.nodeid:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that only reaches 127.0.0.1, and records page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # a regular expression is matched inside the browser driver, so only requests that would
    # leave the machine reach Python (routing every request through Python stalls JupyterLab)
    context.route(NOT_LOCAL, lambda route: route.abort())
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda err: pg.errors.append(str(err)))
    yield pg
    context.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory, artifacts):
    """JupyterLab on a copy of lessons 1 and 4, on a free loopback port, with a token."""
    write_lab_settings()  # no news pop-up over the page, as marginlab lab does
    root = copy_course(tmp_path_factory.mktemp("lab"),
                       ["01_leverage_and_margin.ipynb",
                        "04_one_losing_trade_drains_the_pool.ipynb"])
    port, token = free_port(), secrets.token_hex(16)
    args = lab_command(root, port, token, tmp_path_factory.mktemp("workspaces"))
    proc = start(args, root, port, artifacts / "jupyterlab.log")
    url = f"http://127.0.0.1:{port}"
    wait_for_api(url, token, proc)  # ready when the API answers
    yield {"url": url, "token": token, "root": root}
    stop(proc)


@pytest.fixture(scope="session")
def voila(tmp_path_factory, artifacts):
    """Voilà serving a copy of every lesson, asking for a token (as ``marginlab voila`` does)."""
    root = copy_course(tmp_path_factory.mktemp("voila"))
    port, token = free_port(), secrets.token_hex(16)
    proc = start(voila_command(root, port, token), root, port, artifacts / "voila.log")
    yield {"url": f"http://127.0.0.1:{port}", "root": root, "token": token}
    stop(proc)
