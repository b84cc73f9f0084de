"""Lesson 4: one losing trade drains the pool.

The same two trades (a long ETH and a long BTC) on the same seeded price path, in a **cross**
account and its **isolated** twin. :func:`replay_twins` replays the path through the engine and
records, at every step, each twin's pool:

* cross: used margin = initial margin of the open positions at the mark (capped at equity),
  free = margin balance - used;
* isolated: used = what each isolated position still holds (isolated margin + uPnL, not below
  zero), free = wallet balance.

In both, used + free = equity (everything the trader owns).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ...engine.exchange import Exchange
from ...engine.money import floor_to
from ...engine.numbers import ZERO
from .base import App
from .style import COLORS, usd_axis

MODES = ("cross", "isolated")


def price_path(crash_pct: float, steps: int = 120, seed: int = 7, eth0: float = 2000.0,
               btc0: float = 50_000.0, recovery_pct: float = 0.0) -> pd.DataFrame:
    """ETH wanders, falls ``crash_pct`` % in a straight slide over a sixth of the path, then
    wins back ``recovery_pct`` % of that fall over the next quarter; BTC wanders gently.
    Seeded: the same arguments give the same path."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1)
    start, length = steps // 3, max(1, steps // 6)
    back = np.clip((t - start - length) / max(1, steps // 4), 0, 1) * recovery_pct / 100
    slide = np.clip((t - start) / length, 0, 1) * (1 - back) * crash_pct / 100
    noise = np.concatenate([[0], np.cumsum(rng.normal(0, 0.002, steps))])
    eth = eth0 * (1 - slide) * np.exp(noise)
    btc = btc0 * np.exp(np.concatenate([[0], np.cumsum(rng.normal(0, 0.0015, steps))]))
    return pd.DataFrame({"step": t, "ETH-PERP": np.round(eth, 2), "BTC-PERP": np.round(btc, 1)})


@dataclass
class TwinReplay:
    pools: pd.DataFrame        # step, mode, equity, used, free
    path: pd.DataFrame         # step, ETH-PERP, BTC-PERP
    liquidations: pd.DataFrame  # step (time), trader, symbol, price, message
    exchange: Exchange


def _quantity(margin: Decimal, leverage: int, price: Decimal, lot: Decimal) -> Decimal:
    return floor_to(margin * leverage / price, lot)


def replay_twins(crash_pct: float = 30, leverage: int = 10, eth_share: float = 0.7,
                 deposit: float = 1_000, committed: float = 0.6, steps: int = 120,
                 seed: int = 7, recovery_pct: float = 0.0) -> TwinReplay:
    """Open the same ETH and BTC longs in a cross account and an isolated twin, then replay
    :func:`price_path` through the engine. ``committed`` of the deposit goes into margin, split
    ``eth_share`` to ETH and the rest to BTC; the remainder stays free."""
    path = price_path(crash_pct, steps, seed, recovery_pct=recovery_pct)
    first = path.iloc[0]
    ex = Exchange(marks={"ETH-PERP": first["ETH-PERP"], "BTC-PERP": first["BTC-PERP"]},
                  insurance_fund=1_000_000)
    budget = Decimal(str(deposit)) * Decimal(str(committed))
    eth_margin = budget * Decimal(str(eth_share))
    sizes = {
        "ETH-PERP": _quantity(eth_margin, leverage, ex.marks["ETH-PERP"],
                              ex.contract("ETH-PERP").lot_size),
        "BTC-PERP": _quantity(budget - eth_margin, leverage, ex.marks["BTC-PERP"],
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
            rows.append({"step": int(step), "mode": acct.trader, **pool(acct)})
    liq = ex.events.to_frame(kinds=["liquidation"])[["time", "trader", "symbol", "price",
                                                       "message"]]
    return TwinReplay(pd.DataFrame(rows), path, liq.rename(columns={"time": "step"}), ex)


def pool(acct) -> dict:
    """Equity split into used margin and free balance (see the module docstring)."""
    if acct.mode == "cross":
        r = acct.cross_risk()
        used = min(max(r.equity, ZERO), r.initial)
        free = max(ZERO, r.equity - used)
    else:
        marks = acct.exchange.marks
        used = sum((max(ZERO, acct.isolated_margin(p.symbol) + p.unrealized_pnl(marks[p.symbol]))
                    for p in acct.isolated_positions), ZERO)
        free = acct.wallet_balance
    return {"equity": float(used + free), "used": float(used), "free": float(free),
            "positions": len(acct.positions)}


class PoolApp(App):
    """Crash size, leverage, allocation, recovery after the crash, and which twin to show."""

    height = "440px"
    max_markers = 3
    ALPHAS = {"used": 0.85, "free": 0.3, "equity": 1.0, "price": 1.0, "title": 1.0}

    def __init__(self, deposit: float = 1_000, steps: int = 120, seed: int = 7):
        self.deposit, self.steps, self.seed = deposit, steps, seed
        super().__init__()

    def make_controls(self):
        return {
            "crash": widgets.IntSlider(value=30, min=0, max=60, step=1,
                                       description="ETH crash %"),
            "leverage": widgets.IntSlider(value=10, min=1, max=50, description="leverage"),
            "eth_share": widgets.IntSlider(value=70, min=10, max=90, step=5,
                                           description="ETH share %"),
            "recovery": widgets.IntSlider(value=0, min=0, max=100, step=10,
                                          description="recovery %"),
            "show": widgets.ToggleButtons(options=["both", "cross", "isolated"], value="both",
                                          description="show"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.6))
        self.axes = dict(zip(MODES, fig.subplots(1, 2, sharey=True), strict=True))
        x = np.arange(self.steps + 1)
        zero = np.zeros_like(x, dtype=float)
        self.art = {}
        for mode, ax in self.axes.items():
            used = ax.fill_between(x, zero, zero, color=COLORS[mode], alpha=0.85, lw=0,
                                   label="used margin")
            free = ax.fill_between(x, zero, zero, color=COLORS[mode], alpha=0.3, lw=0,
                                   label="free balance")
            (eq,) = ax.plot(x, zero, color=COLORS[mode], lw=2, label="equity")
            twin = ax.twinx()
            (price,) = twin.plot(x, zero, color=COLORS["price"], lw=1.2, ls="--",
                                 label="ETH price")
            twin.set_ylim(600, 2300)
            twin.grid(False)
            if mode == "isolated":
                twin.set_ylabel("ETH price (USDT)")
                twin.legend(loc="upper right", fontsize=10)
                usd_axis(twin)
            else:
                twin.set_yticks([])
            marks = [ax.axvline(0, color=COLORS["liquidation"], lw=2, visible=False)
                     for _ in range(self.max_markers)]
            labels = [ax.text(0, 0, "", color=COLORS["liquidation"], fontsize=11,
                              rotation=90, va="bottom", ha="right", visible=False)
                      for _ in range(self.max_markers)]
            title = ax.set_title(f"{mode}: ends at 0,000 USDT, 0 positions open", fontsize=13)
            self.art[mode] = {"used": used, "free": free, "equity": eq, "price": price,
                              "marks": marks, "labels": labels, "title": title, "twin": twin}
            ax.set_xlim(0, self.steps)
            ax.set_ylim(0, self.deposit * 1.15)
            ax.set_xlabel("time step")
            usd_axis(ax)
        self.axes["cross"].set_ylabel("USDT")
        self.axes["cross"].legend(loc="upper right", fontsize=10)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        out = []
        for a in self.art.values():
            out += [a["used"], a["free"], a["equity"], a["price"], a["title"], *a["marks"],
                    *a["labels"]]
        return out

    def compute(self, crash, leverage, eth_share, recovery, show) -> dict:
        run = replay_twins(crash, leverage, eth_share / 100, self.deposit, steps=self.steps,
                           seed=self.seed, recovery_pct=recovery)
        self.run = run
        st = {"crash": crash, "leverage": leverage, "show": show}
        for mode in MODES:
            p = run.pools[run.pools["mode"] == mode]
            liq = run.liquidations[run.liquidations["trader"] == mode]
            st[f"{mode} final equity"] = float(p["equity"].iloc[-1])
            st[f"{mode} min equity"] = float(p["equity"].min())
            st[f"{mode} positions left"] = int(p["positions"].iloc[-1])
            st[f"{mode} liquidations"] = len(liq)
            st[f"{mode} first liquidation step"] = (int(liq["step"].iloc[0]) if len(liq)
                                                    else None)
        return st

    def redraw(self, st: dict) -> None:
        run = self.run
        x = run.path["step"].to_numpy()
        for mode, art in self.art.items():
            p = run.pools[run.pools["mode"] == mode]
            used, free = p["used"].to_numpy(), p["free"].to_numpy()
            _set_band(art["used"], x, np.zeros_like(used), used)
            _set_band(art["free"], x, used, used + free)
            art["equity"].set_ydata(used + free)
            art["price"].set_ydata(run.path["ETH-PERP"].to_numpy())
            liq = run.liquidations[run.liquidations["trader"] == mode]
            steps = sorted(set(liq["step"]))[: self.max_markers]
            for k, (line, label) in enumerate(zip(art["marks"], art["labels"], strict=True)):
                on = k < len(steps)
                line.set_visible(on)
                label.set_visible(on)
                if on:
                    which = ", ".join(s.split("-")[0] for s in liq[liq["step"] == steps[k]]
                                      ["symbol"])
                    line.set_xdata([steps[k], steps[k]])
                    label.set_position((steps[k] - 1, self.deposit * 0.05))
                    label.set_text(f"{which} liquidated")
            faded = st["show"] not in ("both", mode)
            for key, alpha in self.ALPHAS.items():
                art[key].set_alpha(0.06 if faded else alpha)
            left = st[f"{mode} positions left"]
            art["title"].set_text(f"{mode}: ends at {st[f'{mode} final equity']:,.0f} USDT, "
                                  f"{left} position{'s' if left != 1 else ''} open")

    def describe(self, st: dict) -> str:
        lines = self.run.liquidations["message"].head(4).tolist()
        if not lines:
            return "No liquidation on this path."
        return "<br>".join(f"step {s}: {m}" for s, m in zip(
            self.run.liquidations["step"].head(4), lines, strict=True))


def _set_band(collection, x, lower, upper) -> None:
    """Move a fill_between polygon to the band between ``lower`` and ``upper``."""
    verts = np.column_stack([np.concatenate([x, x[::-1]]),
                             np.concatenate([upper, lower[::-1]])])
    collection.set_verts([verts])
