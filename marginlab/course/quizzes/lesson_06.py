"""Lesson 6's check-yourself: the insurance fund, ADL and socialized loss."""

from __future__ import annotations

from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    return Quiz([
        Choice("Binance ranks the ADL queue by PnL % x margin ratio. Two winners have the same "
               "PnL %; one runs at 20x, the other at 5x. Who is deleveraged first?",
               ["the one at 5x", "the one at 20x", "whoever opened first"], answer=1,
               why="At 20x the same profit sits on a thinner cushion: a higher margin ratio, a "
                   "higher score.",
               hints={0: "Which one has less equity behind the same notional?",
                      2: "The queue is a ranking by score, not by time."}),
        Choice("The insurance fund can cover the whole deficit. Who gives anything up?",
               ["the top of the ADL queue", "every winner, pro rata", "nobody"], answer=2,
               why="ADL and socialized loss only start when the fund cannot pay."),
        Choice("Under socialized loss (pro rata to profit), the trader with twice the profit "
               "gives up...", ["the same amount", "twice as much", "nothing"], answer=1,
               why="Shares are pro rata to profit (Drift instead spreads it over open interest, "
                   "OKX's clawback over net profit)."),
    ])
