"""The scenarios of the exercises, built with the engine: marginlab.check grades against them.

Every scenario trades ETH-PERP and BTC-PERP on Binance's rules (maintenance margin on the mark,
taker fee 0.05 % on open), opened at ETH 2,000 and BTC 50,000 at 10x.

* **Crash twins** (exercise 3): 1,200 USDT, long 3 ETH and 0.05 BTC, cross or isolated (other
  numbers than lessons 0, 2 and 7, so that no lesson prints the answer).
* **Sizing** (exercise 4): 2,000 USDT, long 0.04 BTC plus an ETH long of your size; the crash is
  ETH -25 % and BTC -10 % at one instant.
* **ADL** (exercise 5): a market like lesson 6's with other traders: a whale long 5 ETH at 20x
  isolated and four cross shorts (:data:`ADL_SHORTS`); ETH gaps to 1,750 and the insurance fund is
  empty.
* **Hedge** (exercise 6): 1,000 USDT, long 0.04 BTC and short an ETH quantity of your choice; the
  market moves 60 % up or down (both coins together).
* **Funding** (exercise 7): lesson 11's isolated long of 2 ETH at 20x, the mark still, funding
  at 0.08 % per 8 h.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..engine.adl import RANKINGS, AdlCandidate
from ..engine.exchange import Exchange
from ..engine.money import floor_to
from ..engine.numbers import ZERO
from ..engine.risk import bucket_risk
from .scenarios.funding import funding_periods, funding_summary

START = {"ETH-PERP": Decimal(2000), "BTC-PERP": Decimal(50_000)}
BTC_LONG = Decimal("0.04")
CENT = Decimal("0.01")
LEVERAGE = 10


def open_account(mode: str, deposit, legs: dict) -> Exchange:
    """An exchange at the start prices with one account named ``mode`` holding ``legs``
    (``{symbol: signed quantity}``: + long, - short), each opened at 10x."""
    ex = Exchange(marks=dict(START), insurance_fund=1_000_000)
    acct = ex.open_account(mode, deposit=deposit, mode=mode, leverage=LEVERAGE)
    for symbol, size in legs.items():
        size = Decimal(str(size))
        if size > 0:
            acct.buy(symbol, size)
        elif size < 0:
            acct.sell(symbol, -size)
    return ex


def moved(fraction) -> dict:
    """Both marks moved by ``fraction`` (-0.6 = 60 % down), on their ticks."""
    f = 1 + Decimal(str(fraction))
    return {"ETH-PERP": (START["ETH-PERP"] * f).quantize(Decimal("0.01")),
            "BTC-PERP": (START["BTC-PERP"] * f).quantize(Decimal("0.1"))}


def liquidated(ex: Exchange, marks: dict) -> list[str]:
    """Move to ``marks`` and return the symbols liquidated there."""
    return [e.symbol for e in ex.set_marks(marks) if e.kind == "liquidation"]


# --- exercise 3: the largest ETH drop a cross account survives, and its isolated twin ----------
TWIN_DEPOSIT = 1_200
CRASH_TWIN = {"ETH-PERP": 3, "BTC-PERP": Decimal("0.05")}


def twin(mode: str) -> Exchange:
    """The crash twin of exercise 3 in ``mode``: 1,200 USDT, long 3 ETH and 0.05 BTC at 10x."""
    return open_account(mode, TWIN_DEPOSIT, CRASH_TWIN)


def largest_eth_drop_pct() -> Decimal:
    """How far ETH can fall (in %, BTC still) before the cross twin is liquidated."""
    acct = twin("cross").account("cross")
    return (1 - acct.liquidation_price("ETH-PERP") / START["ETH-PERP"]) * 100


def isolated_twin_equity_after_drop() -> Decimal:
    """The isolated twin's equity once ETH has fallen one tick past the cross liquidation."""
    lp = twin("cross").account("cross").liquidation_price("ETH-PERP")
    ex = twin("isolated")
    ex.set_mark("ETH-PERP", floor_to(lp, CENT))
    return ex.account("isolated").equity


def twins_replay() -> str:
    """Both twins with ETH at the cross twin's liquidation price, rounded down to the cent."""
    lp = floor_to(twin("cross").account("cross").liquidation_price("ETH-PERP"), CENT)
    lines = []
    for mode in ("cross", "isolated"):
        ex = twin(mode)
        gone = liquidated(ex, {"ETH-PERP": lp})
        lines.append(f"{mode:>8}: liquidated {gone or 'nothing'}, "
                     f"equity {ex.account(mode).equity:,.2f} USDT")
    return "\n".join(lines)


# --- exercise 4: size positions to survive a stated crash -------------------------------------
SIZING_DEPOSIT = 2_000
SIZING_CRASH = {"ETH-PERP": Decimal(1500), "BTC-PERP": Decimal(45_000)}
ISOLATED_ETH_LONG = Decimal(3)


def cross_sizing_liquidated(eth_long) -> list[str]:
    """What the crash liquidates in the cross sizing account with an ETH long of ``eth_long``."""
    ex = open_account("cross", SIZING_DEPOSIT, {"BTC-PERP": BTC_LONG, "ETH-PERP": eth_long})
    return liquidated(ex, SIZING_CRASH)


def largest_cross_eth_long() -> Decimal:
    """The largest ETH long (whole lots) the cross sizing account holds through the crash."""
    lot = Decimal("0.001")
    low, high = 0, 10_000  # in lots: 10 ETH at 10x needs 2,000 of margin, more than is there
    while high - low > 1:  # invariant: low lots survive, high lots do not
        mid = (low + high) // 2
        low, high = (mid, high) if not cross_sizing_liquidated(mid * lot) else (low, mid)
    return low * lot


def isolated_sizing_account(added: dict) -> Exchange:
    """The isolated twin (0.04 BTC and 3 ETH long, 10x) with ``added`` USDT put into each ring."""
    ex = open_account("isolated", SIZING_DEPOSIT,
                      {"BTC-PERP": BTC_LONG, "ETH-PERP": ISOLATED_ETH_LONG})
    acct = ex.account("isolated")
    for symbol, value in added.items():
        if value > 0:
            acct.add_margin(symbol, value)
    return ex


def least_margin_to_add() -> dict[str, Decimal]:
    """Per ring, the USDT to add so that the crash leaves equity just above maintenance
    margin: ``MM(crash) - (isolated margin + uPnL(crash))``, to the cent above."""
    ex = isolated_sizing_account({})
    acct = ex.account("isolated")
    need = {}
    for symbol, pos in acct.positions.items():
        risk = bucket_risk(acct.isolated_margin(symbol), [pos], SIZING_CRASH, ex.contracts,
                           ex.rules)
        short = risk.maintenance - risk.equity
        need[symbol] = max(ZERO, floor_to(short, CENT) + CENT)
    return need


def sizing_replay() -> str:
    """What the crash takes from a 3 ETH long in the cross and in the isolated sizing account,
    with no margin added by hand."""
    cross = cross_sizing_liquidated(ISOLATED_ETH_LONG)
    isolated = liquidated(isolated_sizing_account({}), SIZING_CRASH)
    return (f"cross, 3 ETH: {cross or 'nothing'} liquidated\n"
            f"isolated, 3 ETH: {isolated or 'nothing'} liquidated")


# --- exercise 5: an ADL queue (lesson 6's rules, other traders than lesson 6's) -------------
ADL_GAP_MARK = Decimal(1750)
# name: (ETH short, leverage, deposit)
ADL_SHORTS = {"erin": ("1.5", 10, 800), "frank": ("3", 4, 2_000), "grace": ("2.5", 20, 300),
              "heidi": ("2", 5, 900)}
ADL_WHALE = ("5", 20, 600)  # 5 ETH long at 20x isolated, 600 USDT deposited: bankrupt at 1,900


def adl_market(rules=None) -> Exchange:
    """The whale and the four shorts of :data:`ADL_SHORTS`, all opened at 2,000 on Binance's
    rules (ADL ranked by PnL% x margin ratio) or ``rules``, with an empty insurance fund."""
    ex = Exchange(marks={"ETH-PERP": START["ETH-PERP"]}, insurance_fund=0,
                  **({"rules": rules} if rules is not None else {}))
    qty, leverage, deposit = ADL_WHALE
    ex.open_account("whale", deposit=deposit, mode="isolated").buy("ETH-PERP", qty,
                                                                  leverage=leverage)
    for name, (qty, leverage, deposit) in ADL_SHORTS.items():
        ex.open_account(name, deposit=deposit).sell("ETH-PERP", qty, leverage=leverage)
    return ex


def adl_scores(ex: Exchange, mark=ADL_GAP_MARK) -> dict[str, Decimal]:
    """Each short's ADL score at ``mark`` (the venue's ranking: PnL% x margin ratio)."""
    marks = {"ETH-PERP": Decimal(mark)}
    scores = {}
    for name in ADL_SHORTS:
        acct = ex.account(name)
        pos = acct.position("ETH-PERP")
        risk = bucket_risk(acct.wallet_balance, [pos], marks, ex.contracts, ex.rules)
        candidate = AdlCandidate(name, pos, marks["ETH-PERP"], acct.wallet_balance, risk)
        scores[name] = RANKINGS[ex.rules.adl_ranking](candidate)
    return scores


def adl_ranking() -> list[str]:
    """The shorts in ADL order at the gap mark, highest score first."""
    scores = adl_scores(adl_market())
    return sorted(scores, key=scores.get, reverse=True)


def adl_ranking_by_leverage() -> list[str]:
    """A common mistake: the queue ordered by the leverage chosen at opening."""
    return sorted(ADL_SHORTS, key=lambda n: -ADL_SHORTS[n][1])


def adl_ranking_by_profit() -> list[str]:
    """A common mistake: the queue ordered by unrealized profit in USDT (that is, by size)."""
    return sorted(ADL_SHORTS, key=lambda n: -Decimal(ADL_SHORTS[n][0]))


def adl_deleveraged() -> dict[str, Decimal]:
    """ETH each short has closed by auto-deleveraging when ETH gaps to the gap mark."""
    ex = adl_market()
    ex.set_mark("ETH-PERP", ADL_GAP_MARK)
    taken: dict[str, Decimal] = {}
    for e in ex.events.of_kind("adl"):
        taken[e.trader] = taken.get(e.trader, ZERO) + abs(e.quantity)
    return taken


def adl_replay() -> str:
    """What the engine did at the gap, in its own words."""
    ex = adl_market()
    ex.set_mark("ETH-PERP", ADL_GAP_MARK)
    return "\n".join(e.message for e in ex.events.of_kind("adl"))


# --- exercise 6: a hedge that survives in cross, and breaks in isolated ----------------------
HEDGE_DEPOSIT = 1_000
HEDGE_MOVE = Decimal("0.6")


def hedge_liquidated(eth_short, mode: str = "cross") -> dict[str, list[str]]:
    """What a market move of -60 % and of +60 % liquidates in the hedge account."""
    legs = {"BTC-PERP": BTC_LONG, "ETH-PERP": -Decimal(str(eth_short))}
    return {direction: liquidated(open_account(mode, HEDGE_DEPOSIT, legs),
                                  moved(sign * HEDGE_MOVE))
            for direction, sign in (("down", -1), ("up", 1))}


def hedge_replay(eth_short) -> str:
    """The hedge with ``eth_short`` through both 60 % moves, in both modes, and a round trip
    (60 % down, then all the way back): what each account holds after it."""
    legs = {"BTC-PERP": BTC_LONG, "ETH-PERP": -Decimal(str(eth_short))}
    lines = []
    for mode in ("cross", "isolated"):
        for direction, gone in hedge_liquidated(eth_short, mode).items():
            lines.append(f"{mode:>8}, market {direction} 60 %: liquidated {gone or 'nothing'}")
        ex = open_account(mode, HEDGE_DEPOSIT, legs)
        ex.set_marks(moved(-HEDGE_MOVE))
        ex.set_marks(moved(0))
        acct = ex.account(mode)
        lines.append(f"{mode:>8}, down and back: holds {sorted(acct.positions)}, "
                     f"equity {acct.equity:,.2f} USDT")
    return "\n".join(lines)


def isolated_btc_leg_fall_pct() -> Decimal:
    """The market fall (in %) that liquidates the isolated BTC leg (its 200 USDT margin)."""
    acct = open_account("isolated", HEDGE_DEPOSIT, {"BTC-PERP": BTC_LONG}).account("isolated")
    return (1 - acct.liquidation_price("BTC-PERP") / START["BTC-PERP"]) * 100


# --- what the exercise notebooks show ----------------------------------------------------------
HIDDEN = ["liquidation price", "bankruptcy price"]


def show(acct) -> pd.DataFrame:
    """The account's positions without the columns an exercise asks you to work out."""
    return acct.to_frame().drop(columns=HIDDEN)


def adl_shorts() -> pd.DataFrame:
    """The four shorts of :func:`adl_market`: size, entry, leverage and wallet balance."""
    ex = adl_market()
    rows = {}
    for name in ADL_SHORTS:
        acct = ex.account(name)
        pos = acct.position("ETH-PERP")
        rows[name] = {"short ETH": float(pos.quantity), "entry price": float(pos.entry_price),
                      "leverage": float(pos.leverage),
                      "wallet balance": float(acct.wallet_balance)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("trader")


# --- exercise 7: funding eats an isolated margin (lesson 11) ----------------------------------
FUNDING_RATE = Decimal("0.0008")  # 0.08 % per 8 h
FUNDING_LONG = Decimal(2)
FUNDING_LEVERAGE = 20
FUNDING_AFTER = 10  # periods, for the liquidation price of exercise 7b


def funding_table(periods: int) -> pd.DataFrame:
    """Lesson 11's funding twins for exercise 7: a long of 2 ETH at 2,000, 20x, the mark still,
    funding at 0.08 % per period (:func:`~.scenarios.funding.funding_periods`)."""
    return funding_periods(rate=FUNDING_RATE, periods=periods, leverage=FUNDING_LEVERAGE,
                           quantity=FUNDING_LONG)


def funding_setup() -> dict:
    """What exercise 7 states: the position, its isolated margin and maintenance margin."""
    start = funding_table(0).loc[0]
    return {"long ETH": float(FUNDING_LONG), "entry and mark": float(START["ETH-PERP"]),
            "leverage": FUNDING_LEVERAGE, "isolated margin": float(start["isolated margin"]),
            "maintenance margin": float(start["maintenance margin"]),
            "funding rate % per 8 h": float(FUNDING_RATE * 100)}


def funding_margin_change() -> Decimal:
    """Exercise 7a: how the isolated margin changes with one funding payment (signed)."""
    margin = funding_table(1)["isolated margin"]
    return Decimal(str(round(margin.loc[1] - margin.loc[0], 8)))


def funding_liquidation_price() -> Decimal:
    """Exercise 7b: the isolated liquidation price after ``FUNDING_AFTER`` payments."""
    table = funding_table(FUNDING_AFTER)
    return Decimal(str(table.loc[FUNDING_AFTER, "isolated liquidation price"]))


def funding_periods_to_liquidation() -> int:
    """Exercise 7c: the payment that liquidates the isolated ring."""
    return funding_summary(funding_table(200))["isolated liquidated at"]
