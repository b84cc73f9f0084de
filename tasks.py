#!/usr/bin/env python3
"""Set up and run the course with nothing but Python and pip.

    python3 tasks.py lab     # virtual environment + install + JupyterLab opened at lesson 0
    python3 tasks.py test    # virtual environment + install + every check (what CI runs)

The virtual environment lives in ``.venv`` and is reused; it is refreshed when
``pyproject.toml`` changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".marginlab-installed"
NOTEBOOK_DIRS = ["lessons", "solutions", "exercises"]


def run(*args, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def install() -> None:
    """Create .venv and install marginlab with the course and test extras (once per change)."""
    if not PY.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[course,test]")
    STAMP.touch()


def lab() -> None:
    """Open JupyterLab at lesson 0, bound to localhost, token on (it prints the URL), the build
    artefacts hidden from its file browser, no news pop-up: ``marginlab lab`` on this checkout
    (marginlab/course/cli.py). This process becomes the server (exec, same process id), so
    stopping it, by Ctrl-C or by its pid, stops JupyterLab."""
    install()
    command = [str(PY), "-m", "marginlab", "lab"]
    print("+", " ".join(command), flush=True)
    os.chdir(ROOT)
    if os.name == "nt":  # exec would not keep the process id there
        sys.exit(subprocess.call(command))
    os.execv(command[0], command)


def test() -> None:
    """Lint (ruff on the code and the notebooks, import-linter on the package's layers), unit
    and property tests with coverage, every notebook through nbval, and the browser tests
    (JupyterLab and Voila in Debian's chromium) when chromium is installed."""
    install()
    if Path("/usr/bin/chromium").exists():
        print("browser tests: will run (chromium found at /usr/bin/chromium)", flush=True)
    else:
        print("browser tests: SKIPPED - /usr/bin/chromium not found "
              "(install it with: apt-get install chromium)", flush=True)
    run(PY, "-m", "ruff", "check", "marginlab", "tests", "tasks.py", "setup.py", "tools",
        "benchmarks", *NOTEBOOK_DIRS)
    run(BIN / "lint-imports")  # the package's layers (pyproject.toml [tool.importlinter])
    run(PY, "-m", "pytest", "-p", "no:cacheprovider",
        "--cov=marginlab", "--cov-report=term-missing:skip-covered", "--cov-fail-under=90",
        "--nbval-lax", "--nbval-current-env",
        "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
        "tests", *NOTEBOOK_DIRS)


COMMANDS = {"install": install, "lab": lab, "test": test}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python3 {Path(__file__).name} {{{'|'.join(COMMANDS)}}}")
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as err:
        sys.exit(err.returncode)
    except KeyboardInterrupt:
        sys.exit(130)
