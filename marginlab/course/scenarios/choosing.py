"""Lesson 7: how far does each margin mode survive, and what does it lose there?

Modelled: an account deposits ``deposit`` USDT and commits ``committed_pct`` % of it as margin at
``leverage`` on Binance's rules: two thirds behind a long ETH position, one third behind a long
BTC position (ETH at 2,000, BTC at 50,000). ETH then falls with BTC still; :func:`survival`
finds with the engine where the first liquidation happens (the ETH liquidation price, in % below
2,000) and what the account has lost once the mark is there. Simplified: BTC does not move, no
funding, the mark jumps straight to the liquidation price.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ...engine.exchange import Exchange
from ...engine.money import floor_to
from .twins import lots_for


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
