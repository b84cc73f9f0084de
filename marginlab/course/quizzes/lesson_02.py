"""Lesson 2's check-yourself: isolated margin's ring fence."""

from __future__ import annotations

from ..scenarios import isolated_pair
from ..widgets.quiz import Choice, Number, Quiz


def check_yourself() -> Quiz:
    # 150 USDT added (the lesson shows 200)
    lp = isolated_pair(eth_move_pct=0, leverage=10, extra_margin=150)["liquidation price"]
    return Quiz([
        Choice("An isolated ETH long is liquidated. What happens to the BTC position in the same "
               "account?", ["it is closed too", "its margin pays the ETH loss",
                            "nothing: its margin is its own"], answer=2,
               why="Isolated margin ring-fences each position.",
               hints={0: "That is what a drained cross pool does.",
                      1: "Only the ETH margin backs ETH."}),
        Number("The 2 ETH long (10x, 400 USDT of margin) gets 150 USDT of extra margin. Its "
               "liquidation price, in USDT?", answer=float(lp), tolerance=0.5, unit="USDT",
               hint="Margin is now 550: solve 550 + 2 (P - 2,000) = 0.5 % of 2 P."),
        Choice("What is the most an isolated position can cost you?",
               ["your whole wallet", "its isolated margin", "the notional"], answer=1,
               why="Beyond that, negative balance protection and the insurance fund take over.",
               hints={0: "Which money backs an isolated position?"}),
    ])
