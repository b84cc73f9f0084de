"""Lesson 7: how far does each margin mode survive, and what does it lose there?

Modelled: an account deposits ``deposit`` USDT and commits ``committed_pct`` % of it as margin at
``leverage`` on Binance's rules: two thirds behind a long ETH position, one third behind a long
BTC position (ETH at 2,000, BTC at 50,000). ETH then falls with BTC still; :func:`survival`
finds with the engine where the first liquidation happens (the ETH liquidation price, in % below
2,000) and what the account has lost once the mark is there. Simplified: BTC does not move, no
funding, the mark jumps straight to the liquidation price.

Two tables go with it: :func:`size_by_leverage` (how big a position a balance opens at each
leverage, and how far it survives) and :func:`venue_liquidation_prices` (the same ETH long's
isolated and cross liquidation prices on each venue's rules).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ...engine.contracts import ETH_PERP
from ...engine.exchange import Exchange
from ...engine.formulas import (
    cross_liquidation_price,
    isolated_liquidation_price,
    max_open_quantity,
    position_margin,
)
from ...engine.money import floor_to
from ...engine.numbers import exact, price
from ...engine.rules import BINANCE, venue_rules
from .twins import lots_for
from .waterfall import VENUES, contract_for


def open_twin(mode: str, *, deposit: float = 1_000, leverage=10,
              committed_pct: float = 60) -> Exchange:
    """One account named ``mode``, in margin ``mode``, with the ETH and BTC longs of the
    lesson."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=1_000_000)
    acct = ex.open_account(mode, deposit=deposit, mode=mode, leverage=leverage)
    budget = Decimal(str(deposit)) * Decimal(str(committed_pct)) / 100
    for symbol, share in (("ETH-PERP", Decimal(2) / 3), ("BTC-PERP", Decimal(1) / 3)):
        q = lots_for(budget * share, leverage, ex.marks[symbol], ex.contract(symbol).lot_size)
        if q > 0:
            acct.buy(symbol, q)
    return ex


def survival(mode: str, *, deposit: float = 1_000, leverage=10,
             committed_pct: float = 60) -> dict:
    """``fall %``: how far ETH falls (in %, to the cent of a percent) before the first
    liquidation (None: never); ``lost``, ``lost %``: the equity lost once the mark is there;
    ``closed``: the coins closed by that liquidation."""
    ex = open_twin(mode, deposit=deposit, leverage=leverage, committed_pct=committed_pct)
    acct = ex.account(mode)
    start = acct.equity
    if "ETH-PERP" not in acct.positions:
        return {"fall %": None, "lost": 0.0, "lost %": 0.0, "closed": ""}
    lp = acct.liquidation_price("ETH-PERP")
    if lp is None:
        return {"fall %": None, "lost": 0.0, "lost %": 0.0, "closed": ""}
    tick = ex.contract("ETH-PERP").tick_size
    ex.set_mark("ETH-PERP", floor_to(lp, tick))
    closed = ", ".join(e.symbol.split("-")[0] for e in ex.events.of_kind("liquidation"))
    lost = start - acct.equity
    fall = ((1 - lp / 2000) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {"fall %": float(fall), "lost": float(lost), "lost %": float(lost / start * 100),
            "closed": closed}


def _fall_pct(liquidation_price: Decimal | None, entry: Decimal) -> float:
    """How far (in % of ``entry``) a long's mark falls to reach ``liquidation_price``; 100 when
    there is none (no positive price liquidates it)."""
    if liquidation_price is None:
        return 100.0
    return float((1 - liquidation_price / entry) * 100)


def _price_or_nan(p: Decimal | None) -> float:
    return float("nan") if p is None else float(p)


@exact
def size_by_leverage(*, balance: float = 1_000, entry: float = 2_000,
                     leverages=(2, 3, 5, 10, 20, 50), spec=ETH_PERP,
                     rules=BINANCE) -> pd.DataFrame:
    """The largest isolated long ``balance`` USDT opens at each leverage, and how far the price
    may then fall before it is liquidated.

    Modelled, per leverage L: Q = :func:`~marginlab.engine.formulas.max_open_quantity` (the
    order cost ``Q * EP * (1/L + taker fee [+ fee to close])`` within ``balance`` and the tiers
    allowing L, down to a lot); the position then holds
    :func:`~marginlab.engine.formulas.position_margin` (IM = Q * EP / L, plus the fee to close
    where the venue reserves it), and its liquidation price is the venue's isolated formula on
    that margin (Binance: ``(Q * EP - M - cum) / (Q * (1 - MMR))``, support FAQ "How to
    Calculate Liquidation Price of USDⓈ-M Futures Contracts"). In the first tier that is
    ``EP * (1 - 1/L) / (1 - MMR)`` whatever Q: the size does not change how far a position
    survives, the leverage does. Simplified: one position, entry at the mark, no funding.

    Index ``leverage`` (``"10x"``); columns ``max ETH`` (coins), ``notional`` (USDT),
    ``liquidation price`` (USDT per coin; NaN when no positive price liquidates it),
    ``survives a fall of %`` (100 then), as floats.
    """
    entry = price(entry, "entry price")
    rows = []
    for lev in leverages:
        q = max_open_quantity(balance, entry, lev, spec, rules)
        margin = position_margin(q, entry, lev, spec, rules)
        lp = isolated_liquidation_price("long", q, entry, margin, spec, rules)
        rows.append({"leverage": f"{lev}x", "max ETH": float(q), "notional": float(q * entry),
                     "liquidation price": _price_or_nan(lp),
                     "survives a fall of %": _fall_pct(lp, entry)})
    return pd.DataFrame(rows).set_index("leverage")


def _isolated_on(rules, *, quantity, entry, leverage, deposit) -> tuple[Decimal, Decimal]:
    """Open ``quantity`` ETH long isolated at ``entry`` on a venue's ``rules``; return the margin
    the position holds and its liquidation price, as the account reports them."""
    ex = Exchange(contracts=[contract_for(rules.name)], rules=rules,
                  marks={"ETH-PERP": entry}, insurance_fund=0)
    acct = ex.open_account("trader", deposit=deposit, mode="isolated")
    acct.buy("ETH-PERP", quantity, leverage=leverage)
    return acct.isolated_margin("ETH-PERP"), acct.liquidation_price("ETH-PERP")


@exact
def venue_liquidation_prices(*, leverage=10, quantity=1, entry: float = 2_000,
                             wallet: float = 1_000, venues=VENUES) -> pd.DataFrame:
    """The same long (``quantity`` ETH at ``entry``) under each venue's rules: where it is
    liquidated held isolated at ``leverage``, and held in cross on a wallet of ``wallet`` USDT.
    ``venues``: preset names (or :class:`~marginlab.engine.rules.VenueRules` presets).

    * isolated: an account deposits ``wallet`` USDT and opens the position at ``leverage``;
      the table shows the margin that position then holds and the liquidation price the account
      reports. That margin is the initial margin Q * EP / L on Binance and Hyperliquid, and
      IM + the fee to close Q * EP * taker fee on Bybit (classic) and BitMEX, which reserve it
      (Bybit help center "Order Cost"; BitMEX /app/isolatedMarginExamples; see
      :func:`~marginlab.engine.formulas.position_margin`). With maintenance margin on the entry
      value plus that same fee, their liquidation price is ``EP - (IM - Q * EP * MMR) / Q``
      (Bybit's classic isolated formula).
    * cross: :func:`~marginlab.engine.formulas.cross_liquidation_price` with a wallet balance of
      ``wallet`` USDT once the position is open (the opening fee already paid) and no other
      position.

    Contracts: :func:`~.waterfall.contract_for` (Hyperliquid's MMR is 2 % at its 25x ETH maximum
    as of March 2025; the others use ``ETH_PERP``'s tiers). Simplified: the mark is the entry,
    no funding.

    Index ``venue``; columns ``isolated margin`` (USDT), ``isolated LP``, ``isolated fall %``,
    ``cross LP``, ``cross fall %`` (prices in USDT per ETH, NaN when no positive price
    liquidates; falls in % of the entry, 100 then), floats.
    """
    entry = price(entry, "entry price")
    rows = []
    for venue in venues:
        rules = venue_rules(venue)  # a preset or its name; anything else: ConfigurationError
        margin, iso = _isolated_on(rules, quantity=quantity, entry=entry, leverage=leverage,
                                   deposit=wallet)
        cross = cross_liquidation_price("long", quantity, entry, wallet, contract_for(rules.name),
                                        rules)
        rows.append({"venue": rules.name, "isolated margin": float(margin),
                     "isolated LP": _price_or_nan(iso), "isolated fall %": _fall_pct(iso, entry),
                     "cross LP": _price_or_nan(cross), "cross fall %": _fall_pct(cross, entry)})
    return pd.DataFrame(rows).set_index("venue")
