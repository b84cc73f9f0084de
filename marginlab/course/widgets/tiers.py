"""Lesson 7 app, "Tiers in practice": grow a position at one leverage and watch the fall it
survives shrink tier by tier, then jump where the tier's maximum leverage forces a bigger margin.

Curve and point from :func:`marginlab.course.scenarios.tier_curve` and
:func:`~marginlab.course.scenarios.tier_position` (an isolated ETH long on ``ETH_PERP``'s
tiers, Binance rules); the dashed line is the same position with the first tier's MMR at every
size (no tiers).
"""

from __future__ import annotations

import ipywidgets as widgets

from ..plots import usd_axis
from ..scenarios.tiers import NOTIONALS, tier_curve, tier_position
from ..style import COLORS
from .base import App


def _label(notional: float) -> str:
    return f"{notional / 1e6:g}M" if notional >= 1e6 else f"{notional / 1e3:g}k"


class TierApp(App):
    """Leverage and the position's size (USDT of notional at entry)."""

    def make_controls(self):
        return {
            "leverage": widgets.IntSlider(value=10, min=2, max=50, description="leverage"),
            "notional": widgets.SelectionSlider(
                options=[(_label(n), n) for n in NOTIONALS], value=1_000_000,
                description="size (USDT)"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.2))
        self.ax = fig.subplots()
        self.ax.set_xscale("log")
        self.ax.set_xlim(NOTIONALS[0], NOTIONALS[-1])
        self.ax.set_ylim(0, 25)
        usd_axis(self.ax, "x")
        self.ax.set_xlabel("position size (USDT of notional at entry, log scale)")
        self.ax.set_ylabel("fall survived (%)")
        (self.tiered,) = self.ax.plot([], [], color=COLORS["liquidation"], lw=2.5,
                                      label="with tiers")
        (self.flat,) = self.ax.plot([], [], color=COLORS["entry"], lw=1.5, ls="--",
                                    label="if MMR stayed 0.5 % (no tiers)")
        (self.dot,) = self.ax.plot([1e6], [10], "o", ms=11, color=COLORS["price"],
                                   label="your position")
        self.floor_lines = []
        self.note = self.ax.text(0.99, 0.96, "", transform=self.ax.transAxes, ha="right",
                                 va="top", fontsize=11)
        self.ax.legend(loc="upper left", fontsize=10)
        self.title = self.ax.set_title("placeholder to size the layout", fontsize=13)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [self.tiered, self.flat, self.dot, self.note, self.title]

    def compute(self, leverage, notional) -> dict:
        curve = tier_curve(leverage)
        return {**tier_position(notional, leverage), "curve": curve,
                "chosen leverage": float(leverage)}

    def redraw(self, st: dict) -> None:
        curve = st["curve"]
        if not self.floor_lines:  # the tier floors do not move: draw them once
            self.floor_lines = [self.ax.axvline(f, color=COLORS["entry"], lw=0.8, ls=":")
                                for f in curve["floors"]]
            self.invalidate()
        self.tiered.set_data(curve["notional"], curve["fall %"])
        self.flat.set_data(curve["notional"], curve["no-tier fall %"])
        self.dot.set_data([st["notional"]], [st["fall %"]])
        top = max(max(curve["no-tier fall %"]), max(curve["fall %"])) * 1.5  # room for the legend
        if not self.ax.get_ylim()[1] / 2 < top <= self.ax.get_ylim()[1]:
            self.set_limits(self.ax, ylim=(0, top))
        capped = f", capped at {st['leverage used']:g}x" if st["capped"] else ""
        self.note.set_text(f"tier {st['tier']}: MMR {st['MMR %']:g} %, at most "
                           f"{st['tier max leverage']:g}x{capped}")
        lev = (f"{st['chosen leverage']:g}x asked, {st['leverage used']:g}x allowed"
               if st["capped"] else f"{st['chosen leverage']:g}x")
        self.title.set_text(f"{lev}, {st['notional']:,.0f} USDT: liquidated after a "
                            f"{st['fall %']:.2f} % fall")

    def alt_text(self, st: dict) -> str:
        capped = (f" The size allows at most {st['tier max leverage']:g}x, so it is opened at "
                  f"{st['leverage used']:g}x." if st["capped"] else "")
        return (f"Line chart of the fall an isolated ETH long survives against its size, at "
                f"{st['chosen leverage']:g}x: it falls tier by tier below the no-tier line "
                f"({st['no-tier fall %']:.2f} %) and jumps up where a tier caps the leverage. "
                f"At {st['notional']:,.0f} USDT (tier {st['tier']}, MMR {st['MMR %']:g} %) the "
                f"position is liquidated after a {st['fall %']:.2f} % fall, at "
                f"{st['liquidation price']:,.2f}.{capped}")

    def describe(self, st: dict) -> str:
        capped = (f" · <b>this size allows at most {st['tier max leverage']:g}x</b>: opened at "
                  f"{st['leverage used']:g}x, margin {st['margin']:,.0f} USDT"
                  if st["capped"] else f" · margin {st['margin']:,.0f} USDT")
        return (f"liquidation price {st['liquidation price']:,.2f} · survives a fall of "
                f"{st['fall %']:.2f} % (no tiers: {st['no-tier fall %']:.2f} %){capped}")
