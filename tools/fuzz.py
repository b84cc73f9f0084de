#!/usr/bin/env python3
"""Run the hostile-learner state machine of tests/test_fuzz.py for a number of actions.

    PYTHONPATH=. .venv/bin/python tools/fuzz.py --actions 100000
    PYTHONPATH=. .venv/bin/python tools/fuzz.py --actions 2000 --seed 7 --steps 30

An *action* is one call of the engine by a rule of the machine (a trade, a deposit, a look-up,
a mark move...), counted as it runs, shrinking replays included. Hypothesis runs the machine in
batches of examples (each a fresh exchange and up to ``--steps`` actions) until the count is
reached. When a batch finds something new (an exception other than a specific MarginLabError,
a refused action that changed the exchange, money not conserved...), Hypothesis shrinks it to a
minimal example, which is printed; it is then counted but no longer stops the search, so every
distinct finding is listed once. The exit status is 1 if anything was found.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import hypothesis.core
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

ROOT = Path(__file__).resolve().parents[1]


def load_machine():
    """The EngineFuzz class and the Finding exception of tests/test_fuzz.py."""
    spec = importlib.util.spec_from_file_location("test_fuzz", ROOT / "tests" / "test_fuzz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EngineFuzz, module.Finding


def findings_in(error: BaseException, finding_type) -> list:
    """The Finding exceptions in what Hypothesis raised (one, or a group of several)."""
    if isinstance(error, finding_type):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [f for e in error.exceptions for f in findings_in(e, finding_type)]
    return []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000, help="actions to run")
    parser.add_argument("--steps", type=int, default=50, help="most actions per example")
    parser.add_argument("--batch", type=int, default=100, help="examples per Hypothesis run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first batch")
    args = parser.parse_args(argv)

    machine, finding_type = load_machine()
    options = settings(max_examples=args.batch, stateful_step_count=args.steps, deadline=None,
                       database=None, derandomize=False, print_blob=False,
                       phases=[Phase.generate, Phase.shrink],
                       suppress_health_check=list(HealthCheck))
    reports, batches, start = {}, 0, time.perf_counter()
    while machine.ACTIONS < args.actions:
        hypothesis.core.global_force_seed = args.seed + batches  # as pytest's --hypothesis-seed
        batches += 1
        try:
            run_state_machine_as_test(machine, settings=options)
        except BaseException as error:  # noqa: BLE001 - what Hypothesis found, or a real stop
            found = findings_in(error, finding_type)
            if not found:
                raise
            for f in found:
                machine.KNOWN.add(f.key)
                notes = "\n".join(getattr(f, "__notes__", []))
                reports.setdefault(f.key, f"{f}\n{notes}")
        done = machine.ACTIONS
        print(f"batch {batches}: {done:,} actions, {len(machine.KNOWN)} distinct finding(s), "
              f"{time.perf_counter() - start:,.0f} s", file=sys.stderr, flush=True)

    print(f"actions run: {machine.ACTIONS:,} in {batches} batches of up to {args.batch} examples "
          f"x {args.steps} steps ({time.perf_counter() - start:,.0f} s, seed {args.seed})")
    print(f"findings: {len(machine.KNOWN)} distinct, {sum(machine.FOUND.values()):,} in all")
    for n, key in enumerate(sorted(machine.KNOWN), start=1):
        kind, exc, where = key
        print(f"\n--- {n}. {kind}: {exc} at {where} (seen {machine.FOUND[key]:,} times)")
        print(reports.get(key, "(no report)"))
    return 1 if machine.KNOWN else 0


if __name__ == "__main__":
    sys.exit(main())
