"""Lesson 3 app: a hedge (long BTC, short ETH) in one cross pool vs two isolated rings.

Left: each twin's equity after the move (:func:`marginlab.course.scenarios.hedge_twins`).
Right: per leg, how far the market may still move against it before it is liquidated
(:func:`marginlab.course.scenarios.room_to_liquidation_pct`).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import label_bar, usd_axis
from ..scenarios.hedge import LEGS, hedge_twins, room_to_liquidation_pct
from ..scenarios.twins import MODES
from ..style import COLORS, HATCHES
from .base import App

EQUITY_TOP = 1_400  # USDT: the equity axis, unless an equity needs more
ROOM_AXIS = 60.0  # % : the distance axis (longer rooms are drawn to its end)


class HedgeApp(App):
    """Market move, ETH-vs-BTC spread, leverage, and whether prices then come back."""

    def make_controls(self):
        return {
            "market": widgets.FloatSlider(value=0.0, min=-40.0, max=40.0, step=1.0,
                                          description="market move %", readout_format=".0f"),
            "spread": widgets.FloatSlider(value=0.0, min=-15.0, max=15.0, step=0.5,
                                          description="ETH vs BTC %", readout_format=".1f"),
            "leverage": widgets.IntSlider(value=10, min=5, max=25, description="leverage"),
            "back": widgets.Checkbox(value=True, description="then prices return to the start"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(9.5, 4.4))
        self.ax, self.dx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
        self.eq_bars = self.ax.bar([0, 1], [0, 0], width=0.6,
                                   color=[COLORS["cross"], COLORS["isolated"]],
                                   hatch=[HATCHES[m] for m in MODES], edgecolor="white", lw=0)
        self.eq_text = [self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=11)
                        for i in (0, 1)]
        self.ax.axhline(1000, color=COLORS["entry"], ls=":", lw=1.5)
        self.ax.set_xticks([0, 1], MODES)
        self.ax.set_ylim(0, EQUITY_TOP)
        self.ax.set_ylabel("equity (USDT)")
        usd_axis(self.ax)
        self.ax.set_title("What each twin has left")
        y = np.arange(len(LEGS))
        self.dist = {mode: self.dx.barh(y + (0.2 if mode == "cross" else -0.2), [0, 0],
                                        height=0.38, color=COLORS[mode], hatch=HATCHES[mode],
                                        edgecolor="white", lw=0, label=mode)
                     for mode in MODES}
        self.dist_text = {mode: [self.dx.text(0, yy + (0.2 if mode == "cross" else -0.2), "",
                                              va="center", fontsize=10) for yy in y]
                          for mode in MODES}
        self.dx.set_yticks(y, [f"{s.split('-')[0]} {side}" for s, (side, _, _) in LEGS.items()])
        self.dx.set_xlim(0, ROOM_AXIS)
        self.dx.set_xlabel("room before liquidation (% move against the leg)")
        self.dx.set_title("Distance to liquidation, per leg")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        out = [*self.eq_bars, *self.eq_text]
        for mode in MODES:
            out += [*self.dist[mode], *self.dist_text[mode]]
        return out

    def compute(self, market, spread, leverage, back) -> dict:
        ex = hedge_twins(market_pct=market, spread_pct=spread, leverage=leverage, back=back)
        self.exchange = ex
        st = {}
        for mode in MODES:
            acct = ex.account(mode)
            st[f"{mode} equity"] = float(acct.equity)
            for symbol in LEGS:
                coin = symbol.split("-")[0].lower()
                st[f"{mode} {coin} open"] = symbol in acct.positions
                st[f"{mode} {coin} room %"] = room_to_liquidation_pct(acct, symbol)
        return st

    def redraw(self, st: dict) -> None:
        top = max(EQUITY_TOP, 1.25 * max(st[f"{m} equity"] for m in MODES))
        self.set_limits(self.ax, ylim=(0, top))  # room for the tallest bar and its label
        for i, mode in enumerate(MODES):
            eq = st[f"{mode} equity"]
            self.eq_bars[i].set_height(eq)
            legs = [s.split("-")[0] for s in LEGS
                    if st[f"{mode} {s.split('-')[0].lower()} open"]]
            self.eq_text[i].set_y(eq + 15)
            self.eq_text[i].set_text(f"{eq:,.0f}\n{' + '.join(legs) or 'nothing'} open")
            for k, symbol in enumerate(LEGS):
                coin = symbol.split("-")[0].lower()
                room = st[f"{mode} {coin} room %"]
                width = ROOM_AXIS if room is None else min(room, ROOM_AXIS)
                self.dist[mode][k].set_width(width)
                label = ("liquidated" if not st[f"{mode} {coin} open"] else
                         "no liquidation price" if room is None else f"{room:.1f} %")
                # each bar names its mode: no legend to look up, no colour needed
                label_bar(self.dist_text[mode][k], width, f"{mode}: {label}", ROOM_AXIS)

    def alt_text(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            legs = []
            for symbol in LEGS:
                coin = symbol.split("-")[0]
                room = st[f"{mode} {coin.lower()} room %"]
                legs.append(f"{coin} liquidated" if not st[f"{mode} {coin.lower()} open"] else
                            f"{coin} has no liquidation price" if room is None else
                            f"{coin} {room:.1f} % from liquidation")
            parts.append(f"{mode} equity {st[f'{mode} equity']:,.0f} USDT, " + ", ".join(legs))
        return "Bar charts of the hedge in each mode: " + "; ".join(parts) + "."

    def describe(self, st: dict) -> str:
        return (f"cross equity {st['cross equity']:,.2f} USDT · isolated equity "
                f"{st['isolated equity']:,.2f} USDT")
