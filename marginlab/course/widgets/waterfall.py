"""Lesson 5 app: where an isolated position's margin goes when it is liquidated.

One isolated long of 1 ETH at 2,000. The mark lands ``gap`` % beyond the liquidation price (a
gap, as in a fast market). The engine liquidates under the chosen venue's rules; the bars read
the event log and split the position's margin into: lost to the market, to the insurance fund
(liquidation fee or the surplus above the bankruptcy price) and back to the trader; and, when
the fill is beyond the bankruptcy price, the deficit paid by the insurance fund or left
unrecovered.
"""

from __future__ import annotations

from decimal import Decimal

import ipywidgets as widgets

from ...engine.contracts import ETH_PERP, hyperliquid_perp
from ...engine.exchange import Exchange
from ...engine.money import floor_to
from ...engine.rules import PRESETS
from .base import App
from .style import COLORS, usd_axis

VENUES = ("Binance", "Bybit (classic)", "BitMEX", "Hyperliquid")
BARS = ("margin posted", "lost to the market", "to the insurance fund", "back to the trader",
        "deficit paid by the fund", "deficit unrecovered")
# Hyperliquid: "remaining collateral stays with the trader": no liquidation fee.
HYPERLIQUID_ETH = hyperliquid_perp("ETH-PERP", 50, taker_fee=ETH_PERP.taker_fee,
                                   maker_fee=ETH_PERP.maker_fee, liquidation_fee=0)


def contract_for(venue: str):
    """Hyperliquid's MMR is half the initial margin at max leverage; others use ETH_PERP."""
    return HYPERLIQUID_ETH if venue == "Hyperliquid" else ETH_PERP


def liquidate_with_gap(venue: str, leverage: int, gap_pct: float, fund: float = 1_000,
                       deposit: float = 1_000) -> dict:
    """Open 1 ETH long isolated at 2,000, put the mark ``gap_pct`` % below its liquidation
    price, and account for every dollar of the liquidation from the engine's event log."""
    spec = contract_for(venue)
    ex = Exchange(contracts=[spec], rules=PRESETS[venue], marks={"ETH-PERP": 2000},
                  insurance_fund=fund)
    acct = ex.open_account("trader", deposit=deposit, mode="isolated")
    acct.buy("ETH-PERP", 1, leverage=leverage)
    margin = acct.isolated_margin("ETH-PERP")
    wallet = acct.wallet_balance
    liq = acct.liquidation_price("ETH-PERP")
    bkr = acct.bankruptcy_price("ETH-PERP")
    mark = liq * (1 - Decimal(str(gap_pct)) / 100)
    mark = floor_to(mark, spec.tick_size)
    start = len(ex.events)
    ex.set_mark("ETH-PERP", mark)
    events = ex.events.since(start)

    def total(kind):
        return sum((e.amount for e in events if e.kind == kind), Decimal(0))

    fund_paid = -total("insurance fund")
    unrecovered = total("unrecovered loss")
    back = acct.wallet_balance - wallet
    to_fund = -total("liquidation fee")
    lost = margin - back - to_fund
    liquidation = next(e for e in events if e.kind == "liquidation")
    return {
        "venue": venue, "margin posted": margin, "lost to the market": lost,
        "to the insurance fund": to_fund, "back to the trader": back,
        "deficit paid by the fund": fund_paid, "deficit unrecovered": unrecovered,
        "liquidation price": liq, "bankruptcy price": bkr, "mark": mark,
        "fill": liquidation.price, "message": liquidation.message,
        "trader balance after": acct.total_balance, "exchange": ex,
    }


class WaterfallApp(App):
    """Venue rules, leverage, how far the mark gaps past the liquidation price, fund size."""

    def make_controls(self):
        return {
            "venue": widgets.Dropdown(options=list(VENUES), value="Binance",
                                      description="venue"),
            "leverage": widgets.IntSlider(value=20, min=3, max=50, description="leverage"),
            "gap": widgets.FloatSlider(value=0.0, min=0.0, max=10.0, step=0.25,
                                       description="gap past LP %", readout_format=".2f"),
            "fund": widgets.IntSlider(value=1_000, min=0, max=1_000, step=50,
                                      description="insurance fund"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.4))
        self.ax, self.px = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.4, 1]})
        colors = [COLORS["entry"], COLORS["price"], COLORS["insurance"], COLORS["safe"],
                  COLORS["insurance"], COLORS["liquidation"]]
        y = list(range(len(BARS)))[::-1]
        self.bars = self.ax.barh(y, [0] * len(BARS), color=colors, height=0.6)
        self.bars[4].set_hatch("//")
        self.texts = [self.ax.text(0, yy, "", va="center", fontsize=11) for yy in y]
        self.ax.set_yticks(y, BARS)
        self.ax.set_xlim(0, 130)
        self.ax.set_xlabel("USDT")
        usd_axis(self.ax, "x")
        self.title = self.ax.set_title("placeholder to size the layout", fontsize=13)
        self.px.set_xlim(0, 1)
        self.px.set_xticks([])
        self.px.set_ylabel("ETH price (USDT)")
        usd_axis(self.px)
        self.px.set_ylim(900, 2100)
        self.px.axhline(2000, color=COLORS["entry"], lw=2, label="entry")
        self.lines = {k: self.px.axhline(2000, color=COLORS[c], ls=ls, lw=2, label=k)
                      for k, c, ls in (("liquidation", "liquidation", "--"),
                                       ("bankruptcy", "bankruptcy", ":"))}
        (self.fill_dot,) = self.px.plot([0.5], [2000], "X", ms=14, color=COLORS["price"],
                                        label="fill")
        self.px.legend(loc="lower left", fontsize=10)
        self.px.set_title("prices")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.bars, *self.texts, self.title, *self.lines.values(), self.fill_dot]

    def compute(self, venue, leverage, gap, fund) -> dict:
        r = liquidate_with_gap(venue, leverage, gap, fund)
        self.message_text = r["message"]
        return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()
                if k not in ("exchange", "message")}

    def redraw(self, st: dict) -> None:
        right = max(st[k] for k in BARS) * 1.3
        lo, hi = self.ax.get_xlim()
        if not hi / 2 < right <= hi:  # rescale only when the bars would not fit or look tiny
            self.ax.set_xlim(0, right)
            self.invalidate()
        for bar, text, key in zip(self.bars, self.texts, BARS, strict=True):
            bar.set_width(st[key])
            text.set_x(st[key] + self.ax.get_xlim()[1] * 0.01)
            text.set_text(f"{st[key]:,.2f}")
        self.title.set_text(f"{st['venue']}: where the {st['margin posted']:,.0f} USDT margin "
                            f"went")
        for key, line in self.lines.items():
            y = st[f"{key} price"]
            line.set_ydata([y, y])
        self.fill_dot.set_ydata([st["fill"]])

    def describe(self, st: dict) -> str:
        return (f"{self.message_text}<br>liquidation price {st['liquidation price']:,.2f} · "
                f"bankruptcy price {st['bankruptcy price']:,.2f} · trader keeps "
                f"{st['trader balance after']:,.2f} USDT")
