"""The rulebook: every venue rule written once, for the exact engine and the fast simulator.

Each rule is a small pure function of numbers. Given :class:`decimal.Decimal` numbers it computes
exactly, as the engine needs (:mod:`.risk`, :mod:`.account`, :mod:`.liquidation`,
:mod:`.exchange`); given floats or numpy arrays it computes the same formula element by element
in float64, as the vectorized replay needs (:mod:`marginlab.simulation.replay`). Venue parameters
(rates, tiers) are Decimals in the contract specs: a rule turns them into floats when it works on
arrays. Which rule a venue applies (the mark or the entry price, fee to close or not) is read from
its :class:`~marginlab.rules.VenueRules` by :mod:`.risk`; the rules here only take numbers.

Notation: s = +1 long / -1 short, Q the quantity, ``size`` = s * Q, P a price (the mark), EP the
entry price, L the leverage, B the price maintenance margin is measured on, f a fee rate.

=================  =================================================================
module             rules
=================  =================================================================
opening            :func:`initial_margin`, :func:`notional_fee`, :func:`position_margin`,
                   :func:`order_cost`, :func:`affordable_quantity`
holding            :func:`unrealized_pnl`, :func:`funding_payment`,
                   :func:`initial_requirement`, :func:`tier_for`,
                   :func:`tier_maintenance_margin`, :func:`maintenance_margin`; the checks
                   :func:`available_balance`, :func:`is_initial_collateralized`,
                   :func:`is_liquidatable`
liquidation        :func:`bankruptcy_price`, :func:`deficit`, :func:`share_deficit`,
                   :func:`liquidation_fee`, :func:`deficit_waterfall`
unwinding          :func:`cure_quantity`, :func:`step_down_quantity`, :func:`chunk_quantity`,
                   :func:`needs_backstop` (how much a liquidation step closes), with
                   :func:`lots_above`, :func:`lots_at_least`, :func:`lots_at_most`
funding            :func:`premium`, :func:`average_premium`, :func:`funding_rate`,
                   :func:`decayed_basis`, :func:`mark_price` (mark, index and funding)
sharing            :func:`capped_rate`, :func:`capped_shares`, :func:`profit_shares`,
                   :func:`open_interest_shares`, :func:`loss_per_unit`
book               :func:`book_price`, :func:`book_fill_price`
=================  =================================================================

Every rule is importable from here (``rulebook.cure_quantity``); ``_both`` holds the few helpers
that let one formula run on a Decimal or on an array.

A rule added later (a new venue's fee) goes in one of these modules, once, and both the engine
and the simulator call it. Each docstring names the venue page (or open-source code) it follows.
tests/test_differential.py checks that the engine and the simulator, both built on these rules,
agree on any scenario.
"""

from __future__ import annotations

from .book import book_fill_price, book_price
from .funding import average_premium, decayed_basis, funding_rate, mark_price, premium
from .holding import (
    available_balance,
    equity_is_gone,
    funding_payment,
    initial_requirement,
    is_initial_collateralized,
    is_liquidatable,
    maintenance_margin,
    tier_for,
    tier_maintenance_margin,
    unrealized_pnl,
)
from .liquidation import (
    bankruptcy_price,
    deficit,
    deficit_waterfall,
    liquidation_fee,
    share_deficit,
)
from .opening import affordable_quantity, initial_margin, notional_fee, order_cost, position_margin
from .sharing import capped_rate, capped_shares, loss_per_unit, open_interest_shares, profit_shares
from .unwinding import (
    LOT_SLACK,
    chunk_quantity,
    cure_quantity,
    lots_above,
    lots_at_least,
    lots_at_most,
    needs_backstop,
    step_down_quantity,
)

__all__ = [
    "LOT_SLACK",
    "affordable_quantity",
    "available_balance",
    "equity_is_gone",
    "average_premium",
    "bankruptcy_price",
    "book_fill_price",
    "book_price",
    "capped_rate",
    "capped_shares",
    "chunk_quantity",
    "cure_quantity",
    "decayed_basis",
    "deficit",
    "deficit_waterfall",
    "funding_payment",
    "funding_rate",
    "initial_margin",
    "initial_requirement",
    "is_initial_collateralized",
    "is_liquidatable",
    "liquidation_fee",
    "loss_per_unit",
    "lots_above",
    "lots_at_least",
    "lots_at_most",
    "maintenance_margin",
    "mark_price",
    "needs_backstop",
    "notional_fee",
    "open_interest_shares",
    "order_cost",
    "position_margin",
    "premium",
    "profit_shares",
    "share_deficit",
    "step_down_quantity",
    "tier_for",
    "tier_maintenance_margin",
    "unrealized_pnl",
]
