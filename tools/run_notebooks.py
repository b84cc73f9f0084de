#!/usr/bin/env python3
"""Re-execute notebooks in place so their stored outputs come from the current code.

    .venv/bin/python tools/run_notebooks.py                 # every lesson
    .venv/bin/python tools/run_notebooks.py lessons/00_start_here.ipynb

Each notebook runs top to bottom on a fresh ``python3`` kernel from its own folder; widget state
is dropped from the metadata (GitHub renders the stored outputs instead) and the kernelspec is
pinned to ``python3``. A notebook that raises is reported and left unchanged.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = ("lessons", "solutions")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def clean(nb) -> None:
    """Pin the kernel, drop widget state and per-run metadata."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)


def execute(path: Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)  # False breaks Output widgets; stripped below
    start = time.perf_counter()
    client.execute()
    clean(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(
        p for d in DEFAULT_DIRS for p in (ROOT / d).glob("*.ipynb"))
    failed = 0
    for path in paths:
        try:
            seconds = execute(path)
            print(f"ok    {seconds:5.1f} s  {path}")
        except CellExecutionError as err:
            failed += 1
            print(f"FAIL           {path}\n{str(err)[-2000:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
