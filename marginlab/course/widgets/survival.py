"""Lesson 7 app: how far does each margin mode survive, and what does it lose there?

An account deposits ``deposit`` USDT, commits ``committed`` % of it as margin at ``leverage``:
two thirds behind a long ETH position, one third behind a long BTC position. For ETH falling
(BTC still), the app finds with the engine where the first liquidation happens in a cross
account and in its isolated twin, and what each has lost once it has happened.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import ipywidgets as widgets

from ...engine.exchange import Exchange
from ...engine.money import floor_to
from .base import App
from .style import COLORS

MODES = ("cross", "isolated")


def open_twin(mode: str, deposit: float, leverage: int, committed_pct: float) -> Exchange:
    """One account in ``mode`` with the ETH and BTC longs of the lesson."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=1_000_000)
    acct = ex.open_account(mode, deposit=deposit, mode=mode, leverage=leverage)
    budget = Decimal(str(deposit)) * Decimal(str(committed_pct)) / 100
    for symbol, share in (("ETH-PERP", Decimal(2) / 3), ("BTC-PERP", Decimal(1) / 3)):
        lot = ex.contract(symbol).lot_size
        q = floor_to(budget * share * leverage / ex.marks[symbol], lot)
        if q > 0:
            acct.buy(symbol, q)
    return ex


def survival(mode: str, deposit: float = 1_000, leverage: int = 10,
             committed_pct: float = 60) -> dict:
    """ETH fall (%) at the first liquidation, and the equity lost once it has happened."""
    ex = open_twin(mode, deposit, leverage, committed_pct)
    acct = ex.account(mode)
    start = acct.equity
    if "ETH-PERP" not in acct.positions:
        return {"fall %": None, "lost": 0.0, "lost %": 0.0, "closed": ""}
    lp = acct.liquidation_price("ETH-PERP")
    if lp is None:
        return {"fall %": None, "lost": 0.0, "lost %": 0.0, "closed": ""}
    tick = ex.contract("ETH-PERP").tick_size
    ex.set_mark("ETH-PERP", floor_to(lp, tick))
    closed = ", ".join(e.symbol.split("-")[0] for e in ex.events.of_kind("liquidation"))
    lost = start - acct.equity
    fall = ((1 - lp / 2000) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {"fall %": float(fall), "lost": float(lost), "lost %": float(lost / start * 100),
            "closed": closed}


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
        self.fall_bars = self.ax.barh([1, 0], [0, 0], height=0.55,
                                      color=[COLORS["cross"], COLORS["isolated"]])
        self.fall_text = [self.ax.text(0, y, "", va="center", fontsize=11) for y in (1, 0)]
        self.ax.set_yticks([1, 0], MODES)
        self.ax.set_xlim(0, 110)
        self.ax.set_xlabel("ETH fall survived before the first liquidation (%)")
        self.ax.set_title("How far it survives")
        self.lost_bars = self.lx.barh([1, 0], [0, 0], height=0.55,
                                      color=[COLORS["cross"], COLORS["isolated"]])
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
            s = survival(mode, deposit, leverage, committed)
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
            self.fall_text[i].set_x(min(width, 80) + 1.5)
            self.fall_text[i].set_text("never" if fall is None else f"{fall:.1f} %")
            lost = st[f"{mode} lost %"]
            self.lost_bars[i].set_width(lost)
            self.lost_text[i].set_x(min(lost, 95) + 1.5)
            closed = st[f"{mode} closed"]
            self.lost_text[i].set_text(f"{lost:.0f} %" + (f" ({closed} closed)" if closed
                                                         else ""))

    def describe(self, st: dict) -> str:
        parts = []
        for mode in MODES:
            fall = st[f"{mode} first liquidation fall %"]
            where = "no liquidation price" if fall is None else f"first liquidation at -{fall}%"
            parts.append(f"{mode}: {where}, loses {st[f'{mode} lost at first liquidation']:,.2f}"
                         f" USDT")
        return " · ".join(parts)
