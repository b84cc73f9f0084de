"""Lesson 11: what holding a perpetual costs: fees, the mark against the index, and funding.

Three stories, each on the engine (:class:`~marginlab.engine.exchange.Exchange`):

* **Fees** (:func:`first_trade_fees`): lesson 0's first trade (1,000 USDT deposited, long 2 ETH
  at 2,000 and 0.01 BTC at 50,000 at 10x, cross) on each venue's rules. Every fee is a rate on
  the notional, ``fee = Q * P * f`` (taker ``f`` for a market order, maker for a resting limit
  order), paid out of the wallet into the fee pool::

      wallet after the trade = deposit - sum of Q * P * f_taker          (1,000 -> 997.75)

  Bybit (classic) and BitMEX also *reserve* the fee to close, ``Q * P * f_taker``, next to the
  initial margin (order cost = IM + fee to open + fee to close): the wallet is the same, the
  available balance is lower. Closing pays that fee on every venue.
* **Mark against index** (:func:`basis_liquidation`): an isolated long on a seeded index path
  whose mark opens a basis ``b`` (a fraction of the index) that halves every few hours
  (:func:`marginlab.simulation.basis.basis_shock`): ``M_t = I_t (1 + b_t)``. Liquidation uses
  the mark, so the position dies while the index barely moved.
* **Funding** (:func:`funding_periods`): the same position in an isolated ring and in a cross
  pool, the mark held still, funding paid every period (8 h) at a given rate F::

      payment = size * mark * F              (> 0: the position pays; a long when F > 0)
      isolated margin_n = margin_0 - n * payment
      long liquidation price_n = (Q * EP - margin_n) / (Q * (1 - MMR))

  The isolated ring is liquidated once its equity is down to its maintenance margin; the cross
  pool pays the same amounts out of the whole wallet and lives on.

Simplified: one fee schedule for every venue (the contracts' presets, :func:`fee_schedules`);
the premium is ``(M - I) / I`` (venues use the order book's impact prices, see
:func:`marginlab.rulebook.premium`); funding at a fixed rate in :func:`funding_periods`.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ...engine import formulas, rulebook
from ...engine.contracts import BTC_PERP, ETH_PERP
from ...engine.errors import SimulationSettingError
from ...engine.exchange import Exchange
from ...engine.numbers import ZERO
from ...engine.rules import BINANCE, PRESETS
from ...simulation.basis import basis_shock
from .twins import MODES
from .waterfall import VENUES

FIRST_TRADE = {"ETH-PERP": Decimal(2), "BTC-PERP": Decimal("0.01")}
START = {"ETH-PERP": Decimal(2000), "BTC-PERP": Decimal(50_000)}
ENTRY = START["ETH-PERP"]  # every ETH position of this lesson opens at 2,000
DEPOSIT = Decimal(1000)
PERIOD_HOURS = 8  # Binance, Bybit: funding every 8 hours on most perpetuals
BYBIT_PUBLISHED = {"maker": Decimal("0.0002"), "taker": Decimal("0.00055")}
"""Bybit's base-tier rates for USDT perpetuals (help center "Perpetual & Futures Contract: Fees
Explained", updated 16 October 2024, as displayed in 2025)."""


def _d(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def fee_schedules() -> pd.DataFrame:
    """The fee rates (in %) of the model's contracts, and Bybit's published ones for scale."""
    rows = {f"marginlab {s.symbol} (every venue)": {
        "maker %": float(s.maker_fee * 100), "taker %": float(s.taker_fee * 100),
        "liquidation fee %": float(s.liquidation_fee * 100)} for s in (ETH_PERP, BTC_PERP)}
    rows["Bybit USDT perpetuals, published (base tier)"] = {
        "maker %": float(BYBIT_PUBLISHED["maker"] * 100),
        "taker %": float(BYBIT_PUBLISHED["taker"] * 100), "liquidation fee %": np.nan}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("schedule")


def _first_trade(venue: str, maker: bool = False):
    """Lesson 0's first trade in a fresh cross account on ``venue``'s rules: (exchange,
    account)."""
    ex = Exchange(rules=PRESETS[venue], marks=dict(START))
    acct = ex.open_account("trader", deposit=DEPOSIT, mode="cross", leverage=10)
    for symbol, q in FIRST_TRADE.items():
        acct.buy(symbol, q, maker=maker)
    return ex, acct


def first_trade_fees(venues=VENUES) -> pd.DataFrame:
    """Per venue, lesson 0's first trade (see the module docstring): its notional, the fee to
    open as a taker and as a maker, the fee to close the venue reserves, the wallet and the
    available balance after the trade, and the wallet after closing both at the same prices."""
    rows = {}
    for venue in venues:
        ex, acct = _first_trade(venue)
        wallet, available = acct.wallet_balance, acct.available_balance
        maker_ex, _ = _first_trade(venue, maker=True)
        reserved = sum((formulas.position_margin(q, START[s], 10, ex.contract(s), ex.rules)
                        - formulas.initial_margin(q, START[s], 10, ex.contract(s))
                        for s, q in FIRST_TRADE.items()), ZERO)
        for symbol in FIRST_TRADE:
            acct.close(symbol)
        rows[venue] = {
            "notional": float(sum(q * START[s] for s, q in FIRST_TRADE.items())),
            "fee to open (taker)": float(DEPOSIT - wallet),
            "fee to open (maker)": float(maker_ex.fee_pool),
            "fee to close reserved": float(reserved),
            "wallet after": float(wallet), "available after": float(available),
            "wallet after closing": float(acct.wallet_balance),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("venue")


def wallet_after_closing(symbols, venue: str = "Binance") -> Decimal:
    """Lesson 0's first trade on ``venue``'s rules, then the positions in ``symbols`` closed at
    the same prices: the wallet balance left (the deposit less every fee paid)."""
    _, acct = _first_trade(venue)
    for symbol in symbols:
        acct.close(symbol)
    return acct.wallet_balance


def basis_liquidation(*, leverage=20, basis=-0.06, at=24, half_life_steps=6, steps=48,
                      seed=0, quantity=1) -> dict:
    """An isolated long of ``quantity`` ETH opened at 2,000 (index = mark) at ``leverage``,
    carried along :func:`~marginlab.simulation.basis.basis_shock`'s hourly index and mark (the
    mark opens ``basis`` at step ``at``). Returns ``{"frame": one row per step (index, mark,
    premium %, the position's liquidation price, equity), "liquidated at": the step (None if
    never), "index move %" and "mark move %" at that step (or at the end), "lowest index",
    "liquidation price"}``. No funding is paid on this path (see :func:`funding_periods`)."""
    shock = basis_shock(s0=float(ENTRY), steps=steps, basis=basis, at=at,
                        half_life_steps=half_life_steps, seed=seed)
    tick = ETH_PERP.tick_size
    ex = Exchange(marks={"ETH-PERP": ENTRY})
    acct = ex.open_account("trader", deposit=DEPOSIT, mode="isolated", leverage=leverage)
    acct.buy("ETH-PERP", quantity)
    liq = acct.liquidation_price("ETH-PERP")
    rows, dead = [], None
    for step in range(1, len(shock.index)):
        index, mark = (_d(round(float(x), 2)).quantize(tick) for x in (shock.index[step],
                                                                       shock.mark[step]))
        ex.set_marks({"ETH-PERP": mark}, index={"ETH-PERP": index})
        alive = "ETH-PERP" in acct.positions
        if not alive and dead is None:
            dead = step
        rows.append({"step": step, "index": float(index), "mark": float(mark),
                     "premium %": float(rulebook.premium(mark, index) * 100),
                     "liquidation price": float(liq) if alive else np.nan,
                     "equity": float(acct.equity)})
    frame = pd.DataFrame(rows).set_index("step")
    row = frame.loc[dead] if dead else frame.iloc[-1]
    return {"frame": frame, "liquidated at": dead, "liquidation price": float(liq),
            "index move %": (row["index"] / float(ENTRY) - 1) * 100,
            "mark move %": (row["mark"] / float(ENTRY) - 1) * 100,
            "lowest index": float(frame["index"].min()), "leverage": leverage}


def funding_rate_examples(premiums=("0", "0.0003", "0.002", "-0.002", "0.05"),
                          spec=ETH_PERP) -> pd.DataFrame:
    """The funding rate (in % per interval) the contract's rule sets for each average premium
    (:func:`marginlab.rulebook.funding_rate`, ``F = clamp(P + clamp(I - P, -c, c), -cap,
    cap)``), with the interest I, dampener c and cap of ``spec``, and who pays at that rate."""
    rows = []
    for p in premiums:
        rate = rulebook.funding_rate(_d(p), spec.funding_interest, spec.funding_clamp,
                                     spec.funding_cap)
        rows.append({"average premium %": float(_d(p) * 100), "funding rate %": float(rate * 100),
                     "who pays": "longs pay shorts" if rate > 0 else
                     "shorts pay longs" if rate < 0 else "nobody"})
    return pd.DataFrame(rows).set_index("average premium %")


def _check_periods(periods) -> int:
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 0:
        raise SimulationSettingError(f"periods must be a whole number of funding periods (0 or "
                                     f"more), got {periods!r}")
    return int(periods)


def _funding_twins(leverage, quantity, side: str) -> tuple[Exchange, dict]:
    """A cross and an isolated account, each with ``DEPOSIT`` and the same position at 2,000."""
    ex = Exchange(marks={"ETH-PERP": ENTRY}, rules=BINANCE)
    accounts = {}
    for mode in MODES:
        acct = ex.open_account(mode, deposit=DEPOSIT, mode=mode, leverage=leverage)
        (acct.buy if side == "long" else acct.sell)("ETH-PERP", quantity)
        accounts[mode] = acct
    return ex, accounts


def _funding_row(period: int, accounts: dict, paid: dict) -> dict:
    holding = [a for a in accounts.values() if "ETH-PERP" in a.positions]
    row = {"period": period, "hours": period * PERIOD_HOURS, "maintenance margin":
           float(holding[0].maintenance_margin("ETH-PERP")) if holding else np.nan}
    for mode, acct in accounts.items():
        alive = "ETH-PERP" in acct.positions
        row[f"{mode} paid"] = float(paid[mode])
        if mode == "isolated":
            row["isolated margin"] = float(acct.isolated_margin("ETH-PERP")) if alive else 0.0
        else:
            row["cross wallet"] = float(acct.wallet_balance)
        row[f"{mode} liquidation price"] = \
            float(acct.liquidation_price("ETH-PERP")) if alive else np.nan
        row[f"{mode} alive"] = alive
    return row


def funding_periods(*, rate, periods, leverage=20, quantity=1, side="long") -> pd.DataFrame:
    """The funding twins (see the module docstring) over ``periods`` funding periods at
    ``rate`` per period (0.001 is 0.1 % per 8 h), the mark held at 2,000: one row per period
    (0 = just opened) with the position's maintenance margin (the same in both: the mark does
    not move), what each account has paid so far (> 0 paid, < 0 received), the isolated
    margin and the cross wallet, each position's liquidation price (NaN once liquidated) and
    whether it is still open."""
    n = _check_periods(periods)
    if side not in ("long", "short"):
        raise SimulationSettingError(f"side must be 'long' or 'short', got {side!r}")
    ex, accounts = _funding_twins(leverage, _d(quantity), side)
    paid = {mode: ZERO for mode in accounts}
    rows = [_funding_row(0, accounts, paid)]
    for period in range(1, n + 1):
        start = len(ex.events)
        ex.apply_funding("ETH-PERP", rate)
        for e in ex.events.since(start):
            if e.kind == "funding":
                paid[e.trader] -= e.amount  # the event's amount is what the account received
        rows.append(_funding_row(period, accounts, paid))
    return pd.DataFrame(rows).set_index("period")


def funding_summary(table: pd.DataFrame) -> dict:
    """What a :func:`funding_periods` table says: the period at which the isolated ring was
    liquidated (None if it lived), what each account had paid by then, and at the end."""
    dead = table.index[~table["isolated alive"]]
    first = int(dead[0]) if len(dead) else None
    at = table.loc[first] if first is not None else table.iloc[-1]
    end = table.iloc[-1]
    return {"isolated liquidated at": first, "hours": None if first is None else
            first * PERIOD_HOURS, "isolated paid": float(end["isolated paid"]),
            "cross paid by then": float(at["cross paid"]), "cross paid": float(end["cross paid"]),
            "cross alive": bool(end["cross alive"]), "cross wallet": float(end["cross wallet"])}
