"""Lesson 10 app: the same crash under a venue's liquidation policy and under the all-at-once
teaching model.

One panel: the cross account's equity through the crash, as a share of its starting pool, under
the chosen venue (solid, a dot at each price step with a liquidation) and under the teaching
model (dashed), with ETH's price dotted on the right axis. Under the plot, the venue's row of
:func:`marginlab.course.scenarios.unwinding_table` against the teaching model's. The numbers come
from :func:`marginlab.course.scenarios.unwind_crash` (see :mod:`~marginlab.course.scenarios.
unwinding`). Leverage stops at 10x: the 1,000,000 USDT account's ETH position is in a tier that
allows no more.
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from ..plots import usd_axis
from ..scenarios.unwinding import VENUES, unwind_crash
from ..style import COLORS
from .base import App

TEACHING = VENUES[0]
# the same controls give the same replay (seeded path, exact engine): dragging back over values
# already seen redraws without replaying
replayed = lru_cache(maxsize=64)(unwind_crash)
ROW = ("ETH closed", "BTC closed", "final equity", "pool kept %", "insurance fund change",
       "backstop vault change", "bankrupt")


class UnwindApp(App):
    """Venue, crash size, how fast ETH falls, leverage, recovery and the account's size."""

    height = "430px"
    max_dots = 12

    def __init__(self, steps: int = 120, seed: int = 7):
        self.steps, self.seed = steps, seed
        super().__init__()

    def make_controls(self):
        return {
            "venue": widgets.Dropdown(options=list(VENUES[1:]), value="Binance",
                                      description="venue"),
            "crash": widgets.IntSlider(value=30, min=5, max=40, description="ETH crash %"),
            "slide": widgets.IntSlider(value=20, min=5, max=50, step=5,
                                       description="fall lasts (steps)"),
            "leverage": widgets.IntSlider(value=10, min=2, max=10, description="leverage"),
            "recovery": widgets.IntSlider(value=0, min=0, max=100, step=25,
                                          description="then recovers %"),
            "deposit": widgets.ToggleButtons(options=[("1,000 USDT", 1_000),
                                                      ("1,000,000 USDT", 1_000_000)],
                                             value=1_000, description="account"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(9.5, 4.3))
        self.ax = ax = fig.subplots()
        x = np.arange(self.steps + 1)
        zero = np.zeros_like(x, dtype=float)
        (self.venue_line,) = ax.plot(x, zero, color=COLORS["cross"], lw=2.5, label="venue")
        (self.teaching_line,) = ax.plot(x, zero, color=COLORS["entry"], lw=2, ls="--",
                                        label="all at once (teaching model)")
        (self.dots,) = ax.plot([], [], ls="none", marker="o", ms=8,
                               color=COLORS["liquidation"], label="liquidation step")
        self.twin = ax.twinx()
        (self.price,) = self.twin.plot(x, zero, color=COLORS["price"], lw=1.2, ls=":",
                                       label="ETH price")
        self.twin.set_ylim(1000, 2400)
        self.twin.grid(False)
        self.twin.set_ylabel("ETH price (USDT)")
        usd_axis(self.twin)
        ax.set_xlim(0, self.steps)
        ax.set_ylim(0, 115)
        ax.set_xlabel("time step")
        ax.set_ylabel("equity, % of the starting pool")
        ax.legend(loc="lower left", fontsize=10)
        self.twin.legend(loc="lower right", fontsize=10)
        self.title = ax.set_title("venue: ends at 000 % of the pool", fontsize=13)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [self.venue_line, self.teaching_line, self.dots, self.price, self.title]

    def compute(self, venue, crash, slide, leverage, recovery, deposit) -> dict:
        crash_args = {"crash_pct": crash, "slide": slide, "leverage": leverage,
                      "recovery_pct": recovery, "deposit": deposit, "steps": self.steps,
                      "seed": self.seed}
        self.runs = {name: replayed(name, **crash_args) for name in (venue, TEACHING)}
        st = {"venue": venue, "crash": crash, "slide": slide, "leverage": leverage,
              "recovery": recovery, "deposit": deposit}
        for who, run in zip(("venue", "teaching"), self.runs.values(), strict=True):
            st[f"{who} policy"] = run.row["policy"]
            for key in ROW:
                value = run.row[key]
                st[f"{who} {key}"] = value if isinstance(value, bool) else float(value)
            st[f"{who} liquidation steps"] = sorted(set(run.steps["step"][
                run.steps["kind"].isin(("liquidation", "backstop"))].astype(int)))
        return st

    def redraw(self, st: dict) -> None:
        venue, teaching = (run.curve for run in self.runs.values())
        start = venue["equity"].iloc[0]
        share = 100 * venue["equity"].to_numpy() / start
        self.venue_line.set_ydata(share)
        if self.venue_line.get_label() != st["venue"]:  # the legend names the venue
            self.venue_line.set_label(st["venue"])
            self.ax.legend(loc="lower left", fontsize=10)
            self.invalidate()
        self.teaching_line.set_ydata(100 * teaching["equity"].to_numpy() / start)
        self.price.set_ydata(venue["ETH-PERP"].to_numpy())
        steps = st["venue liquidation steps"][: self.max_dots]
        self.dots.set_data(steps, share[steps] if steps else [])
        self.title.set_text(f"{st['venue']} ({st['venue policy']}): ends at "
                            f"{st['venue pool kept %']:.0f} % of the pool, teaching model "
                            f"{st['teaching pool kept %']:.0f} %")

    def alt_text(self, st: dict) -> str:
        def ends(who):
            return (f"ends at {st[f'{who} final equity']:,.0f} USDT "
                    f"({st[f'{who} pool kept %']:.0f} % of the pool), "
                    f"{st[f'{who} ETH closed']:g} ETH and {st[f'{who} BTC closed']:g} BTC closed, "
                    f"{len(st[f'{who} liquidation steps'])} liquidation steps")

        return (f"Equity over {self.steps} time steps of a {st['deposit']:,} USDT cross account "
                f"at {st['leverage']}x while ETH falls {st['crash']} % over {st['slide']} steps "
                f"and wins back {st['recovery']} % of the fall. Under {st['venue']} "
                f"({st['venue policy']}) it {ends('venue')}; under the all-at-once teaching "
                f"model it {ends('teaching')}.")

    def describe(self, st: dict) -> str:
        head = "".join(f"<th>{html.escape(k)}</th>" for k in ("", *ROW))
        rows = ""
        for who, name in (("venue", st["venue"]), ("teaching", TEACHING)):
            cells = [f"{st[f'{who} {k}']:,.3f}".rstrip("0").rstrip(".") if "closed" in k
                     else ("yes" if st[f"{who} {k}"] else "no") if k == "bankrupt"
                     else f"{st[f'{who} {k}'] + 0.0:,.2f}" for k in ROW]
            rows += "<tr><td>" + html.escape(name) + "</td>" + "".join(
                f"<td>{c}</td>" for c in cells) + "</tr>"
        return f"<table><tr>{head}</tr>{rows}</table>"
