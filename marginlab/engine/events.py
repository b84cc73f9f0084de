"""The append-only event log: what happened, in order, each with one plain-English sentence."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

KINDS = (
    "deposit", "withdrawal", "mark", "fill", "fee", "funding rate", "funding", "margin",
    "liquidation", "liquidation fee", "insurance fund", "adl", "socialized loss",
    "unrecovered loss", "backstop",
)


@dataclass(frozen=True)
class Event:
    seq: int
    time: object
    kind: str
    message: str
    trader: str | None = None
    symbol: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    step: int | None = None  # the liquidation step it belongs to (:meth:`EventLog.in_step`)

    def __str__(self) -> str:
        return self.message


def usd(x) -> str:
    """1234.5 -> '1,234.50' (never '-0.00')."""
    value = float(x)
    text = f"{value:,.2f}"
    return "0.00" if text == "-0.00" else text


def qty(x) -> str:
    """A quantity without trailing zeros: Decimal('0.500') -> '0.5'."""
    text = f"{Decimal(x).normalize():f}"
    return text


class EventLog:
    """A list of :class:`Event` that can only grow (``append``) and reads as a DataFrame."""

    COLUMNS = ["seq", "time", "kind", "trader", "symbol", "quantity", "price", "amount", "message"]

    def __init__(self):
        self._events: list[Event] = []
        self.time = 0
        self.steps = 0  # liquidation steps numbered so far
        self.step: int | None = None  # the one running, if any

    @contextmanager
    def in_step(self):
        """Number a liquidation step: every event appended inside carries its number, so a
        reader can tell one step (a whole bucket closed at once) from the next."""
        self.steps += 1
        outer, self.step = self.step, self.steps
        try:
            yield self.step
        finally:
            self.step = outer

    def append(self, kind: str, message: str, **fields) -> Event:
        assert kind in KINDS, kind
        event = Event(len(self._events), self.time, kind, message, step=self.step, **fields)
        self._events.append(event)
        return event

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self):
        return iter(self._events)

    def __getitem__(self, i):
        return self._events[i]

    def since(self, seq: int) -> list[Event]:
        return self._events[seq:]

    def of_kind(self, *kinds: str) -> list[Event]:
        return [e for e in self._events if e.kind in kinds]

    def to_frame(self, kinds=None) -> pd.DataFrame:
        """Every event (or those of ``kinds``) as a table; numbers as floats for display."""
        rows = []
        for e in self._events:
            if kinds and e.kind not in kinds:
                continue
            rows.append({
                "seq": e.seq, "time": e.time, "kind": e.kind, "trader": e.trader,
                "symbol": e.symbol,
                "quantity": None if e.quantity is None else float(e.quantity),
                "price": None if e.price is None else float(e.price),
                "amount": None if e.amount is None else float(e.amount),
                "message": e.message,
            })
        return pd.DataFrame(rows, columns=self.COLUMNS)

    def _repr_html_(self) -> str:
        return self.to_frame().tail(30).to_html(index=False)

    def truncate(self, n: int) -> None:
        """Forget events after the first ``n`` (used only to undo a failed action)."""
        del self._events[n:]
