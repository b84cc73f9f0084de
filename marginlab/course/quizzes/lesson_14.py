"""Lesson 14's "Check yourself": designing an exchange against the stress scenarios."""

from __future__ import annotations

from ..scenarios.capstone import (
    PRESET_DESIGNS,
    TIER_TABLES,
    WHALE_NOTIONAL,
    Design,
    baselines,
    score,
)
from ..widgets.quiz import Choice, Number, Quiz

SHARING = ["the most profitable, most levered opposite positions, closed at the bankrupt "
           "trader's price", "every winner, pro rata to its profit",
           "every open position of the market, long or short, the same amount per unit"]


def check_yourself() -> Quiz:
    """Four questions; every answer comes from :mod:`marginlab.course.scenarios.capstone`."""
    table = baselines()
    broken = {name: int((~score(d).drop(index="total")["passes"].astype(bool)).sum())
              for name, d in PRESET_DESIGNS.items()}
    names = list(broken)
    fewest = names.index(min(names, key=broken.get))
    steep = Design(max_leverage=50, tiers=TIER_TABLES["steep"]).contracts()[0]
    whale_lev = float(steep.max_leverage(WHALE_NOTIONAL))
    flat = Design(max_leverage=50, tiers=TIER_TABLES["flat"], insurance_fund=250_000)
    crash = score(flat).loc["crash"]
    crash_holds = bool(crash["passes"])
    return Quiz([
        Choice("With the same 25,000 USDT fund, which preset breaks in the fewest scenarios?",
               names, answer=fewest,
               why=f"{names[fewest]} offers only {table.loc[names[fewest], 'max leverage']}x: "
                   f"the crowd cannot take more, so fewer traders go bankrupt.",
               hints={k: "Count the scenarios each preset fails in the table." for k in
                      range(len(names)) if k != fewest}),
        Number("The steep tiers allow 50x on a small position. At what leverage at most can the "
               f"whale open {WHALE_NOTIONAL:,} USD of ETH?", answer=whale_lev, tolerance=0.01,
               unit="x", hint="Find the tier whose range holds the whale's notional.",
               why="Tiers, not the headline maximum, decide what a large position may take."),
        Choice("The fund is empty and a bankrupt trader's loss remains. Under ADL, who pays?",
               SHARING, answer=0, why="ADL closes the top of the queue at the bankruptcy price.",
               hints={1: "That is a socialized loss.",
                      2: "That is Drift's spreading over open interest."}),
        Choice("50x, flat tiers and the largest fund this venue can raise (250,000 USDT): does "
               "it hold in the market-wide crash?", ["yes", "no"],
               answer=0 if crash_holds else 1,
               why=f"At 50x a gap of 18 % on ETH and 12 % on BTC bankrupts most longs, many by "
                   f"several times their deposits: the fund paid {crash['fund loss']:,.0f} USDT, "
                   f"the ADL queue {crash['haircuts']:,.0f}, and {crash['unrecovered']:,.0f} "
                   f"USDT was left that nobody paid."
               if not crash_holds else "The fund is large enough here.",
               hints={0: "Look at how much nobody paid in the crash at high leverage.",
                      1: "Look at the fund left at the end."}),
    ])
