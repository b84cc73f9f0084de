"""The ``marginlab`` command: get the course into a folder of yours, open it, report versions.

    marginlab copy ~/margin-course       # lessons/ and exercises/; never overwrites your work
    marginlab lab ~/margin-course        # copy (if needed), then JupyterLab at lesson 0
    marginlab voila ~/margin-course      # copy (if needed), then Voila: the lessons as apps
    marginlab voila ~/margin-course --room 30 --lesson 4   # a class of 30 opening lesson 4
    marginlab versions                   # what to paste into a bug report

``python -m marginlab ...`` does the same. Servers listen on 127.0.0.1 only, and both ask for a
token: open the URL with ``?token=...`` that they print. The command becomes the server (same
process id): stopping it stops the server. ``copy`` writes only inside the folder
it is given: it refuses a folder inside the installed course and any symbolic link on the way
(a link could send the files anywhere), and it checks everything before it writes anything.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

COURSE_DIRS = ("lessons", "exercises")
FIRST_LESSON = "lessons/00_start_here.ipynb"
PACKAGES = ("marginlab", "numpy", "pandas", "matplotlib", "ipywidgets", "jupyterlab",
            "ipykernel", "voila", "notebook")
# JupyterLab's settings for the course: no news pop-up over the lesson, no update check (nothing
# reaches the network). tasks.py writes the same (tests/test_cli.py checks it).
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                "checkForUpdates": False}}
# what the file browser of a checkout does not show (names, at any depth): build and test
# artefacts, not the course (Jupyter's own defaults first)
HIDDEN = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info", "artifacts",
          "benchmarks", "build", "dist", "tests", "tools", "tasks.py", "setup.py", "MANIFEST.in",
          "pyproject.toml"]
PACKAGED = Path(__file__).resolve().parent / "content"  # where a wheel keeps the notebooks


class CommandRefused(Exception):
    """``marginlab`` will not do that; the message says why and what to do."""


class CopyRefused(CommandRefused):
    """``marginlab copy`` will not write there; the message says why and what to do."""


# a class on one Voila server (measured by benchmarks/bench_classroom.py, README "Running a
# class"): kernels idle this long whose page is gone are shut down
ROOM_CULL_IDLE_S = 900
ROOM_CULL_EVERY_S = 60
# a kernel taken from the pool is replaced this long after. Voila's default (1 s) runs the
# lesson again in N new kernels while the class is still opening it: a class of 20 joining at
# once on 2 cores waited 55 s instead of 28 s. After 60 s the refills landed while the class
# moved sliders (p95 4.6 s, 5 presses without a picture). Measured by bench_classroom.py.
ROOM_FILL_DELAY_S = 600
CULL_OPTIONS = [f"--MappingKernelManager.cull_idle_timeout={ROOM_CULL_IDLE_S}",
                f"--MappingKernelManager.cull_interval={ROOM_CULL_EVERY_S}",
                "--MappingKernelManager.cull_connected=False"]


def room_options(learners: int, lesson: str, fill_delay: float = ROOM_FILL_DELAY_S) -> list[str]:
    """Voila options for a class of ``learners`` opening ``lesson`` (a file name in the folder
    Voila serves): ``learners`` kernels that have already run the lesson wait in a pool, so a
    page shows its app at once instead of running the lesson in a fresh kernel (about 3 s of
    CPU each, all at the same time when a class opens it); other lessons start cold, as usual.
    A kernel taken from the pool is replaced ``fill_delay`` s later (:data:`ROOM_FILL_DELAY_S`);
    until then a page opened after the pool is used up (a reload takes a kernel too) waits for
    that replacement: give ``learners`` a few more than the class. Kernels idle for
    :data:`ROOM_CULL_IDLE_S` s with no page connected (a closed laptop never says goodbye) are
    shut down; a page left open is never culled (``cull_connected=False``).
    Voila: ``--preheat_kernel``, ``VoilaKernelManager.kernel_pools_config`` and ``fill_delay``
    (https://voila.readthedocs.io/en/stable/customize.html#preheated-kernels); Jupyter Server:
    ``MappingKernelManager.cull_idle_timeout``, ``cull_interval``, ``cull_connected``
    (https://voila.readthedocs.io/en/stable/customize.html#cull-idle-kernels)."""
    if learners < 1:
        raise CommandRefused(f"--room {learners}: give the number of learners, at least 1.")
    pools = {"default": {"pool_size": 0}, lesson: {"pool_size": learners}}
    return ["--preheat_kernel=True",
            f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
            f"--VoilaKernelManager.fill_delay={fill_delay:g}", *CULL_OPTIONS]


def course_source() -> Path:
    """The folder holding lessons/ and exercises/: the checkout marginlab is installed from
    (``pip install -e``), or the notebooks shipped inside the package (a wheel)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "lessons").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    if (PACKAGED / "lessons").is_dir():
        return PACKAGED
    raise SystemExit("The course notebooks are not installed with this marginlab. Install it "
                     "from a wheel or a source distribution of marginlab (they carry the "
                     "notebooks), or from a checkout with pip install -e '.[course]'.")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_destination(dest) -> Path:
    """``dest`` as an absolute folder the course may be copied into, or :class:`CopyRefused`."""
    if dest is None or not str(dest).strip():
        raise CopyRefused("Give the folder to copy the course into, for example "
                          "marginlab copy ~/margin-course (an empty name is not the current "
                          "folder: write . for that).")
    folder = Path(str(dest).strip()).expanduser().resolve()
    source = course_source().resolve()
    package = Path(__file__).resolve().parents[1]  # the installed marginlab package
    for where, what in ((source, "the course marginlab is installed with"),
                        (package, "the installed marginlab package")):
        if _inside(folder, where):
            raise CopyRefused(f"{folder} is inside {what} ({where}): copying there would mix "
                              f"your work with the originals. Choose a folder of your own, "
                              f"for example ~/margin-course.")
    if folder.exists() and not folder.is_dir():
        raise CopyRefused(f"{folder} is a file, not a folder.")
    return folder


def plan_copy(dest: Path, source: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """(files to copy as (from, to), files already there to keep), after checking that no path
    under ``dest`` that the copy would use is a symbolic link (even a broken one)."""
    todo, kept = [], []
    for folder in COURSE_DIRS:
        for path in sorted((source / folder).rglob("*")):
            if path.is_dir() or ".ipynb_checkpoints" in path.parts or "__pycache__" in path.parts:
                continue
            target = dest / path.relative_to(source)
            step = dest
            for part in target.relative_to(dest).parts:
                step = step / part
                if step.is_symlink():
                    raise CopyRefused(
                        f"{step} is a symbolic link (to {os.readlink(step)}): the course "
                        f"would be written wherever it points. Remove the link or choose "
                        f"another folder; nothing was copied.")
            if target.exists():
                kept.append(target)
            else:
                todo.append((path, target))
    return todo, kept


def copy_course(dest, source: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Copy lessons/ and exercises/ into ``dest``. A file that already exists there is kept as
    it is (it may hold your work). Everything is checked first (:func:`check_destination`,
    :func:`plan_copy`): a refusal copies nothing. Returns (copied, kept)."""
    dest = check_destination(dest)
    todo, kept = plan_copy(dest, source or course_source())
    copied = []
    for path, target in todo:
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        if parent.resolve() != parent or not _inside(parent, dest):
            raise CopyRefused(f"{parent} changed while copying (it now leads elsewhere); "
                              f"stopped after {len(copied)} files.")
        # O_EXCL | O_NOFOLLOW: never through a link that appeared, never over a file
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(target, flags, 0o644), "wb") as out, path.open("rb") as src:
            shutil.copyfileobj(src, out)
        shutil.copystat(path, target)
        copied.append(target)
    return copied, kept


def write_lab_settings(prefix: Path | None = None) -> Path | None:
    """Merge :data:`LAB_SETTINGS` into ``<prefix>/share/jupyter/lab/settings/overrides.json``
    (the environment's, by default), keeping any other setting there. Returns the file, or None
    if it cannot be written (a read-only installation: JupyterLab then shows its news)."""
    path = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / \
        "overrides.json"
    try:
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        current = {}
    if not isinstance(current, dict):
        current = {}
    merged = {**current}
    for plugin, values in LAB_SETTINGS.items():
        merged[plugin] = {**(current.get(plugin) or {}), **values}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if merged != current or not path.exists():
            path.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")
    except OSError as err:
        print(f"note: could not write {path} ({err}); JupyterLab may show its news pop-up",
              file=sys.stderr)
        return None
    return path


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
        source = course_source()
        if source == PACKAGED:
            raise CopyRefused("marginlab is installed without a checkout: give a folder for "
                              "your copy of the course, for example marginlab lab "
                              "~/margin-course (the installed notebooks stay untouched).")
        return source
    folder = check_destination(dest)
    copied, kept = copy_course(folder)
    print(f"{folder}: {len(copied)} files copied, {len(kept)} already there kept as they are")
    return folder


def become(command: list[str], cwd: Path) -> int:
    """Run ``command`` in ``cwd`` as this very process (exec), so that stopping this process
    (Ctrl-C, or a signal to its pid) stops the server and nothing is left listening. Where exec
    cannot keep the pid (Windows), run it and wait."""
    os.chdir(cwd)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        return subprocess.call(command)
    os.execv(command[0], command)
    return 0  # not reached


def server_command(tool: str, folder: Path, port: int | None = None) -> list[str]:
    """The JupyterLab or Voila command line for ``folder``: loopback only, a token required
    (generated by the server and printed with the URL), JupyterLab opening at lesson 0 (and, in
    a checkout, with the build artefacts hidden from its file browser)."""
    if tool == "lab":
        args = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.root_dir={folder}", f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}"]
        if (folder / "pyproject.toml").is_file():  # a checkout: show the course, not the build
            args.append(f"--ContentsManager.hide_globs={json.dumps(HIDDEN)}")
        if port:
            args.append(f"--ServerApp.port={port}")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")  # JupyterLab refuses root without it (containers)
    else:
        args = [sys.executable, "-m", "voila", str(folder / "lessons"), "--Voila.ip=127.0.0.1",
                "--Voila.auto_token=True"]  # Voila serves anyone without a token otherwise
        if port:
            args.append(f"--port={port}")
    return args


def lesson_file(folder: Path, lesson: str) -> str:
    """The file name in ``folder`` of lesson ``lesson`` (its number, ``4`` or ``04``, or its
    file name), or :class:`CommandRefused`."""
    names = sorted(p.name for p in folder.glob("*.ipynb"))
    if lesson in names:
        return lesson
    if lesson.isdigit():
        found = [n for n in names if n.startswith(f"{int(lesson):02d}_")]
        if found:
            return found[0]
    raise CommandRefused(f"no lesson {lesson!r} in {folder}: give its number (for example "
                         f"--lesson 4) or one of {', '.join(names) or 'its notebooks'}.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marginlab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("copy", help="copy lessons/ and exercises/ into a folder")
    p.add_argument("dest")
    for tool in ("lab", "voila"):
        name = "JupyterLab" if tool == "lab" else "Voila"
        p = sub.add_parser(tool, help=f"open the course in {name}")
        p.add_argument("dest", nargs="?", help="copy the course here first (default: in place)")
        p.add_argument("--port", type=int, help="the port to listen on (default: the server's)")
        p.add_argument("--dry-run", action="store_true", help="print the command, do not run")
        if tool == "voila":
            p.add_argument("--room", type=int, metavar="N",
                           help="a class of N learners opening --lesson together: N kernels "
                                "run the lesson ahead; idle kernels of closed pages are shut "
                                f"down after {ROOM_CULL_IDLE_S // 60} min")
            p.add_argument("--lesson", default="4", help="the lesson of --room (default: 4)")
    sub.add_parser("versions", help="print versions for a bug report")
    return parser


def _serve(args) -> int:
    room, extra = getattr(args, "room", None), []
    if room is not None:  # checked before anything is copied
        lesson = lesson_file(course_source() / "lessons", args.lesson)
        extra = room_options(room, lesson)
    folder = _prepare(args.dest)
    command = server_command(args.command, folder, args.port) + extra
    if room is not None:
        print(f"a class of {room}: {room} kernels run {lesson} before anyone opens it; learners "
              f"open /voila/render/{lesson}?token=<the token printed below>")
    print(shlex.join(command))
    if args.dry_run:
        return 0
    if args.command == "lab":
        write_lab_settings()
    return become(command, folder)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "copy":
            _prepare(args.dest)
        elif args.command == "versions":
            for name, version in versions().items():
                print(f"{name:<12} {version}")
        else:
            return _serve(args)
    except CommandRefused as err:
        print(f"marginlab {args.command}: {err}", file=sys.stderr)
        return 1
    return 0
