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

Every field is checked when the rules are built (a wrong one raises ``ConfigurationError`` then,
not in the middle of a liquidation); :func:`venue_rules` checks an argument that should be rules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

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
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigurationError(f"name must be a non-empty text, got {self.name!r}")
        for field, allowed in (("mm_basis", (MARK, ENTRY)),
                               ("liquidation_fill", (MARK, BANKRUPTCY)),
                               ("loss_sharing", (ADL, SOCIALIZE))):
            value = getattr(self, field)
            if not isinstance(value, str) or value not in allowed:
                raise ConfigurationError(
                    f"{field} must be {' or '.join(map(repr, allowed))}, got {value!r}")
        if not isinstance(self.fee_in_mm, bool):  # numpy's True_ is not a bool: say True
            raise ConfigurationError(f"fee_in_mm must be True or False, got {self.fee_in_mm!r}")
        if isinstance(self.adl_ranking, str):
            if self.adl_ranking not in RANKINGS:
                raise ConfigurationError(
                    f"unknown ADL ranking {self.adl_ranking!r}; choose from {sorted(RANKINGS)}"
                )
        elif not callable(self.adl_ranking):
            raise ConfigurationError(
                f"adl_ranking must be the name of a ranking ({', '.join(sorted(RANKINGS))}) or "
                f"a function of an ADL candidate returning its score, got {self.adl_ranking!r}")
        else:
            _check_takes_one_argument(self.adl_ranking)

    def but(self, **changes) -> VenueRules:
        """A copy with some rules changed: ``BINANCE.but(loss_sharing="socialize")``."""
        if unknown := sorted(set(changes) - {f.name for f in fields(self)}):
            raise ConfigurationError(f"VenueRules has no {', '.join(unknown)}; its rules are "
                                     f"{', '.join(f.name for f in fields(self))}")
        return replace(self, **changes)


def _check_takes_one_argument(ranking) -> None:
    """A custom ranking is called as ``ranking(candidate)``: refuse one that cannot be."""
    try:
        signature = inspect.signature(ranking)
    except (TypeError, ValueError):  # some builtins have no signature: trust them
        return
    try:
        signature.bind(None)
    except TypeError:
        raise ConfigurationError(
            f"adl_ranking {ranking!r} must take one argument, the ADL candidate "
            f"(e.g. lambda c: c.unrealized_pnl)") from None


def venue_rules(value) -> VenueRules:
    """``value`` if it is a :class:`VenueRules`, or the preset a name stands for ("Binance",
    "bybit", "Bybit (classic)", ...); otherwise a ``ConfigurationError`` naming the presets."""
    if isinstance(value, VenueRules):
        return value
    if isinstance(value, str):
        wanted = value.strip().lower()
        for preset in PRESETS.values():
            if wanted in (preset.name.lower(), preset.name.split()[0].lower()):
                return preset
    raise ConfigurationError(
        f"rules must be a VenueRules such as BINANCE, BYBIT, BITMEX, HYPERLIQUID or SOCIALIZED, "
        f"or one of their names ({', '.join(repr(n) for n in PRESETS)}); got {value!r}")


BINANCE = VenueRules("Binance", MARK, False, MARK, ADL, "pnl_x_margin_ratio")
BYBIT = VenueRules("Bybit (classic)", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_margin_ratio")
BITMEX = VenueRules("BitMEX", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_effective_leverage")
HYPERLIQUID = VenueRules("Hyperliquid", MARK, False, MARK, ADL, "pnl_x_margin_ratio")
SOCIALIZED = VenueRules("Socialized loss", MARK, False, MARK, SOCIALIZE, "pnl_x_margin_ratio")

PRESETS = {r.name: r for r in (BINANCE, BYBIT, BITMEX, HYPERLIQUID, SOCIALIZED)}
