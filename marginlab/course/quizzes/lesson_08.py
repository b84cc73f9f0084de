"""Lesson 8's check-yourself: crashes and cascades."""

from __future__ import annotations

from ...simulation import market
from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    s = market.cascade_twins().summary
    return Quiz([
        Choice("ETH falls 15 %. Why does BTC fall in the cross crowd but not in the isolated "
               "one?", ["BTC is correlated with ETH", "the insurance fund sells BTC",
                        "the liquidated cross accounts' equity was gone, so their BTC positions "
                        "were closed too"], answer=2,
               why="A cross account whose equity is gone is closed whole; the forced BTC sales "
                   "move BTC."),
        Choice(f"The traders who held only BTC held the same positions in both crowds. In the "
               f"cross crowd {int(s.loc['cross', 'BTC-only traders liquidated'])} of them were "
               f"liquidated, in the isolated crowd "
               f"{int(s.loc['isolated', 'BTC-only traders liquidated'])}. What made the "
               "difference?",
               ["the BTC-only traders had more margin behind their positions in the isolated "
                "crowd",
                "the other traders' margin mode: in isolated margin the ETH holders' BTC "
                "positions were not sold with their ETH, so BTC did not move",
                "the isolated crowd traded in a deeper market"], answer=1,
               why="Same positions, same depth: only the ETH holders' margin mode changed, and "
                   "with it the forced BTC selling.",
               hints={0: "In isolated margin a position has only its own margin behind it.",
                      2: "Both crowds face the same depth, 30,000 USD per 1 %."}),
        Choice("At 2x, who ends Black Thursday with more: the cross account or its isolated "
               "twin?", ["cross", "isolated"], answer=0,
               why="The free balance kept both cross positions alive through the low."),
    ])
