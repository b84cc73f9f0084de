"""A small class (3 learners, 10 s) through benchmarks/bench_classroom.py, as ``marginlab voila
--room 3`` serves it: every learner gets a working app from the warm pool, every key press a new
picture, and nothing the benchmark started is left running. About 25 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
LEARNERS, SECONDS = 3, 10


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.classroom
def test_a_class_of_three_on_voila_works_and_is_cleaned_up(tmp_path):
    out = tmp_path / "room.json"
    run = subprocess.run([sys.executable, ROOT / "benchmarks" / "bench_classroom.py",
                          "--server", "voila", "--learners", str(LEARNERS),
                          "--seconds", str(SECONDS), "--deadline-minutes", "3", "--out", out],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    row = json.loads(out.read_text())["voila"][0]
    assert row["learners"] == LEARNERS and row["errors"] == 0, row["error kinds"]
    assert all(t is not None for t in row["ready s"])  # every learner had a working app
    # a press every 2 +- 0.4 s for 10 s: at least 4 per learner, each with a new picture
    assert row["presses"] >= 4 * LEARNERS
    assert row["p95 ms"] < 2_000  # a generous bound: the table reports the real figures
    assert row["kernels"] == LEARNERS  # the pool, and no refill within the refill delay
    assert "--preheat_kernel=True" in row["server options"]
    assert [pid for pid in row["processes"] if running(pid)] == [], \
        "the server or a kernel outlived the benchmark"
    assert "| 3 |" in run.stdout  # the markdown table
