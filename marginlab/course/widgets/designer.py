"""Lesson 14 app: design an exchange and watch the stress scenarios score it.

The controls fill a :class:`marginlab.course.scenarios.capstone.Design` (on Binance's base
rules, ADL ranked by PnL x margin ratio); :func:`marginlab.course.scenarios.capstone.scenario_rows`
(the rows of ``score``, without its table) runs the four stress scenarios. One horizontal bar
per scenario splits the deficits of its bankrupt traders into who paid them: the insurance
fund (its net loss: what it paid less the liquidation fees it collected), the winners (ADL or
socialized loss) and nobody (unrecovered); the dashed line is the fund at the start. The
label after each bar says whether the design holds there.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from ...engine.rules import LOSS_SHARING, POLICIES
from ..plots import label_bar, usd_axis
from ..scenarios.capstone import MAX_FUND, TIER_TABLES, Design, scenario_rows, stress_scenarios
from ..style import COLORS
from .base import App

PARTS = (("fund paid", "the fund paid", COLORS["insurance"], ""),
         ("haircuts", "winners paid (ADL, socialized)", COLORS["bankruptcy"], "//"),
         ("unrecovered", "nobody paid", COLORS["price"], "xx"))


def _scale(needed: float) -> float:
    """The x axis's right end: the first of 1, 2.5 and 5 times a power of ten at or above
    ``needed``, so that most updates keep the axis (and only the bars are repainted)."""
    power = 10 ** np.floor(np.log10(needed))
    return float(next(m * power for m in (1, 2.5, 5, 10) if m * power >= needed))


class DesignApp(App):
    """Max leverage, maintenance tiers, liquidation policy and fee, fund, loss sharing."""

    height = "520px"

    def make_controls(self):
        return {
            "max_leverage": widgets.IntSlider(value=20, min=2, max=50, step=1,
                                              description="max leverage (x)"),
            "tiers": widgets.Dropdown(options=list(TIER_TABLES), value="gentle",
                                      description="maintenance tiers"),
            "policy": widgets.Dropdown(options=list(POLICIES), value="to_compliance",
                                       description="liquidation policy"),
            "fee": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.25,
                                       description="liquidation fee %", readout_format=".2f"),
            "fund": widgets.IntSlider(value=50_000, min=0, max=MAX_FUND, step=10_000,
                                      description="insurance fund (USDT)"),
            "sharing": widgets.Dropdown(options=list(LOSS_SHARING), value="adl",
                                        description="loss sharing"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.8))
        self.ax = ax = fig.subplots()
        self.keys = list(stress_scenarios())
        y = np.arange(len(self.keys))[::-1]
        self.bars = {}
        for key, label, colour, hatch in PARTS:
            self.bars[key] = ax.barh(y, [0] * len(y), height=0.55, color=colour, hatch=hatch,
                                     edgecolor="white" if hatch else colour, label=label)
        self.fund_line = ax.axvline(0, ymax=0.82, color=COLORS["insurance"], linestyle="--",
                                    linewidth=2)  # below the legend
        self.labels = [ax.text(0, yi, "", va="center", fontsize=11) for yi in y]
        ax.set_yticks(y, [stress_scenarios()[k].title.replace(", ", ",\n") for k in self.keys])
        ax.set_xlabel("deficits of bankrupt traders, and who paid them (USDT)")
        ax.set_ylim(-0.6, len(y) + 0.6)
        usd_axis(ax, "x")
        ax.legend(loc="upper center", ncols=3, fontsize=10, bbox_to_anchor=(0.5, 1.0))
        self.title = ax.set_title("placeholder to size the layout", fontsize=13)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        fig.tight_layout()
        fig.subplots_adjust(right=0.94)  # room for the last tick label, wherever it lands
        return fig

    def design(self, max_leverage, tiers, policy, fee, fund, sharing) -> Design:
        return Design(max_leverage=max_leverage, tiers=TIER_TABLES[tiers],
                      liquidation_policy=policy, liquidation_fee=round(fee / 100, 6),
                      insurance_fund=fund, loss_sharing=sharing, name="Your venue")

    def compute(self, **values) -> dict:
        design = self.design(**values)
        rows = scenario_rows(design)  # score()'s rows, without its table
        st = {"max leverage": design.max_leverage, "tiers": values["tiers"],
              "policy": design.liquidation_policy, "fee %": float(values["fee"]),
              "fund": float(design.insurance_fund), "sharing": design.loss_sharing,
              "passed": sum(row["passes"] for row in rows.values())}
        for key in self.keys:
            row = rows[key]
            st[f"{key}: fund paid"] = max(0.0, float(row["fund loss"]))
            for part in ("haircuts", "unrecovered", "liquidated", "deleveraged"):
                st[f"{key}: {part}"] = float(row[part])
            st[f"{key}: passes"] = bool(row["passes"])
            st[f"{key}: verdict"] = row["verdict"]
        return st

    def redraw(self, st: dict) -> None:
        totals = np.zeros(len(self.keys))
        for part, *_ in PARTS:
            for i, key in enumerate(self.keys):
                bar, width = self.bars[part][i], st[f"{key}: {part}"]
                bar.set_x(totals[i])
                bar.set_width(width)
                bar.set_visible(width > 0)  # an empty (hatched) bar costs a draw for nothing
                totals[i] += width
        right = _scale(max(1.6 * totals.max(), 1.15 * st["fund"], 10_000))
        self.set_limits(self.ax, xlim=(0, right))  # the axis changes only by whole steps
        self.fund_line.set_xdata([st["fund"], st["fund"]])
        for i, key in enumerate(self.keys):
            verdict = "holds" if st[f"{key}: passes"] else "BREAKS"
            label_bar(self.labels[i], totals[i],
                      f"{verdict}, {st[f'{key}: liquidated']:.0f} liquidated", right, room=0.7)
        self.title.set_text(f"{st['max leverage']}x, {st['tiers']} tiers, {st['policy']}, "
                            f"fund {st['fund']:,.0f}: holds in {st['passed']} of "
                            f"{len(self.keys)}")

    def animated(self) -> list:
        """The bars, their labels, the fund's line and the title: the rest is blitted."""
        return [b for part in self.bars.values() for b in part] + [self.fund_line,
                                                                   *self.labels, self.title]

    def alt_text(self, st: dict) -> str:
        parts = "; ".join(
            f"{key}: {'holds' if st[f'{key}: passes'] else 'breaks'}, the fund paid "
            f"{st[f'{key}: fund paid']:,.0f}, winners {st[f'{key}: haircuts']:,.0f}, unrecovered "
            f"{st[f'{key}: unrecovered']:,.0f}, traders liquidated "
            f"{st[f'{key}: liquidated']:.0f}" for key in self.keys)
        return (f"A venue with {st['max leverage']}x max leverage, {st['tiers']} tiers, "
                f"{st['policy']} liquidation, a {st['fee %']:.2f} % liquidation fee, a fund of "
                f"{st['fund']:,.0f} USDT and {st['sharing']} holds in {st['passed']} of "
                f"{len(self.keys)} stress scenarios. Bars of who paid the deficits (USDT): "
                f"{parts}.")

    def describe(self, st: dict) -> str:
        return "<br>".join(f"<b>{html.escape(key)}</b>: {html.escape(st[f'{key}: verdict'])}"
                           for key in self.keys)
