"""Lesson 13 app: a real incident replayed under a venue's rules; who pays?

Left: each party's net result (USDT) in the case's stylized replay
(:func:`marginlab.course.scenarios.replay_case`), gains to the right in green, losses to the
left in orange; the bars add up to zero, on one scale for every venue of the case. Right: the
stylized path, with the steps where positions were liquidated (or taken over by the backstop
vault) and where winners were closed by ADL. Under the plot: how the losses were covered.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter

from ..scenarios.cases import CASES, COVERED, PARTIES_AFTER, VENUES, compare_venues, replay_case
from ..style import COLORS
from .base import App

SLOTS = 7  # the most parties a case has
HOME = "home"
LONGEST = max((*PARTIES_AFTER, *(r for c in CASES.values() for r in c.roles.values())), key=len)


class CaseApp(App):
    """Case, venue rules (where it happened, or any preset) and the insurance fund's size."""

    def make_controls(self):
        return {
            "case": widgets.Dropdown(options=[(c.title, k) for k, c in CASES.items()],
                                     value="eth-whale", description="case"),
            "venue": widgets.Dropdown(
                options=[("the case's venue", HOME), *((v, v) for v in VENUES)], value=HOME,
                description="venue rules"),
            "fund": widgets.IntSlider(value=100, min=0, max=200, step=25,
                                      description="insurance fund, % of the case's"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.6))
        self.ax, self.px = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        y = np.arange(SLOTS)[::-1]
        self.bars = self.ax.barh(y, [0] * SLOTS, height=0.6, color=COLORS["safe"])
        self.texts = [self.ax.text(0, yy, "", va="center", fontsize=10) for yy in y]
        self.ax.axvline(0, color=COLORS["price"], lw=1)
        self.ax.set_yticks(y, [LONGEST] * SLOTS)  # sizes the layout for every case's parties
        self.ax.set_xticks([])
        self.ax.set_title("net result of each party (USDT)", fontsize=12)
        (self.mark_line,) = self.px.plot([], [], "-o", color=COLORS["price"], ms=4, label="mark")
        (self.index_line,) = self.px.plot([], [], ":", color=COLORS["entry"], lw=2,
                                          label="index")
        (self.liq_dots,) = self.px.plot([], [], "X", ms=12, color=COLORS["liquidation"],
                                        label="liquidated", ls="none")
        (self.adl_dots,) = self.px.plot([], [], "v", ms=11, color=COLORS["bankruptcy"],
                                        label="ADL", ls="none")
        self.px.set_xlabel("step")
        self.px.set_title("the stylized path", fontsize=12)
        self.px.yaxis.set_major_formatter(FuncFormatter(self._price))
        self.px.legend(loc="upper right", fontsize=9)
        self.title = fig.suptitle("placeholder to size the layout", fontsize=13)
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        return fig

    def _scale(self, case: str) -> float:
        """The largest net result of ``case`` under any venue (the case's fund): one scale for
        every venue, so that swapping the rules compares bars of the same size."""
        scales = self.__dict__.setdefault("scales", {})
        if case not in scales:
            scales[case] = float(compare_venues(case).abs().max().max())
        return scales[case]

    def _price(self, value, _pos=None) -> str:
        return f"{value:,.2f}" if getattr(self, "small_prices", False) else f"{value:,.0f}"

    def compute(self, case, venue, fund) -> dict:
        c = CASES[case]
        r = replay_case(case, None if venue == HOME else venue, fund=c.fund * fund // 100)
        self.messages = r.messages
        path = r.path
        st = {"case": case, "title": r.title, "venue": r.venue, "fund": float(c.fund * fund // 100),
              "parties": list(r.who_pays.index), "steps": list(path.index),
              "marks": [float(m) for m in path["mark"]],
              "index": [float(m) for m in path["index"]],
              "liquidated at": [i for i, v in enumerate(path["liquidated"]) if v != "-"],
              "ADL at": [i for i, v in enumerate(path["closed by ADL"]) if v != "-"]}
        for party, value in r.who_pays.items():
            st[f"net: {party}"] = float(value)
        for item, value in r.covered.items():
            st[item] = float(value)
        return st

    def redraw(self, st: dict) -> None:
        parties = st["parties"]
        values = [st[f"net: {p}"] for p in parties]
        right = max(*(abs(v) for v in values), self._scale(st["case"]), 1.0) * 1.15
        self.ax.set_xlim(-right, right)
        labels = []
        for i, (bar, text) in enumerate(zip(self.bars, self.texts, strict=True)):
            shown = i < len(parties)
            value = values[i] if shown else 0.0
            bar.set_width(value)
            bar.set_color(COLORS["safe"] if value >= 0 else COLORS["liquidation"])
            bar.set_visible(shown)
            text.set_visible(shown)
            text.set_text(f"{value:+,.0f}" if shown else "")
            # the label sits on the other side of zero, so that it never leaves the axes
            text.set_x(-0.02 * right if value >= 0 else 0.02 * right)
            text.set_horizontalalignment("right" if value >= 0 else "left")
            labels.append(parties[i] if shown else "")
        self.ax.set_yticks(self.ax.get_yticks(), labels)
        x = np.arange(len(st["marks"]))
        self.mark_line.set_data(x, st["marks"])
        self.index_line.set_data(x, st["index"])
        self.index_line.set_visible(st["index"] != st["marks"])
        for dots, key, shift in ((self.liq_dots, "liquidated at", 0.0),
                                 (self.adl_dots, "ADL at", 0.2)):  # side by side at one step
            dots.set_data([x[i] + shift for i in st[key]], [st["marks"][i] for i in st[key]])
        low, high = min(st["marks"]), max(st["marks"])
        pad = (high - low) * 0.15
        self.px.set_ylim(low - pad, high + pad * 2.5)
        self.px.set_xlim(-0.4, len(x) - 0.6)
        self.px.set_xticks(x, [str(i + 1) for i in x])
        self.small_prices = high < 10
        self.title.set_text(f"{st['title']} · {st['venue']} rules")

    def alt_text(self, st: dict) -> str:
        nets = ", ".join(f"{p} {st[f'net: {p}']:+,.0f}" for p in st["parties"])
        where = lambda key: ", ".join(str(i + 1) for i in st[key]) or "none"  # noqa: E731
        return (f"{st['title']}, replayed under {st['venue']} rules with an insurance fund of "
                f"{st['fund']:,.0f} USDT. Bar chart of each party's net result (USDT): {nets}. "
                f"Path: the mark goes {' then '.join(f'{m:,.4g}' for m in st['marks'])}; "
                f"liquidations at step {where('liquidated at')}; ADL at step "
                f"{where('ADL at')}.")

    def describe(self, st: dict) -> str:
        steps = " · ".join(f"<b>{i + 1}</b> {s}" for i, s in enumerate(st["steps"]))
        covered = " · ".join(f"{k} {st[k]:,.2f}" for k in COVERED if st[k]) or \
            "no bankruptcy to cover"
        last = self.messages[-3:] or ["No liquidation."]
        return f"{steps}<br><b>covered:</b> {covered}<br>" + "<br>".join(last)
