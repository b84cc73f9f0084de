"""Lesson 7 app: how far does each margin mode survive, and what does it lose there?

Bars from :func:`marginlab.course.scenarios.survival` for a cross account and its isolated
twin: the ETH fall survived before the first liquidation, and the equity lost at that point.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..plots import label_bar
from ..scenarios.choosing import survival
from ..scenarios.twins import MODES
from ..style import COLORS, HATCHES
from .base import App

BARS = {"color": [COLORS[m] for m in MODES], "hatch": [HATCHES[m] for m in MODES],
        "edgecolor": "white", "lw": 0}  # cross then isolated, top to bottom


class SurvivalApp(App):
    """Deposit, leverage and how much of the deposit is committed as margin."""

    def make_controls(self):
        return {
            "leverage": widgets.IntSlider(value=10, min=1, max=50, description="leverage"),
            "committed": widgets.IntSlider(value=60, min=10, max=95, step=5,
                                           description="committed %"),
            "deposit": widgets.IntSlider(value=1_000, min=500, max=5_000, step=250,
                                         description="deposit"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.0))
        self.ax, self.lx = fig.subplots(1, 2)
        self.fall_bars = self.ax.barh([1, 0], [0, 0], height=0.55, **BARS)
        self.fall_text = [self.ax.text(0, y, "", va="center", fontsize=11) for y in (1, 0)]
        self.ax.set_yticks([1, 0], MODES)
        self.ax.set_xlim(0, 110)
        self.ax.set_xlabel("ETH fall survived before the first liquidation (%)")
        self.ax.set_title("How far it survives")
        self.lost_bars = self.lx.barh([1, 0], [0, 0], height=0.55, **BARS)
        self.lost_text = [self.lx.text(0, y, "", va="center", fontsize=11) for y in (1, 0)]
        self.lx.set_yticks([1, 0], MODES)
        self.lx.set_xlim(0, 125)
        self.lx.set_xlabel("equity lost at that point (% of the account)")
        self.lx.set_title("What it loses there")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.fall_bars, *self.fall_text, *self.lost_bars, *self.lost_text]

    def compute(self, leverage, committed, deposit) -> dict:
        st = {}
        for mode in MODES:
            s = survival(mode, deposit=deposit, leverage=leverage,
                         committed_pct=committed)
            st[f"{mode} first liquidation fall %"] = s["fall %"]
            st[f"{mode} lost at first liquidation"] = s["lost"]
            st[f"{mode} lost %"] = s["lost %"]
            st[f"{mode} closed"] = s["closed"]
        return st

    def redraw(self, st: dict) -> None:
        for i, mode in enumerate(MODES):
            fall = st[f"{mode} first liquidation fall %"]
            width = 100.0 if fall is None else fall
            self.fall_bars[i].set_width(width)
            label_bar(self.fall_text[i], width, "never" if fall is None else f"{fall:.1f} %",
                      self.ax.get_xlim()[1])
            lost = st[f"{mode} lost %"]
            self.lost_bars[i].set_width(lost)
            closed = st[f"{mode} closed"]
            label_bar(self.lost_text[i], lost,
                      f"{lost:.0f} %" + (f" ({closed} closed)" if closed else ""),
                      self.lx.get_xlim()[1])

    def alt_text(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            fall = st[f"{mode} first liquidation fall %"]
            where = ("never liquidated" if fall is None else
                     f"first liquidated after ETH falls {fall:.1f} %")
            parts.append(f"{mode} {where}, losing {st[f'{mode} lost %']:.0f} % of the account")
        return "Bar charts of how far each mode survives: " + "; ".join(parts) + "."

    def describe(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            fall = st[f"{mode} first liquidation fall %"]
            where = "no liquidation price" if fall is None else f"first liquidation at -{fall}%"
            parts.append(f"{mode}: {where}, loses {st[f'{mode} lost at first liquidation']:,.2f}"
                         f" USDT")
        return " · ".join(parts)
