"""Lesson 8: historical crashes replayed on twins, and liquidation cascades in a crowd.

* :func:`historical_twins`: a cross account and its isolated twin (1,000 USDT, 60 % committed,
  60 % of it on ETH) replayed hour by hour through a stored crash
  (:func:`marginlab.simulation.paths.scenario`) with the vectorized replay. Simplified: hourly
  closes as marks, funding as in :func:`marginlab.simulation.replay.replay`.
* :func:`cascade_after_shock`: the seeded crowd of 40 traders of
  :func:`marginlab.simulation.market.crowd` (a quarter hold BTC only), cross and isolated, hit
  by an ETH shock; forced orders then move prices round after round through a linear order book
  of ``depth_k`` thousand USD per 1 % move. Simplified: a toy crowd and a linear book.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ...simulation import montecarlo, paths
from ...simulation.market import cascade_twins
from ...simulation.replay import Replay, replay


@dataclass
class HistoricalTwins:
    """``prices``: the stored crash (``time``, ``ETH-PERP``, ``BTC-PERP`` ...); ``run``: the
    replay of both twins on it."""

    prices: pd.DataFrame
    run: Replay


def historical_twins(name: str, *, leverage, keep_equity: bool = False) -> HistoricalTwins:
    """Replay the twins through the stored crash ``name`` at ``leverage`` (``keep_equity``:
    also keep each twin's equity at every hour)."""
    sc = paths.scenario(name)
    prices = {s: sc[s].to_numpy()[None, :] for s in ("ETH-PERP", "BTC-PERP")}
    start = {s: sc[s].iloc[0] for s in prices}
    legs = montecarlo.legs_for(leverage, 1_000, committed=0.6, eth_share=0.6, start=start)
    return HistoricalTwins(sc, replay(prices, legs, 1_000, keep_equity=keep_equity))


@lru_cache(maxsize=64)
def cascade_after_shock(shock_pct: float, depth_k: int):
    """The cascade twins for an ETH shock of ``shock_pct`` % and a depth of ``depth_k``
    thousand USD per 1 % move on both coins (cached: the same arguments give the same
    result object)."""
    depth = 1_000 * depth_k
    return cascade_twins(shock={"ETH-PERP": shock_pct / 100},
                         depth={"ETH-PERP": depth, "BTC-PERP": depth})
