"""Lesson 0's check-yourself: the twin accounts of the teaser."""

from __future__ import annotations

from ..widgets.quiz import Choice, Quiz


def check_yourself() -> Quiz:
    return Quiz([
        Choice("Which twin still holds its ETH long when ETH is at 1,700?", ["isolated", "cross"],
               answer=1, why="Its ETH long is backed by the whole pool, not just its own margin.",
               hints={0: "The isolated ETH long had only its own 400 USDT behind it."}),
        Choice("Which twin has more left after ETH reaches 1,300?", ["cross", "isolated"],
               answer=1, why="The loss stopped at the ETH margin; in cross it took the pool.",
               hints={0: "Look at the chart: what is the cross account's equity at the end?"}),
    ])
