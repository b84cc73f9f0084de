"""Answers worked out ahead for every setting of an app's controls, so that a slider answers at
once, and never shown unless they are still the engine's answers.

A :class:`Precomputed` wraps a scenario function ``compute(*key)`` whose result is plain data
(numbers, strings, lists, dicts) and the grid of keys its app's controls can reach. Its table,
``data/<name>.json.gz`` in the package, maps every key of the grid to ``compute(*key)``, built
by ``python -m marginlab.course.scenarios`` (a few minutes; rerun it whenever the engine or
the simulation changes a number).

Calling it checks before trusting: the first call on the grid computes its answer afresh and
compares it with the table's (integers and strings exactly, floats to 1e-9 relative, see
:func:`same`). Only if they agree does it answer later calls from the table; otherwise it
warns once and computes every answer afresh, as if there were no table. A key off the grid is
always computed afresh.
The tests compare a sample of the table with fresh computations, so a stale table fails CI.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REL_TOL = 1e-9
TABLES: dict[str, Precomputed] = {}
REBUILD = "python -m marginlab.course.scenarios"


def same(a, b) -> bool:
    """Equal as answers: the same structure, integers, booleans and strings exactly equal,
    floats within 1e-9 relative (or 1e-9 absolute near zero): a last-bit difference between
    two machines' ``exp`` is no different answer."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or a is None:
        return a == b and type(a) is type(b)
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=REL_TOL)
    return False


def key_text(key: tuple) -> str:
    return json.dumps(list(key))


class Precomputed:
    """``compute(*key)`` answered from a stored table once a fresh answer has confirmed it."""

    def __init__(self, name: str, compute: Callable, grid: Callable[[], Iterable[tuple]]):
        self.name, self.compute, self.grid = name, compute, grid
        self.path = DATA / f"{name}.json.gz"
        self.trusted: bool | None = None  # None: not checked yet
        self._table: dict[str, object] | None = None
        TABLES[name] = self

    def table(self) -> dict[str, object]:
        """The stored answers by :func:`key_text` (empty if there is no table)."""
        if self._table is None:
            try:
                with gzip.open(self.path, "rt", encoding="utf-8") as f:
                    self._table = json.load(f)["answers"]
            except FileNotFoundError:
                self._table = {}
        return self._table

    def stored(self, *key):
        return self.table().get(key_text(key))

    def __call__(self, *key):
        if self.trusted is None:
            fresh = self.compute(*key)
            stored = self.stored(*key)
            if stored is None:  # off the grid (or no table): nothing to check against yet
                return fresh
            self.trusted = same(stored, fresh)
            if not self.trusted:
                warnings.warn(f"the stored answers in {self.path.name} differ from the engine's "
                              f"for {key}: every answer is computed afresh (slower). Rebuild "
                              f"them with: {REBUILD}", RuntimeWarning, stacklevel=2)
            return fresh
        if self.trusted:
            stored = self.stored(*key)
            if stored is not None:
                return stored
        return self.compute(*key)

    def build(self, progress: Callable[[int, int], None] | None = None) -> Path:
        """Compute every key of the grid and write the table (deterministic bytes)."""
        keys = list(self.grid())
        answers = {}
        for i, key in enumerate(keys):
            answers[key_text(key)] = self.compute(*key)
            if progress:
                progress(i + 1, len(keys))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"name": self.name, "keys": len(keys), "answers": answers},
                          separators=(",", ":"))
        with open(self.path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                         filename="") as f:
            f.write(text.encode("utf-8"))
        self._table, self.trusted = answers, None
        return self.path


def main(names: list[str]) -> int:
    """Rebuild the named tables (all of them by default), with progress on stderr."""
    from marginlab.course import scenarios  # noqa: F401  (registers every table)

    for name in names or sorted(TABLES):
        table, start = TABLES[name], time.perf_counter()

        def progress(done, total, name=name, start=start):
            if done % 25 == 0 or done == total:
                print(f"\r{name}: {done}/{total} ({time.perf_counter() - start:.0f} s)",
                      end="", file=sys.stderr, flush=True)

        path = table.build(progress)
        print(f"\n{name}: wrote {path} ({path.stat().st_size / 1024:.0f} KiB)", file=sys.stderr)
    return 0

