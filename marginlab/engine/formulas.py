"""Closed-form answers: liquidation price, bankruptcy price, maximum position size.

Each is the risk function of :mod:`marginlab.risk` solved for the price of one position, every
other position of the bucket held at its mark. Write s = +1 long / -1 short, Q the quantity,
EP the entry price, and

    K = collateral + UPNL_others - MM_others

where collateral is the wallet balance (cross) or the isolated margin (isolated), and UPNL_others
and MM_others are those of the other positions in the same cross bucket (0 when isolated).

**Liquidation price**: the price P where equity(P) = maintenance margin(P), i.e.
``K + s*Q*(P - EP) = MM(P)``.

* MM on the mark (Binance, Hyperliquid), tier n, fee rate f (0 unless the venue counts it)::

      P = (K - s*Q*EP + cum_n) / (Q*(MMR_n + f) - s*Q)

  which for cross is Binance's ``(WB - TMM1 + UPNL1 + cum - s*Q*EP) / (Q*MMR - s*Q)`` and
  for isolated ``long: (Q*EP - WB - cum) / (Q*(1 - MMR))``,
  ``short: (Q*EP + WB + cum) / (Q*(1 + MMR))``.
  If the notional Q*P lands in another tier, the formula is re-solved with that tier.
* MM on the entry value (Bybit classic, BitMEX), MM fixed::

      P = EP - s*(K - MM) / Q

**Bankruptcy price**: where equity(P) = 0: ``P = EP - s*(collateral + UPNL_others) / Q``.

A long whose answer is at or below zero has no liquidation (or bankruptcy) price: ``None``.
"""

from __future__ import annotations

from decimal import Decimal

from .contracts import ContractSpec
from .errors import InvalidLeverageError, InvalidSideError
from .money import floor_to
from .numbers import ZERO, amount, exact, price, quantity, to_decimal
from .position import LONG, SHORT, Position
from .risk import maintenance_margin
from .rules import BINANCE, MARK, VenueRules


def _sign(side) -> int:
    if side in (LONG, "buy", 1):
        return 1
    if side in (SHORT, "sell", -1):
        return -1
    raise InvalidSideError(f"side must be 'long' or 'short', got {side!r}")


@exact
def solve_liquidation_price(sign: int, q: Decimal, ep: Decimal, k: Decimal,
                            spec: ContractSpec, rules: VenueRules) -> Decimal | None:
    """Solve K + s*Q*(P - EP) = MM(P) for P (s = +1 long, -1 short; K as in the module doc)."""
    fee = spec.taker_fee if rules.fee_in_mm else ZERO
    if rules.mm_basis != MARK:
        mm = maintenance_margin(Position("", sign * q, ep, Decimal(1)), ep, spec, rules)
        p = ep - sign * (k - mm) / q
        return p if p > 0 else None
    for index, tier in enumerate(spec.tiers):
        p = (k - sign * q * ep + tier.cum) / (q * (tier.mmr + fee) - sign * q)
        if p <= 0:
            continue
        cap = spec.tier_cap(index)
        if q * p >= tier.floor and (cap is None or q * p < cap):
            return p
    return None


@exact
def liquidation_price(side, qty, entry_price, collateral, spec: ContractSpec,
                      rules: VenueRules = BINANCE, other_upnl=0, other_mm=0) -> Decimal | None:
    """Price at which equity equals maintenance margin (see the module docstring).

    ``collateral`` is the wallet balance for a cross position (then pass the other cross
    positions' ``other_upnl`` and ``other_mm``) or the isolated margin for an isolated one.
    Returns ``None`` when no positive price liquidates the position.
    """
    s, q, ep = _sign(side), quantity(qty), price(entry_price, "entry price")
    k = (to_decimal(collateral, "collateral") + to_decimal(other_upnl, "other uPnL")
         - to_decimal(other_mm, "other maintenance margin"))
    return solve_liquidation_price(s, q, ep, k, spec, rules)


@exact
def isolated_liquidation_price(side, qty, entry_price, isolated_margin, spec: ContractSpec,
                               rules: VenueRules = BINANCE) -> Decimal | None:
    """Liquidation price of an isolated position backed by ``isolated_margin`` alone."""
    return liquidation_price(side, qty, entry_price, amount(isolated_margin, "isolated margin"),
                             spec, rules)


@exact
def cross_liquidation_price(side, qty, entry_price, wallet_balance, spec: ContractSpec,
                            rules: VenueRules = BINANCE, other_upnl=0,
                            other_mm=0) -> Decimal | None:
    """Liquidation price of one cross position; the others' uPnL and MM at their marks."""
    return liquidation_price(side, qty, entry_price, amount(wallet_balance, "wallet balance"),
                             spec, rules, other_upnl, other_mm)


@exact
def bankruptcy_price(side, qty, entry_price, collateral, other_upnl=0) -> Decimal | None:
    """P = EP - s*(collateral + UPNL_others)/Q: the price where equity is exactly zero.

    For an isolated position opened at leverage L with no margin added this is Bybit's
    ``EP * (1 - 1/L)`` (long) and ``EP * (1 + 1/L)`` (short).
    """
    s, q, ep = _sign(side), quantity(qty), price(entry_price, "entry price")
    k = to_decimal(collateral, "collateral") + to_decimal(other_upnl, "other uPnL")
    p = ep - s * k / q
    return p if p > 0 else None


@exact
def max_open_quantity(balance, at_price, leverage, spec: ContractSpec) -> Decimal:
    """Largest quantity (rounded down to the lot size) that ``balance`` can open::

        Q * P / L + Q * P * taker_fee <= balance,   and Q * P within the tiers allowing L.
    """
    bal = amount(balance, "balance")
    p = price(at_price)
    lev = to_decimal(leverage, "leverage", InvalidLeverageError)
    if lev < 1 or lev > spec.max_leverage(ZERO):
        raise InvalidLeverageError(
            f"leverage must be between 1x and {spec.max_leverage(ZERO):g}x, got {leverage!r}"
        )
    q = bal / (p / lev + p * spec.taker_fee)
    caps = [spec.tier_cap(i) for i, t in enumerate(spec.tiers) if t.max_leverage >= lev]
    if caps[-1] is not None:  # the largest tier allowing this leverage ends at caps[-1]
        q = min(q, caps[-1] / p)
        if q * p >= caps[-1]:
            q -= spec.lot_size
    q = floor_to(q, spec.lot_size)
    return max(q, ZERO)


@exact
def required_initial_margin(qty, at_price, leverage, spec: ContractSpec) -> Decimal:
    """IM = Q * P / L, with the fee to open ``Q * P * taker_fee`` on top (the order cost)."""
    q, p = quantity(qty), price(at_price)
    lev = spec.check_leverage(leverage, q * p)
    return q * p / lev + q * p * spec.taker_fee


__all__ = [
    "liquidation_price", "isolated_liquidation_price", "cross_liquidation_price",
    "bankruptcy_price", "max_open_quantity", "required_initial_margin"
]
