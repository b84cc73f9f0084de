"""Lesson 4: one losing trade drains the pool.

Modelled: the same two longs (ETH and BTC) on the same seeded price path, in a **cross**
account and its **isolated** twin, on Binance's rules (policy *to compliance*; lesson 10 replays
the crash on every venue) with a large insurance fund.
:func:`replay_twins` replays the path through the engine one step at a time and records each
twin's pool at every step (:func:`pool_split`):

* cross: used margin = initial margin of the open positions at the mark (capped at equity),
  free = equity - used;
* isolated: used = what each isolated position still holds (isolated margin + uPnL, not below
  zero), free = wallet balance.

Simplified: ETH follows a straight slide plus small seeded noise (:func:`price_path`), no
funding, every fill at the mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ...engine.exchange import Exchange
from ...engine.numbers import ZERO
from .twins import MODES, lots_for


def price_path(crash_pct: float, *, steps: int = 120, seed: int = 7, eth0: float = 2000.0,
               btc0: float = 50_000.0, recovery_pct: float = 0.0,
               slide: int | None = None) -> pd.DataFrame:
    """ETH wanders, falls ``crash_pct`` % in a straight slide over ``slide`` steps (default a
    sixth of the path: the larger, the slower the decline), then wins back ``recovery_pct`` % of
    that fall over the next quarter; BTC wanders gently. Seeded: the same arguments give the
    same path. Columns ``step, ETH-PERP, BTC-PERP``."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1)
    start, length = steps // 3, max(1, steps // 6 if slide is None else int(slide))
    back = np.clip((t - start - length) / max(1, steps // 4), 0, 1) * recovery_pct / 100
    slide = np.clip((t - start) / length, 0, 1) * (1 - back) * crash_pct / 100
    noise = np.concatenate([[0], np.cumsum(rng.normal(0, 0.002, steps))])
    eth = eth0 * (1 - slide) * np.exp(noise)
    btc = btc0 * np.exp(np.concatenate([[0], np.cumsum(rng.normal(0, 0.0015, steps))]))
    return pd.DataFrame({"step": t, "ETH-PERP": np.round(eth, 2), "BTC-PERP": np.round(btc, 1)})


@dataclass
class TwinReplay:
    """What :func:`replay_twins` recorded."""

    pools: pd.DataFrame        # step, mode, equity, used, free, positions
    path: pd.DataFrame         # step, ETH-PERP, BTC-PERP
    liquidations: pd.DataFrame  # step, trader, symbol, price, message
    exchange: Exchange


def replay_twins(*, crash_pct: float = 30, leverage=10, eth_share: float = 0.7,
                 deposit: float = 1_000, committed: float = 0.6, steps: int = 120,
                 seed: int = 7, recovery_pct: float = 0.0) -> TwinReplay:
    """Open the same ETH and BTC longs in a cross account and an isolated twin, then replay
    :func:`price_path` through the engine. ``committed`` of the deposit goes into margin, split
    ``eth_share`` to ETH and the rest to BTC (:func:`~.twins.lots_for`); the remainder stays
    free."""
    path = price_path(crash_pct, steps=steps, seed=seed, recovery_pct=recovery_pct)
    first = path.iloc[0]
    ex = Exchange(marks={"ETH-PERP": first["ETH-PERP"], "BTC-PERP": first["BTC-PERP"]},
                  insurance_fund=1_000_000)
    budget = Decimal(str(deposit)) * Decimal(str(committed))
    eth_margin = budget * Decimal(str(eth_share))
    sizes = {
        "ETH-PERP": lots_for(eth_margin, leverage, ex.marks["ETH-PERP"],
                             ex.contract("ETH-PERP").lot_size),
        "BTC-PERP": lots_for(budget - eth_margin, leverage, ex.marks["BTC-PERP"],
                             ex.contract("BTC-PERP").lot_size),
    }
    accounts = [ex.open_account(m, deposit=deposit, mode=m, leverage=leverage) for m in MODES]
    for acct in accounts:
        for symbol, q in sizes.items():
            if q > 0:
                acct.buy(symbol, q)
    rows = []
    for step, eth, btc in path[["step", "ETH-PERP", "BTC-PERP"]].itertuples(index=False):
        if step > 0:
            ex.set_marks({"ETH-PERP": eth, "BTC-PERP": btc}, time=int(step))
        for acct in accounts:
            rows.append({"step": int(step), "mode": acct.trader, **pool_split(acct)})
    liq = ex.events.to_frame(kinds=["liquidation"])[["time", "trader", "symbol", "price",
                                                       "message"]]
    return TwinReplay(pd.DataFrame(rows), path, liq.rename(columns={"time": "step"}), ex)


def crash_recovery_grid(*, crashes=(10, 20, 30), recoveries=(0, 100), leverage=10,
                        eth_share: float = 0.7, deposit: float = 1_000, committed: float = 0.6,
                        steps: int = 120, seed: int = 7) -> pd.DataFrame:
    """How each twin ends every crash in ``crashes`` (ETH's slide, %) followed by each recovery
    in ``recoveries`` (% of the fall won back): one :func:`replay_twins` run per pair, on the
    same seeded noise, read at the last step.

    While a twin holds its positions its equity is the deposit less the opening fees plus
    ``sum Q * (P_end - P_0)`` over them; a cross pool drained below zero closes every cross
    position (on Binance's rules, as every policy does once equity is gone: lesson 10), so it
    ends with 0 positions and nothing left; the isolated
    twin loses at most its ETH margin, keeping the free balance and the BTC ring. Modelled and
    simplified as in the module docstring (seeded path, no funding, fills at the mark).

    Index (``ETH crash %``, ``then recovers %``); columns ``cross equity``,
    ``cross positions``, ``isolated equity``, ``isolated positions`` (equity in USDT as floats,
    positions as ints).
    """
    rows = []
    for crash in crashes:
        for recovery in recoveries:
            run = replay_twins(crash_pct=crash, recovery_pct=recovery, leverage=leverage,
                               eth_share=eth_share, deposit=deposit, committed=committed,
                               steps=steps, seed=seed)
            end = run.pools.groupby("mode").tail(1).set_index("mode")
            row = {"ETH crash %": crash, "then recovers %": recovery}
            for mode in MODES:
                row[f"{mode} equity"] = float(end.loc[mode, "equity"])
                row[f"{mode} positions"] = int(end.loc[mode, "positions"])
            rows.append(row)
    return pd.DataFrame(rows).set_index(["ETH crash %", "then recovers %"])


def pool_split(account) -> dict:
    """The account's pool: its equity, split into used margin and free balance (see the module
    docstring), as floats, and how many positions it holds."""
    if account.mode == "cross":
        r = account.cross_risk()
        used = min(max(r.equity, ZERO), r.initial)
        free = max(ZERO, r.equity - used)
    else:
        marks = account.exchange.marks
        used = sum((max(ZERO, account.isolated_margin(p.symbol)
                        + p.unrealized_pnl(marks[p.symbol]))
                    for p in account.isolated_positions), ZERO)
        free = account.wallet_balance
    return {"equity": float(used + free), "used": float(used), "free": float(free),
            "positions": len(account.positions)}


def fund_payments(run: TwinReplay) -> pd.DataFrame:
    """Where the insurance fund paid in a :func:`replay_twins` run: one row per payment, with
    the ``step``, the ``trader`` (twin) and ``fund paid`` (USDT). A liquidation at the mark
    that lands past the bankruptcy price leaves the bucket's balance below zero by the gap
    ``D = -E``; at settlement (:func:`marginlab.engine.liquidation.cover_deficit`) the fund
    brings it back to zero (negative balance protection), so the trader never owes more than
    the bucket held."""
    paid = run.exchange.events.to_frame(kinds=["insurance fund"])
    return pd.DataFrame({"step": paid["time"].astype(int), "trader": paid["trader"],
                         "fund paid": -paid["amount"].astype(float)}).reset_index(drop=True)
