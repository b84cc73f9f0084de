"""Lesson 9 app: how likely is liquidation, cross vs isolated, and how much is lost?

Left: the probability of a liquidation within the horizon against leverage, with its 95 %
interval, for a cross account and its isolated twin. Right: how the loss (% of the deposit) is
spread at the chosen leverage. The numbers come from
:func:`marginlab.course.scenarios.odds_at`: a Monte Carlo run per volatility, horizon and
committed share, worked out ahead for every setting of the sliders (checked against a fresh run
before it is shown), so every move answers at once.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import set_band
from ..scenarios.likelihood import BINS, COMMITTED, HORIZONS, LEVERAGES, VOLS, odds_at
from ..scenarios.twins import MODES
from ..style import COLORS, HATCHES, LINESTYLES, MARKERS
from .base import App


class OddsApp(App):
    """Leverage, ETH volatility, horizon and the share of the deposit committed as margin."""

    def make_controls(self):
        return {
            "leverage": widgets.SelectionSlider(options=list(LEVERAGES), value=10,
                                                description="leverage"),
            "vol": widgets.IntSlider(value=80, min=VOLS[0], max=VOLS[-1], step=10,
                                     description="ETH volatility % / year"),
            "days": widgets.SelectionSlider(options=list(HORIZONS), value=7,
                                            description="horizon (days)"),
            "committed": widgets.IntSlider(value=50, min=COMMITTED[0], max=COMMITTED[-1],
                                           step=10, description="committed %"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.2))
        self.ax, self.hx = fig.subplots(1, 2)
        x = np.array(LEVERAGES, dtype=float)
        self.lines, self.bands = {}, {}
        for mode in MODES:
            self.bands[mode] = self.ax.fill_between(x, 0, 0, facecolor=COLORS[mode], alpha=0.2,
                                                    hatch=HATCHES[mode], edgecolor=COLORS[mode],
                                                    linewidth=0)
            (self.lines[mode],) = self.ax.plot(x, 0 * x, ls=LINESTYLES[mode],
                                               marker=MARKERS[mode], color=COLORS[mode],
                                               label=mode)
        self.marker = self.ax.axvline(10, color="0.3", lw=1, ls="--")
        self.ax.set_xscale("log")
        self.ax.set_xticks(LEVERAGES, [f"{v}x" for v in LEVERAGES], fontsize=10)
        self.ax.minorticks_off()
        self.ax.set_ylim(0, 100)
        self.ax.set_xlabel("leverage")
        self.ax.set_ylabel("liquidated within the horizon (% of paths)")
        self.ax.set_title("How likely is liquidation?")
        self.ax.legend(loc="upper left")
        width = (BINS[1] - BINS[0]) / 2
        self.bars = {mode: self.hx.bar(BINS[:-1] + (i + 0.5) * width, np.zeros(len(BINS) - 1),
                                       width=width, color=COLORS[mode], hatch=HATCHES[mode],
                                       edgecolor="white", lw=0, label=mode)
                     for i, mode in enumerate(MODES)}
        self.hx.set_xlim(0, 100)
        self.hx.set_ylim(0, 100)
        self.hx.set_xlabel("loss at the horizon (% of the deposit)")
        self.hx.set_ylabel("% of paths")
        self.title = self.hx.set_title("")
        self.hx.legend(loc="upper right")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        bars = [b for mode in MODES for b in self.bars[mode]]
        return [*self.bands.values(), *self.lines.values(), self.marker, *bars, self.title]

    def compute(self, leverage, vol, days, committed) -> dict:
        return odds_at(leverage=leverage, vol=vol, days=days, committed=committed)

    def redraw(self, st: dict) -> None:
        x = np.array(LEVERAGES, dtype=float)
        for mode in MODES:
            self.lines[mode].set_ydata(st[f"{mode} p %"])
            set_band(self.bands[mode], x, np.array(st[f"{mode} low %"]),
                      np.array(st[f"{mode} high %"]))
            for bar, h in zip(self.bars[mode], st[f"{mode} histogram %"], strict=True):
                bar.set_height(h)
        self.marker.set_xdata([st["leverage"], st["leverage"]])
        self.title.set_text(f"Where the losses fall at {st['leverage']}x")

    def alt_text(self, st: dict) -> str:
        curve = ", ".join(f"{lev}x {c:.0f} % vs {i:.0f} %" for lev, c, i in zip(
            LEVERAGES, st["cross p %"], st["isolated p %"], strict=True))
        at = "; ".join(f"{mode} liquidated on {st[f'{mode} liquidated %']:.1f} % of paths, "
                       f"median loss {st[f'{mode} median loss %']:.0f} %" for mode in MODES)
        return (f"Line chart of the share of {st['paths']} paths liquidated, cross vs isolated, "
                f"by leverage: {curve}. At {st['leverage']}x: {at}; a histogram shows how the "
                f"losses are spread.")

    def describe(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            low, high = st[f"{mode} ci"]
            parts.append(
                f"<b>{mode}</b>: liquidated on {st[f'{mode} liquidated %']:.1f} % of paths "
                f"(95 % interval {low:.1f}-{high:.1f} %), 1 path in 20 loses more than "
                f"{st[f'{mode} loss p95 %']:.0f} % of the deposit, the worst "
                f"{st[f'{mode} worst loss %']:.0f} %")
        return f"{st['leverage']}x, {st['paths']} paths · " + " · ".join(parts)
