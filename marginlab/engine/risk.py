"""The one risk function every margin mode uses.

A *bucket* is money plus the positions it backs: in **cross** mode the bucket is the whole wallet
balance with every cross position; in **isolated** mode each position is its own bucket holding
only its isolated margin. The same function measures both::

    equity (margin balance) = collateral + sum of unrealized PnL
    initial margin          = sum of Q * P / L
    maintenance margin      = sum of MM_i
    margin ratio            = maintenance margin / equity
    liquidatable            <=> maintenance margin > 0 and equity <= maintenance margin

The maintenance margin of one position depends on the venue's rules (:mod:`marginlab.rules`)::

    MM = tier_MM(Q * B) + (Q * B * taker_fee if the venue counts the closing fee)

with B the mark price (Binance, Hyperliquid) or the entry price (Bybit classic, BitMEX).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .contracts import ContractSpec
from .numbers import ZERO, exact
from .position import Position
from .rules import MARK, VenueRules


@exact
def mm_basis_price(pos: Position, mark: Decimal, rules: VenueRules) -> Decimal:
    """B: the price at which the venue measures maintenance margin."""
    return mark if rules.mm_basis == MARK else pos.entry_price


@exact
def maintenance_margin(pos: Position, mark: Decimal, spec: ContractSpec,
                       rules: VenueRules) -> Decimal:
    """MM = tier_MM(Q * B) (+ Q * B * taker_fee when the closing fee counts)."""
    value = pos.quantity * mm_basis_price(pos, mark, rules)
    mm = spec.maintenance_margin(value)
    if rules.fee_in_mm:
        mm += value * spec.taker_fee
    return mm


@dataclass(frozen=True)
class Risk:
    """Equity, initial and maintenance requirement of one bucket (or a sum of buckets)."""

    equity: Decimal
    initial: Decimal
    maintenance: Decimal

    @exact
    def __add__(self, other: Risk) -> Risk:
        return Risk(self.equity + other.equity, self.initial + other.initial,
                    self.maintenance + other.maintenance)

    @property
    @exact
    def is_liquidatable(self) -> bool:
        """Margin ratio at or above 100 %: equity <= maintenance margin (and something open)."""
        return self.maintenance > 0 and self.equity <= self.maintenance

    @property
    @exact
    def margin_ratio(self) -> Decimal:
        """MM / equity; infinite once equity is gone, 0 with nothing open."""
        if self.maintenance == 0:
            return ZERO
        if self.equity <= 0:
            return Decimal("Infinity")
        return self.maintenance / self.equity

    @property
    @exact
    def free(self) -> Decimal:
        """Equity not tied up as initial margin (never below zero)."""
        return max(ZERO, self.equity - self.initial)


@exact
def bucket_risk(collateral: Decimal, positions, marks, contracts, rules: VenueRules) -> Risk:
    """Risk of ``collateral`` backing ``positions`` at ``marks`` (dict symbol -> mark)."""
    equity, initial, maint = collateral, ZERO, ZERO
    for pos in positions:
        mark, spec = marks[pos.symbol], contracts[pos.symbol]
        equity += pos.unrealized_pnl(mark)
        initial += pos.initial_margin(mark)
        maint += maintenance_margin(pos, mark, spec, rules)
    return Risk(equity, initial, maint)
