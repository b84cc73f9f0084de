"""Lesson 13 "Real cases": check yourself. Every number from the replays of
:mod:`marginlab.course.scenarios.cases`."""

from __future__ import annotations

from decimal import Decimal

from ...engine import rulebook
from ..scenarios import CASES, replay_case
from ..scenarios.incidents import WHALE
from ..widgets.quiz import Choice, Number, Quiz

PARTIES = ["the whale", "the backstop vault", "the insurance fund", "the shorts, by ADL"]


def check_yourself() -> Quiz:
    whale = replay_case("eth-whale")
    payer = min(("the whale", "backstop vault", "insurance fund"),
                key=lambda p: whale.who_pays[p])
    case = CASES["eth-whale"]
    deeper = 2 * case.depth  # the lesson shows the loss on the case's own book
    q, mark = int(WHALE["whale"][0]), case.steps[-1].mark
    lost = float(q * (mark - rulebook.book_fill_price(1, Decimal(q), mark, Decimal(deeper),
                                                      case.contract.tick_size)))
    mango_adl = float(replay_case("mango", "Binance").who_pays["the attacker"])
    bitmex = replay_case("black-thursday", "BitMEX")
    return Quiz([
        Choice("In the replay of the Hyperliquid whale, under Hyperliquid's rules, who lost the "
               "most?", PARTIES, answer=PARTIES.index(
                   payer if payer == "the whale" else f"the {payer}"),
               why="The vault took the position over at the mark and had to sell it through a "
                   "thin book; the whale had already taken its profit out.",
               hints={0: "The whale withdrew its profit before the fall: what could it lose?",
                      2: "On Hyperliquid the backstop vault takes over before any fund pays.",
                      3: "Was anyone auto-deleveraged in this replay? Look at the path."}),
        Number(f"The backstop vault took the whale's {q} ETH over at {mark:,}. Had the book been "
               f"twice as deep ({deeper:,} USD per 1 %), how much would selling them have lost?",
               answer=lost, tolerance=1, unit="USDT",
               hint="F = P (1 - 0.005 Q P / D), and the loss is Q (P - F).",
               why=f"0.005 (Q P)^2 / D with Q P = {q * mark:,}."),
        Choice("Mango replayed under Binance's rules (ADL): what does the attacker net?",
               ["about nothing: it pays its fees", "the whole unrealized profit",
                "the insurance fund's 50,000"],
               answer=0 if abs(mango_adl) < 100 else 1,
               why="ADL closes the attacker's own long at the bankrupt short's price: the "
                   "profit of one account pays the loss of the other.",
               hints={1: "Who is the only winner when attacker A goes bankrupt?",
                      2: "With a deficit larger than the fund, does the fund pay under ADL?"}),
        Choice("Black Thursday on BitMEX: why was nobody auto-deleveraged, in 2020 and in the "
               "replay?", ["its insurance fund could pay every deficit",
                           "no position went bankrupt", "BitMEX has no ADL"],
               answer=0 if bitmex.adl.empty and bitmex.covered["insurance fund paid"] > 0
               else 1,
               why="The fund fell (2,606 XBT in one day) but did not run dry.",
               hints={1: "Look at the insurance fund along the path: did it pay?",
                      2: "BitMEX does have ADL: set the fund slider to 0 and see."}),
        Choice("10 October: at which price is an auto-deleveraged short closed?",
               ["the bankrupt long's bankruptcy price", "the mark", "its own liquidation price"],
               answer=0,
               why="So the bankrupt position leaves no deficit; the short gives up the "
                   "difference to the mark.",
               hints={1: "Then who would pay the deficit?",
                      2: "The short is in profit: it is nowhere near its liquidation price."}),
    ])
