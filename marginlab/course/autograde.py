"""Autograding that trusts nothing the learner's cells can rebind (nbgrader's hidden tests).

A learner's cell runs in the same kernel as nbgrader's test cells, before them, so it can rebind
any name it can reach: ``check.assert_correct = lambda *a, **k: None`` used to score full marks.
Each solution's test cell therefore holds only a hidden test (between nbgrader's
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: left out of the released notebook, put
back by ``nbgrader autograde``)::

    import runpy
    verify = runpy.run_module("marginlab.course.autograde")["verify"]
    verify("adl_queue", queue)

``runpy`` executes this file afresh, into a new namespace (not the module object a learner could
have patched), and :func:`verify` then

1. checks that the builtins the checks use are still the interpreter's own (a learner's
   ``builtins.abs = lambda x: 0`` would make every difference zero);
2. imports a fresh copy of every ``marginlab`` module (new module objects: whatever a learner
   rebound in ``check``, ``practice``, ``formulas`` or the engine is not in them) and grades the
   learner's variable with it; the learner's ``marginlab`` modules are put back afterwards;
3. raises ``AssertionError`` with the verdict unless it is correct.

Only the answer variable is read from the learner's namespace. The boundary: a learner who
replaces parts of Python's standard library (``runpy``, ``importlib``) or the interpreter could
still cheat; nothing running inside the same kernel can rule that out.
"""

from __future__ import annotations

import builtins
import importlib
import sys

PACKAGE = "marginlab"
CHECKS = "marginlab.course.check"
# the builtins the checks call: each must still be the interpreter's own
BUILTINS = ("abs", "all", "any", "bool", "dict", "enumerate", "float", "getattr", "hasattr",
            "int", "isinstance", "len", "list", "max", "min", "next", "repr", "round", "set",
            "sorted", "str", "sum", "tuple", "type", "zip", "__import__")


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def replaced_builtins() -> list[str]:
    """The names of :data:`BUILTINS` that a cell has replaced (empty when none)."""
    replaced = []
    for name in BUILTINS:
        obj = builtins.__dict__.get(name)
        if obj is None or hasattr(obj, "__code__") or getattr(obj, "__module__", "") != "builtins":
            replaced.append(name)
    return replaced


def fresh(module: str):
    """A new copy of ``module`` and of every marginlab module it imports, loaded from the
    files; ``sys.modules`` is left as it was (the learner's kernel keeps its own copies)."""
    saved = {name: mod for name, mod in sys.modules.items() if _ours(name)}
    for name in saved:
        del sys.modules[name]
    try:
        return importlib.import_module(module)
    finally:
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def verify(exercise: str, answer) -> None:
    """Grade ``answer`` to ``exercise`` with a fresh copy of the checks; ``AssertionError``
    (carrying the verdict) unless it is correct (see the module docstring)."""
    replaced = replaced_builtins()
    if replaced:
        raise AssertionError(f"not graded: a cell replaced Python's {', '.join(replaced)}")
    verdict = fresh(CHECKS).grade(exercise, answer)
    if not verdict.correct:
        raise AssertionError(verdict.message)
