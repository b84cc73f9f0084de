"""Lesson 12 app: one ETH market read by a liquidator, on Hyperliquid, dYdX v4 or Drift v2.

Move the oracle price and pick a protocol. Left: every account's margin ratio at that oracle,
as anyone can compute it from public state (:func:`marginlab.course.scenarios.health_table`);
a bar turns orange and hatched once its account is liquidatable. Right: where that protocol's
engine sends the money when it liquidates them (:func:`marginlab.course.scenarios.liquidate_at`):
to liquidators, into or out of the insurance fund, to the backstop vault, taken from other
traders (deleveraged or socialized), or unrecovered.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import numpy as np

from ..plots import usd_axis
from ..scenarios.protocols import ACCOUNTS, PROTOCOLS, health_table, liquidate_at
from ..style import COLORS
from .base import App

CAP = 200.0  # margin ratios above this (%) are drawn at the cap, the label says the real value
OUTCOMES = {  # state key: label on the right panel
    "to liquidators": "to liquidators",
    "to insurance fund": "into insurance fund",
    "insurance fund pays": "insurance fund pays",
    "to backstop vault": "to backstop vault",
    "other traders pay": "other traders pay",
    "unrecovered": "unrecovered",
}


def _label(name: str) -> str:
    size = float(ACCOUNTS[name][0])
    return f"{name} {'long' if size > 0 else 'short'} {abs(size):g} ETH"


class ProtocolApp(App):
    """Oracle price and protocol; account health and the liquidation's money."""

    height = "470px"

    def make_controls(self):
        return {
            "oracle": widgets.IntSlider(value=1840, min=1600, max=2300, step=5,
                                        description="ETH oracle price", continuous_update=False),
            "protocol": widgets.ToggleButtons(options=list(PROTOCOLS), value="dYdX v4",
                                              description="protocol"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(11, 4.6))
        self.ax, self.mx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        y = np.arange(len(ACCOUNTS))
        self.bars = self.ax.barh(y, [0] * len(y), height=0.6, color=COLORS["safe"],
                                edgecolor="white")
        self.texts = [self.ax.text(0, i, "", va="center", fontsize=11) for i in y]
        self.ax.axvline(100, color=COLORS["liquidation"], linestyle="--", linewidth=1.5)
        self.ax.text(104, -0.85, "liquidatable from 100 %", ha="left", va="center", fontsize=10,
                     color=COLORS["liquidation"])
        self.ax.set_yticks(y, [_label(n) for n in ACCOUNTS])
        self.ax.set_ylim(len(y) - 0.5, -1.25)  # top to bottom, a row for the line's label
        self.ax.set_xlim(0, 300)
        self.ax.set_xlabel("margin ratio = maintenance / equity (%)")
        self.title = self.ax.set_title("placeholder", fontsize=13)
        z = np.arange(len(OUTCOMES))
        self.money = self.mx.barh(z, [0] * len(z), height=0.6, color=COLORS["insurance"])
        self.money_texts = [self.mx.text(0, i, "", va="center", fontsize=11) for i in z]
        self.mx.set_yticks(z, list(OUTCOMES.values()))
        self.mx.invert_yaxis()
        self.mx.set_xlabel("USDC")
        usd_axis(self.mx, axis="x")
        self.mx.set_title("where the money goes")
        fig.tight_layout()
        return fig

    def compute(self, oracle, protocol) -> dict:
        table = health_table(protocol, oracle)
        run = liquidate_at(protocol, oracle)
        self.messages = run["messages"]
        totals = run["totals"]
        st = {"oracle": float(oracle), "protocol": protocol,
              "liquidatable": int(table["liquidatable"].sum())}
        for name in ACCOUNTS:
            st[f"ratio: {name}"] = float(table.loc[name, "margin ratio %"])
            st[f"liquidatable: {name}"] = bool(table.loc[name, "liquidatable"])
        for key in OUTCOMES:
            st[key] = (totals["given up by ADL"] + totals["socialized"]
                       if key == "other traders pay" else totals[key])
        return st

    def redraw(self, st: dict) -> None:
        for i, name in enumerate(ACCOUNTS):
            ratio, hit = st[f"ratio: {name}"], st[f"liquidatable: {name}"]
            shown = CAP if math.isinf(ratio) else min(ratio, CAP)
            self.bars[i].set_width(shown)
            self.bars[i].set_facecolor(COLORS["liquidation"] if hit else COLORS["safe"])
            self.bars[i].set_hatch("xx" if hit else "")
            self.texts[i].set_x(shown + 4)
            self.texts[i].set_text(_ratio_text(ratio, hit))
        top = max([st[k] for k in OUTCOMES] + [100.0])
        self.mx.set_xlim(0, top * 1.45)
        for i, key in enumerate(OUTCOMES):
            self.money[i].set_width(st[key])
            self.money_texts[i].set_x(st[key] + top * 0.03)
            self.money_texts[i].set_text(f"{st[key]:,.0f}")
        self.title.set_text(f"{st['protocol']}, oracle {st['oracle']:,.0f}: "
                            f"{st['liquidatable']} of {len(ACCOUNTS)} liquidatable")

    def alt_text(self, st: dict) -> str:
        accounts = "; ".join(
            f"{_label(n)}: {_ratio_text(st[f'ratio: {n}'], st[f'liquidatable: {n}'])}"
            for n in ACCOUNTS)
        money = ", ".join(f"{label} {st[key]:,.0f}" for key, label in OUTCOMES.items())
        return (f"{st['protocol']} with the ETH oracle at {st['oracle']:,.0f} USDC: "
                f"{st['liquidatable']} of {len(ACCOUNTS)} accounts liquidatable. Margin ratios: "
                f"{accounts}. Money of the liquidations (USDC): {money}.")

    def describe(self, st: dict) -> str:
        if not self.messages:
            return "No account is liquidatable at this oracle price: nothing happens."
        lines = [html.escape(m) for m in self.messages[:4]]
        more = len(self.messages) - 4
        if more > 0:
            lines.append(f"... and {more} more event(s).")
        return "<br>".join(lines)


def _ratio_text(ratio: float, hit: bool) -> str:
    if math.isinf(ratio):
        return "equity gone"
    return f"{ratio:,.0f} %" + (" liquidatable" if hit else "")
