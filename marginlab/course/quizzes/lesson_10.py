"""Lesson 10's check-yourself questions: how venues unwind an account (numbers from
:mod:`marginlab.course.scenarios.unwinding`)."""

from __future__ import annotations

from ..scenarios.unwinding import LESSON_4_CRASH, rescue_case, unwinding_table
from ..widgets.quiz import Choice, Number, Quiz


def check_yourself() -> Quiz:
    """Four questions: the crash where every policy loses everything, why partial liquidation
    cannot stop part-way at small size, the large account it rescues, the backstop vault."""
    crash = unwinding_table(**LESSON_4_CRASH)
    case = rescue_case()
    rescued = unwinding_table(**case)
    kept = float(rescued.loc["Binance", "pool kept %"])
    teaching = float(rescued.iloc[0]["pool kept %"])
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
        Number(f"The {case['deposit']:,} USDT account: ETH falls {case['crash_pct']} % over "
               f"{case['slide']} steps, then comes back. What share of its pool (%) does "
               f"Binance's policy keep? (The teaching model keeps {teaching:.0f} %.)",
               answer=round(kept, 1), tolerance=1.0, unit="%",
               hint="Move the app to this case and read the title.",
               why="It closed just enough ETH to comply and kept the rest through the recovery."),
        Choice("On Hyperliquid a cross account's equity is above zero but below 2/3 of its "
               "maintenance margin. Where does what is left go?",
               ["back to the trader", "to the backstop vault, with the positions",
                "to the insurance fund as a fee"], answer=1,
               why="The liquidator vault takes the positions and the collateral over; the "
                   "maintenance margin is not returned (Hyperliquid docs, liquidations)."),
    ])
