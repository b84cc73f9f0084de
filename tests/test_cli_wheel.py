"""A wheel install works without the checkout: build the wheel, install it into a fresh virtual
environment, ``marginlab copy`` the course out of it and run every copied notebook (nbval).

Offline: the wheel is built with this environment's setuptools (no build isolation), installed
with ``--no-index --no-deps``, and the new environment borrows this one's dependencies through a
``.pth`` line (a path line does not run the editable install's hooks, so the only marginlab it
can import is the wheel's). Slow (about 40 s, most of it the notebooks).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "marginlab", "lessons",
          "exercises"]


def run(*args, cwd, env, timeout=300):
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the new environment's python, an environment for subprocesses, a work folder)."""
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    src = work / "src"  # a clean copy of what a source distribution holds
    src.mkdir()
    for name in SOURCE:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        kwargs = {"ignore": shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")} \
            if (ROOT / name).is_dir() else {}
        copy(ROOT / name, src / name, **kwargs)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-q", "-w", work / "dist", src, cwd=work, env=env)
    [wheel] = (work / "dist").glob("marginlab-*.whl")
    target = work / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=work, env=env).strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel, cwd=work, env=env)
    return python, env, work, wheel


@pytest.mark.slow
def test_the_wheel_carries_the_course(installed):
    *_, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("lessons", "exercises"):
        for path in (ROOT / folder).iterdir():
            if path.suffix in (".ipynb", ".md"):
                assert f"marginlab/course/content/{folder}/{path.name}" in names
    assert not any("solutions" in n for n in names)  # the answers stay with the instructor
    assert "marginlab/course/scenarios/data/odds.json.gz" in names


@pytest.mark.slow
def test_copy_from_a_wheel_then_every_notebook_runs(installed):
    python, env, work, _ = installed
    where = run(python, "-c", "import marginlab; print(marginlab.__file__)", cwd=work, env=env)
    assert where.startswith(str(work / "venv")), where  # the wheel's marginlab, not the checkout
    marginlab = work / "venv" / "bin" / "marginlab"
    out = run(marginlab, "copy", work / "course", cwd=work, env=env)
    course = [p for d in ("lessons", "exercises") for p in (ROOT / d).iterdir()
              if p.suffix in (".ipynb", ".md")]
    assert f": {len(course)} files copied, 0 already there" in out
    copied = sorted(p.name for p in (work / "course" / "lessons").iterdir())
    assert copied == sorted(p.name for p in (ROOT / "lessons").iterdir()
                            if p.suffix in (".ipynb", ".md"))
    for tool in ("lab", "voila"):
        line = run(marginlab, tool, work / "course", "--dry-run", cwd=work, env=env)
        assert f"{python} -m {'jupyterlab' if tool == 'lab' else 'voila'}" in line
    run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
        "--nbval-current-env", "--nbval-sanitize-with", ROOT / "tests" / "nbval_sanitize.cfg",
        "lessons", "exercises", cwd=work / "course", env=env, timeout=600)
