"""Lesson 8 app: a liquidation cascade in a crowd of cross traders and in its isolated twin.

The seeded crowd of :func:`marginlab.course.scenarios.cascade_after_shock` (40 traders, a
quarter hold BTC only) hit by an ETH shock; forced orders then move prices round after round
through a linear order book (``depth``: USD of forced selling per 1 % move). Left: ETH and BTC
price by round, cross (red, circles) vs isolated (blue, squares). Right: who was liquidated
(isolated hatched). The numbers are :func:`marginlab.course.scenarios.crashes.cascade_summary`'s,
worked out ahead for every setting of the sliders.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..scenarios.crashes import SYMBOLS, stored_cascades
from ..scenarios.twins import MODES
from ..style import COLORS, HATCHES, MARKERS
from .base import App, signed

STYLES = {"ETH-PERP": "-", "BTC-PERP": "--"}
MIN_ROUNDS = 6


class CascadeApp(App):
    """ETH shock size and market depth."""

    def make_controls(self):
        return {
            "shock": widgets.FloatSlider(value=-15.0, min=-30.0, max=-2.0, step=1.0,
                                         description="ETH shock %", readout_format=".0f"),
            "depth": widgets.IntSlider(value=30, min=10, max=150, step=10,
                                       description="depth (k USD per 1 %)"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.2))
        self.ax, self.bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        self.lines = {}
        for mode in MODES:
            for symbol, style in STYLES.items():
                (self.lines[mode, symbol],) = self.ax.plot(
                    [0], [0], style, marker=MARKERS[mode], ms=5, color=COLORS[mode],
                    label=f"{symbol.split('-')[0]} · {mode}")
        self.ax.axhline(0, color="0.6", lw=0.8)
        self.ax.set_xlim(0, MIN_ROUNDS)
        self.ax.set_ylim(-60, 5)
        self.ax.set_xlabel("round (0 = the shock; then forced orders hit the book)")
        self.ax.set_ylabel("price move since the start (%)")
        self.ax.set_title("Price, round after round")
        self.ax.legend(loc="lower left", fontsize=8, ncol=2)
        x = np.arange(2)
        self.bars = {}
        for i, mode in enumerate(MODES):
            self.bars[mode] = self.bx.bar(x + (i - 0.5) * 0.38, [0, 0], width=0.38,
                                          color=COLORS[mode], hatch=HATCHES[mode],
                                          edgecolor="white", lw=0, label=mode)
        self.labels = [self.bx.text(0, 0, "", ha="center", va="bottom", fontsize=9)
                       for _ in range(4)]
        self.bx.set_xticks(x, ["held ETH", "held BTC only"])
        self.bx.set_ylim(0, 40)
        self.bx.set_ylabel("traders liquidated (of 40)")
        self.bx.set_title("Who was liquidated")
        self.bx.legend(loc="upper right")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        bars = [b for mode in MODES for b in self.bars[mode]]
        return [*self.lines.values(), *bars, *self.labels]

    def compute(self, shock, depth) -> dict:
        return stored_cascades(float(shock), int(depth))

    def redraw(self, st: dict) -> None:
        rounds = max(MIN_ROUNDS, *(st[f"{m} rounds"] for m in MODES))
        self.set_limits(self.ax, xlim=(0, rounds))
        for mode in MODES:
            for symbol in SYMBOLS:
                self.lines[mode, symbol].set_data(st[f"{mode} {symbol} rounds"],
                                                  st[f"{mode} {symbol} move %"])
        for i, mode in enumerate(MODES):
            heights = (st[f"{mode} ETH holders liquidated"], st[f"{mode} BTC-only liquidated"])
            for j, (bar, h) in enumerate(zip(self.bars[mode], heights, strict=True)):
                bar.set_height(h)
                label = self.labels[2 * i + j]
                label.set_position((bar.get_x() + bar.get_width() / 2, h + 0.5))
                label.set_text(str(h))

    def alt_text(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            rounds = st[f"{mode} rounds"]
            parts.append(
                f"{mode}: ETH {signed(st[f'{mode} ETH-PERP final move %'], 1)} % and BTC "
                f"{signed(st[f'{mode} BTC-PERP final move %'], 1)} % after {rounds} "
                f"round{'s' if rounds != 1 else ''}, {st[f'{mode} ETH holders liquidated']} ETH "
                f"holders and {st[f'{mode} BTC-only liquidated']} BTC-only holders liquidated")
        return (f"Line chart of prices round by round after an ETH shock of "
                f"{st['shock %']:+.0f} %, and bars of who was liquidated: "
                + "; ".join(parts) + ".")

    def describe(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            parts.append(
                f"<b>{mode}</b>: ETH {st[f'{mode} ETH-PERP final move %']:+.1f} %, BTC "
                f"{st[f'{mode} BTC-PERP final move %']:+.1f} %, {st[f'{mode} liquidated']} "
                f"traders liquidated ({st[f'{mode} BTC-only liquidated']} held only BTC), "
                f"{st[f'{mode} rounds']} rounds")
        return " · ".join(parts)
