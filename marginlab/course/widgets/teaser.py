"""Lesson 0 teaser: drag ETH down and watch the cross pool drain while the isolated twin lives.

Twins deposit 1,000 USDT and open the same longs at 10x: 2 ETH at 2,000 and 0.01 BTC at 50,000.
The slider sets where ETH ends up; the engine replays the fall from 2,000 in small steps, so
liquidations happen in order. Each twin's bar is its pool: margin in use + free balance.
"""

from __future__ import annotations

from decimal import Decimal

import ipywidgets as widgets
import numpy as np

from ...engine.exchange import Exchange
from .base import App
from .pool import MODES, pool
from .style import COLORS, usd_axis


def twins_after_fall(eth_price: float, step: float = 20.0) -> Exchange:
    """The lesson-0 twins after ETH slid from 2,000 to ``eth_price`` (BTC unchanged)."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=100_000)
    for mode in MODES:
        acct = ex.open_account(mode, deposit=1_000, mode=mode, leverage=10)
        acct.buy("ETH-PERP", 2)
        acct.buy("BTC-PERP", "0.01")
    path = np.arange(2000 - step, eth_price, -step).tolist() + [eth_price]
    for mark in path:
        ex.set_mark("ETH-PERP", Decimal(str(round(mark, 2))))
    return ex


class TeaserApp(App):
    """One slider: where ETH's price ends up."""

    height = "400px"

    def make_controls(self):
        return {"eth": widgets.FloatSlider(value=2000.0, min=1200.0, max=2000.0, step=10.0,
                                           description="ETH price", readout_format=",.0f",
                                           continuous_update=True)}

    def make_figure(self):
        fig = self.new_figure(figsize=(8, 4.2))
        ax = self.ax = fig.subplots()
        x = np.arange(len(MODES))
        self.used = ax.bar(x, [0, 0], width=0.55, color=[COLORS[m] for m in MODES],
                           alpha=0.9, label="margin in use")
        self.free = ax.bar(x, [0, 0], width=0.55, color=[COLORS[m] for m in MODES],
                           alpha=0.3, label="free balance")
        self.notes = [ax.text(i, 0, "", ha="center", va="bottom", fontsize=12) for i in x]
        ax.set_xticks(x, [f"{m} account" for m in MODES])
        ax.set_ylim(0, 1_250)
        ax.set_ylabel("the pool: equity (USDT)")
        usd_axis(ax)
        ax.legend(loc="upper right")
        self.title = ax.set_title("placeholder to size the layout", fontsize=14)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.used, *self.free, *self.notes, self.title]

    def compute(self, eth) -> dict:
        ex = twins_after_fall(eth)
        st = {"eth": eth}
        for mode in MODES:
            acct = ex.account(mode)
            p = pool(acct)
            st[f"{mode} used"], st[f"{mode} free"] = p["used"], p["free"]
            st[f"{mode} equity"] = p["equity"]
            st[f"{mode} holds"] = " + ".join(s.split("-")[0] for s in sorted(acct.positions))
        return st

    def redraw(self, st: dict) -> None:
        for i, mode in enumerate(MODES):
            used, free = st[f"{mode} used"], st[f"{mode} free"]
            self.used[i].set_height(used)
            self.free[i].set_y(used)
            self.free[i].set_height(free)
            self.notes[i].set_y(used + free + 15)
            holds = st[f"{mode} holds"] or "nothing: liquidated"
            self.notes[i].set_text(f"{used + free:,.0f} USDT\nholds {holds}")
        self.title.set_text(f"ETH at {st['eth']:,.0f} USDT")

    def describe(self, st: dict) -> str:
        return (f"cross: {st['cross equity']:,.2f} USDT ({st['cross holds'] or 'nothing'}) · "
                f"isolated: {st['isolated equity']:,.2f} USDT "
                f"({st['isolated holds'] or 'nothing'})")
