"""Lesson 9: how likely is liquidation, cross vs isolated, and how much is lost?

Modelled: :func:`marginlab.simulation.montecarlo.liquidation_odds` over :data:`PATHS` seeded
hourly ETH/BTC paths (correlated GBM, BTC's volatility three quarters of ETH's, seed 2024), at
each of :data:`LEVERAGES`, for a cross account and its isolated twin committing ``committed`` %
of 1,000 USDT. Per mode and leverage: the probability of a liquidation within ``days`` with its
95 % Wilson interval, and how the loss (% of the deposit) is spread (:data:`BINS`).
Simplified: GBM without jumps, hourly marks, constant funding.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...simulation.montecarlo import liquidation_odds
from .twins import MODES

LEVERAGES = (2, 3, 5, 7, 10, 15, 20, 30, 50)
BINS = np.arange(0, 105, 5.0)  # loss in % of the deposit
PATHS = 600


@lru_cache(maxsize=32)
def odds(vol: int, days: int, committed: int, paths: int = PATHS):
    """The Monte Carlo run for ETH volatility ``vol`` % a year, a horizon of ``days`` and
    ``committed`` % of the deposit (cached: moving along the leverages is instant)."""
    sigma = {"ETH-PERP": vol / 100, "BTC-PERP": 0.75 * vol / 100}
    return liquidation_odds(LEVERAGES, paths=paths, days=days, sigma=sigma,
                            committed=committed / 100, seed=2024, progress=False)


def odds_at(*, leverage, vol: int, days: int, committed: int) -> dict:
    """The numbers lesson 9's app shows, in %: per mode the curve over :data:`LEVERAGES`
    (``p %``, ``low %``, ``high %``) and, at ``leverage``, the share of paths liquidated, its
    interval, the median, 95th percentile and worst loss, and the loss histogram over
    :data:`BINS` (% of paths per bin)."""
    run = odds(vol, days, committed)
    s = run.summary.set_index(["mode", "leverage"])
    st = {"leverage": leverage, "paths": PATHS}
    for mode in MODES:
        curve = s.loc[mode]
        st[f"{mode} p %"] = [100 * float(p) for p in curve["p liquidation"]]
        st[f"{mode} low %"] = [100 * float(p) for p in curve["ci low"]]
        st[f"{mode} high %"] = [100 * float(p) for p in curve["ci high"]]
        row = s.loc[(mode, leverage)]
        st[f"{mode} liquidated %"] = 100 * float(row["p liquidation"])
        st[f"{mode} ci"] = (100 * float(row["ci low"]), 100 * float(row["ci high"]))
        st[f"{mode} median loss %"] = float(row["median loss %"])
        st[f"{mode} loss p95 %"] = float(row["loss p95 %"])
        st[f"{mode} worst loss %"] = float(row["worst loss %"])
        loss = run.losses.query("mode == @mode and leverage == @leverage")["loss %"]
        counts, _ = np.histogram(np.clip(loss, 0, 99.999), bins=BINS)
        st[f"{mode} histogram %"] = list(100 * counts / len(loss))
    return st
