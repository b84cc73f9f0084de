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

from ...engine.rules import BINANCE
from ...simulation import montecarlo, paths
from ...simulation.market import MarketRun, cascade_twins, simulate_market
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


# --- lesson 8's tables, one call each ----------------------------------------------------------
CRASH_SYMBOLS = ("BTC-PERP", "ETH-PERP")


def crash_summary(*, names=None) -> pd.DataFrame:
    """How deep each stored crash went (lesson 8, "Four crashes that happened").

    Modelled: :func:`marginlab.simulation.paths.scenario` for each name in ``names`` (default
    every one of :data:`marginlab.simulation.paths.SCENARIOS`): hourly prices joined by straight
    lines in log price between rounded, widely reported levels (not tick data), so each low is
    one of the anchors. The fall is ``100 * (1 - low / start)``.

    Index ``scenario``; columns ``starts (UTC)`` (date of hour 0, text), ``hours`` (length of
    the path), then per coin (BTC, ETH) ``start``, ``low`` (USD) and ``fall %``.
    """
    rows = []
    for name in paths.SCENARIOS if names is None else names:
        sc = paths.scenario(name)
        row = {"scenario": name, "starts (UTC)": sc["time"].iloc[0].strftime("%Y-%m-%d"),
               "hours": len(sc) - 1}
        for symbol in CRASH_SYMBOLS:
            coin = symbol.split("-")[0]
            start, low = sc[symbol].iloc[0], sc[symbol].min()
            row.update({f"{coin} start": start, f"{coin} low": low,
                        f"{coin} fall %": 100 * (1 - low / start)})
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


def twins_through_crashes(*, names=None, leverages=(2, 3, 5)) -> pd.DataFrame:
    """What a cross account and its isolated twin are worth at the end of each stored crash,
    at each leverage (lesson 8, "Black Thursday through a cross account and its isolated twin").

    Modelled: :func:`historical_twins` for each crash in ``names`` (default all of
    :data:`marginlab.simulation.paths.SCENARIOS`) and each leverage: 1,000 USDT deposited,
    60 % of it committed (initial margin and opening fee) to two longs opened at the crash's
    first prices, 60 % of that on ETH and 40 % on BTC; the other 40 % stays free. Replayed hour
    by hour by :func:`marginlab.simulation.replay.replay`. Simplified: hourly closes as marks,
    no funding, a liquidation closes at the liquidation price all at once.

    Index ``scenario`` (sorted by name); columns a two-level index: ``cross ends with`` and
    ``isolated ends with`` (final equity, USDT), each by ``leverage`` (``"2x"``, in the order
    given).
    """
    rows = []
    for name in paths.SCENARIOS if names is None else names:
        for lev in leverages:
            run = historical_twins(name, leverage=lev).run.accounts.set_index("mode")
            rows.append({"scenario": name, "leverage": f"{lev}x",
                         "cross ends with": run.loc["cross", "final equity"],
                         "isolated ends with": run.loc["isolated", "final equity"]})
    table = pd.DataFrame(rows).set_index(["scenario", "leverage"]).unstack("leverage")
    order = [f"{lev}x" for lev in leverages]
    return table.reindex(columns=pd.MultiIndex.from_product(
        [["cross ends with", "isolated ends with"], order], names=[None, "leverage"]))


@lru_cache(maxsize=16)
def crowd_through_crash(name: str = "covid-2020-03", *, loss_sharing: str = "adl",
                        insurance_fund: float = 0) -> MarketRun:
    """The seeded crowd of :func:`marginlab.simulation.market.simulate_market` (40 traders,
    cross margin, Binance rules with ``loss_sharing`` ``"adl"`` or ``"socialize"``) replayed
    through the stored crash ``name`` with an insurance fund of ``insurance_fund`` USDT at the
    start (cached: the same arguments give the same result object)."""
    prices = paths.scenario(name).set_index("step")[["ETH-PERP", "BTC-PERP"]]
    return simulate_market(prices, rules=BINANCE.but(loss_sharing=loss_sharing),
                           insurance_fund=insurance_fund)


def who_pays_for_a_crash(*, name: str = "covid-2020-03", loss_sharing=("adl", "socialize"),
                         insurance_funds=(0, 2_000, 20_000)) -> pd.DataFrame:
    """Who pays the deficits of a crash's liquidations (lesson 8, "The exchange's view"): the
    insurance fund first, then the winners, by auto-deleveraging or by a socialized loss.

    Modelled: :func:`crowd_through_crash` for each loss-sharing rule and each starting fund:
    every liquidation past its bankruptcy price leaves a deficit; the fund pays it while it
    can; then ``"adl"`` closes winning positions at the bankrupt trader's price (what they
    cannot cover is unrecovered) and ``"socialize"`` takes the rest from the winners' profit.
    Simplified: a toy crowd of 40 seeded traders, all in cross, hourly marks.

    Index ``loss sharing``, ``insurance fund at start`` (USDT); columns ``liquidations`` and
    ``ADL events`` (counts over the whole crash), ``socialized loss`` and ``unrecovered loss``
    (USDT, summed), ``insurance fund at end`` (USDT).
    """
    rows = []
    for rule in loss_sharing:
        for fund in insurance_funds:
            t = crowd_through_crash(name, loss_sharing=rule, insurance_fund=fund).timeline
            rows.append({"loss sharing": rule, "insurance fund at start": fund,
                         "liquidations": t["liquidations"].sum(),
                         "ADL events": t["adl events"].sum(),
                         "socialized loss": t["socialized loss"].sum(),
                         "unrecovered loss": t["unrecovered loss"].sum(),
                         "insurance fund at end": t["insurance fund"].iloc[-1]})
    return pd.DataFrame(rows).set_index(["loss sharing", "insurance fund at start"])


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


def crowd_sides(name: str = "covid-2020-03") -> pd.DataFrame:
    """Who ADL can reach in :func:`crowd_through_crash`: the crowd's positions at the start of
    crash ``name``, per symbol, as notional at the first prices (USDT): ``crowd longs``,
    ``crowd shorts`` and ``rest of the market`` = longs - shorts, the other side of the crowd's
    net long. That side is no trader of the model but the ledger's anonymous place
    ``counterparties``: ADL can close only the crowd's own (profitable) shorts, so a deficit
    larger than they can take stays *unrecovered*. On a real venue every long faces a short on
    the same venue, so the ADL queue is never short of opposite positions."""
    run = crowd_through_crash(name)
    first = run.timeline.iloc[0]
    rows = []
    for symbol in SYMBOLS:
        notional = run.traders[symbol] * float(first[symbol])
        longs, shorts = float(notional[notional > 0].sum()), float(-notional[notional < 0].sum())
        rows.append({"symbol": symbol, "crowd longs": longs, "crowd shorts": shorts,
                     "rest of the market": longs - shorts})
    return pd.DataFrame(rows).set_index("symbol")


def cascade_unwinding(result, mode: str = "cross") -> pd.Series:
    """How the ``mode`` crowd's liquidations in a :func:`cascade_twins` ``result`` went (the
    crowd trades on Binance's rules, policy *to compliance*): ``equity gone`` counts positions
    closed because their bucket's equity was already at or below zero, when every venue's
    policy closes the whole bucket (lesson 10); ``a venue's step`` counts the others (a
    position closed, or part of it, by the to-compliance step)."""
    events = result.exchanges[mode].events.of_kind("liquidation")
    gone = sum("equity was gone" in e.message for e in events)
    return pd.Series({"equity gone": gone, "a venue's step": len(events) - gone},
                     name="positions liquidated")
