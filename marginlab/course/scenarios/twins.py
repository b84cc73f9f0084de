"""What every "twin" scenario shares: the two margin modes, and sizing a position by margin.

A *twin* is the same trades opened twice, once in a cross account and once in an isolated one,
so that any difference between them comes from the margin mode alone.
"""

from __future__ import annotations

from decimal import Decimal

from ...engine import rulebook
from ...engine.money import floor_to
from ...engine.numbers import ZERO

MODES = ("cross", "isolated")


def lots_for(margin: Decimal, leverage, price: Decimal, lot: Decimal) -> Decimal:
    """The quantity that ``margin`` buys at ``leverage``: ``margin * leverage / price``, rounded
    down to a whole ``lot`` (the opening fee is paid from the rest of the balance): the engine's
    sizing rule (:func:`marginlab.engine.rulebook.affordable_quantity`) with no fee in the
    budget."""
    return floor_to(rulebook.affordable_quantity(margin, price, leverage, ZERO), lot)
