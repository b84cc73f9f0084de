"""Lesson 8: historical crashes replayed on twins, and liquidation cascades in a crowd.

* :func:`historical_twins`: a cross account and its isolated twin (1,000 USDT, 60 % committed,
  60 % of it on ETH) replayed hour by hour through a stored crash
  (:func:`marginlab.simulation.paths.scenario`) with the vectorized replay. Simplified: hourly
  closes as marks, funding as in :func:`marginlab.simulation.replay.replay`.
* :func:`cascade_after_shock`: the seeded crowd of 40 traders of
  :func:`marginlab.simulation.market.crowd` (a quarter hold BTC only), cross and isolated, hit
  by an ETH shock; forced orders then move prices round after round through a linear order book
  of ``depth_k`` thousand USD per 1 % move. Simplified: a toy crowd and a linear book.
  :func:`cascade_summary` is what lesson 8's app shows of it, worked out ahead for every
  setting of its sliders (:data:`SHOCKS` x :data:`DEPTHS`, :mod:`.precomputed`,
  ``data/cascade.json.gz``) and shown only once a fresh run has confirmed the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ...simulation import montecarlo, paths
from ...simulation.market import cascade_twins
from ...simulation.replay import Replay, replay
from .precomputed import Precomputed
from .twins import MODES

SHOCKS = tuple(float(s) for s in range(-30, -1))  # ETH shock, %
DEPTHS = tuple(range(10, 151, 10))  # thousand USD per 1 % move
SYMBOLS = ("ETH-PERP", "BTC-PERP")


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


def cascade_summary(shock_pct: float, depth_k: int) -> dict:
    """Lesson 8's numbers for one shock and depth, plain data: per mode and symbol the rounds
    and each round's ``move %`` since the start and the final move; per mode the traders
    liquidated (all, BTC-only holders, ETH holders) and the number of rounds."""
    result = cascade_after_shock(float(shock_pct), int(depth_k))
    st = {"shock %": float(shock_pct), "depth": 1_000 * int(depth_k)}
    for mode in MODES:
        table, s = result[mode], result.summary.loc[mode]
        for symbol in SYMBOLS:
            part = table[table["symbol"] == symbol]
            st[f"{mode} {symbol} rounds"] = [int(r) for r in part["round"]]
            st[f"{mode} {symbol} move %"] = [float(m) for m in part["move %"]]
            st[f"{mode} {symbol} final move %"] = float(s[f"{symbol} move %"])
        btc_only = int(s["BTC-only traders liquidated"])
        st[f"{mode} liquidated"] = int(s["traders liquidated"])
        st[f"{mode} BTC-only liquidated"] = btc_only
        st[f"{mode} ETH holders liquidated"] = int(s["traders liquidated"]) - btc_only
        st[f"{mode} rounds"] = int(s["rounds"])
    return st


stored_cascades = Precomputed("cascade", cascade_summary,
                              lambda: ((s, d) for s in SHOCKS for d in DEPTHS))
