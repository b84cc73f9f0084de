"""Lesson 10's check-yourself questions: how venues unwind an account (numbers from
:mod:`marginlab.course.scenarios.unwinding`)."""

from __future__ import annotations

from ..scenarios.unwinding import (
    LESSON_4_CRASH,
    VENUES,
    rescue_case,
    unwind_crash,
    unwinding_table,
)
from ..widgets.quiz import Choice, Quiz

DEEPER_CRASH = 20
"""Case (b)'s account on a deeper fall: Binance's to-compliance steps leave it at its limit."""


def check_yourself() -> Quiz:
    """Four questions: the crash where every policy loses everything, why partial liquidation
    cannot stop part-way at small size, the large account on a deeper fall (liquidation after
    liquidation), the backstop vault."""
    crash = unwinding_table(**LESSON_4_CRASH)
    case = rescue_case()
    deeper = {**case, "crash_pct": DEEPER_CRASH}
    binance = unwind_crash("Binance", **deeper)
    teaching = unwind_crash(VENUES[0], **deeper).row
    return Quiz([
        Choice("In lesson 4's crash (ETH -30 % in 20 steps, 10x), which venue's policy leaves "
               "the trader more than the all-at-once teaching model?",
               ["Binance (to compliance)", "Hyperliquid (chunks)",
                "none: the equity was gone in one step, and every policy then closes "
                "everything"], answer=2,
               why=f"Every venue ends at {crash['final equity'].max():,.0f} USDT; the insurance "
                   f"fund pays the {-crash['insurance fund change'].iloc[0]:,.2f} USDT gap.",
               hints={0: "Look at the equity one step before and at the liquidation.",
                      1: "Chunks are for positions above 100,000 USDT, and equity was gone."}),
        Choice("Why can Binance's to-compliance step not stop part-way for the 1,000 USDT "
               "trader?",
               ["closing a unit frees 0.5 % of its value in maintenance margin but costs 1.25 % "
                "in liquidation fee: each unit closed makes the margin ratio worse",
                "Binance closes every position of a cross account by rule",
                "the position is too small to be split into lots"], answer=0,
               why="Partial liquidation helps only where the tier's rate is above the fee rate.",
               hints={1: "Binance's protocol tries one order 'without fully liquidating'.",
                      2: "2.1 ETH is 2,100 lots of 0.001."}),
        Choice(f"The {deeper['deposit']:,} USDT account of case (b), but ETH falls "
               f"{DEEPER_CRASH} % (not {case['crash_pct']} %) over {deeper['slide']} "
               f"steps, then comes back. Which ends with more equity?",
               ["Binance: to compliance closes only what it must",
                "the all-at-once teaching model",
                "neither: both keep the same share of the pool"], answer=1,
               why=f"Binance's policy needs {binance.row['liquidation steps']} liquidation steps "
                   f"and ends with {binance.row['pool kept %']:.0f} % of the pool; the teaching "
                   f"model closes everything once and keeps {teaching['pool kept %']:.0f} %. "
                   f"Each partial step leaves the account at its limit, so the fall goes on "
                   f"liquidating it, each time paying the fee.",
               hints={0: "Set the app to this case and count Binance's dots.",
                      2: "Read the title: the two shares differ."}),
        Choice("On Hyperliquid a cross account's equity is above zero but below 2/3 of its "
               "maintenance margin. Where does what is left go?",
               ["back to the trader", "to the backstop vault, with the positions",
                "to the insurance fund as a fee"], answer=1,
               why="The liquidator vault takes the positions and the collateral over; the "
                   "maintenance margin is not returned (Hyperliquid docs, liquidations)."),
    ])
