"""The ``marginlab`` command: get the course into a folder of yours, open it, report versions.

    marginlab copy ~/margin-course       # lessons/ and exercises/; never overwrites your work
    marginlab lab ~/margin-course        # copy (if needed), then JupyterLab at lesson 0
    marginlab voila ~/margin-course      # copy (if needed), then Voila: the lessons as apps
    marginlab versions                   # what to paste into a bug report

``python -m marginlab ...`` does the same. Servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

COURSE_DIRS = ("lessons", "exercises")
FIRST_LESSON = "lessons/00_start_here.ipynb"
PACKAGES = ("marginlab", "numpy", "pandas", "matplotlib", "ipywidgets", "jupyterlab",
            "ipykernel", "voila", "notebook")


def course_source() -> Path:
    """The folder holding lessons/ and exercises/ (the repository marginlab is installed from)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "lessons").is_dir():
        raise SystemExit("The course notebooks are not next to this marginlab installation. "
                         "Get them with: git clone <the marginlab repository>, then "
                         "pip install -e '.[course]' inside it.")
    return root


def copy_course(dest: Path, source: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Copy lessons/ and exercises/ into ``dest``. A file that already exists there is kept as
    it is (it may hold your work). Returns (copied, kept)."""
    source = source or course_source()
    copied, kept = [], []
    for folder in COURSE_DIRS:
        for path in sorted((source / folder).rglob("*")):
            if path.is_dir() or ".ipynb_checkpoints" in path.parts:
                continue
            target = dest / path.relative_to(source)
            if target.exists():
                kept.append(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(target)
    return copied, kept


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _prepare(dest: str | None) -> Path:
    if dest is None:
        return course_source()
    folder = Path(dest).expanduser().resolve()
    copied, kept = copy_course(folder)
    print(f"{folder}: {len(copied)} files copied, {len(kept)} already there kept as they are")
    return folder


def server_command(tool: str, folder: Path) -> list[str]:
    """The JupyterLab or Voila command line for ``folder`` (loopback only)."""
    bindir = Path(sys.executable).parent
    if tool == "lab":
        args = [str(bindir / "jupyter"), "lab", FIRST_LESSON, "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.root_dir={folder}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")  # JupyterLab refuses root without it (containers)
    else:
        args = [str(bindir / "voila"), str(folder / "lessons"), "--Voila.ip=127.0.0.1"]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marginlab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("copy", help="copy lessons/ and exercises/ into a folder")
    p.add_argument("dest")
    for tool in ("lab", "voila"):
        name = "JupyterLab" if tool == "lab" else "Voila"
        p = sub.add_parser(tool, help=f"open the course in {name}")
        p.add_argument("dest", nargs="?", help="copy the course here first (default: in place)")
        p.add_argument("--dry-run", action="store_true", help="print the command, do not run")
    sub.add_parser("versions", help="print versions for a bug report")
    args = parser.parse_args(argv)

    if args.command == "copy":
        _prepare(args.dest)
    elif args.command == "versions":
        for name, version in versions().items():
            print(f"{name:<12} {version}")
    else:
        folder = _prepare(args.dest)
        command = server_command(args.command, folder)
        print(" ".join(command))
        if not args.dry_run:
            return subprocess.call(command, cwd=folder)
    return 0
