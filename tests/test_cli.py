"""The ``marginlab`` command, safe by default: ``copy`` writes only inside the folder it is given,
``lab`` writes the course's JupyterLab settings and opens lesson 0, ``voila`` asks for a token,
and stopping either by its process id stops the server."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, listening, start_printing_url

from marginlab.course import cli

ROOT = Path(__file__).resolve().parents[1]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(capsys, *argv) -> str:
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"marginlab {argv[0]}: ")
    return err


# --- copy ------------------------------------------------------------------------------------
def test_a_copy_is_the_course_file_for_file(tmp_path):
    copied, kept = cli.copy_course(tmp_path / "course")
    assert kept == [] and len(copied) == len(files_under(tmp_path / "course")) - 2  # 2 folders
    for target in copied:
        original = ROOT / target.relative_to(tmp_path / "course")
        assert target.read_bytes() == original.read_bytes()


def test_an_empty_destination_is_refused_not_taken_for_here(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for empty in ("", "   "):
        assert "Give the folder" in refused(capsys, "copy", empty)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("inside", ["lessons/my-course", "marginlab/course/notes", "."])
def test_a_destination_inside_the_installed_course_is_refused(inside, capsys):
    before = files_under(ROOT / "lessons")
    err = refused(capsys, "copy", str(ROOT / inside))
    assert "inside" in err and "Choose a folder of your own" in err
    assert files_under(ROOT / "lessons") == before  # no lessons/lessons
    assert not (ROOT / inside).exists() or inside == "."


def test_a_planted_link_is_never_written_through(tmp_path, capsys):
    dest, outside = tmp_path / "course", tmp_path / "outside"
    (dest / "lessons").mkdir(parents=True)
    outside.mkdir()
    # a dangling link where a lesson will go: writing "through" it would create outside/stolen
    (dest / "lessons" / "00_start_here.ipynb").symlink_to(outside / "stolen")
    err = refused(capsys, "copy", str(dest))
    assert "symbolic link" in err and "nothing was copied" in err
    assert files_under(outside) == []
    assert files_under(dest) == ["lessons", "lessons/00_start_here.ipynb"]  # only the link


def test_a_linked_lessons_folder_is_refused(tmp_path, capsys):
    dest, elsewhere = tmp_path / "course", tmp_path / "elsewhere"
    dest.mkdir()
    elsewhere.mkdir()
    (dest / "lessons").symlink_to(elsewhere, target_is_directory=True)
    assert "symbolic link" in refused(capsys, "copy", str(dest))
    assert files_under(elsewhere) == [] and not (dest / "exercises").exists()


def test_a_file_is_not_a_destination(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert "is a file" in refused(capsys, "copy", str(tmp_path / "notes.txt"))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_lab_and_voila_refuse_the_same_way(tmp_path, capsys):
    (tmp_path / "lessons").symlink_to(tmp_path, target_is_directory=True)
    for tool in ("lab", "voila"):
        assert "symbolic link" in refused(capsys, tool, str(tmp_path), "--dry-run")


def test_a_wheel_install_needs_a_folder_of_your_own(monkeypatch, capsys):
    monkeypatch.setattr(cli, "course_source", lambda: cli.PACKAGED)
    assert "give a folder" in refused(capsys, "lab", "--dry-run")


# --- lab settings and command lines ----------------------------------------------------------
def test_lab_settings_are_merged_into_what_is_there(tmp_path):
    path = cli.write_lab_settings(tmp_path)
    assert json.loads(path.read_text()) == cli.LAB_SETTINGS
    mine = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "true",
                                                            "doNotDisturbMode": True}}
    path.write_text(json.dumps(mine))
    cli.write_lab_settings(tmp_path)
    merged = json.loads(path.read_text())
    assert merged["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert merged["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}


def test_marginlab_lab_writes_the_settings_then_becomes_jupyterlab(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "write_lab_settings", lambda: calls.append("settings"))
    monkeypatch.setattr(cli, "become", lambda command, cwd: calls.append((command, cwd)) or 0)
    assert cli.main(["lab", str(tmp_path)]) == 0
    assert calls[0] == "settings"
    command, cwd = calls[1]
    assert cwd == tmp_path.resolve() and command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--LabApp.default_url=/lab/tree/lessons/00_start_here.ipynb" in command


def test_tasks_lab_is_marginlab_lab_on_the_checkout():
    """tasks.py lab runs ``python -m marginlab lab`` in the checkout: the same settings, the
    same command line (tested above), the same process."""
    source = (ROOT / "tasks.py").read_text()
    lab = source[source.index("def lab()"):source.index("def test()")]
    assert '[str(PY), "-m", "marginlab", "lab"]' in lab and "os.execv" in lab


# --- a class on one Voila server -------------------------------------------------------------
LESSON_4 = next((ROOT / "lessons").glob("04_*.ipynb")).name


def option(command: list[str], name: str) -> str:
    found = [a.split("=", 1)[1] for a in command if a.startswith(f"--{name}=")]
    assert len(found) == 1, (name, command)
    return found[0]


def test_a_room_warms_one_kernel_per_learner_for_its_lesson_only(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "become", lambda command, cwd: calls.append(command) or 0)
    assert cli.main(["voila", str(tmp_path / "course"), "--room", "30", "--lesson", "4"]) == 0
    command = calls[0]
    assert option(command, "preheat_kernel") == "True"
    pools = json.loads(option(command, "VoilaKernelManager.kernel_pools_config"))
    assert pools == {"default": {"pool_size": 0}, LESSON_4: {"pool_size": 30}}
    assert option(command, "VoilaKernelManager.fill_delay") == "600"  # refill after 10 minutes
    assert option(command, "MappingKernelManager.cull_idle_timeout") == "900"  # 15 minutes
    assert option(command, "MappingKernelManager.cull_connected") == "False"
    assert "--Voila.auto_token=True" in command  # a room still asks for the token
    assert (tmp_path / "course" / "lessons" / LESSON_4).is_file()


def test_without_room_voila_warms_nothing(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "become", lambda command, cwd: calls.append(command) or 0)
    assert cli.main(["voila", str(tmp_path / "course")]) == 0
    assert not [a for a in calls[0] if "preheat" in a or "pool" in a or "cull" in a]


@pytest.mark.parametrize("argv, words", [
    (["--room", "0"], "at least 1"),
    (["--room", "-3"], "at least 1"),
    (["--room", "30", "--lesson", "42"], "no lesson '42'"),
    (["--room", "30", "--lesson", "../04_one"], "give its number"),
])
def test_a_room_that_cannot_be_is_refused_before_anything_is_copied(tmp_path, capsys, argv,
                                                                    words):
    err = refused(capsys, "voila", str(tmp_path / "course"), *argv, "--dry-run")
    assert words in err
    assert not (tmp_path / "course").exists()


def test_in_a_checkout_the_file_browser_hides_the_build():
    command = cli.server_command("lab", ROOT)
    [hide] = [a for a in command if a.startswith("--ContentsManager.hide_globs=")]
    hidden = json.loads(hide.split("=", 1)[1])
    for name in ("artifacts", "*.egg-info", "tests", "tools", "benchmarks", "build", "dist"):
        assert name in hidden
    for name in ("lessons", "exercises", "solutions", "README.md"):
        assert name not in hidden
    assert not any(a.startswith("--ContentsManager") for a in
                   cli.server_command("lab", ROOT / "lessons"))  # a learner's copy: nothing


# --- real servers ----------------------------------------------------------------------------
def status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=20).status
    except urllib.error.HTTPError as err:
        return err.code


def stop_by_pid(proc, port: int) -> None:
    """What a learner's ``kill PID`` does; the server must then stop listening."""
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while listening(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not listening(port), f"something still listens on {port}"


def test_voila_asks_for_a_token_and_stops_with_its_pid(tmp_path):
    port = free_port()
    proc, url = start_printing_url([sys.executable, "-m", "marginlab", "voila",
                                    tmp_path / "course", "--port", port],
                                   tmp_path / "voila.log", cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        token = url.split("token=")[1]
        assert url.startswith(base)  # 127.0.0.1, as printed
        assert status(f"{base}/") in (302, 403)  # no token: the login page, not the course
        assert status(f"{base}/voila/render/00_start_here.ipynb") in (302, 403)
        assert status(f"{base}/?token={token}") == 200
    finally:
        stop_by_pid(proc, port)


def test_lab_opens_lesson_0_and_stops_with_its_pid(tmp_path):
    port = free_port()
    proc, url = start_printing_url([sys.executable, "-m", "marginlab", "lab",
                                    tmp_path / "course", "--port", port],
                                   tmp_path / "lab.log", cwd=tmp_path)
    try:
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/lessons/00_start_here.ipynb?")
        assert status(url) == 200
        assert status(f"http://127.0.0.1:{port}/api/contents") == 403  # no token, no files
    finally:
        stop_by_pid(proc, port)


def test_voila_room_serves_the_lesson_from_its_warm_pool(tmp_path):
    """The options are ones Voila understands: the pool is filled, the page is served from it,
    culling is on."""
    port = free_port()
    log = tmp_path / "voila.log"
    proc, url = start_printing_url([sys.executable, "-m", "marginlab", "voila",
                                    tmp_path / "course", "--port", port, "--room", "1"],
                                   log, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while "is filled with 1 kernel" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        token = url.split("token=")[1]
        page = f"http://127.0.0.1:{port}/voila/render/{LESSON_4}?token={token}"
        assert status(page) == 200
        text = log.read_text()
        assert "Using pre-heated kernel" in text and LESSON_4 in text
        assert "Culling kernels with idle durations > 900 seconds at 60 second intervals" in text
    finally:
        stop_by_pid(proc, port)
