"""The scenarios of exercises 7-11 (lessons 5, 6, 8 and 9), built with the engine: who pays when a
position is liquidated past its bankruptcy price, how much a partial liquidation closes, how a
cascade feeds on itself, and how likely a liquidation is. marginlab.check grades against them.

Every account trades ETH-PERP on Binance's rules (:data:`marginlab.engine.rules.BINANCE`: MM on
the mark, liquidation at the mark, liquidation fee 1.25 % to the insurance fund, partial
liquidation "to compliance"), opened at 2,000.

* **Gap** (exercise 8): short 5 ETH at 2,200 at 10x isolated (1,100 USDT of margin); ETH gaps up
  to 2,480, past the bankruptcy price, and the insurance fund pays the rest.
* **Partial liquidation** (exercise 9): a cross account of 400,000 USDT long 1,500 ETH at 10x
  (3M notional: the 5 % tier, maintenance amount 70,365); ETH falls to 1,770.
* **Socialized loss** (exercise 10): exercise 5's market, but the venue socializes the deficit.
* **Cascade** (exercise 11): four isolated longs at 20x, 12x, 8x and 5x; a 6 % shock and a book
  that moves 1 % per 4,000 USD of forced selling (:func:`marginlab.simulation.market.cascade`).
* **Odds** (exercise 12): 400 seeded price paths of ETH (80 % a year, hourly, 7 days) and the
  liquidation price of an 8x isolated long.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..engine.exchange import Exchange
from ..engine.rules import BINANCE
from ..simulation.market import cascade
from ..simulation.montecarlo import wilson_interval
from ..simulation.paths import gbm
from . import practice
from .scenarios import protocols

ETH = "ETH-PERP"

# --- exercise 8: the bankruptcy price and the insurance fund's payment on a gap ---------------
GAP_SHORT = (Decimal(5), Decimal(2200), 10)  # quantity, entry, leverage: 1,100 USDT of margin
GAP_MARK = Decimal(2480)


def gap_market(fund=10_000) -> Exchange:
    """The gap short, isolated, with ``fund`` in the insurance fund."""
    qty, entry, leverage = GAP_SHORT
    ex = Exchange(marks={ETH: entry}, insurance_fund=fund)
    ex.open_account("gus", deposit=2_000, mode="isolated").sell(ETH, qty, leverage=leverage)
    return ex


def gap_bankruptcy_price() -> Decimal:
    return gap_market().account("gus").to_frame().loc[ETH, "bankruptcy price"]


def gap_fund_payment() -> Decimal:
    """What the insurance fund pays when ETH gaps to :data:`GAP_MARK`."""
    ex = gap_market()
    before = ex.insurance_fund
    ex.set_mark(ETH, GAP_MARK)
    return before - ex.insurance_fund


def gap_replay() -> str:
    """The engine's messages for the liquidation and the insurance fund at the gap."""
    ex = gap_market()
    start = len(ex.events)
    ex.set_mark(ETH, GAP_MARK)
    return "\n".join(e.message for e in ex.events.since(start)
                     if e.kind in ("liquidation", "insurance fund"))


# --- exercise 9: how much one to-compliance step closes ---------------------------------------
PARTIAL = (Decimal(1500), 10, 400_000)  # quantity, leverage, deposit
PARTIAL_MARK = Decimal(1770)


def partial_market() -> Exchange:
    qty, leverage, deposit = PARTIAL
    ex = Exchange(rules=BINANCE, marks={ETH: practice.START[ETH]}, insurance_fund=0)
    ex.open_account("pat", deposit=deposit).buy(ETH, qty, leverage=leverage)
    return ex


def partial_closed() -> Decimal:
    """ETH the first liquidation step closes when ETH falls to :data:`PARTIAL_MARK`."""
    ex = partial_market()
    ex.set_mark(ETH, PARTIAL_MARK)
    pos = ex.account("pat").positions.get(ETH)
    return PARTIAL[0] - (pos.size if pos else 0)


def partial_replay() -> str:
    ex = partial_market()
    ex.set_mark(ETH, PARTIAL_MARK)
    return "\n".join(e.message for e in ex.events.of_kind("liquidation"))


# --- exercise 10: the same gap as exercise 5, the loss socialized --------------------------------
def socialized_market() -> Exchange:
    """Exercise 5's market on a venue that socializes a deficit pro rata to profit."""
    return practice.adl_market(rules=BINANCE.but(loss_sharing="socialize"))


def socialized_shares() -> dict[str, Decimal]:
    """USDT each short gives up when ETH gaps to exercise 5's mark."""
    ex = socialized_market()
    ex.set_mark(ETH, practice.ADL_GAP_MARK)
    return {e.trader: -e.amount for e in ex.events.of_kind("socialized loss")}


# --- exercise 11: a cascade -------------------------------------------------------------------
CASCADE_LONGS = {"ivan": (5, 20), "judy": (4, 12), "ken": (6, 8), "lena": (3, 5)}
CASCADE_SHOCK, CASCADE_DEPTH = Decimal("-0.06"), Decimal(4_000)


def cascade_market() -> Exchange:
    ex = Exchange(marks={ETH: practice.START[ETH]}, insurance_fund=100_000)
    for name, (qty, leverage) in CASCADE_LONGS.items():
        ex.open_account(name, deposit=10_000, mode="isolated").buy(ETH, qty, leverage=leverage)
    return ex


def cascade_longs() -> pd.DataFrame:
    """The four longs before the shock: size, leverage and liquidation price."""
    ex = cascade_market()
    rows = {n: {"long ETH": float(qty), "leverage": float(leverage),
                "liquidation price": float(ex.account(n).liquidation_price(ETH))}
            for n, (qty, leverage) in CASCADE_LONGS.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("trader")


def cascade_table() -> pd.DataFrame:
    """:func:`marginlab.simulation.market.cascade` on the cascade market: one row per round."""
    return cascade(cascade_market(), {ETH: CASCADE_SHOCK}, {ETH: CASCADE_DEPTH})


def cascade_replay() -> str:
    """The cascade round by round: price, forced selling and liquidations."""
    table = cascade_table()[["round", "price", "forced sell notional", "liquidations"]]
    return table.to_string(index=False)


def cascade_liquidated() -> list[str]:
    ex = cascade_market()
    cascade(ex, {ETH: CASCADE_SHOCK}, {ETH: CASCADE_DEPTH})
    return sorted(n for n in CASCADE_LONGS if ETH not in ex.account(n).positions)


def cascade_final_price() -> Decimal:
    return Decimal(str(cascade_table()["price"].iloc[-1]))


# --- exercise 12: how likely, and how sure ----------------------------------------------------
ODDS_PATHS, ODDS_HOURS, ODDS_VOL, ODDS_SEED, ODDS_LEVERAGE = 400, 24 * 7, 0.8, 11, 8


def odds_paths() -> np.ndarray:
    """ETH prices, one row per path, hourly for 7 days from 2,000 (GBM, 80 % a year, seeded)."""
    return gbm(float(practice.START[ETH]), ODDS_VOL, ODDS_HOURS, paths=ODDS_PATHS, seed=ODDS_SEED)


def odds_liquidation_price() -> Decimal:
    """The liquidation price of an 8x isolated ETH long opened at 2,000."""
    ex = Exchange(marks={ETH: practice.START[ETH]})
    ex.open_account("olga", deposit=1_000, mode="isolated").buy(ETH, 1, leverage=ODDS_LEVERAGE)
    return ex.account("olga").liquidation_price(ETH)


def odds_count() -> int:
    """Paths on which the long is liquidated: the price touches the liquidation price."""
    return int((odds_paths().min(axis=1) <= float(odds_liquidation_price())).sum())


def odds_probability() -> float:
    return odds_count() / ODDS_PATHS


def odds_interval() -> tuple[float, float]:
    low, high = wilson_interval(odds_count(), ODDS_PATHS)
    return float(low), float(high)


# --- exercise 14: a liquidator's view of a protocol's public state (lesson 12) --------------------
LIQUIDATOR_ORACLE = Decimal(1830)  # 14a
SHORTAGE_ORACLE = Decimal(1860)  # 14b


def protocol_public_state() -> pd.DataFrame:
    """Lesson 12's ETH market as anyone reads it on chain: each account's collateral (USDC) and
    position (ETH, + long, - short), every position entered at 2,000, cross margin."""
    return pd.DataFrame([{"trader": t, "collateral USDC": float(c), "ETH": float(q),
                          "entry": float(protocols.ORACLE)}
                         for t, (q, c) in protocols.ACCOUNTS.items()]).set_index("trader")


def liquidatable_on(protocol: str, oracle=LIQUIDATOR_ORACLE) -> list[str]:
    """The accounts whose equity is at or below maintenance margin at ``oracle`` on
    ``protocol``'s rules (:func:`protocols.health_table`)."""
    table = protocols.health_table(protocol, oracle)
    return [str(t) for t in table.index[table["liquidatable"]]]


def liquidatable_accounts() -> list[str]:
    """14a: what a liquidator bot finds on Drift v2 at :data:`LIQUIDATOR_ORACLE`."""
    return liquidatable_on("Drift v2")


def drift_base_to_close() -> Decimal:
    """14b: ann's ETH that Drift's shortage formula closes at :data:`SHORTAGE_ORACLE`."""
    return protocols.drift_shortage(SHORTAGE_ORACLE)["base by formula"]


def drift_replay() -> str:
    """What Drift's engine does at :data:`SHORTAGE_ORACLE` (lesson 12's market): the ETH it
    closes of each account, the fees, and the margin ratio left."""
    r = protocols.drift_shortage(SHORTAGE_ORACLE)
    return (f"oracle {r['oracle']:,.2f}: ann's shortage {r['shortage']:,.2f} USDC; the engine "
            f"closed {r['ETH closed']} ETH (the formula: {r['base by formula']:,.3f}, rounded up "
            f"to a lot), paid {r['to liquidator']:,.2f} to the liquidator and "
            f"{r['to insurance fund']:,.2f} to the insurance fund; margin ratio after "
            f"{float(r['margin ratio after']) * 100:.1f} %")
