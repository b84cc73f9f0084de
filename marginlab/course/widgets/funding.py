"""Lesson 11 app: funding eats an isolated margin, period after period, while a cross pool pays
the same and lives on.

Left: what backs the position after each funding period (the isolated margin, the cross
wallet) and the maintenance margin it must stay above. Right: each position's liquidation
price creeping towards the mark, which does not move. Numbers from
:func:`marginlab.course.scenarios.funding_periods`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import usd_axis
from ..scenarios.funding import ENTRY, PERIOD_HOURS, funding_periods, funding_summary
from ..scenarios.twins import MODES
from ..style import COLORS, LINESTYLES, MARKERS
from .base import App, signed

BACKING = {"cross": "cross wallet", "isolated": "isolated margin"}
MARK = float(ENTRY)  # the mark does not move in this story


def _step_up(x: float, step: float) -> float:
    """``x`` rounded up to a whole number of ``step``."""
    return float(np.ceil(x / step) * step)


def _step_down(x: float, step: float) -> float:
    return float(np.floor(x / step) * step)


class FundingApp(App):
    """Funding rate per 8 h, periods held, leverage, and the mode to read the numbers of."""

    def make_controls(self):
        return {
            "periods": widgets.IntSlider(value=60, min=1, max=120, description="periods held"),
            "rate": widgets.FloatSlider(value=0.1, min=-0.2, max=0.3, step=0.01,
                                        description="funding % per 8 h", readout_format=".2f"),
            "leverage": widgets.IntSlider(value=20, min=5, max=50, description="leverage"),
            "mode": widgets.ToggleButtons(options=list(MODES), value="isolated",
                                          description="mode"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.4))
        self.ax, self.px = fig.subplots(1, 2)
        self.lines, self.liq_lines = {}, {}
        for mode in MODES:
            style = {"color": COLORS[mode], "ls": LINESTYLES[mode], "marker": MARKERS[mode],
                     "ms": 4, "markevery": 5}
            (self.lines[mode],) = self.ax.plot([0], [0], label=BACKING[mode], **style)
            (self.liq_lines[mode],) = self.px.plot([0], [0], label=mode, **style)
        (self.mm_line,) = self.ax.plot([0, 1], [0, 0], color=COLORS["liquidation"], ls=":",
                                       lw=2, label="maintenance margin")
        self.ax.set_xlabel("funding periods (8 h each)")
        self.ax.set_ylabel("USDT")
        self.ax.set_ylim(0, 1800)  # room for the widest tick labels in the layout below
        usd_axis(self.ax)
        self.legends = {self.ax: self.ax.legend(loc="upper right", fontsize=10)}
        self.title = self.ax.set_title("placeholder title for the layout", fontsize=12, pad=14)
        self.px.axhline(MARK, color=COLORS["price"], lw=2, label="mark (still)")
        self.px.set_xlabel("funding periods (8 h each)")
        self.px.set_ylabel("liquidation price (USDT)")
        self.px.set_ylim(0, 2600)
        usd_axis(self.px)
        self.legends[self.px] = self.px.legend(loc="lower right", fontsize=10)
        self.px.set_title("Liquidation price vs the mark", fontsize=12, pad=14)
        fig.tight_layout()
        return fig

    def compute(self, rate, periods, leverage, mode) -> dict:
        table = funding_periods(rate=round(rate / 100, 6), periods=periods, leverage=leverage)
        summary = funding_summary(table)
        last = table.iloc[-1]
        st = {"rate %": rate, "periods": periods, "leverage": leverage, "mode": mode,
              "period": table.index.to_numpy(dtype=float),
              "maintenance margin": float(table["maintenance margin"].iloc[0]), **summary}
        for m in MODES:
            st[f"{m} backing"] = table[BACKING[m]].to_numpy(dtype=float)
            st[f"{m} liquidation prices"] = table[f"{m} liquidation price"].to_numpy(float)
            st[f"{m} start"] = float(table[BACKING[m]].iloc[0])
            st[f"{m} now"] = float(last[BACKING[m]])
            st[f"{m} paid now"] = float(last[f"{m} paid"])
            prices = table[f"{m} liquidation price"].dropna()
            st[f"{m} first liquidation price"] = float(prices.iloc[0])
            st[f"{m} last liquidation price"] = float(prices.iloc[-1])
            st[f"{m} alive"] = bool(last[f"{m} alive"])
        return st

    def redraw(self, st: dict) -> None:
        x = st["period"]
        for m in MODES:
            faded = m != st["mode"]
            for line, y in ((self.lines[m], st[f"{m} backing"]),
                            (self.liq_lines[m], st[f"{m} liquidation prices"])):
                line.set_data(x, y)
                line.set_alpha(0.3 if faded else 1.0)
        self.mm_line.set_data([0, x[-1]], [st["maintenance margin"]] * 2)
        backing = st[f"{st['mode']} backing"]
        prices = st[f"{st['mode']} liquidation prices"]
        low = float(np.nanmin(prices))
        periods = (0, _step_up(max(1.0, x[-1]), 30))  # the axes move by whole steps only
        top = _step_up(1.25 * max(float(np.max(backing)), st["maintenance margin"]), 50)
        self.set_limits(self.ax, periods, (0, top))
        self.set_limits(self.px, periods, (_step_down(low - 0.3 * (MARK - low), 50),
                                           _step_up(MARK + 0.3 * (MARK - low), 50)))
        self._label_off_scale()
        when = st["isolated liquidated at"]
        self.title.set_text("isolated liquidated after "
                            f"{when} periods ({when * PERIOD_HOURS} h); cross lives"
                            if when is not None else
                            f"both alive after {st['periods']} periods")

    def animated(self) -> list:
        """The lines, the title and the legends: the axes are blitted until they move."""
        return [*self.lines.values(), *self.liq_lines.values(), self.mm_line, self.title,
                *self.legends.values()]

    def _label_off_scale(self) -> None:
        """The scales follow the chosen mode: a line of the other mode that falls wholly
        outside them says so in its legend entry."""
        for ax, legend in self.legends.items():
            low, high = ax.get_ylim()
            for line, text in zip(legend.get_lines(), legend.get_texts(), strict=True):
                label = line.get_label().removesuffix(" (off the scale)")
                if not label.startswith("_"):
                    mine = next(a for a in ax.get_lines() if a.get_label() == label)
                    y = np.asarray(mine.get_ydata(), dtype=float)
                    y = y[~np.isnan(y)]
                    off = len(y) > 0 and bool(((y < low) | (y > high)).all())
                    text.set_text(label + (" (off the scale)" if off else ""))

    def alt_text(self, st: dict) -> str:
        when = st["isolated liquidated at"]
        fate = (f"the isolated margin is eaten down to its maintenance margin and the position "
                f"is liquidated after {when} periods ({when * PERIOD_HOURS} hours)"
                if when is not None else "the isolated position is still open")
        return (f"Two line charts over {st['periods']} funding periods at "
                f"{st['rate %']:+.2f} % per 8 hours, {st['leverage']}x, mark still at "
                f"{MARK:,.0f}. Left: the isolated margin goes from {st['isolated start']:,.2f} "
                f"to {st['isolated now']:,.2f} USDT and the cross wallet from "
                f"{st['cross start']:,.2f} to {st['cross now']:,.2f}. Right: the isolated "
                f"liquidation price moves from {st['isolated first liquidation price']:,.2f} "
                f"to {st['isolated last liquidation price']:,.2f}, the cross one from "
                f"{st['cross first liquidation price']:,.2f} to "
                f"{st['cross last liquidation price']:,.2f}; {fate}.")

    def describe(self, st: dict) -> str:
        m = st["mode"]
        fate = "open" if st[f"{m} alive"] else "liquidated"
        return (f"{m}: paid {signed(st[f'{m} paid now'])} USDT of funding · "
                f"{BACKING[m]} {st[f'{m} start']:,.2f} → {st[f'{m} now']:,.2f} · "
                f"liquidation price {st[f'{m} first liquidation price']:,.2f} → "
                f"{st[f'{m} last liquidation price']:,.2f} · position {fate}")
