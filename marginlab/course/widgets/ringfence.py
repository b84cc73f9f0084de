"""Lesson 2 app: two isolated positions and a free balance; the loser dies alone.

Bars: where the money is before and after ETH's move (free balance, what the ETH ring holds,
what the BTC ring holds), from :func:`marginlab.course.scenarios.isolated_pair`. Right: ETH's
mark against its liquidation price.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..plots import usd_axis
from ..scenarios.ringfence import PLACES, isolated_pair
from ..style import COLORS
from .base import App

MONEY_TOP = 850  # USDT: the money axis, unless a bar needs more


class RingFenceApp(App):
    """ETH move, ETH leverage and extra margin added to the ETH position."""

    def make_controls(self):
        return {
            "move": widgets.FloatSlider(value=-5.0, min=-40.0, max=20.0, step=0.5,
                                        description="ETH move %", readout_format=".1f"),
            "leverage": widgets.IntSlider(value=10, min=5, max=50, description="ETH leverage"),
            "extra": widgets.IntSlider(value=0, min=0, max=400, step=25,
                                       description="add margin"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(9.5, 4.4))
        self.ax, self.px = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
        x = range(len(PLACES))
        colors = [COLORS["free"], COLORS["isolated"], COLORS["isolated"]]
        self.before_bars = self.ax.bar(x, [0] * 3, width=0.7, color="none",
                                       edgecolor=COLORS["price"], ls="--", lw=1.5,
                                       label="before the move")
        self.bars = self.ax.bar(x, [0] * 3, width=0.55, color=colors, label="after the move")
        self.bar_text = [self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=12)
                         for i in x]
        self.ax.set_xticks(list(x), PLACES)
        self.ax.set_ylim(0, MONEY_TOP)
        self.ax.set_ylabel("USDT")
        usd_axis(self.ax)
        self.ax.legend(loc="upper right")
        self.title = self.ax.set_title("placeholder title for the layout", fontsize=13)
        self.px.set_ylim(1100, 2500)
        self.px.set_xlim(0, 1)
        self.px.set_xticks([])
        self.px.set_ylabel("ETH price (USDT)")
        usd_axis(self.px)
        self.px.axhline(2000, color=COLORS["entry"], lw=2)
        self.px.text(0.03, 2005, "entry", color=COLORS["entry"], va="bottom")
        self.liq_line = self.px.axhline(2000, color=COLORS["liquidation"], ls="--", lw=2)
        self.liq_text = self.px.text(0.03, 2000, "", color=COLORS["liquidation"], va="top")
        (self.mark_dot,) = self.px.plot([0.88], [2000], "o", ms=13, color=COLORS["price"])
        self.px.set_title("ETH mark")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.before_bars, *self.bars, *self.bar_text, self.title, self.liq_line,
                self.liq_text, self.mark_dot]

    def compute(self, move, leverage, extra) -> dict:
        r = isolated_pair(eth_move_pct=move, leverage=leverage, extra_margin=extra)
        st = {"move": move, "mark": float(r["mark"]), "eth liquidated": r["eth liquidated"],
              "eth liquidation price": float(r["liquidation price"]),
              "eth bankruptcy price": float(r["bankruptcy price"]),
              "total equity": float(r["account"].equity)}
        for place in PLACES:
            st[f"{place} before"] = float(r["before"][place])
            st[f"{place} after"] = float(r["after"][place])
        return st

    def redraw(self, st: dict) -> None:
        tallest = max(max(st[f"{p} before"], st[f"{p} after"]) for p in PLACES)
        top = max(MONEY_TOP, 1.2 * tallest)
        self.set_limits(self.ax, ylim=(0, top))  # room for the tallest bar and its label
        for i, place in enumerate(PLACES):
            self.before_bars[i].set_height(st[f"{place} before"])
            self.bars[i].set_height(st[f"{place} after"])
            self.bar_text[i].set_y(max(st[f"{place} before"], st[f"{place} after"]) + 8)
            self.bar_text[i].set_text(f"{st[f'{place} after']:,.0f}")
        self.bars[1].set_color(COLORS["liquidation"] if st["eth liquidated"]
                               else COLORS["isolated"])
        self.title.set_text("ETH liquidated: it lost its own margin, nothing else"
                            if st["eth liquidated"] else "ETH alive: its loss stays in its ring")
        liq = st["eth liquidation price"]
        self.liq_line.set_ydata([liq, liq])
        self.liq_text.set_y(liq - 5)
        self.liq_text.set_text(f"liquidation {liq:,.2f}")
        self.mark_dot.set_ydata([st["mark"]])
        self.mark_dot.set_color(COLORS["liquidation"] if st["eth liquidated"]
                                else COLORS["price"])

    def alt_text(self, st: dict) -> str:
        money = ", ".join(f"{place} {st[f'{place} before']:,.0f} then {st[f'{place} after']:,.0f}"
                          for place in PLACES)
        fate = "liquidated" if st["eth liquidated"] else "alive"
        return (f"Bar chart of where the money is before and after ETH moves {st['move']:+.1f} % "
                f"(USDT): {money}. The ETH position is {fate}: mark {st['mark']:,.2f}, "
                f"liquidation price {st['eth liquidation price']:,.2f}.")

    def describe(self, st: dict) -> str:
        return (f"ETH mark {st['mark']:,.2f} · liquidation price "
                f"{st['eth liquidation price']:,.2f} · free balance "
                f"{st['free balance before']:,.2f} → {st['free balance after']:,.2f} · BTC "
                f"position {st['BTC position before']:,.2f} → {st['BTC position after']:,.2f}")
