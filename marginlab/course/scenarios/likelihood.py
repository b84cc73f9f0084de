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
import pandas as pd

from ...simulation.montecarlo import liquidation_odds, wilson_interval
from ...simulation.paths import gbm, jump_compensator, jump_diffusion, same_variance_sigma
from ...simulation.replay import Leg, replay
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


# --- lesson 9's tables, one call each ----------------------------------------------------------
def odds_by_leverage(*, leverages=(2, 3, 5, 10, 20, 50), paths: int = 2_000, days: float = 7,
                     seed: int = 0) -> pd.DataFrame:
    """How often a cross account and its isolated twin are liquidated within ``days``, at each
    leverage, and how much each loses in its worst 5 % of paths (lesson 9, "The odds for a
    cross account and its isolated twin").

    Modelled: :func:`marginlab.simulation.montecarlo.liquidation_odds` with its defaults:
    1,000 USDT deposited, half of it committed at leverage L (60 % behind an ETH long, 40 %
    behind a BTC long), ``paths`` seeded hourly correlated GBM paths (ETH 80 %, BTC 60 % a
    year, correlation 0.8), 0.01 % funding every 8 hours. The share liquidated is k / n with
    its 95 % Wilson score interval ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``.
    Simplified: GBM (no jumps, thin tails), hourly marks.

    Index ``"10x"``...; columns ``cross liquidated %``, ``cross 95 % interval`` (text
    ``"low-high"`` in %, one decimal), the same two for ``isolated``, then ``cross loss in the
    worst 5 %`` and ``isolated loss in the worst 5 %`` (95th percentile of the loss at the
    horizon, % of the deposit).
    """
    s = liquidation_odds(leverages=leverages, paths=paths, days=days, seed=seed).summary
    table = pd.DataFrame()
    for mode in MODES:
        part = s[s["mode"] == mode].set_index("leverage")
        bounds = zip(part["ci low"], part["ci high"], strict=True)
        table[f"{mode} liquidated %"] = 100 * part["p liquidation"]
        table[f"{mode} 95 % interval"] = [f"{100 * lo:.1f}-{100 * hi:.1f}" for lo, hi in bounds]
        table[f"{mode} loss in the worst 5 %"] = part["loss p95 %"]
    table.index = [f"{lev}x" for lev in table.index]
    return table[[f"{m} {c}" for m in MODES for c in ("liquidated %", "95 % interval")]
                 + [f"{m} loss in the worst 5 %" for m in MODES]]


def interval_by_paths(*, path_counts=(250, 1_000, 4_000), leverage=10, mode: str = "isolated",
                      seed: int = 0) -> pd.DataFrame:
    """How the 95 % Wilson interval of the liquidation odds narrows as the number of paths
    grows (lesson 9, "How sure are we?"): its width shrinks like ``1 / sqrt(n)``, so four times
    the paths halve it.

    Modelled: :func:`marginlab.simulation.montecarlo.liquidation_odds` at ``leverage`` with
    each number of paths in ``path_counts`` (each run draws its own paths from ``seed``), read
    for ``mode`` (``"cross"`` or ``"isolated"``). Simplified as in :func:`odds_by_leverage`.

    Index ``paths``; columns ``<mode> liquidated %``, ``interval from %``, ``to %`` and
    ``width (points)`` (to - from, percentage points).
    """
    rows = []
    for n in path_counts:
        run = liquidation_odds(leverages=(leverage,), paths=n, seed=seed)
        row = run.summary.set_index("mode").loc[mode]
        rows.append({"paths": n, f"{mode} liquidated %": 100 * row["p liquidation"],
                     "interval from %": 100 * row["ci low"], "to %": 100 * row["ci high"],
                     "width (points)": 100 * (row["ci high"] - row["ci low"])})
    return pd.DataFrame(rows).set_index("paths")


def odds_with_jumps(*, leverages=(5, 10, 20), paths: int = 4_000, days: float = 7,
                    vol: float = 0.8, seed: int = 1) -> pd.DataFrame:
    """How often a single isolated ETH long is liquidated within ``days`` under three price
    models (lesson 9, "What the model leaves out").

    Modelled: ``paths`` hourly ETH paths from 2,000, all with the same seed (the same Brownian
    shocks): :func:`marginlab.simulation.paths.gbm` at volatility ``vol`` a year; the same GBM
    at the volatility with the jump model's variance,
    sigma' = sqrt(vol**2 + lambda * (m**2 + s**2)) (:func:`~marginlab.simulation.paths.
    same_variance_sigma`, the Gaussian control: as wide, thin tails); and
    :func:`marginlab.simulation.paths.jump_diffusion`, lambda = 12 jumps a year of
    exp(N(m, s**2)), m = -0.05, s = 0.05, drift-compensated so E[S_t] = 2,000 as in the GBM.
    On each, 1 ETH long held isolated at each leverage with 1,000 USDT deposited, replayed by
    :func:`marginlab.simulation.replay.replay`; a path counts when the position is liquidated
    at least once. Without jumps the odds approach the closed form for a driftless price
    touching the liquidation price (reflection principle), a little lower because the mark is
    only checked hourly. Simplified: ETH only, no funding.

    Index ``leverage`` (``"10x"``); columns ``GBM liquidated %``, ``same-variance GBM
    liquidated %``, ``GBM + jumps liquidated %``.
    """
    table = _jump_runs(tuple(leverages), paths, days, vol, seed)
    return table[[f"{name} liquidated %" for name in JUMP_MODELS]]


def deficits_with_jumps(*, leverages=(5, 10, 20), paths: int = 4_000, days: float = 7,
                        vol: float = 0.8, seed: int = 1) -> pd.DataFrame:
    """Where fat tails show: the largest deficit (the loss beyond the isolated margin, which the
    insurance fund pays, in USDT) over the same runs as :func:`odds_with_jumps`, per model.

    Index ``leverage``; columns ``<model> largest deficit USDT`` for the three models."""
    table = _jump_runs(tuple(leverages), paths, days, vol, seed)
    return table[[f"{name} largest deficit USDT" for name in JUMP_MODELS]]


JUMP_MODELS = ("GBM", "same-variance GBM", "GBM + jumps")


@lru_cache(maxsize=8)
def _jump_runs(leverages: tuple, paths: int, days: float, vol: float, seed: int) -> pd.DataFrame:
    """Both tables of :func:`odds_with_jumps` and :func:`deficits_with_jumps` (one replay)."""
    steps = max(1, round(days * 24))
    models = dict(zip(JUMP_MODELS, (
        gbm(2_000, vol, steps, paths=paths, seed=seed),
        gbm(2_000, same_variance_sigma(vol), steps, paths=paths, seed=seed),
        jump_diffusion(2_000, vol, steps, paths=paths, seed=seed)), strict=True))
    rows = []
    for lev in leverages:
        row = {"leverage": f"{lev}x"}
        for name, eth in models.items():
            run = replay({"ETH-PERP": eth}, [Leg("ETH-PERP", 1, lev)], 1_000, modes=("isolated",))
            row[f"{name} liquidated %"] = 100 * (run.accounts["first liquidation"] >= 0).mean()
            row[f"{name} largest deficit USDT"] = float(run.accounts["deficit"].max())
        rows.append(row)
    return pd.DataFrame(rows).set_index("leverage")


def jump_model_volatility(vol: float = 0.8) -> dict:
    """The annual volatilities lesson 9 compares, in %: the GBM's ``vol`` and the same-variance
    control's sqrt(vol**2 + lambda * (m**2 + s**2)) for the default jumps (lambda = 12 a year,
    m = -0.05, s = 0.05), and the mean size of one jump k = exp(m + s**2 / 2) - 1 in %."""
    return {"GBM volatility %": 100 * vol,
            "same-variance volatility %": 100 * same_variance_sigma(vol),
            "mean jump %": 100 * jump_compensator(-0.05, 0.05)}
