"""Lesson 0 teaser app: drag ETH down and watch the cross pool drain while the isolated twin
lives.

The twins of :func:`marginlab.course.scenarios.twins_after_fall` (1,000 USDT each, 2 ETH and
0.01 BTC long at 10x). The slider sets where ETH ends up; each twin's bar is its pool (margin in
use + free balance, :func:`marginlab.course.scenarios.pool_split`).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Patch

from ..plots import usd_axis
from ..scenarios.pool import pool_split
from ..scenarios.teaser import twins_after_fall
from ..scenarios.twins import MODES
from ..style import COLORS
from .base import App

FREE_HATCH = "//"  # the free balance: lighter and hatched, not told by colour alone


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
                           alpha=0.9)
        self.free = ax.bar(x, [0, 0], width=0.55, color=[COLORS[m] for m in MODES],
                           alpha=0.3, hatch=FREE_HATCH, edgecolor=[COLORS[m] for m in MODES],
                           lw=0)
        self.notes = [ax.text(i, 0, "", ha="center", va="bottom", fontsize=12) for i in x]
        ax.set_xticks(x, [f"{m} account" for m in MODES])
        ax.set_ylim(0, 1_250)
        ax.set_ylabel("the pool: equity (USDT)")
        usd_axis(ax)
        # one key for both accounts, in grey, between the two bars (clear of their labels)
        ax.legend(handles=[Patch(facecolor="0.35", label="margin in use"),
                           Patch(facecolor="0.85", hatch=FREE_HATCH, edgecolor="0.35", lw=0,
                                 label="free balance")],
                  loc="upper center", fontsize=11)
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
            p = pool_split(acct)
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

    def alt_text(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            holds = st[f"{mode} holds"] or "nothing: it was liquidated"
            parts.append(f"{mode} account {st[f'{mode} equity']:,.0f} USDT "
                         f"({st[f'{mode} used']:,.0f} margin in use, {st[f'{mode} free']:,.0f} "
                         f"free), holds {holds}")
        return (f"Bar chart of each twin's pool with ETH at {st['eth']:,.0f} USDT: "
                + "; ".join(parts) + ".")

    def describe(self, st: dict) -> str:
        return (f"cross: {st['cross equity']:,.2f} USDT ({st['cross holds'] or 'nothing'}) · "
                f"isolated: {st['isolated equity']:,.2f} USDT "
                f"({st['isolated holds'] or 'nothing'})")
