"""Lesson 7's check-yourself: choosing a margin mode."""

from __future__ import annotations

from ..scenarios import survival
from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    s_cross, s_iso = survival("cross"), survival("isolated")
    return Quiz([
        Choice(f"At 10x with 60 % committed, cross survives a {s_cross['fall %']:.1f} % ETH fall "
               f"and isolated {s_iso['fall %']:.1f} %. Which can lose more when it is "
               "liquidated?", ["isolated", "cross"], answer=1,
               why="Cross survives longer, but once its pool's equity is gone every cross "
                   "position closes and the whole pool is lost; isolated loses one ring.",
               hints={0: "An isolated liquidation takes that position's margin and no more."}),
        Choice("You hold a BTC long and an ETH short as a hedge. Which mode?",
               ["isolated", "cross"], answer=1,
               why="In cross, the winning leg's profit backs the losing leg."),
        Choice("You want to survive a 25 % fall with an isolated long. The leverage must be...",
               ["below about 10x", "below about 4x", "any: it depends only on size"], answer=1,
               why="A fall of about 1/L (less the maintenance margin) uses up the margin; a big "
                   "position in a higher tier needs less leverage still.",
               hints={2: "Size matters through the tiers, but leverage sets the margin."}),
    ])
