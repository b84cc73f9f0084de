"""Classroom delivery: the command line and the Binder configuration."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marginlab.course import cli

ROOT = Path(__file__).resolve().parents[1]


def test_copy_brings_the_course_and_never_overwrites_work(tmp_path, capsys):
    cli.main(["copy", str(tmp_path)])
    lessons = sorted(p.name for p in (tmp_path / "lessons").glob("*.ipynb"))
    assert lessons == sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert (tmp_path / "exercises" / "01_liquidation_prices.ipynb").exists()
    assert not (tmp_path / "solutions").exists()  # the answers stay with the instructor
    mine = tmp_path / "exercises" / "01_liquidation_prices.ipynb"
    mine.write_text("my work")
    capsys.readouterr()
    cli.main(["copy", str(tmp_path)])
    assert mine.read_text() == "my work"
    assert "0 files copied" in capsys.readouterr().out


def test_lab_and_voila_listen_on_loopback_only(tmp_path, capsys):
    cli.main(["lab", str(tmp_path), "--dry-run"])
    out = capsys.readouterr().out
    assert "--ServerApp.ip=127.0.0.1" in out and cli.FIRST_LESSON in out
    assert f"--ServerApp.root_dir={tmp_path}" in out
    cli.main(["voila", str(tmp_path), "--dry-run"])
    out = capsys.readouterr().out
    assert "--Voila.ip=127.0.0.1" in out and str(tmp_path / "lessons") in out
    assert "--Voila.auto_token=True" in out  # a token, as JupyterLab asks for one


def test_versions_for_a_bug_report():
    out = subprocess.run([sys.executable, "-m", "marginlab", "versions"], capture_output=True,
                         text=True, check=True).stdout
    for name in ("python", "marginlab", "numpy", "ipywidgets", "jupyterlab"):
        assert name in out
    assert "not installed" not in out.split("marginlab")[1].splitlines()[0]


def test_no_command_is_a_usage_error():
    with pytest.raises(SystemExit) as err:
        cli.main([])
    assert err.value.code == 2


@pytest.mark.skipif(shutil.which("repo2docker", path=str(Path(sys.executable).parent)) is None,
                    reason="repo2docker is not installed")
def test_repo2docker_understands_the_binder_configuration():
    exe = str(Path(sys.executable).parent / "repo2docker")
    out = subprocess.run([exe, "--no-build", "--no-run", "--user-id", "1000", "--user-name",
                          "jovyan", str(ROOT)], capture_output=True, text=True, check=True)
    text = out.stdout + out.stderr
    assert "python=3.11" in text  # .binder/runtime.txt
    assert 'pip install --no-cache-dir -r ".binder/requirements.txt"' in text
    copy_repo = text.index("COPY --chown=1000:1000 src/ ")
    assert text.index("./.binder/postBuild") > copy_repo  # marginlab is installed from the repo
    assert '".[course]"' in (ROOT / ".binder" / "postBuild").read_text()


def test_readme_gives_binder_and_voila_links():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/" in readme and "urlpath=lab/tree/lessons/00_start_here.ipynb" in readme
    assert "urlpath=voila/render/lessons/" in readme


def test_stopping_tasks_lab_by_its_pid_stops_jupyterlab(tmp_path):
    """``python3 tasks.py lab`` becomes the JupyterLab server (exec): a ``kill PID`` of the
    command a teacher started leaves nothing listening. Run on a stand-in checkout whose .venv
    is this environment (installed already, so tasks.py installs nothing)."""
    from servers import start_printing_url
    from test_cli import stop_by_pid

    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "pyproject.toml").write_text("# stand-in\n")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (tmp_path / ".venv" / ".marginlab-installed").touch()
    proc, url = start_printing_url([sys.executable, tmp_path / "tasks.py", "lab"],
                                   tmp_path / "lab.log", cwd=tmp_path)
    port = int(url.split(":")[2].split("/")[0])
    try:
        assert "/lab/tree/lessons/00_start_here.ipynb?token=" in url
    finally:
        stop_by_pid(proc, port)
