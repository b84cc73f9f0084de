"""Monte Carlo: how likely is liquidation, and how much is lost, at each leverage, cross vs
isolated?

The account deposits ``deposit`` USDT and commits ``committed`` of it to open positions at
leverage L (initial margin plus the opening fee): a share ``eth_share`` for an ETH long, the rest
for a BTC long, so the notional is about ``L x committed x deposit``. ETH and BTC follow
correlated geometric Brownian motions (:func:`marginlab.paths.correlated_gbm`, seeded); the same
paths are replayed for every leverage (common random numbers, so the curves are smooth) under
cross and under isolated margin with :func:`marginlab.simulate.replay`, longs paying funding every
8 hours, under the venue ``rules`` (their liquidation policy decides how a liquidated account is
unwound: Binance to compliance, Hyperliquid in chunks, ... :mod:`marginlab.rules`).

For each leverage and mode, with n paths of which k end with a liquidation:

* probability of liquidation ``p = k / n`` with its 95 % Wilson interval::

      centre = (p + z^2 / 2n) / (1 + z^2 / n)
      half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2),  z = 1.96

* the loss in % of the deposit on each path (``-PnL / deposit``): its mean, median, 95th
  percentile and worst value;
* how the liquidated accounts were unwound: the mean number of liquidation steps (all buckets
  together) over the liquidated paths (1 per bucket all at once, more when a venue closes in
  parts).

The first liquidation of a path does not depend on the policy (until then nothing has closed),
so ``p liquidation`` is the same under every policy; the losses and the unwinding differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..engine.contracts import DEFAULT_CONTRACTS
from ..engine.errors import InvalidLeverageError, InvalidPathError
from ..engine.formulas import max_open_quantity
from ..engine.numbers import exact
from ..engine.rules import BINANCE, VenueRules, venue_rules
from . import inputs
from .paths import HOUR, correlated_gbm
from .replay import MODES, Leg, replay

Z95 = 1.959963984540054


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95 % (by default) Wilson score interval for k successes out of n trials."""
    inputs.check_counts(**locals())
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


@dataclass
class MonteCarlo:
    """``summary``: one row per leverage and mode; ``losses``: the loss (% of the deposit) on
    every path, long format (leverage, mode, path, loss %), for histograms."""

    summary: pd.DataFrame
    losses: pd.DataFrame


@exact
def legs_for(leverage, deposit=1_000, committed=0.5, eth_share=0.6, start=None) -> list[Leg]:
    """The ETH and BTC longs that ``committed`` of ``deposit`` pays for at ``leverage``, initial
    margin and opening fee included: ``Q = budget / (P / L + P * taker_fee)``, rounded down to the
    lot size (:func:`marginlab.formulas.max_open_quantity`)."""
    leverage, deposit, committed, eth_share = inputs.check_legs_for(**locals())
    start = start or {"ETH-PERP": 2_000, "BTC-PERP": 50_000}
    budget = Decimal(str(deposit)) * Decimal(str(committed))
    legs = []
    for symbol, share in (("ETH-PERP", eth_share), ("BTC-PERP", 1 - eth_share)):
        q = max_open_quantity(budget * Decimal(str(share)), Decimal(str(start[symbol])),
                              leverage, DEFAULT_CONTRACTS[symbol])
        if q > 0:
            legs.append(Leg(symbol, float(q), float(leverage)))
    return legs


def liquidation_odds(leverages=(2, 3, 5, 10, 20, 50), paths: int = 2_000, days: float = 7,
                     sigma=None, corr: float = 0.8, deposit: float = 1_000,
                     committed: float = 0.5, eth_share: float = 0.6,
                     funding_rate: float = 0.0001, seed: int = 0, progress=None,
                     rules: VenueRules = BINANCE) -> MonteCarlo:
    """Replay ``paths`` seeded hourly paths over ``days`` at each leverage, cross and isolated
    (see the module docstring). ``sigma`` is the annual volatility per symbol (default ETH 80 %,
    BTC 60 %). ``progress``: show a progress bar (default: only for runs of over 10 million
    position-steps). ``rules``: a :class:`~marginlab.rules.VenueRules` or a preset's name."""
    leverages, days, deposit = inputs.check_odds(**locals())
    rules = venue_rules(rules)
    leverages = list(leverages)
    if not leverages:
        raise InvalidLeverageError("give at least one leverage")
    for lev in leverages:
        if not (isinstance(lev, int | float) and math.isfinite(lev) and lev >= 1):
            raise InvalidLeverageError(f"leverage must be a number of at least 1, got {lev!r}")
    if not (isinstance(days, int | float) and days > 0):
        raise InvalidPathError(f"days must be above zero, got {days!r}")
    if not 0 < committed <= 1 or not 0 <= eth_share <= 1:
        raise InvalidPathError("committed must be in (0, 1] and eth_share in [0, 1]")
    start = {"ETH-PERP": 2_000.0, "BTC-PERP": 50_000.0}
    sigma = sigma or {"ETH-PERP": 0.8, "BTC-PERP": 0.6}
    steps = max(1, round(days * 24))
    array = correlated_gbm(start, sigma, corr, steps, paths=paths, dt=HOUR, seed=seed)
    prices = {s: array[:, :, i] for i, s in enumerate(start)}
    if progress is None:
        progress = paths * steps * 2 * len(leverages) > 10_000_000
    bar = tqdm(total=len(leverages), desc="Monte Carlo", unit="leverage", disable=not progress)
    rows, losses = [], []
    for lev in leverages:
        legs = legs_for(lev, deposit, committed, eth_share, start)
        run = replay(prices, legs, deposit, funding_rate=funding_rate, funding_every=8,
                     rules=rules)
        for mode in MODES:
            acc = run.accounts[run.accounts["mode"] == mode]
            steps = _mean_steps(run.buckets[run.buckets["mode"] == mode])
            loss = -acc["pnl"].to_numpy() / deposit * 100
            k = int((acc["first liquidation"] >= 0).sum())
            low, high = wilson_interval(k, paths)
            rows.append({"leverage": lev, "mode": mode, "paths": paths, "liquidated": k,
                         "p liquidation": k / paths, "ci low": float(low),
                         "ci high": float(high), "mean loss %": loss.mean(),
                         "median loss %": float(np.median(loss)),
                         "loss p95 %": float(np.percentile(loss, 95)),
                         "worst loss %": loss.max(), "mean liquidation steps": steps})
            losses.append(pd.DataFrame({"leverage": lev, "mode": mode,
                                        "path": acc["path"].to_numpy(), "loss %": loss}))
        bar.update(1)
    bar.close()
    return MonteCarlo(pd.DataFrame(rows), pd.concat(losses, ignore_index=True))


def _mean_steps(buckets: pd.DataFrame) -> float:
    """The mean number of liquidation steps of an account (its buckets together) over the paths
    with a liquidation (0 if none)."""
    per_path = buckets.groupby("path")["liquidation steps"].sum()
    hit = per_path[per_path > 0]
    return float(hit.mean()) if len(hit) else 0.0
