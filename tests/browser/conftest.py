"""Real servers and Debian's chromium, driven by Playwright.

Skipped, with the reason shown, when chromium (``/usr/bin/chromium``) or Playwright is missing:
``.ci/run`` installs chromium, so CI always runs them. Every request that does not go to
127.0.0.1 is aborted: the course must work offline. Screenshots go to ``artifacts/browser/``
(git-ignored).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from marginlab.course.cli import write_lab_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
BIN = Path(sys.executable).parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]|data:|blob:)")


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc, timeout: float = 60) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def start(args, cwd, port, log: Path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    handle = log.open("w")
    proc = subprocess.Popen([str(a) for a in args], cwd=cwd, stdout=handle,
                            stderr=subprocess.STDOUT, env=env)
    wait_for_port(port, proc)
    return proc, handle


def start_printing_url(args, log: Path, env=None, timeout: float = 90):
    """Start a server that prints its URL with a token; return (process, that URL)."""
    handle = log.open("w")
    proc = subprocess.Popen([str(a) for a in args], stdout=handle, stderr=subprocess.STDOUT,
                            env=env or os.environ.copy(), cwd=log.parent)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"(http://127\.0\.0\.1:\d+/\S*\?token=[0-9a-f]+)", log.read_text())
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"no URL printed:\n{log.read_text()[-2000:]}")


def stop(proc, handle) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    handle.close()


def copy_course(dest: Path, names=None) -> Path:
    """A copy of lessons/ (or of some lessons), so that the tests never touch the originals."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "lessons").iterdir()):
        if path.suffix in (".ipynb", ".md") and (names is None or path.name in names
                                                 or path.suffix == ".md"):
            shutil.copy(path, dest / path.name)
    return dest


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
    args = [BIN / "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.workspaces_dir={tmp_path_factory.mktemp('workspaces')}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    proc, handle = start(args, root, port, artifacts / "jupyterlab.log")
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):  # ready when the API answers
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield {"url": url, "token": token, "root": root}
    stop(proc, handle)


@pytest.fixture(scope="session")
def voila(tmp_path_factory, artifacts):
    """Voilà serving a copy of every lesson."""
    root = copy_course(tmp_path_factory.mktemp("voila"))
    port = free_port()
    args = [BIN / "voila", str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            '--VoilaConfiguration.extension_denylist=["jupyterlab-jupytext",'
            '"@voila-dashboards/jupyterlab-preview"]']
    proc, handle = start(args, root, port, artifacts / "voila.log")
    yield {"url": f"http://127.0.0.1:{port}", "root": root}
    stop(proc, handle)
