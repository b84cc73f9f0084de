"""Lesson 4's check-yourself: one losing trade drains the pool."""

from __future__ import annotations

from ..scenarios import replay_twins
from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    end30 = replay_twins(crash_pct=30).pools.groupby("mode").tail(1).set_index("mode")
    return Quiz([
        Choice("In the 30 % crash, why was the cross account's BTC position closed?",
               ["BTC's price fell through its own liquidation price",
                "the insurance fund took it",
                "the cross pool's equity was gone, and then every cross position is closed"],
               answer=2,
               why="BTC hardly moved; it was backed by the same pool the ETH loss drained. "
                   "With the equity gone, every venue closes the whole cross account.",
               hints={0: "Look at the BTC price: it barely moved.",
                      1: "The insurance fund pays deficits; it does not take healthy positions."}),
        Choice("ETH dips 10 % and then fully recovers. Which twin ends with more equity?",
               ["isolated", "cross"], answer=1,
               why="The pool carried the ETH long through the dip; isolated had closed it at a "
                   "loss.", hints={0: "Which twin still holds ETH when the price comes back?"}),
        Choice(f"After the 30 % crash the isolated twin still has "
               f"{end30.loc['isolated', 'equity']:,.0f} USDT. Where does that money come from?",
               ["a refund from the insurance fund",
                "the free balance and the BTC margin, which the ETH loss could not touch",
                "profit on ETH"], answer=1,
               why="Isolated margin ring-fences each position: the ETH loss stopped at its "
                   "margin."),
    ])
