"""Lesson 9: how likely is liquidation, cross vs isolated, and how much is lost?

Modelled: :func:`marginlab.simulation.montecarlo.liquidation_odds` over :data:`PATHS` seeded
hourly ETH/BTC paths (correlated GBM, BTC's volatility three quarters of ETH's, seed 2024), at
each of :data:`LEVERAGES`, for a cross account and its isolated twin committing ``committed`` %
of 1,000 USDT. Per mode and leverage: the probability of a liquidation within ``days`` with its
95 % Wilson interval, and how the loss (% of the deposit) is spread (:data:`BINS`).
Simplified: GBM without jumps, hourly marks, constant funding.

The app's controls reach :data:`VOLS` x :data:`HORIZONS` x :data:`COMMITTED` (972 runs); their
answers are worked out ahead (:mod:`.precomputed`, ``data/odds.json.gz``) and shown only once a
fresh run has confirmed them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...simulation.montecarlo import liquidation_odds, wilson_interval
from .precomputed import Precomputed
from .twins import MODES

LEVERAGES = (2, 3, 5, 7, 10, 15, 20, 30, 50)
BINS = np.arange(0, 105, 5.0)  # loss in % of the deposit
PATHS = 600
VOLS = tuple(range(40, 151, 10))  # ETH volatility, % a year
HORIZONS = (1, 2, 3, 5, 7, 10, 14, 21, 30)  # days
COMMITTED = tuple(range(20, 101, 10))  # % of the deposit


@lru_cache(maxsize=32)
def odds(vol: int, days: int, committed: int, paths: int = PATHS):
    """The Monte Carlo run for ETH volatility ``vol`` % a year, a horizon of ``days`` and
    ``committed`` % of the deposit (cached: moving along the leverages is instant)."""
    sigma = {"ETH-PERP": vol / 100, "BTC-PERP": 0.75 * vol / 100}
    return liquidation_odds(LEVERAGES, paths=paths, days=days, sigma=sigma,
                            committed=committed / 100, seed=2024, progress=False)


def odds_digest(vol: int, days: int, committed: int) -> dict:
    """What the app needs of one run, per mode (``{mode: [... one per leverage]}``): the number
    of paths liquidated, the median, 95th-percentile and worst loss (% of the deposit) and the
    count of paths in each loss bin of :data:`BINS` (losses clipped to [0, 100))."""
    run = odds(vol, days, committed)
    s = run.summary.set_index(["mode", "leverage"])
    out = {}
    for mode in MODES:
        rows = [s.loc[(mode, lev)] for lev in LEVERAGES]
        losses = run.losses[run.losses["mode"] == mode]
        out[mode] = {
            "liquidated": [int(r["liquidated"]) for r in rows],
            "median loss %": [float(r["median loss %"]) for r in rows],
            "loss p95 %": [float(r["loss p95 %"]) for r in rows],
            "worst loss %": [float(r["worst loss %"]) for r in rows],
            "histogram": [np.histogram(np.clip(losses[losses["leverage"] == lev]["loss %"],
                                               0, 99.999), bins=BINS)[0].tolist()
                          for lev in LEVERAGES],
        }
    return out


def odds_grid():
    return ((v, d, c) for v in VOLS for d in HORIZONS for c in COMMITTED)


stored_odds = Precomputed("odds", odds_digest, odds_grid)


def odds_at(*, leverage, vol: int, days: int, committed: int) -> dict:
    """The numbers lesson 9's app shows, in %: per mode the curve over :data:`LEVERAGES`
    (``p %``, ``low %``, ``high %``: ``k / n`` and its 95 % Wilson interval) and, at
    ``leverage``, the share of paths liquidated, its interval, the median, 95th percentile and
    worst loss, and the loss histogram over :data:`BINS` (% of paths per bin)."""
    digest = stored_odds(int(vol), int(days), int(committed))
    at = LEVERAGES.index(leverage)
    st = {"leverage": leverage, "paths": PATHS}
    for mode in MODES:
        d = digest[mode]
        k = np.array(d["liquidated"], dtype=float)
        low, high = wilson_interval(k, PATHS)
        st[f"{mode} p %"] = [100 * float(p) for p in k / PATHS]
        st[f"{mode} low %"] = [100 * float(p) for p in low]
        st[f"{mode} high %"] = [100 * float(p) for p in high]
        st[f"{mode} liquidated %"] = st[f"{mode} p %"][at]
        st[f"{mode} ci"] = (st[f"{mode} low %"][at], st[f"{mode} high %"][at])
        st[f"{mode} median loss %"] = d["median loss %"][at]
        st[f"{mode} loss p95 %"] = d["loss p95 %"][at]
        st[f"{mode} worst loss %"] = d["worst loss %"][at]
        counts = np.array(d["histogram"][at], dtype=float)
        st[f"{mode} histogram %"] = list(100 * counts / PATHS)
    return st
