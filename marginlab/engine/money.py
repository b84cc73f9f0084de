"""Exact numbers and the ledger where every unit of money lives.

All money is kept as :class:`decimal.Decimal` rounded to the settlement asset's smallest unit
(:data:`MONEY_STEP`, 1e-8 USDT). Floats given by a user are read through ``str`` so that ``0.1``
means one tenth, not 0.1000000000000000055...

The :class:`Ledger` is the only place balances change. It knows two operations: ``deposit``
(money arrives from outside and is counted) and ``transfer`` (money moves between two named
places). So, by construction::

    sum(balance of every place) == total deposited - total withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import pandas as pd

from .errors import MarginLabError
from .numbers import ZERO

MONEY_STEP = Decimal("0.00000001")

# the ledger's shared places (each trader also has a wallet and one place per isolated position)
INSURANCE_FUND = "insurance fund"
FEE_POOL = "fee pool"
COUNTERPARTIES = "counterparties"
BACKSTOP_VAULT = "backstop vault"  # Hyperliquid's liquidator vault: takes over below 2/3 MM
LIQUIDATORS = "liquidators"  # Drift's liquidators: paid a liquidator fee on what they close


def money(value: Decimal) -> Decimal:
    """Round an exact amount to the settlement unit (banker's rounding)."""
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_EVEN)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded down to a whole number of ``step`` (a lot size, a tick, a cent)."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


@dataclass(frozen=True)
class Transfer:
    """One movement of money between two places of the ledger."""

    seq: int
    source: str
    destination: str
    amount: Decimal
    reason: str


class Ledger:
    """Named places holding money; money only enters by deposit and only moves by transfer.

    Place names read like addresses: ``"alice:wallet"``, ``"alice:isolated:ETH-PERP"``,
    ``"insurance fund"``, ``"fee pool"``, ``"counterparties"``, ``"backstop vault"``,
    ``"liquidators"``. The counterparties place (the
    rest of the market, on the other side of every trade) may go below zero; so may a trader's
    bucket (wallet or isolated margin) while its open positions' profit backs it (see
    :meth:`transfer`). Every other place never does.
    """

    COUNTERPARTIES = COUNTERPARTIES
    OUTSIDE = "outside"

    def __init__(self):
        self.balances: dict[str, Decimal] = {}
        self.deposited = ZERO
        self.transfers: list[Transfer] = []

    def balance(self, place: str) -> Decimal:
        return self.balances.get(place, ZERO)

    def deposit(self, place: str, value: Decimal, reason: str = "deposit") -> Decimal:
        value = money(value)
        self.deposited += value
        self._record(self.OUTSIDE, place, value, reason)
        self.balances[place] = self.balance(place) + value
        return value

    def withdraw(self, place: str, value: Decimal, reason: str = "withdrawal") -> Decimal:
        value = money(value)
        if value > self.balance(place):
            raise MarginLabError(f"{place} holds {self.balance(place)}, cannot withdraw {value}")
        self.deposited -= value
        self._record(place, self.OUTSIDE, value, reason)
        self.balances[place] = self.balance(place) - value
        return value

    def transfer(self, source: str, destination: str, value: Decimal, reason: str,
                 overdraft: bool = False) -> Decimal:
        """Move ``value`` (rounded to the settlement unit) from ``source`` to ``destination``.

        Only the counterparties may pay more than they hold, and a trader's bucket when
        ``overdraft`` is set: a cross wallet (or an isolated margin) pays a realized loss,
        a fee or funding in full out of its equity, so it can stand below zero while its open
        positions' unrealized profit backs it. The engine settles such a bucket at
        liquidation; it never leaves one below zero with nothing open.
        """
        value = money(value)
        if value < 0:
            source, destination, value = destination, source, -value
        if value == 0:
            return value
        if source != self.COUNTERPARTIES and not overdraft and value > self.balance(source):
            # an engine bug, never a user error: the engine caps every payment first
            raise AssertionError(f"{source} holds {self.balance(source)}, cannot pay {value}")
        self.balances[source] = self.balance(source) - value
        self.balances[destination] = self.balance(destination) + value
        self._record(source, destination, value, reason)
        return value

    def total(self) -> Decimal:
        """Sum over every place: always equals :attr:`deposited`."""
        return sum(self.balances.values(), ZERO)

    def _record(self, source, destination, value, reason):
        self.transfers.append(Transfer(len(self.transfers), source, destination, value, reason))

    def to_frame(self) -> pd.DataFrame:
        """The journal of every movement, oldest first."""
        rows = [
            {"seq": t.seq, "from": t.source, "to": t.destination, "amount": float(t.amount),
             "reason": t.reason}
            for t in self.transfers
        ]
        return pd.DataFrame(rows, columns=["seq", "from", "to", "amount", "reason"])

    def snapshot(self):
        return dict(self.balances), self.deposited, len(self.transfers)

    def restore(self, state) -> None:
        balances, deposited, n = state
        self.balances = dict(balances)
        self.deposited = deposited
        del self.transfers[n:]
