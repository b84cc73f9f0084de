"""Start and stop real Jupyter servers on loopback: shared by the browser tests, tests/test_cli.py
and benchmarks/bench_classroom.py.

Every server runs in its own process group (``start_new_session``): :func:`stop` ends the group
(killing only the parent of ``jupyter lab`` leaves the server listening), then any kernel the
server started that is still there (jupyter_client starts each kernel in a session of its own,
out of the server's group). Importable from the tests because pyproject's
pytest configuration puts ``tests/`` on ``sys.path``; the benchmark adds it itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
URL = re.compile(r"(http://127\.0\.0\.1:\d+/\S*\?token=[0-9a-f]+)")
# Voila's template asks for JupyterLab extensions that fail in its page ("The getter for the
# shared module is not a function"): leave them out
VOILA_DENYLIST = ('--VoilaConfiguration.extension_denylist=["jupyterlab-jupytext",'
                  '"@voila-dashboards/jupyterlab-preview"]')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, proc, timeout: float = 60) -> None:
    """Until something accepts a TCP connection on ``port`` (an HTTP request would make Voila
    start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        if listening(port):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def _popen(args, cwd, log: Path, env=None):
    handle = log.open("w")
    proc = subprocess.Popen([str(a) for a in args], cwd=cwd, stdout=handle,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**(env or os.environ), "PYTHONUNBUFFERED": "1"})
    proc.log_handle = handle
    return proc


def wait_for_api(url: str, token: str, proc, timeout: float = 60) -> None:
    """Until a Jupyter server at ``url`` answers ``/api/status`` (JupyterLab: ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url}/api/status did not answer in {timeout} s")


def start(args, cwd, port: int, log: Path, env=None, timeout: float = 60):
    """Start a server (output to ``log``) and return its process once ``port`` listens."""
    proc = _popen(args, cwd, log, env)
    try:
        wait_for_port(port, proc, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc


def start_printing_url(args, log: Path, env=None, cwd=None, timeout: float = 90):
    """Start a server that prints its URL with a token; return (process, that URL) once the
    server listens on the URL's port."""
    proc = _popen(args, cwd or log.parent, log, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = URL.search(log.read_text())
        if found:  # Jupyter Server prints its URL before its event loop binds the port
            url = found.group(1)
            wait_for_port(int(url.split(":")[2].split("/")[0]), proc,
                          max(deadline - time.monotonic(), 1))
            return proc, url
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"no URL with a token printed:\n{log.read_text()[-2000:]}")


def stop(proc, timeout: float = 15) -> None:
    """End the server's whole process group: SIGTERM (the server shuts its kernels down), then
    SIGKILL after ``timeout`` s; then kill whatever it had started that is still running."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=timeout)
            try:  # the server is gone; anything left in its group goes too
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            break
        except subprocess.TimeoutExpired:
            continue
    for child in family:
        try:
            child.kill()  # psutil checks that the pid still names the same process
        except psutil.Error:
            pass
    handle = getattr(proc, "log_handle", None)
    if handle is not None:
        handle.close()


def copy_course(dest: Path, names=None) -> Path:
    """A copy of lessons/ (or of some lessons), so that servers never touch the originals."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "lessons").iterdir()):
        if path.suffix in (".ipynb", ".md") and (names is None or path.name in names
                                                 or path.suffix == ".md"):
            shutil.copy(path, dest / path.name)
    return dest


def lab_command(root: Path, port: int, token: str, workspaces: Path) -> list:
    """JupyterLab on ``root``: loopback, ``port``, ``token``, its own workspaces folder."""
    args = [BIN / "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={workspaces}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args


def voila_command(root: Path, port: int, token: str, extra=()) -> list:
    """Voila serving ``root`` on loopback, ``port``, asking for ``token`` (as ``marginlab
    voila`` does: without one it serves anyone who reaches the port)."""
    return [BIN / "voila", str(root), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", f"--Voila.token={token}", VOILA_DENYLIST, *extra]
