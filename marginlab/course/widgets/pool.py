"""Lesson 4 app: the same crash over time, cross pool vs isolated twin, step by step.

Left the cross account, right its isolated twin: used margin and free balance as stacked bands,
equity as a line, ETH's price dashed, and a marker at each liquidation. The numbers come from
:func:`marginlab.course.scenarios.replay_twins` (see :mod:`marginlab.course.scenarios.pool`).
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from ..plots import set_band, usd_axis
from ..scenarios.pool import replay_twins
from ..scenarios.twins import MODES
from ..style import COLORS
from .base import App

# the same controls give the same replay (seeded path, exact engine): dragging back over values
# already seen redraws without replaying (32 replays kept, about 150 KB each)
replayed = lru_cache(maxsize=32)(replay_twins)


class PoolApp(App):
    """Crash size, leverage, allocation, recovery after the crash, and which twin to show."""

    height = "440px"
    max_markers = 3
    ALPHAS = {"used": 0.85, "free": 0.3, "equity": 1.0, "price": 1.0, "title": 1.0}

    def __init__(self, deposit: float = 1_000, steps: int = 120, seed: int = 7):
        self.deposit, self.steps, self.seed = deposit, steps, seed
        super().__init__()

    def make_controls(self):
        return {
            "crash": widgets.IntSlider(value=30, min=0, max=60, step=1,
                                       description="ETH crash %"),
            "leverage": widgets.IntSlider(value=10, min=1, max=50, description="leverage"),
            "eth_share": widgets.IntSlider(value=70, min=10, max=90, step=5,
                                           description="ETH share %"),
            "recovery": widgets.IntSlider(value=0, min=0, max=100, step=10,
                                          description="recovery %"),
            "show": widgets.ToggleButtons(options=["both", "cross", "isolated"], value="both",
                                          description="show"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.6))
        self.axes = dict(zip(MODES, fig.subplots(1, 2, sharey=True), strict=True))
        x = np.arange(self.steps + 1)
        zero = np.zeros_like(x, dtype=float)
        self.art = {}
        for mode, ax in self.axes.items():
            used = ax.fill_between(x, zero, zero, color=COLORS[mode], alpha=0.85, lw=0,
                                   label="used margin")
            free = ax.fill_between(x, zero, zero, color=COLORS[mode], alpha=0.3, lw=0,
                                   label="free balance")
            (eq,) = ax.plot(x, zero, color=COLORS[mode], lw=2, label="equity")
            twin = ax.twinx()
            (price,) = twin.plot(x, zero, color=COLORS["price"], lw=1.2, ls="--",
                                 label="ETH price")
            twin.set_ylim(600, 2300)
            twin.grid(False)
            if mode == "isolated":
                twin.set_ylabel("ETH price (USDT)")
                twin.legend(loc="upper right", fontsize=10)
                usd_axis(twin)
            else:
                twin.set_yticks([])
            marks = [ax.axvline(0, color=COLORS["liquidation"], lw=2, visible=False)
                     for _ in range(self.max_markers)]
            labels = [ax.text(0, 0, "", color=COLORS["liquidation"], fontsize=11,
                              rotation=90, va="bottom", ha="right", visible=False)
                      for _ in range(self.max_markers)]
            title = ax.set_title(f"{mode}: ends at 0,000 USDT, 0 positions open", fontsize=13)
            self.art[mode] = {"used": used, "free": free, "equity": eq, "price": price,
                              "marks": marks, "labels": labels, "title": title, "twin": twin}
            ax.set_xlim(0, self.steps)
            ax.set_ylim(0, self.deposit * 1.15)
            ax.set_xlabel("time step")
            usd_axis(ax)
        self.axes["cross"].set_ylabel("USDT")
        self.axes["cross"].legend(loc="upper right", fontsize=10)
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        out = []
        for a in self.art.values():
            out += [a["used"], a["free"], a["equity"], a["price"], a["title"], *a["marks"],
                    *a["labels"]]
        return out

    def compute(self, crash, leverage, eth_share, recovery, show) -> dict:
        run = replayed(crash_pct=crash, leverage=leverage, eth_share=eth_share / 100,
                       deposit=self.deposit, steps=self.steps, seed=self.seed,
                       recovery_pct=recovery)
        self.run = run
        # the tables as arrays, once: the redraw reads them without pandas
        mode_of, liq = run.pools["mode"].to_numpy(), run.liquidations
        self.series = {"step": run.path["step"].to_numpy(),
                       "eth": run.path["ETH-PERP"].to_numpy()}
        st = {"crash": crash, "leverage": leverage, "show": show}
        for mode in MODES:
            rows = mode_of == mode
            used, free = (run.pools[k].to_numpy()[rows] for k in ("used", "free"))
            equity, positions = run.pools["equity"].to_numpy()[rows], run.pools[
                "positions"].to_numpy()[rows]
            mine = liq[liq["trader"] == mode]
            steps = sorted(set(mine["step"]))[: self.max_markers]
            self.series[mode] = {
                "used": used, "free": free,
                "marks": [(s, ", ".join(x.split("-")[0] for x in mine["symbol"][
                    mine["step"] == s])) for s in steps]}
            st[f"{mode} final equity"] = float(equity[-1])
            st[f"{mode} min equity"] = float(equity.min())
            st[f"{mode} positions left"] = int(positions[-1])
            st[f"{mode} liquidations"] = len(mine)
            st[f"{mode} first liquidation step"] = (int(mine["step"].iloc[0]) if len(mine)
                                                    else None)
        return st

    def redraw(self, st: dict) -> None:
        x, eth = self.series["step"], self.series["eth"]
        for mode, art in self.art.items():
            used, free = self.series[mode]["used"], self.series[mode]["free"]
            set_band(art["used"], x, np.zeros_like(used), used)
            set_band(art["free"], x, used, used + free)
            art["equity"].set_ydata(used + free)
            art["price"].set_ydata(eth)
            marks = self.series[mode]["marks"]
            for k, (line, label) in enumerate(zip(art["marks"], art["labels"], strict=True)):
                on = k < len(marks)
                line.set_visible(on)
                label.set_visible(on)
                if on:
                    step, which = marks[k]
                    line.set_xdata([step, step])
                    label.set_position((step - 1, self.deposit * 0.05))
                    label.set_text(f"{which} liquidated")
            faded = st["show"] not in ("both", mode)
            for key, alpha in self.ALPHAS.items():
                art[key].set_alpha(0.06 if faded else alpha)
            left = st[f"{mode} positions left"]
            art["title"].set_text(f"{mode}: ends at {st[f'{mode} final equity']:,.0f} USDT, "
                                  f"{left} position{'s' if left != 1 else ''} open")

    def alt_text(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            first = st[f"{mode} first liquidation step"]
            when = "no liquidation" if first is None else f"first liquidation at step {first}"
            left = st[f"{mode} positions left"]
            parts.append(f"{mode}: {when}, ends at {st[f'{mode} final equity']:,.0f} USDT with "
                         f"{left} position{'s' if left != 1 else ''} open")
        return (f"Two panels over {self.steps} time steps, ETH crashing {st['crash']} % at "
                f"{st['leverage']}x: each twin's used margin and free balance as bands, its "
                f"equity as a line and ETH's price dashed. " + "; ".join(parts) + ".")

    def describe(self, st: dict) -> str:
        lines = self.run.liquidations["message"].head(4).tolist()
        if not lines:
            return "No liquidation on this path."
        return "<br>".join(f"step {s}: {m}" for s, m in zip(
            self.run.liquidations["step"].head(4), lines, strict=True))

