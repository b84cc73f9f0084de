"""Venue rules: the choices on which real exchanges differ, gathered in one object.

* ``mm_basis``: maintenance margin measured on the notional at the **mark** price (Binance,
  Hyperliquid: MM = Q * P * MMR - cum, so it shrinks as a long loses) or on the **entry** value
  (Bybit classic, BitMEX: MM = Q * EP * MMR - cum, fixed while the price moves).
* ``fee_in_mm``: the taker fee to close the position is part of the maintenance margin (Bybit,
  BitMEX) or not (Binance, Hyperliquid). When it is, MM adds ``Q * P_basis * taker_fee``.
* ``liquidation_fill``: a liquidated position is closed at the **mark** price (Binance) or at its
  **bankruptcy** price (Bybit, BitMEX: the insurance fund keeps or pays the difference).
* ``loss_sharing``: when the insurance fund cannot cover a bankrupt position, the loss goes to
  the opposite side by **adl** (auto-deleveraging, ranked) or is **socialize**\\d pro rata on
  every trader with unrealized profit.
* ``adl_ranking``: the score that orders the ADL queue (highest is deleveraged first); see
  :mod:`marginlab.adl`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .adl import RANKINGS
from .errors import ConfigurationError

MARK, ENTRY, BANKRUPTCY = "mark", "entry", "bankruptcy"
ADL, SOCIALIZE = "adl", "socialize"


@dataclass(frozen=True)
class VenueRules:
    name: str = "Binance"
    mm_basis: str = MARK
    fee_in_mm: bool = False
    liquidation_fill: str = MARK
    loss_sharing: str = ADL
    adl_ranking: str | Callable = "pnl_x_margin_ratio"

    def __post_init__(self):
        if self.mm_basis not in (MARK, ENTRY):
            raise ConfigurationError(f"mm_basis must be 'mark' or 'entry', got {self.mm_basis!r}")
        if self.liquidation_fill not in (MARK, BANKRUPTCY):
            raise ConfigurationError(
                f"liquidation_fill must be 'mark' or 'bankruptcy', got {self.liquidation_fill!r}"
            )
        if self.loss_sharing not in (ADL, SOCIALIZE):
            raise ConfigurationError(
                f"loss_sharing must be 'adl' or 'socialize', got {self.loss_sharing!r}"
            )
        if isinstance(self.adl_ranking, str):
            if self.adl_ranking not in RANKINGS:
                raise ConfigurationError(
                    f"unknown ADL ranking {self.adl_ranking!r}; choose from {sorted(RANKINGS)}"
                )

    def but(self, **changes) -> VenueRules:
        """A copy with some rules changed: ``BINANCE.but(loss_sharing="socialize")``."""
        return replace(self, **changes)


BINANCE = VenueRules("Binance", MARK, False, MARK, ADL, "pnl_x_margin_ratio")
BYBIT = VenueRules("Bybit (classic)", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_margin_ratio")
BITMEX = VenueRules("BitMEX", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_effective_leverage")
HYPERLIQUID = VenueRules("Hyperliquid", MARK, False, MARK, ADL, "pnl_x_margin_ratio")
SOCIALIZED = VenueRules("Socialized loss", MARK, False, MARK, SOCIALIZE, "pnl_x_margin_ratio")

PRESETS = {r.name: r for r in (BINANCE, BYBIT, BITMEX, HYPERLIQUID, SOCIALIZED)}
