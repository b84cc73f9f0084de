"""Lesson 6 app: when the insurance fund runs dry, who pays?

The whale and the four shorts of :mod:`marginlab.course.scenarios.deleverage`; ETH gaps down past
the whale's bankruptcy price (:func:`marginlab.course.scenarios.crash`). The bars show each
short's profit at the new mark and what it actually keeps; the small panel, the insurance fund
before and after.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ...engine.adl import RANKINGS
from ..plots import usd_axis
from ..scenarios.deleverage import SHORTS, crash
from ..style import COLORS
from .base import App


class AdlApp(App):
    """Insurance fund size, gap size, loss-sharing rule and ADL ranking."""

    def make_controls(self):
        return {
            "fund": widgets.IntSlider(value=0, min=0, max=1_000, step=50,
                                      description="insurance fund"),
            "gap": widgets.FloatSlider(value=8.0, min=5.5, max=20.0, step=0.5,
                                       description="ETH gap down %", readout_format=".1f"),
            "rule": widgets.ToggleButtons(options=["adl", "socialize"], value="adl",
                                          description="loss sharing"),
            "ranking": widgets.Dropdown(options=list(RANKINGS), value="pnl_x_margin_ratio",
                                        description="ADL ranking"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.4))
        self.ax, self.fx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        x = np.arange(len(SHORTS))
        self.profit_bars = self.ax.bar(x, [0] * len(SHORTS), width=0.65, color="none",
                                       edgecolor=COLORS["price"], hatch="//",
                                       label="given up")
        self.kept_bars = self.ax.bar(x, [0] * len(SHORTS), width=0.65, color=COLORS["safe"],
                                     label="profit kept")
        self.labels = [self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=11) for i in x]
        self.ax.set_xticks(x, [f"{n}\n{q} ETH\n{dep:,} USDT" for n, (q, _, dep)
                               in SHORTS.items()])
        self.ax.set_ylim(0, 1_900)
        self.ax.set_ylabel("profit of the short at the new mark (USDT)")
        usd_axis(self.ax)
        self.ax.legend(loc="upper left")
        self.title = self.ax.set_title("placeholder to size the layout", fontsize=13)
        self.fund_bars = self.fx.bar([0, 1], [0, 0], width=0.6, color=COLORS["insurance"])
        self.fund_text = [self.fx.text(i, 0, "", ha="center", va="bottom") for i in (0, 1)]
        self.fx.set_xticks([0, 1], ["before", "after"])
        self.fx.set_ylim(0, 1_150)
        usd_axis(self.fx)
        self.fx.set_title("insurance fund")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.profit_bars, *self.kept_bars, *self.labels, self.title, *self.fund_bars,
                *self.fund_text]

    def compute(self, fund, gap, rule, ranking) -> dict:
        r = crash(fund=fund, gap_pct=gap, rule=rule, ranking=ranking)
        self.messages = r["messages"]
        st = {"mark": float(r["mark"]), "fund before": float(r["fund before"]),
              "fund after": float(r["fund after"]), "deficit": float(r["deficit"]),
              "unrecovered": float(r["unrecovered"]), "rule": rule}
        for name in SHORTS:
            st[f"profit: {name}"] = float(r["profit"][name])
            st[f"given up: {name}"] = float(r["given"][name])
        return st

    def redraw(self, st: dict) -> None:
        for i, name in enumerate(SHORTS):
            profit, given = st[f"profit: {name}"], st[f"given up: {name}"]
            self.profit_bars[i].set_height(profit)
            self.kept_bars[i].set_height(profit - given)
            self.labels[i].set_y(profit + 15)
            self.labels[i].set_text(f"-{given:,.0f}" if given > 0.005 else "keeps all")
        for i, key in enumerate(("fund before", "fund after")):
            self.fund_bars[i].set_height(st[key])
            self.fund_text[i].set_y(st[key] + 20)
            self.fund_text[i].set_text(f"{st[key]:,.0f}")
        who = "auto-deleveraging" if st["rule"] == "adl" else "socialized loss"
        paid_by_shorts = sum(st[f"given up: {n}"] for n in SHORTS)
        self.title.set_text(f"deficit {st['deficit']:,.0f}: fund "
                            f"{st['fund before'] - st['fund after']:,.0f}, {who} "
                            f"{paid_by_shorts:,.0f}")

    def alt_text(self, st: dict) -> str:
        shorts = ", ".join(f"{name} earns {st[f'profit: {name}']:,.0f} and gives up "
                           f"{st[f'given up: {name}']:,.0f}" for name in SHORTS)
        how = "auto-deleveraging" if st["rule"] == "adl" else "socialized loss"
        return (f"ETH gaps to {st['mark']:,.2f}, a deficit of {st['deficit']:,.0f} USDT; the "
                f"insurance fund goes from {st['fund before']:,.0f} to {st['fund after']:,.0f} "
                f"and {how} covers the rest. Bar chart of the shorts' profits (USDT): "
                f"{shorts}.")

    def describe(self, st: dict) -> str:
        return "<br>".join(self.messages[:5]) or "The insurance fund covered everything."
