"""Lesson 12, "Protocol margin engines": check yourself.

Every number is computed from :mod:`marginlab.course.scenarios.protocols` when the quiz is built:
the same account (``ann``, long 60 ETH at 2,000 on 12,500 USDC) on Hyperliquid, dYdX v4 and
Drift v2.
"""

from __future__ import annotations

from ..scenarios.protocols import PROTOCOLS, drift_shortage, same_account
from ..widgets.quiz import Choice, Number, Quiz

WHO_LIQUIDATES = ["none of them", "Hyperliquid only", "dYdX v4 and Drift v2", "all three"]


def _who(liquidatable: list[bool]) -> int:
    """The option of :data:`WHO_LIQUIDATES` that names the protocols flagged True."""
    named = [p for p, hit in zip(PROTOCOLS, liquidatable, strict=True) if hit]
    if not named:
        return 0
    if len(named) == len(PROTOCOLS):
        return 3
    return 1 if named == ["Hyperliquid"] else 2


def check_yourself() -> Quiz:
    """Six questions: which protocol liquidates first, the dYdX fee, the backstop vault, Drift's
    shortage, where a Drift bankruptcy goes, and why anyone can read every account's health."""
    at_1835 = same_account(1835)  # the lesson prints 1,840, 1,825, 1,800, 1,760 and 1,880
    at_1810 = same_account(1810)
    backstop = 1 if at_1810.loc["Hyperliquid", "to backstop vault"] > 0 else 0
    shortage = drift_shortage(1870)
    who = _who(list(at_1835["liquidatable"]))
    return Quiz([
        Choice("ETH's oracle falls from 2,000 to 1,835. Which protocols can liquidate ann?",
               WHO_LIQUIDATES, answer=who,
               why="Same equity everywhere; only the maintenance rates differ: 2 % on "
                   "Hyperliquid, 3 % on dYdX, 5 % on the Drift model market.",
               hints={k: "Compare ann's equity at 1,835 with 60 x 1,835 x MMR on each protocol."
                      for k in range(len(WHO_LIQUIDATES)) if k != who}),
        Number("At 1,835, how much of ann's collateral goes to dYdX's insurance fund?",
               answer=float(at_1835.loc["dYdX v4", "to insurance fund"]), tolerance=1,
               unit="USDC", hint="min(what is left, 0.5 % of the notional closed)."),
        Choice("The oracle falls from 2,000 to 1,810 in one step. On Hyperliquid, where do "
               f"ann's remaining {at_1810.loc['Hyperliquid', 'equity']:,.0f} USDC of equity go?",
               ["ann keeps them: a market order sells 20 % of the position",
                "to the backstop vault (HLP's liquidator), with the position",
                "to an insurance fund, as a liquidation fee",
                "to a third-party liquidator, as its fee"], answer=backstop,
               why="Equity is below 2/3 of the maintenance margin 60 x 1,810 x 2 %: a backstop "
                   "liquidation hands the positions and the collateral to the vault.",
               hints={k: "Compare the equity with 2/3 of 60 x 1,810 x 2 %: which liquidation "
                         "does Hyperliquid use there?" for k in range(4) if k != backstop}),
        Number("At 1,870, how many ETH does Drift's shortage formula close (3 decimals)?",
               answer=float(shortage["ETH closed"]), tolerance=0.01, unit="ETH",
               hint="base = shortage / (P (m + buffer) - P (liquidator fee + insurance fee))."),
        Choice("A Drift account goes bankrupt and the insurance fund cannot pay it all. Who pays "
               "the rest?",
               ["the profitable shorts, in ADL order", "the liquidator",
                "every open position of the market, per unit of base, longs and shorts alike",
                "nobody"], answer=2,
               why="Drift bumps the market's cumulative funding: a loss per unit of open "
                   "interest.",
               hints={0: "That is dYdX's deleveraging and Hyperliquid's ADL.",
                      1: "The liquidator is paid a fee; it does not cover deficits.",
                      3: "Someone always pays: on Drift, the open interest."}),
        Choice("Why can anyone compute every account's margin ratio on these protocols, "
               "exactly as the protocol does?",
               ["balances, positions and oracle prices are on chain, and the rules are public "
                "code",
                "the protocol's staff publish the accounts to liquidate",
                "only validators can see the accounts"], answer=0,
               why="Public state: anyone can compute every account's health as the protocol "
                   "does.",
               hints={1: "There is no staff deciding: the rules are code.",
                      2: "Account state is on chain, readable by everyone."}),
    ])
