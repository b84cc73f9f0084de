"""The one risk function every margin mode uses.

A *bucket* is money plus the positions it backs: in **cross** mode the bucket is the whole wallet
balance with every cross position; in **isolated** mode each position is its own bucket holding
only its isolated margin. The same function measures both::

    equity (margin balance) = collateral + sum of unrealized PnL
    initial requirement     = sum of Q * P / L (+ the fee to close reserved at open)
    maintenance margin      = sum of MM_i
    margin ratio            = maintenance margin / equity
    available               = collateral + min(0, uPnL) - initial requirement
    liquidatable            <=> maintenance margin > 0 and equity <= maintenance margin

The maintenance margin of one position depends on the venue's rules (:mod:`marginlab.rules`)::

    MM = tier_MM(Q * B) + Q * B * f_close

with B the mark price (Binance, Hyperliquid) or the entry price (Bybit classic, BitMEX), and
f_close the taker fee where the venue counts the fee to close (Bybit classic, BitMEX), else 0.
Those venues also reserve that fee at open (:func:`marginlab.rulebook.position_margin`). The
formulas themselves live in :mod:`marginlab.rulebook`; this module reads the venue's choices.

**Price ordering.** For one position whose bucket is not liquidatable at its entry price
(true of every position just opened at the mark), the three prices come in this order::

    long:   bankruptcy price <= liquidation price <= entry price
    short:  entry price <= liquidation price <= bankruptcy price

because the bucket's equity minus its maintenance margin grows as the price moves the position's
way, it is above zero at the entry price, and equity is zero (at the bankruptcy price) no later
than it meets MM >= 0 (at the liquidation price). A long whose price is at or below zero has
none (``None``). tests/test_properties.py asserts the ordering over random accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import rulebook
from .contracts import ContractSpec
from .numbers import ZERO, exact
from .position import Position
from .rules import BANKRUPTCY, MARK, VenueRules


# --- the venue's choices ------------------------------------------------------------------------
def mm_basis_price(mark, entry_price, rules: VenueRules):
    """B: the price at which the venue measures maintenance margin, the mark or the entry price
    (numbers or numpy arrays alike)."""
    return mark if rules.mm_basis == MARK else entry_price


def closing_fee_rate(spec: ContractSpec, rules: VenueRules) -> Decimal:
    """f_close: the taker fee where the venue counts the fee to close in maintenance margin and
    reserves it at open (Bybit classic, BitMEX), else 0 (Binance, Hyperliquid)."""
    return spec.taker_fee if rules.fee_in_mm else ZERO


def takes_whole_surplus(rules: VenueRules) -> bool:
    """True where a liquidated position is taken over at its bankruptcy price (Bybit, BitMEX):
    the insurance fund then keeps everything above it, not just a liquidation fee."""
    return rules.liquidation_fill == BANKRUPTCY


@exact
def maintenance_margin(pos: Position, mark: Decimal, spec: ContractSpec,
                       rules: VenueRules) -> Decimal:
    """MM = tier_MM(Q * B) (+ Q * B * taker_fee when the closing fee counts)."""
    return rulebook.maintenance_margin(pos.quantity, mm_basis_price(mark, pos.entry_price, rules),
                                       spec.tiers, closing_fee_rate(spec, rules))


@exact
def initial_requirement(pos: Position, mark: Decimal, spec: ContractSpec,
                        rules: VenueRules) -> Decimal:
    """Q * P / L at the mark, plus the fee to close reserved at open (Q * EP * f_close)."""
    return rulebook.initial_requirement(pos.quantity, mark, pos.entry_price, pos.leverage,
                                        closing_fee_rate(spec, rules))


# --- a bucket -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Risk:
    """Equity, initial and maintenance requirement of one bucket (or a sum of buckets), and the
    unrealized PnL inside its equity (so ``equity - unrealized_pnl`` is its collateral)."""

    equity: Decimal
    initial: Decimal
    maintenance: Decimal
    unrealized_pnl: Decimal = ZERO

    def __add__(self, other: Risk) -> Risk:
        return Risk(self.equity + other.equity, self.initial + other.initial,
                    self.maintenance + other.maintenance,
                    self.unrealized_pnl + other.unrealized_pnl)

    @property
    def collateral(self) -> Decimal:
        """The bucket's money: wallet balance (cross) or isolated margin."""
        return self.equity - self.unrealized_pnl

    @property
    def is_liquidatable(self) -> bool:
        """Margin ratio at or above 100 %: equity <= maintenance margin (and something open)."""
        return bool(rulebook.is_liquidatable(self.equity, self.maintenance))

    @property
    def available(self) -> Decimal:
        """collateral + min(0, uPnL) - initial requirement (may be below zero): what can open more
        or leave the bucket. Cross: the available balance; isolated: the removable margin."""
        return rulebook.available_balance(self.collateral, self.unrealized_pnl, self.initial)

    def is_initial_collateralized(self, cost=ZERO) -> bool:
        """True when :attr:`available` covers ``cost`` (an order cost, a withdrawal)."""
        return rulebook.is_initial_collateralized(self.collateral, self.unrealized_pnl,
                                                  self.initial, cost)

    @property
    def margin_ratio(self) -> Decimal:
        """MM / equity; infinite once equity is gone, 0 with nothing open."""
        if self.maintenance == 0:
            return ZERO
        if self.equity <= 0:
            return Decimal("Infinity")
        return self.maintenance / self.equity

    @property
    def free(self) -> Decimal:
        """Equity not tied up as initial margin (never below zero)."""
        return max(ZERO, self.equity - self.initial)


@exact
def bucket_risk(collateral: Decimal, positions, marks, contracts, rules: VenueRules) -> Risk:
    """Risk of ``collateral`` backing ``positions`` at ``marks`` (dict symbol -> mark)."""
    upnl, initial, maint = ZERO, ZERO, ZERO
    for pos in positions:
        mark, spec = marks[pos.symbol], contracts[pos.symbol]
        upnl += pos.unrealized_pnl(mark)
        initial += initial_requirement(pos, mark, spec, rules)
        maint += maintenance_margin(pos, mark, spec, rules)
    return Risk(collateral + upnl, initial, maint, upnl)
