"""Closed-form answers: liquidation price, bankruptcy price, order cost, maximum position size.

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

  An isolated position there holds its initial margin plus the fee to close (see
  :func:`position_margin`), which the fee in MM cancels: ``P = EP - s*(IM - tier MM) / Q``.

**Bankruptcy price**: where equity(P) = 0: ``P = EP - s*(collateral + UPNL_others) / Q``
(:func:`marginlab.rulebook.bankruptcy_price`).

A long whose answer is at or below zero has no liquidation (or bankruptcy) price: ``None``.
The prices come in order: bankruptcy <= liquidation <= entry for a long, reversed for a short
(see :mod:`marginlab.risk`).
"""

from __future__ import annotations

from decimal import Decimal

from . import rulebook
from .contracts import ContractSpec
from .errors import InvalidLeverageError, InvalidSideError
from .money import floor_to
from .numbers import ZERO, amount, exact, price, quantity, to_decimal
from .position import LONG, SHORT, Position
from .risk import closing_fee_rate, maintenance_margin
from .rules import BINANCE, MARK, VenueRules


def _sign(side) -> int:
    if side in (LONG, "buy", 1):
        return 1
    if side in (SHORT, "sell", -1):
        return -1
    raise InvalidSideError(f"side must be 'long' or 'short', got {side!r}")


def solve_liquidation_price(sign: int, q: Decimal, ep: Decimal, k: Decimal,
                            spec: ContractSpec, rules: VenueRules) -> Decimal | None:
    """Solve K + s*Q*(P - EP) = MM(P) for P (s = +1 long, -1 short; K as in the module doc)."""
    fee = closing_fee_rate(spec, rules)
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


def solve_bankruptcy_price(sign: int, q: Decimal, ep: Decimal, backing: Decimal) -> Decimal | None:
    """P = EP - s * backing / Q, or None when that is at or below zero (``backing``: the
    collateral plus the other positions' uPnL, the bucket's equity at the entry price)."""
    p = rulebook.bankruptcy_price(sign, q, ep, backing)
    return p if p > 0 else None


@exact
def bankruptcy_price(side, qty, entry_price, collateral, other_upnl=0) -> Decimal | None:
    """P = EP - s*(collateral + UPNL_others)/Q: the price where equity is exactly zero.

    For an isolated position opened at leverage L with no margin added (and no fee to close
    reserved) this is Bybit's ``EP * (1 - 1/L)`` (long) and ``EP * (1 + 1/L)`` (short).
    """
    s, q, ep = _sign(side), quantity(qty), price(entry_price, "entry price")
    k = to_decimal(collateral, "collateral") + to_decimal(other_upnl, "other uPnL")
    return solve_bankruptcy_price(s, q, ep, k)


def _leverage(leverage, spec: ContractSpec) -> Decimal:
    lev = to_decimal(leverage, "leverage", InvalidLeverageError)
    if lev < 1 or lev > spec.max_leverage(ZERO):
        raise InvalidLeverageError(
            f"leverage must be at least 1x, and {spec.symbol} allows at most "
            f"{spec.max_leverage(ZERO):g}x; got {leverage!r}"
        )
    return lev


@exact
def max_open_quantity(balance, at_price, leverage, spec: ContractSpec,
                      rules: VenueRules = BINANCE) -> Decimal:
    """Largest quantity (rounded down to the lot size) whose order cost ``balance`` can pay::

        Q * P * (1/L + taker_fee + f_close) <= balance,   and Q * P within the tiers allowing L

    (f_close: the fee to close where the venue reserves it, see :func:`order_cost`). A tier holds
    notionals up to, not including, the next tier's floor.
    """
    bal = amount(balance, "balance")
    p = price(at_price)
    lev = _leverage(leverage, spec)
    q = rulebook.affordable_quantity(bal, p, lev, spec.taker_fee, closing_fee_rate(spec, rules))
    caps = [spec.tier_cap(i) for i, t in enumerate(spec.tiers) if t.max_leverage >= lev]
    cap = caps[-1]  # the largest tier allowing this leverage ends there (None: never)
    if cap is not None:
        q = min(q, cap / p)
    q = floor_to(q, spec.lot_size)
    if cap is not None and q * p >= cap:  # exactly on the cap: the next tier, one lot less
        q -= spec.lot_size
    return max(q, ZERO)


@exact
def initial_margin(qty, at_price, leverage, spec: ContractSpec) -> Decimal:
    """IM = Q * P / L (the leverage checked against the contract's tiers)."""
    q, p = quantity(qty), price(at_price)
    lev = spec.check_leverage(leverage, q * p)
    return rulebook.initial_margin(q, p, lev)


@exact
def position_margin(qty, at_price, leverage, spec: ContractSpec,
                    rules: VenueRules = BINANCE) -> Decimal:
    """IM + the fee to close Q * P * taker_fee where the venue reserves it (Bybit classic,
    BitMEX), else IM: what an isolated position's margin holds once opened at ``at_price``."""
    q, p = quantity(qty), price(at_price)
    lev = spec.check_leverage(leverage, q * p)
    return rulebook.position_margin(q, p, lev, closing_fee_rate(spec, rules))


@exact
def order_cost(qty, at_price, leverage, spec: ContractSpec, rules: VenueRules = BINANCE,
               maker: bool = False) -> Decimal:
    """Order cost = IM + fee to open + fee to close: what opening ``qty`` at ``at_price`` needs of
    the available balance. The fee to open is the taker fee (the maker fee if ``maker``); the fee
    to close counts only where the venue reserves it (Bybit classic, BitMEX; Bybit prices it at
    the bankruptcy price, marginlab at ``at_price``: see
    :func:`marginlab.rulebook.position_margin`).
    """
    q, p = quantity(qty), price(at_price)
    lev = spec.check_leverage(leverage, q * p)
    fee = spec.maker_fee if maker else spec.taker_fee
    return rulebook.order_cost(q, p, lev, fee, closing_fee_rate(spec, rules))


@exact
def required_initial_margin(qty, at_price, leverage, spec: ContractSpec) -> Decimal:
    """Deprecated: returns Q * P / L + Q * P * taker_fee, the initial margin PLUS the fee to
    open (an order cost without any fee to close), whatever its name says. Use
    :func:`initial_margin` or :func:`order_cost`."""
    return order_cost(qty, at_price, leverage, spec, BINANCE)


__all__ = [
    "liquidation_price", "isolated_liquidation_price", "cross_liquidation_price",
    "bankruptcy_price", "max_open_quantity", "initial_margin", "position_margin", "order_cost",
    "required_initial_margin",
]
