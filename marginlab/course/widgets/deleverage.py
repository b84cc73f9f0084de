"""Lesson 6 app: when the insurance fund runs dry, who pays?

One over-leveraged long (the whale) and four shorts on one ETH market. ETH gaps down past the
whale's bankruptcy price. The insurance fund pays the deficit while it can; when it cannot, the
loss goes to the shorts, by auto-deleveraging (ADL, ranked) or as a socialized loss (pro rata to
profit). The bars show each short's profit at the new mark and what it actually keeps.
"""

from __future__ import annotations

from decimal import Decimal

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ...engine.adl import RANKINGS, AdlCandidate
from ...engine.exchange import Exchange
from ...engine.risk import bucket_risk
from ...engine.rules import BINANCE
from .base import App
from .style import COLORS, usd_axis

# name: (ETH short, leverage, deposit): different sizes and different cushions
SHORTS = {"alice": ("1", 5, 2_000), "bob": ("2", 20, 400), "carol": ("3", 2, 3_500),
          "dave": ("4", 10, 1_200)}
WHALE = ("5", 20)  # 5 ETH long at 20x: bankruptcy price 1,900; the shorts hold 10 ETH


def market(fund: float, rule: str = "adl", ranking: str = "pnl_x_margin_ratio") -> Exchange:
    """The whale and the four shorts (cross accounts), all opened at 2,000."""
    rules = BINANCE.but(loss_sharing=rule, adl_ranking=ranking)
    ex = Exchange(rules=rules, marks={"ETH-PERP": 2000}, insurance_fund=fund)
    whale = ex.open_account("whale", deposit=600, mode="isolated")
    whale.buy("ETH-PERP", WHALE[0], leverage=WHALE[1])
    for name, (qty, lev, deposit) in SHORTS.items():
        ex.open_account(name, deposit=deposit).sell("ETH-PERP", qty, leverage=lev)
    return ex


def adl_table(ex: Exchange, mark, ranking: str = "pnl_x_margin_ratio") -> pd.DataFrame:
    """The ADL queue the shorts would form at ``mark`` (highest score first)."""
    mark = Decimal(str(mark))
    marks = {"ETH-PERP": mark}
    rows = []
    for name in SHORTS:
        acct = ex.account(name)
        pos = acct.position("ETH-PERP")
        risk = bucket_risk(acct.wallet_balance, [pos], marks, ex.contracts, ex.rules)
        cand = AdlCandidate(name, pos, mark, acct.wallet_balance, risk)
        rows.append({"trader": name, "short ETH": float(pos.quantity),
                     "leverage": float(pos.leverage), "uPnL": float(cand.unrealized_pnl),
                     "score": float(RANKINGS[ranking](cand))})
    table = pd.DataFrame(rows).sort_values("score", ascending=False).reset_index(drop=True)
    table.index = table.index + 1
    table.index.name = "rank"
    return table


def crash(fund: float, gap_pct: float, rule: str = "adl",
          ranking: str = "pnl_x_margin_ratio") -> dict:
    """Gap ETH down ``gap_pct`` % and report who gave up what."""
    ex = market(fund, rule, ranking)
    mark = (Decimal(2000) * (1 - Decimal(str(gap_pct)) / 100)).quantize(Decimal("0.01"))
    profit = {n: ex.account(n).position("ETH-PERP").unrealized_pnl(mark) for n in SHORTS}
    fund_before = ex.insurance_fund
    start = len(ex.events)
    ex.set_mark("ETH-PERP", mark)
    given = dict.fromkeys(SHORTS, Decimal(0))
    for e in ex.events.since(start):
        if e.kind == "adl":  # closed at the bankruptcy price instead of the mark
            given[e.trader] += abs(e.quantity) * abs(e.price - mark)
        elif e.kind == "socialized loss":
            given[e.trader] += -e.amount
    unrecovered = sum((e.amount for e in ex.events.since(start) if e.kind == "unrecovered loss"),
                      Decimal(0))
    whale = ex.account("whale")
    q, lev = Decimal(WHALE[0]), Decimal(WHALE[1])
    deficit = max(Decimal(0), -(q * 2000 / lev + q * (mark - 2000)))  # beyond the margin
    return {"exchange": ex, "mark": mark, "profit": profit, "given": given,
            "fund before": fund_before, "fund after": ex.insurance_fund,
            "deficit": deficit, "unrecovered": unrecovered,
            "whale balance": whale.total_balance,
            "messages": [e.message for e in ex.events.since(start)
                         if e.kind in ("adl", "socialized loss", "insurance fund",
                                       "unrecovered loss")]}


class AdlApp(App):
    """Insurance fund size, gap size, loss-sharing rule and ADL ranking."""

    def make_controls(self):
        return {
            "fund": widgets.IntSlider(value=0, min=0, max=1_000, step=50,
                                      description="insurance fund"),
            "gap": widgets.FloatSlider(value=8.0, min=5.5, max=20.0, step=0.5,
                                       description="ETH gap down %", readout_format=".1f"),
            "rule": widgets.ToggleButtons(options=["adl", "socialize"], value="adl",
                                          description="loss sharing"),
            "ranking": widgets.Dropdown(options=list(RANKINGS), value="pnl_x_margin_ratio",
                                        description="ADL ranking"),
        }

    def make_figure(self):
        fig = self.new_figure(figsize=(10, 4.4))
        self.ax, self.fx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        x = np.arange(len(SHORTS))
        self.profit_bars = self.ax.bar(x, [0] * len(SHORTS), width=0.65, color="none",
                                       edgecolor=COLORS["price"], hatch="//",
                                       label="given up")
        self.kept_bars = self.ax.bar(x, [0] * len(SHORTS), width=0.65, color=COLORS["safe"],
                                     label="profit kept")
        self.labels = [self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=11) for i in x]
        self.ax.set_xticks(x, [f"{n}\n{q} ETH\n{dep:,} USDT" for n, (q, _, dep)
                               in SHORTS.items()])
        self.ax.set_ylim(0, 1_900)
        self.ax.set_ylabel("profit of the short at the new mark (USDT)")
        usd_axis(self.ax)
        self.ax.legend(loc="upper left")
        self.title = self.ax.set_title("placeholder to size the layout", fontsize=13)
        self.fund_bars = self.fx.bar([0, 1], [0, 0], width=0.6, color=COLORS["insurance"])
        self.fund_text = [self.fx.text(i, 0, "", ha="center", va="bottom") for i in (0, 1)]
        self.fx.set_xticks([0, 1], ["before", "after"])
        self.fx.set_ylim(0, 1_150)
        usd_axis(self.fx)
        self.fx.set_title("insurance fund")
        fig.tight_layout()
        return fig

    def animated(self) -> list:
        return [*self.profit_bars, *self.kept_bars, *self.labels, self.title, *self.fund_bars,
                *self.fund_text]

    def compute(self, fund, gap, rule, ranking) -> dict:
        r = crash(fund, gap, rule, ranking)
        self.messages = r["messages"]
        st = {"mark": float(r["mark"]), "fund before": float(r["fund before"]),
              "fund after": float(r["fund after"]), "deficit": float(r["deficit"]),
              "unrecovered": float(r["unrecovered"]), "rule": rule}
        for name in SHORTS:
            st[f"profit: {name}"] = float(r["profit"][name])
            st[f"given up: {name}"] = float(r["given"][name])
        return st

    def redraw(self, st: dict) -> None:
        for i, name in enumerate(SHORTS):
            profit, given = st[f"profit: {name}"], st[f"given up: {name}"]
            self.profit_bars[i].set_height(profit)
            self.kept_bars[i].set_height(profit - given)
            self.labels[i].set_y(profit + 15)
            self.labels[i].set_text(f"-{given:,.0f}" if given > 0.005 else "keeps all")
        for i, key in enumerate(("fund before", "fund after")):
            self.fund_bars[i].set_height(st[key])
            self.fund_text[i].set_y(st[key] + 20)
            self.fund_text[i].set_text(f"{st[key]:,.0f}")
        who = "auto-deleveraging" if st["rule"] == "adl" else "socialized loss"
        paid_by_shorts = sum(st[f"given up: {n}"] for n in SHORTS)
        self.title.set_text(f"deficit {st['deficit']:,.0f}: fund "
                            f"{st['fund before'] - st['fund after']:,.0f}, {who} "
                            f"{paid_by_shorts:,.0f}")

    def describe(self, st: dict) -> str:
        return "<br>".join(self.messages[:5]) or "The insurance fund covered everything."
