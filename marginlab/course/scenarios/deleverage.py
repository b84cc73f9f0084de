"""Lesson 6: when the insurance fund runs dry, who pays?

Modelled: one ETH market (Binance's rules, with the loss-sharing rule and ADL ranking chosen)
holding one over-leveraged isolated long, the whale (5 ETH at 20x, 600 USDT deposited:
bankruptcy price 1,900), and four cross shorts of different sizes and cushions
(:data:`SHORTS`), all opened at 2,000. ETH then gaps down in one step past the whale's
bankruptcy price. The insurance fund pays the whale's deficit while it can; beyond that the
shorts pay, by auto-deleveraging (ranked, closed at the bankruptcy price) or as a socialized
loss (pro rata to profit). Simplified: one gap, no funding, no order book.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.adl import RANKINGS, AdlCandidate
from ...engine.exchange import Exchange
from ...engine.risk import bucket_risk
from ...engine.rules import BINANCE

# name: (ETH short, leverage, deposit): different sizes and different cushions
SHORTS = {"alice": ("1", 5, 2_000), "bob": ("2", 20, 400), "carol": ("3", 2, 3_500),
          "dave": ("4", 10, 1_200)}
WHALE = ("5", 20)  # 5 ETH long at 20x: bankruptcy price 1,900; the shorts hold 10 ETH


def market(*, fund: float, rule: str = "adl", ranking: str = "pnl_x_margin_ratio") -> Exchange:
    """The whale and the four shorts, all opened at 2,000, with ``fund`` in the insurance
    fund, ``rule`` (``"adl"`` or ``"socialize"``) and the ADL ``ranking``."""
    rules = BINANCE.but(loss_sharing=rule, adl_ranking=ranking)
    ex = Exchange(rules=rules, marks={"ETH-PERP": 2000}, insurance_fund=fund)
    whale = ex.open_account("whale", deposit=600, mode="isolated")
    whale.buy("ETH-PERP", WHALE[0], leverage=WHALE[1])
    for name, (qty, lev, deposit) in SHORTS.items():
        ex.open_account(name, deposit=deposit).sell("ETH-PERP", qty, leverage=lev)
    return ex


def adl_table(ex: Exchange, *, mark, ranking: str = "pnl_x_margin_ratio") -> pd.DataFrame:
    """The ADL queue the shorts would form at ``mark`` (highest score first): size, leverage,
    uPnL and the ranking's score."""
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


def crash(*, fund: float, gap_pct: float, rule: str = "adl",
          ranking: str = "pnl_x_margin_ratio") -> dict:
    """Gap ETH down ``gap_pct`` % and report who gave up what: each short's ``profit`` at the
    new mark and what it ``given`` up (ADL: the difference between the mark and the bankruptcy
    price it was closed at; socialized loss: the amount taken), the fund before and after, the
    whale's ``deficit`` beyond its margin, the ``unrecovered`` loss and the engine's messages."""
    ex = market(fund=fund, rule=rule, ranking=ranking)
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
