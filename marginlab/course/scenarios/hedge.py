"""Lesson 3: a hedge (long BTC, short ETH) in one cross pool vs two isolated rings.

Modelled: both twins deposit ``deposit`` USDT and open the same legs of equal notional at
``leverage`` on Binance's rules: long 0.04 BTC at 50,000 and short 1 ETH at 2,000. The market
then moves by ``market_pct`` % (both coins) and ETH by ``spread_pct`` % more, in one step; with
``back`` both marks then return to the start. In cross the BTC loss is paid by the ETH gain; in
isolated each leg has only its own margin, so a big move liquidates one leg and breaks the hedge.
Simplified: instant moves, no funding, fills at the mark.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.exchange import Exchange
from .twins import MODES

LEGS = {"BTC-PERP": ("long", "0.04", 50_000), "ETH-PERP": ("short", "1", 2_000)}


def hedge_twins(*, market_pct: float, spread_pct: float = 0.0, leverage=10,
                deposit: float = 1_000, back: bool = False) -> Exchange:
    """Open the hedge in a cross and an isolated account, move both marks at once and, with
    ``back``, return them to where they started (a round trip)."""
    ex = Exchange(marks={s: p for s, (_, _, p) in LEGS.items()}, insurance_fund=100_000)
    for mode in MODES:
        acct = ex.open_account(mode, deposit=deposit, mode=mode, leverage=leverage)
        for symbol, (side, qty, _) in LEGS.items():
            (acct.buy if side == "long" else acct.sell)(symbol, qty)
    m, s = Decimal(str(market_pct)) / 100, Decimal(str(spread_pct)) / 100
    ex.set_marks({
        "BTC-PERP": (Decimal(50_000) * (1 + m)).quantize(Decimal("0.1")),
        "ETH-PERP": (Decimal(2_000) * (1 + m) * (1 + s)).quantize(Decimal("0.01")),
    })
    if back:
        ex.set_marks({symbol: p for symbol, (_, _, p) in LEGS.items()})
    return ex


def _legs_open(account) -> str:
    """The coins the account still holds, ``"BTC + ETH"``, or ``"none"``."""
    return " + ".join(s.split("-")[0] for s in sorted(account.positions)) or "none"


def hedge_after_moves(*, moves=(-30, -20, -10, -5, 5, 10, 20, 30), spread_pct: float = 0.0,
                      leverage=10, deposit: float = 1_000, back: bool = False) -> pd.DataFrame:
    """The hedge twins (:func:`hedge_twins`) after each market move in ``moves`` (%, both coins
    at once, ETH ``spread_pct`` % more): which legs each twin still holds and its equity.

    The legs have equal notional N = 2,000, so a common move m changes the cross pool by
    N * m - N * m = 0: the cross equity stays at the deposit less the two opening fees. Each
    isolated leg has only its initial margin N / L; a move of about 1 / L against it liquidates
    it (Binance's isolated liquidation price, ``long: EP * (1 - 1/L) / (1 - MMR)``), after which
    the isolated twin holds one naked leg: equity = deposit - fees - N / L + N * |m|.
    Modelled and simplified as in the module docstring (one instant move, no funding).

    Index ``market move %``; columns ``cross legs open``, ``cross equity``,
    ``isolated legs open``, ``isolated equity`` (legs as ``"BTC + ETH"``, ``"BTC"``... or
    ``"none"``; equity in USDT, as floats).
    """
    rows = []
    for move in moves:
        ex = hedge_twins(market_pct=move, spread_pct=spread_pct, leverage=leverage,
                         deposit=deposit, back=back)
        row = {"market move %": move}
        for mode in MODES:
            acct = ex.account(mode)
            row[f"{mode} legs open"] = _legs_open(acct)
            row[f"{mode} equity"] = float(acct.equity)
        rows.append(row)
    return pd.DataFrame(rows).set_index("market move %")


def room_to_liquidation_pct(account, symbol: str) -> float | None:
    """How far (in % of the mark) the mark may still move against this leg before it is
    liquidated: ``|liquidation price / mark - 1| * 100``; None if the leg has no liquidation
    price, 0 if it is gone."""
    if symbol not in account.positions:
        return 0.0
    lp = account.liquidation_price(symbol)
    if lp is None:
        return None
    mark = account.exchange.marks[symbol]
    return float(abs(lp / mark - 1) * 100)


def cross_pool_by_hand(*, market_pct: float = 0.0, leverage=10, deposit: float = 1_000) -> dict:
    """The cross ETH short's liquidation price solved by hand from the pool equation (lesson 3),
    next to the engine's. In cross the whole pool must cover every position's maintenance
    margin; with the BTC long held at its mark (its uPnL U_o and maintenance margin MM_o fixed)
    and the ETH leg (side s = -1, Q, EP, tier MMR and cum) moving to P::

        W + U_o + s * Q * (P - EP) = MM_o + Q * P * MMR - cum
        P = (W + U_o - MM_o - s * Q * EP + cum) / (Q * MMR - s * Q)

    (Binance's cross formula with TMM1 = MM_o and UPNL1 = U_o; support FAQ "How to Calculate
    Liquidation Price of USDⓈ-M Futures Contracts".) Returns the terms ``W`` (wallet),
    ``U_o``, ``MM_o``, ``Q``, ``EP``, ``MMR``, ``cum``, ``by hand`` and ``engine`` (the cross
    account's :meth:`~marginlab.engine.account.Account.liquidation_price`), as floats, after a
    market move of ``market_pct`` % (:func:`hedge_twins`)."""
    ex = hedge_twins(market_pct=market_pct, leverage=leverage, deposit=deposit)
    acct = ex.account("cross")
    btc, eth = acct.position("BTC-PERP"), acct.position("ETH-PERP")
    u_o = btc.unrealized_pnl(ex.mark("BTC-PERP"))
    mm_o = acct.maintenance_margin("BTC-PERP")
    engine = acct.liquidation_price("ETH-PERP")
    spec, q, ep, s = ex.contract("ETH-PERP"), abs(eth.size), eth.entry_price, -1
    tier = spec.tier(q * engine)
    wallet = acct.wallet_balance
    by_hand = (wallet + u_o - mm_o - s * q * ep + tier.cum) / (q * tier.mmr - s * q)
    return {"W": float(wallet), "U_o": float(u_o), "MM_o": float(mm_o), "Q": float(q),
            "EP": float(ep), "MMR": float(tier.mmr), "cum": float(tier.cum),
            "by hand": float(by_hand), "engine": float(engine)}
