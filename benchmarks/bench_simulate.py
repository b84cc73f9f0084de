#!/usr/bin/env python3
"""Speed and memory of the vectorized replay, against the event engine.

    .venv/bin/python benchmarks/bench_simulate.py [--paths 10000 --steps 1000 --repeat 3]

Scenario: a long ETH and a short BTC at 3x (2 positions), correlated hourly GBM paths (ETH 50 %,
BTC 40 % a year), funding every 8 steps, replayed under cross and under isolated margin; few
positions are liquidated, so the event engine does its full work on every step. Prints:

* the vectorized replay (:func:`marginlab.replay`) on paths x steps x 2 positions, per
  mode and for both modes together, as position-steps per second (median of ``--repeat``);
* the event engine (:func:`marginlab.replay_with_engine`) on a few of the same paths,
  as position-steps per second, and the ratio;
* the peak memory of the big replay (tracemalloc sees numpy's arrays), the price paths included;
* per liquidation policy (issue 11: ``all_at_once`` is the closed-form fast path, the others
  replay step by step the paths where a bucket is liquidated), position-steps per second per
  mode on the same paths, at the scenario's leverage and at ``--stress-leverage`` (most buckets
  liquidated: the step-by-step replay does the most work).

Targets (issue 5, kept by issue 10 when both started calling marginlab/engine/rulebook/):
>= 10 million position-steps per second per margin mode on one core, >= 50x the event engine,
and under 1 GiB for 10,000 x 1,000 x 2, on ``all_at_once``; the other policies are reported.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from marginlab.engine.rules import BINANCE, POLICIES  # noqa: E402
from marginlab.simulation.paths import correlated_gbm  # noqa: E402
from marginlab.simulation.replay import Leg, replay, replay_with_engine  # noqa: E402

LEGS = [Leg("ETH-PERP", 2, 3), Leg("BTC-PERP", -0.04, 3)]
ALL_AT_ONCE = BINANCE.but(liquidation_policy="all_at_once")
START = {"BTC-PERP": 50_000.0, "ETH-PERP": 2_000.0}


def prices(paths: int, steps: int, seed: int = 0) -> dict:
    array = correlated_gbm(START, {"BTC-PERP": 0.4, "ETH-PERP": 0.5}, 0.8, steps, paths=paths,
                           seed=seed)
    return {s: array[:, :, i].copy() for i, s in enumerate(START)}


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine-paths", type=int, default=20)
    ap.add_argument("--stress-leverage", type=float, default=20)
    args = ap.parse_args()
    kw = {"funding_rate": 0.0001, "funding_every": 8, "rules": ALL_AT_ONCE}
    n = args.paths * args.steps * len(LEGS)  # position-steps of one mode

    tracemalloc.start()
    big = prices(args.paths, args.steps)
    run = replay(big, LEGS, 3_000, **kw)
    _, peak = tracemalloc.get_traced_memory()
    liquidated = (run.buckets["liquidation step"] >= 0).mean()
    tracemalloc.stop()

    one = {m: timed(lambda m=m: replay(big, LEGS, 3_000, modes=(m,), **kw), args.repeat)
           for m in ("cross", "isolated")}
    both = timed(lambda: replay(big, LEGS, 3_000, **kw), args.repeat)

    few = {s: a[:args.engine_paths] for s, a in big.items()}
    slow = timed(lambda: replay_with_engine(few, LEGS, 3_000, **kw), 1)
    fast_few = timed(lambda: replay(few, LEGS, 3_000, **kw), args.repeat)
    n_few = args.engine_paths * args.steps * len(LEGS) * 2  # both modes

    print(f"scenario: {args.paths:,} paths x {args.steps:,} steps x {len(LEGS)} positions "
          f"= {n / 1e6:.0f} million position-steps per margin mode; "
          f"{liquidated:.1%} of the buckets are liquidated")
    for mode, t in one.items():
        print(f"vectorized, {mode:<8}  {t:6.2f} s   {n / t / 1e6:6.1f} M position-steps/s")
    print(f"vectorized, both modes {both:6.2f} s   {2 * n / both / 1e6:6.1f} M position-steps/s "
          f"({n / both / 1e6:.1f} M counting a scenario once for both modes)")
    rate_engine = n_few / slow
    print(f"event engine, {args.engine_paths} paths, both modes {slow:6.2f} s   "
          f"{rate_engine / 1e3:6.1f} k position-steps/s")
    print(f"vectorized on those same {args.engine_paths} paths: {fast_few * 1e3:.1f} ms "
          f"({slow / fast_few:,.0f}x faster)")
    print(f"throughput ratio at full size: {2 * n / both / rate_engine:,.0f}x faster than the "
          f"event engine")
    print(f"peak memory of the full run (price paths included): {peak / 2**20:,.0f} MiB")
    policies(big, n, args)


def policies(big: dict, n: int, args) -> None:
    """Position-steps per second per mode under every liquidation policy (Binance's other
    rules), at the scenario's leverage and at the stress leverage."""
    print(f"\n{'policy':<16}{'leverage':>9}{'liquidated':>12}{'cross':>10}{'isolated':>10}"
          "   (M position-steps/s)")
    for leverage in (LEGS[0].leverage, args.stress_leverage):
        legs = [Leg(leg.symbol, leg.size, leverage) for leg in LEGS]
        deposit = 3_000 * 3 / leverage  # the same room over the initial margin
        for policy in POLICIES:
            kw = {"funding_rate": 0.0001, "funding_every": 8, "legs": legs, "deposit": deposit,
                  "rules": BINANCE.but(liquidation_policy=policy)}
            rates = {m: n / timed(lambda m=m, kw=kw: replay(big, modes=(m,), **kw),
                                  args.repeat) / 1e6 for m in ("cross", "isolated")}
            hit = (replay(big, **kw).buckets["liquidation step"] >= 0).mean()
            print(f"{policy:<16}{leverage:>8g}x{hit:>12.1%}{rates['cross']:>10.1f}"
                  f"{rates['isolated']:>10.1f}")


if __name__ == "__main__":
    main()
