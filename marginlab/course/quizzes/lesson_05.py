"""Lesson 5's check-yourself: the liquidation and the bankruptcy price, gaps, venues."""

from __future__ import annotations

from ..scenarios import liquidate_with_gap
from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    r = liquidate_with_gap("Binance", leverage=20, gap_pct=5)
    return Quiz([
        Choice("Which comes first as a long's price falls?",
               ["the bankruptcy price", "the liquidation price"], answer=1,
               why="Liquidation happens while the maintenance margin is still there."),
        Choice(f"ETH gaps to {r['fill']:,.2f}, below the bankruptcy price. What does the trader "
               "lose?", ["the margin plus the deficit", "nothing", "exactly the isolated margin"],
               answer=2, why="Negative balance protection: the insurance fund pays the deficit.",
               hints={0: "Can a balance go below zero here?"}),
        Choice("On which venue's rules does the trader keep what is left at the liquidation "
               "price?", ["Binance", "Bybit (classic)", "Hyperliquid"], answer=2,
               why="No liquidation fee: remaining collateral stays with the trader."),
    ])
