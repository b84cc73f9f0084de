"""Lesson 5 app: where an isolated position's margin goes when it is liquidated.

Bars: the position's margin split by :func:`marginlab.course.scenarios.liquidate_with_gap`
(lost to the market, to the insurance fund, to Hyperliquid's backstop vault, back to the trader,
and any deficit paid by the fund or left unrecovered), under the chosen venue's rules. Right:
the entry, liquidation and bankruptcy prices and the fill.
"""

from __future__ import annotations

from decimal import Decimal

import ipywidgets as widgets

from ..plots import usd_axis
from ..scenarios.waterfall import VENUES, liquidate_with_gap, venue_max_leverage
from ..style import COLORS
from .base import App

BARS = ("margin posted", "lost to the market", "to the insurance fund", "to the backstop vault",
        "back to the trader", "deficit paid by the fund", "deficit unrecovered")


class WaterfallApp(App):
    """Venue rules, leverage, how far the mark gaps past the liquidation price, fund size."""

    def make_controls(self):
        return {
            "venue": widgets.Dropdown(options=list(VENUES), value="Binance",
                                      description="venue"),
            "leverage": widgets.IntSlider(value=20, min=3, max=venue_max_leverage(),
                                          description="leverage"),
            "gap": widgets.FloatSlider(value=0.0, min=0.0, max=10.0, step=0.25,
                                       description="gap past LP %", readout_format=".2f"),
            "fund": widgets.IntSlider(value=1_000, min=0, max=1_000, step=50,
                                      description="insurance fund"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.4))
        self.ax, self.px = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.4, 1]})
        colors = [COLORS["entry"], COLORS["price"], COLORS["insurance"], COLORS["bankruptcy"],
                  COLORS["safe"], COLORS["insurance"], COLORS["liquidation"]]
        y = list(range(len(BARS)))[::-1]
        self.bars = self.ax.barh(y, [0] * len(BARS), color=colors, height=0.6)
        self.bars[5].set_hatch("//")
        self.texts = [self.ax.text(0, yy, "", va="center", fontsize=11) for yy in y]
        self.ax.set_yticks(y, BARS)
        self.ax.set_xlim(0, 130)
        self.ax.set_xlabel("USDT")
        usd_axis(self.ax, "x")
        self.title = self.ax.set_title("placeholder to size the layout", fontsize=13)
        self.px.set_xlim(0, 1)
        self.px.set_xticks([])
        self.px.set_ylabel("ETH price (USDT)")
        usd_axis(self.px)
        self.px.set_ylim(900, 2100)
        self.px.axhline(2000, color=COLORS["entry"], lw=2, label="entry")
        self.lines = {k: self.px.axhline(2000, color=COLORS[c], ls=ls, lw=2, label=k)
                      for k, c, ls in (("liquidation", "liquidation", "--"),
                                       ("bankruptcy", "bankruptcy", ":"))}
        (self.fill_dot,) = self.px.plot([0.5], [2000], "X", ms=14, color=COLORS["price"],
                                        label="fill")
        self.px.legend(loc="lower left", fontsize=10)
        self.px.set_title("prices")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.bars, *self.texts, self.title, *self.lines.values(), self.fill_dot]

    def compute(self, venue, leverage, gap, fund) -> dict:
        r = liquidate_with_gap(venue, leverage=leverage, gap_pct=gap, fund=fund)
        self.message_text = r["message"]
        return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()
                if k not in ("exchange", "message")}

    def redraw(self, st: dict) -> None:
        right = max(st[k] for k in BARS) * 1.3
        lo, hi = self.ax.get_xlim()
        if not hi / 2 < right <= hi:  # rescale only when the bars would not fit or look tiny
            self.set_limits(self.ax, xlim=(0, right))
        for bar, text, key in zip(self.bars, self.texts, BARS, strict=True):
            bar.set_width(st[key])
            text.set_x(st[key] + self.ax.get_xlim()[1] * 0.01)
            text.set_text(f"{st[key]:,.2f}")
        self.title.set_text(f"{st['venue']}: where the {st['margin posted']:,.0f} USDT margin "
                            f"went")
        for key, line in self.lines.items():
            y = st[f"{key} price"]
            line.set_ydata([y, y])
        self.fill_dot.set_ydata([st["fill"]])

    def alt_text(self, st: dict) -> str:
        bars = ", ".join(f"{key} {st[key]:,.2f}" for key in BARS)
        return (f"{st['venue']}: bar chart of where a liquidated position's margin went (USDT): "
                f"{bars}. Prices: liquidation {st['liquidation price']:,.2f}, bankruptcy "
                f"{st['bankruptcy price']:,.2f}, filled at {st['fill']:,.2f}.")

    def describe(self, st: dict) -> str:
        return (f"{self.message_text}<br>liquidation price {st['liquidation price']:,.2f} · "
                f"bankruptcy price {st['bankruptcy price']:,.2f} · trader keeps "
                f"{st['trader balance after']:,.2f} USDT")
