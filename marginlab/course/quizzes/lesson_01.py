"""Lesson 1's check-yourself: leverage, margin, the liquidation and the bankruptcy price."""

from __future__ import annotations

from ...engine.contracts import ETH_PERP
from ...engine.formulas import isolated_liquidation_price
from ..widgets.quiz import Choice, Number, Quiz


def check_yourself() -> Quiz:
    # a position the lesson does not print: 0.5 ETH long at 2,400 with 80 USDT of margin (15x)
    lp = isolated_liquidation_price("long", "0.5", 2400, 80, ETH_PERP)
    return Quiz([
        Choice("You double the leverage of an isolated long. Its liquidation price...",
               ["moves away from the entry price", "does not change",
                "moves closer to the entry price"], answer=2,
               why="Less margin behind the same notional: a smaller move uses it up.",
               hints={0: "More leverage means less margin posted for the same position.",
                      1: "The margin posted changes with leverage."}),
        Number("0.5 ETH long at 2,400 with 80 USDT of isolated margin (15x). Its liquidation "
               "price, in USDT? (ETH's first tier: maintenance margin 0.5 % of notional)",
               answer=float(lp), tolerance=0.5, unit="USDT",
               hint="Solve equity = maintenance margin: 80 + 0.5 (P - 2,400) = 0.005 x 0.5 P."),
        Choice("Which is closer to the entry price for a long?",
               ["the bankruptcy price", "the liquidation price"], answer=1,
               why="Liquidation happens while some margin (the maintenance margin) is left.",
               hints={0: "At the bankruptcy price nothing is left: which comes first?"}),
    ])
