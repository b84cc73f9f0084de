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

**Hedge mode** (a LONG leg L and a SHORT leg S of one symbol in one cross bucket, next to a
one-way position B elsewhere): each leg has its own tier and maintenance amount, and Binance's
cross formula becomes::

      P = (WB - TMM1 + UPNL1 + cum_B + cum_L + cum_S - s_B*Q_B*EP_B - Q_L*EP_L + Q_S*EP_S)
          / (Q_B*MMR_B + Q_L*MMR_L + Q_S*MMR_S - s_B*Q_B - Q_L + Q_S)

  (:func:`solve_legs_liquidation_price`, :func:`hedge_liquidation_price`), each leg's tier
  being the one its own notional Q_i*P falls in at the answer.

**Bankruptcy price**: where equity(P) = 0: ``P = EP - s*(collateral + UPNL_others) / Q``
(:func:`marginlab.rulebook.bankruptcy_price`).

A long whose answer is at or below zero has no liquidation (or bankruptcy) price: ``None``.
The prices come in order: bankruptcy <= liquidation <= entry for a long, reversed for a short
(see :mod:`marginlab.risk`).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import product

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


def _legs_price(legs, k, tiers, fee) -> Decimal | None:
    """P = (K + sum cum_i - sum s_i*Q_i*EP_i) / (sum Q_i*(MMR_i + f) - sum s_i*Q_i) for one
    choice of tier per leg; None when no price or not above zero."""
    top = k + sum((t.cum - s * q * ep for (s, q, ep), t in zip(legs, tiers, strict=True)), ZERO)
    bottom = sum((q * (t.mmr + fee) - s * q for (s, q, _), t in zip(legs, tiers, strict=True)),
                 ZERO)
    if bottom == 0:
        return None
    p = top / bottom
    return p if p > 0 else None


def solve_legs_liquidation_price(legs, k: Decimal, spec: ContractSpec, rules: VenueRules,
                                 mark: Decimal | None = None) -> Decimal | None:
    """Solve K + sum s_i*Q_i*(P - EP_i) = sum MM_i(P) for P, over the ``legs`` [(s_i, Q_i, EP_i)]
    of one symbol that share a cross bucket (Binance's cross formula with the L and S terms,
    module docstring). Every combination of tiers is tried; a price counts when each leg's
    notional Q_i*P lies in the tier it was solved with. MM on the entry value (Bybit classic,
    BitMEX): ``P = (MM - K + sum s_i*Q_i*EP_i) / sum s_i*Q_i``. A hedge whose net size is small
    can have two answers (one each way); the one nearest to ``mark`` is returned. None: none.
    """
    fee = closing_fee_rate(spec, rules)
    if rules.mm_basis != MARK:
        net = sum((s * q for s, q, _ in legs), ZERO)
        mm = sum((maintenance_margin(Position("", s * q, ep, Decimal(1)), ep, spec, rules)
                  for s, q, ep in legs), ZERO)
        p = (mm - k + sum((s * q * ep for s, q, ep in legs), ZERO)) / net if net else None
        return p if p is not None and p > 0 else None
    found = []
    for idx in product(range(len(spec.tiers)), repeat=len(legs)):
        p = _legs_price(legs, k, [spec.tiers[i] for i in idx], fee)
        if p is not None and all(
                q * p >= spec.tiers[i].floor and (spec.tier_cap(i) is None
                                                  or q * p < spec.tier_cap(i))
                for (_, q, _), i in zip(legs, idx, strict=True)):
            found.append(p)
    if not found:
        return None
    return min(found, key=lambda p: abs(p - mark)) if mark is not None else min(found)


@exact
def hedge_liquidation_price(long_qty, long_entry, short_qty, short_entry, wallet_balance,
                            spec: ContractSpec, rules: VenueRules = BINANCE, other_upnl=0,
                            other_mm=0, mark=None) -> Decimal | None:
    """Cross liquidation price of a hedge-mode LONG leg (Q_L at EP_L) and SHORT leg (Q_S at EP_S)
    of one symbol, other symbols' uPnL (UPNL1) and MM (TMM1) at their marks (Binance, FAQ
    "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts")::

        P = (WB - TMM1 + UPNL1 + cum_L + cum_S - Q_L*EP_L + Q_S*EP_S)
            / (Q_L*MMR_L + Q_S*MMR_S - Q_L + Q_S)

    with each leg's tier re-chosen if its notional at P falls in another bracket. ``mark``
    picks the answer nearest to it when there are two; None when no positive price.
    """
    legs = [(1, quantity(long_qty, "long quantity"), price(long_entry, "long entry price")),
            (-1, quantity(short_qty, "short quantity"), price(short_entry, "short entry price"))]
    k = (amount(wallet_balance, "wallet balance") + to_decimal(other_upnl, "other uPnL")
         - to_decimal(other_mm, "other maintenance margin"))
    at = None if mark is None else price(mark, "mark price")
    return solve_legs_liquidation_price(legs, k, spec, rules, at)


def solve_legs_bankruptcy_price(legs, backing: Decimal) -> Decimal | None:
    """Where the bucket's equity is zero as the legs' symbol moves:
    ``P = (sum s_i*Q_i*EP_i - backing) / sum s_i*Q_i``; None if that is not above zero or the
    legs' net size is zero (then the symbol's price does not move the equity)."""
    net = sum((s * q for s, q, _ in legs), ZERO)
    if net == 0:
        return None
    p = (sum((s * q * ep for s, q, ep in legs), ZERO) - backing) / net
    return p if p > 0 else None


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
    "hedge_liquidation_price",
    "bankruptcy_price", "max_open_quantity", "initial_margin", "position_margin", "order_cost",
    "required_initial_margin",
]
