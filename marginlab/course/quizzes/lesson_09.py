"""Lesson 9's check-yourself: Monte Carlo odds and their confidence interval."""

from __future__ import annotations

from ..scenarios import odds_by_leverage
from ..widgets.quiz import Choice, Number, Quiz


def check_yourself() -> Quiz:
    table = odds_by_leverage(leverages=(2, 3, 5, 10, 20, 50), paths=2_000, seed=0)
    p_iso = table.loc["10x", "isolated liquidated %"]
    return Quiz([
        Choice(f"At 10x over a week, the isolated twin is liquidated on {p_iso:.0f} % of the "
               "paths. Why is the cross account liquidated so much less often?",
               ["its positions are smaller", "it pays no funding",
                "the whole deposit backs every position"], answer=2,
               why="Same positions; cross puts the free balance behind them too."),
        Choice("Which twin can lose the whole deposit?", ["isolated", "cross"], answer=1,
               why="An isolated liquidation takes only that ring's margin."),
        Number("You estimate 40 % from 1,000 paths. About how many paths do you need to halve "
               "the width of its interval?", answer=4_000, tolerance=500, unit="paths",
               hint="The width shrinks like 1 / sqrt(n)."),
    ])
