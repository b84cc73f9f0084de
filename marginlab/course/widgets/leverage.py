"""Lesson 1 app: one position, a leverage slider and a price slider.

Left: the price scale with the entry, liquidation and bankruptcy prices and the current mark;
the zone past the liquidation price is shaded. Right: the margin-ratio gauge (100 % liquidates).
The numbers come from :func:`marginlab.course.scenarios.one_position`.
"""

from __future__ import annotations

from decimal import Decimal

import ipywidgets as widgets
from matplotlib.patches import Rectangle

from ...engine.contracts import ETH_PERP
from ...engine.rules import BINANCE
from ..plots import spread, usd_axis
from ..scenarios.leverage import one_position
from ..style import COLORS
from .base import App, signed

LABEL_PT = 11  # the price labels' font size
PAPER = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}  # lines go under


class LeverageApp(App):
    """Open ``quantity`` ETH at ``entry``; choose leverage and move the mark."""

    def __init__(self, entry: float = 2000.0, quantity: float = 1.0, spec=ETH_PERP,
                 rules=BINANCE):
        self.entry, self.quantity, self.spec, self.rules = entry, quantity, spec, rules
        super().__init__()

    def make_controls(self):
        max_lev = int(self.spec.max_leverage(Decimal(str(self.entry * self.quantity))))
        return {
            "side": widgets.ToggleButtons(options=["long", "short"], value="long",
                                          description="side"),
            "leverage": widgets.IntSlider(value=10, min=1, max=max_lev, description="leverage",
                                          continuous_update=True),
            "move": widgets.FloatSlider(value=0.0, min=-30.0, max=30.0, step=0.5,
                                        description="mark move %", readout_format=".1f"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(9, 4.4))
        self.ax, self.gauge = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        lo, hi = self.entry * 0.6, self.entry * 1.4
        self.ax.set_ylim(lo, hi)
        self.ax.set_xlim(0, 1)
        self.ax.set_xticks([])
        self.ax.set_ylabel("ETH price (USDT)")
        usd_axis(self.ax)
        self.lines = {}
        for name, style in (("entry", "-"), ("liquidation", "--"), ("bankruptcy", ":")):
            self.lines[name] = self.ax.axhline(self.entry, color=COLORS[name], ls=style, lw=2)
            # labels in one column on the left, moved apart when their prices are close
            self.lines[name + " label"] = self.ax.text(0.01, self.entry, "", va="center",
                                                       color=COLORS[name], fontsize=LABEL_PT,
                                                       bbox=PAPER)
        self.zone = self.ax.add_patch(Rectangle((0, lo), 1, 0, color=COLORS["liquidation"],
                                                alpha=0.12, lw=0))
        (self.mark_dot,) = self.ax.plot([0.75], [self.entry], "o", ms=14, color=COLORS["price"])
        self.mark_text = self.ax.text(0.8, self.entry, "", va="center", fontsize=12, bbox=PAPER)
        self.ax.set_title("Where the position dies")
        self.bar = self.gauge.bar([0], [0], width=0.6, color=COLORS["safe"])[0]
        self.gauge.axhline(100, color=COLORS["liquidation"], lw=2, ls="--")
        self.gauge.set_ylim(0, 130)
        self.gauge.set_xlim(-0.5, 0.5)
        self.gauge.set_xticks([])
        self.gauge.set_ylabel("margin ratio (%)")
        self.gauge.set_title("Margin ratio")
        self.gauge_text = self.gauge.text(0, 0, "", ha="center", va="bottom", fontsize=12)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.lines.values(), self.zone, self.mark_dot, self.mark_text, self.bar,
                self.gauge_text]

    def compute(self, side, leverage, move) -> dict:
        return one_position(side=side, leverage=leverage, move_pct=move, entry=self.entry,
                            quantity=self.quantity, spec=self.spec, rules=self.rules)

    def redraw(self, st: dict) -> None:
        lo, hi = self.ax.get_ylim()
        shown = {}
        for name in ("entry", "liquidation", "bankruptcy"):
            y = self.entry if name == "entry" else st[f"{name} price"]
            visible = y is not None and lo <= y <= hi
            self.lines[name].set_visible(visible)
            self.lines[name + " label"].set_visible(visible)
            if visible:
                self.lines[name].set_ydata([y, y])
                self.lines[name + " label"].set_text(f"{name} {y:,.2f}")
                shown[name] = y
        # one label's height (with a little air) in price units, from the axes' size in pixels
        gap = 1.35 * LABEL_PT * self.fig.dpi / 72 * (hi - lo) / self.ax.bbox.height
        for name, y in zip(shown, spread(list(shown.values()), gap, lo + gap / 2, hi - gap / 2),
                           strict=True):
            self.lines[name + " label"].set_y(y)
        liq = st["liquidation price"]
        if liq is None:
            self.zone.set_visible(False)
        else:
            self.zone.set_visible(True)
            y0, y1 = (lo, liq) if st["side"] == "long" else (liq, hi)
            self.zone.set_y(y0)
            self.zone.set_height(y1 - y0)
        self.mark_dot.set_ydata([st["mark"]])
        self.mark_dot.set_color(COLORS["liquidation"] if st["liquidated"] else COLORS["price"])
        self.mark_text.set_y(st["mark"])
        self.mark_text.set_text(f"mark {st['mark']:,.2f}\nuPnL {signed(st['unrealized PnL'])}")
        ratio = st["margin ratio %"]
        self.bar.set_height(min(ratio, 110))
        self.bar.set_color(COLORS["liquidation"] if ratio >= 100 else
                           COLORS["safe"] if ratio < 50 else "#f1c40f")
        self.gauge_text.set_y(min(ratio, 110) + 1)
        self.gauge_text.set_text("liquidated" if st["liquidated"] else f"{ratio:.1f} %")

    def alt_text(self, st: dict) -> str:
        prices = ", ".join(f"{name} price {st[f'{name} price']:,.2f}" if st[f"{name} price"]
                           is not None else f"no {name} price"
                           for name in ("liquidation", "bankruptcy"))
        fate = ("it is liquidated" if st["liquidated"] else
                f"margin ratio {st['margin ratio %']:.1f} % (100 % liquidates)")
        return (f"Price scale for a {st['side']} of {self.quantity:g} ETH entered at "
                f"{self.entry:,.2f} USDT with {st['leverage']:g}x leverage: mark "
                f"{st['mark']:,.2f}, {prices}; {fate}.")

    def describe(self, st: dict) -> str:
        liq = st["liquidation price"]
        liq_txt = f"{liq:,.2f}" if liq is not None else "none"
        return (f"Notional {st['notional']:,.2f} USDT · initial margin "
                f"{st['initial margin']:,.2f} · maintenance margin "
                f"{st['maintenance margin']:,.2f} · uPnL {signed(st['unrealized PnL'])} · "
                f"ROI {signed(st['ROI %'], 1)} % · liquidation price {liq_txt}")
