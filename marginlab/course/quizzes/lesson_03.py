"""Lesson 3's check-yourself: one cross pool."""

from __future__ import annotations

from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    return Quiz([
        Choice("Long BTC and short ETH in cross margin; the whole market falls 20 %. What "
               "happens?", ["the BTC long is liquidated",
                            "both legs stay open: the ETH gain pays the BTC loss",
                            "both legs are liquidated"], answer=1,
               why="One pool: gains offset losses before anything is liquidated.",
               hints={0: "That is what happens to the isolated twin."}),
        Choice("Why does the cross ETH short's liquidation price change when BTC moves?",
               ["the exchange re-prices ETH with BTC", "it does not change",
                "the BTC position's uPnL and maintenance margin are part of the same pool"],
               answer=2, why="Cross equity = wallet + every cross position's uPnL."),
        Choice("When can cross margin take down a hedge?",
               ["never", "when both legs lose at once (the spread moves against you)",
                "whenever the market moves more than 10 %"], answer=1,
               why="A hedge only protects against moves it is hedged against."),
    ])
