"""Lesson 11's "Check yourself": fees, the mark against the index, and funding."""

from __future__ import annotations

from ..scenarios.funding import funding_periods, funding_summary, wallet_after_closing
from ..widgets.quiz import Choice, Number, Quiz

FUNDING_RATE = 0.001  # 0.1 % per 8 h
LEVERAGE = 5  # the app stops at 120 periods: this ring outlasts it, so the answer is worked out


def check_yourself() -> Quiz:
    """Five questions; every number from :mod:`marginlab.course.scenarios.funding`."""
    closed = wallet_after_closing(["ETH-PERP"])
    table = funding_periods(rate=FUNDING_RATE, periods=250, leverage=LEVERAGE)
    periods = funding_summary(table)["isolated liquidated at"]
    return Quiz([
        Number("Lesson 0's trader (1,000 USDT, long 2 ETH at 2,000 and 0.01 BTC at 50,000, "
               "taker 0.05 %) closes only the ETH long, at the same price, on Binance. What "
               "does the wallet show?", answer=float(closed), tolerance=0.01, unit="USDT",
               hint="Each fill pays notional x taker rate: the open and the close."),
        Choice("ETH's index stays near 2,000 while the perpetual's mark drops 7 %. Which one can "
               "liquidate your long?", ["the index", "neither: only trades can", "the mark"],
               answer=2, why="Margin and liquidation are measured at the mark.",
               hints={0: "The index feeds funding and the mark, but the margin check reads the "
                         "mark.", 1: "No trade is needed: the mark alone moves margin ratios."}),
        Number(f"Funding is +0.1 % per 8 h and the mark stays at 2,000. After how many periods "
               f"is a 1 ETH long with {LEVERAGE}x isolated margin liquidated?",
               answer=float(periods), tolerance=0, unit="periods",
               hint="Each period takes 1 x 2,000 x 0.1 % from the margin; liquidation comes at "
                    "the maintenance margin (0.5 % of 2,000), not at zero."),
        Choice("The funding rate is negative. Who pays whom?",
               ["shorts pay longs", "longs pay shorts", "the exchange pays both"], answer=0,
               why="payment = size x mark x rate: a negative rate makes a long's payment "
                   "negative, so it receives.",
               hints={1: "That is a positive rate.", 2: "Funding goes between traders."}),
        Choice("In the lesson's table, the cross account pays exactly the same funding as the "
               "isolated ring. Why is it not liquidated?",
               ["its whole wallet backs the position, so the same payments are a small bite",
                "cross accounts pay no funding", "its liquidation price does not move"],
               answer=0, why="It pays just as much; its liquidation price creeps up too, from "
                             "much further away.",
               hints={1: "Look at the cross wallet in the app: it shrinks.",
                      2: "It does move: every payment lowers the wallet behind it."}),
    ])
