"""Venue rules: the choices on which real exchanges differ, gathered in one object.

* ``mm_basis``: maintenance margin measured on the notional at the **mark** price (Binance,
  Hyperliquid: MM = Q * P * MMR - cum, so it shrinks as a long loses) or on the **entry** value
  (Bybit classic, BitMEX: MM = Q * EP * MMR - cum, fixed while the price moves).
* ``fee_in_mm``: the taker fee to close the position is part of the maintenance margin (Bybit,
  BitMEX) or not (Binance, Hyperliquid). When it is, MM adds ``Q * P_basis * taker_fee``.
* ``liquidation_fill``: a liquidated position is closed at the **mark** price (Binance) or at its
  **bankruptcy** price (Bybit, BitMEX: the insurance fund keeps or pays the difference).
* ``loss_sharing``: when the insurance fund cannot cover a bankrupt position, the loss goes to
  the opposite side by **adl** (auto-deleveraging, ranked), or is **socialize**\\d pro rata on
  every trader with unrealized profit, or spread over the market's open interest, longs and
  shorts alike, by **socialize_open_interest** (Drift v2), or taken by a **clawback** in equal
  percentage of every trader's net profit (OKX-style); see :mod:`marginlab.engine.sharing`.
* ``adl_ranking``: the score that orders the ADL queue (highest is deleveraged first); see
  :mod:`marginlab.adl`.
* ``liquidation_policy``: how a liquidatable bucket is unwound (the sizes are rules of
  :mod:`marginlab.rulebook`, "unwinding"):

  - **all_at_once**: every position of the bucket closes at once (the simplest teaching model;
    no large venue does this);
  - **to_compliance** (Binance "Liquidation Protocols"): close just enough of the largest loser,
    in whole lots, to bring the margin ratio back below 100 %, then the next loser if needed;
  - **tier_step_down** (Bybit classic, BitMEX): close just enough to move a position into a
    lower risk-limit tier that makes the bucket compliant, else take the whole position over;
  - **chunks** (Hyperliquid): a position worth more than ``chunk_threshold`` closes
    ``chunk_share`` at a time; within ``cooldown_steps`` price steps after a partial close it
    closes whole; below ``backstop_ratio`` of maintenance margin the backstop vault takes the
    positions and the collateral over;
  - **shortage_only** (Drift): close the base that covers the shortage against maintenance
    margin plus ``shortage_buffer`` (a rate on notional), fees included in the size.

  A bucket whose equity is gone (at or below zero) is closed in full under every policy.

``as_of`` and ``source`` date a preset and say where its rules come from (venues change them:
quote a rule with its date); the repr shows both. Contract parameters (tiers, maximum leverage,
fees) are in the contract presets of :mod:`marginlab.engine.contracts`, dated the same way.

Every field is checked when the rules are built (a wrong one raises ``ConfigurationError`` then,
not in the middle of a liquidation); :func:`venue_rules` checks an argument that should be rules.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from decimal import Decimal

import numpy as np

from .adl import RANKINGS
from .errors import ConfigurationError
from .numbers import ONE, ZERO, to_decimal

MARK, ENTRY, BANKRUPTCY = "mark", "entry", "bankruptcy"
ADL, SOCIALIZE = "adl", "socialize"
SOCIALIZE_OPEN_INTEREST, CLAWBACK = "socialize_open_interest", "clawback"
LOSS_SHARING = (ADL, SOCIALIZE, SOCIALIZE_OPEN_INTEREST, CLAWBACK)
ALL_AT_ONCE, TO_COMPLIANCE, TIER_STEP_DOWN = "all_at_once", "to_compliance", "tier_step_down"
CHUNKS, SHORTAGE_ONLY = "chunks", "shortage_only"
POLICIES = (ALL_AT_ONCE, TO_COMPLIANCE, TIER_STEP_DOWN, CHUNKS, SHORTAGE_ONLY)


@dataclass(frozen=True)
class VenueRules:
    name: str = "Binance"
    mm_basis: str = MARK
    fee_in_mm: bool = False
    liquidation_fill: str = MARK
    loss_sharing: str = ADL
    adl_ranking: str | Callable = "pnl_x_margin_ratio"
    liquidation_policy: str = ALL_AT_ONCE
    chunk_threshold: Decimal = Decimal(100_000)
    chunk_share: Decimal = Decimal("0.2")
    cooldown_steps: int = 1
    backstop_ratio: Decimal = Decimal(2) / Decimal(3)
    shortage_buffer: Decimal = ZERO
    as_of: str = dataclasses.field(default="", compare=False)
    source: str = dataclasses.field(default="", compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigurationError(f"name must be a non-empty text, got {self.name!r}")
        for text in ("as_of", "source"):
            if not isinstance(getattr(self, text), str):
                raise ConfigurationError(f"{text} must be a text (a date, a reference), got "
                                         f"{getattr(self, text)!r}")
        for field, allowed in (("mm_basis", (MARK, ENTRY)),
                               ("liquidation_fill", (MARK, BANKRUPTCY)),
                               ("loss_sharing", LOSS_SHARING),
                               ("liquidation_policy", POLICIES)):
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
        self._check_policy_settings()

    def _check_policy_settings(self) -> None:
        """The partial-liquidation settings: amounts and rates as exact numbers in range."""
        for field, low, high in (("chunk_threshold", ZERO, None), ("chunk_share", ZERO, ONE),
                                 ("backstop_ratio", ZERO, ONE), ("shortage_buffer", ZERO, ONE)):
            value = to_decimal(getattr(self, field), field, ConfigurationError)
            if value < low or (high is not None and value > high) \
                    or (field == "chunk_share" and value == 0):
                bound = f"at most {high}" if high is not None else "no upper bound"
                raise ConfigurationError(
                    f"{field} must be {'above' if field == 'chunk_share' else 'at least'} {low} "
                    f"and {bound}, got {getattr(self, field)!r}")
            object.__setattr__(self, field, value)
        steps = self.cooldown_steps
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ConfigurationError(
                f"cooldown_steps must be a whole number of price steps (0 or more), got {steps!r}")
        object.__setattr__(self, "cooldown_steps", int(steps))

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
        for preset in (*PRESETS.values(), ALL_AT_ONCE_RULES):
            if wanted in (preset.name.lower(), preset.name.split()[0].lower()):
                return preset
    raise ConfigurationError(
        f"rules must be a VenueRules such as BINANCE, BYBIT, BITMEX, HYPERLIQUID, SOCIALIZED, "
        f"DRIFT or ALL_AT_ONCE, or one of their names "
        f"({', '.join(repr(n) for n in (*PRESETS, ALL_AT_ONCE_RULES.name))}); got {value!r}")


BINANCE = VenueRules(
    "Binance", MARK, False, MARK, ADL, "pnl_x_margin_ratio", TO_COMPLIANCE, as_of="2025",
    source="Binance USDⓈ-M FAQ 'How to Calculate Liquidation Price' "
           "(https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), "
           "'Liquidation Protocols' (FAQ 360033525271, updated 29 May 2024), ADL FAQ 360033525471")
BYBIT = VenueRules(
    "Bybit (classic)", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_margin_ratio", TIER_STEP_DOWN,
    as_of="2025",
    source="Bybit help center 'Liquidation Price (USDT Contract)', 'Order Cost', 'Liquidation "
           "Process' (article 000001098), 'Risk Limit' (000001164), "
           "https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract")
BITMEX = VenueRules(
    "BitMEX", ENTRY, True, BANKRUPTCY, ADL, "pnl_x_effective_leverage", TIER_STEP_DOWN,
    as_of="2025",
    source="https://www.bitmex.com/app/isolatedMarginExamples, /app/liquidation, "
           "/app/autoDeleveraging")
HYPERLIQUID = VenueRules(
    "Hyperliquid", MARK, False, MARK, ADL, "pnl_x_margin_ratio", CHUNKS, as_of="2025",
    source="Hyperliquid docs trading/liquidations (partial liquidation of 20 % above 100,000 "
           "USDC, 30 s cooldown, backstop below 2/3 of maintenance margin) and "
           "trading/auto-deleveraging, https://hyperliquid.gitbook.io/hyperliquid-docs/trading/"
           "liquidations")
SOCIALIZED = VenueRules("Socialized loss", MARK, False, MARK, SOCIALIZE, "pnl_x_margin_ratio",
                        as_of="2025", source="a teaching variant of Binance's rules: OKX-style "
                        "and Deribit socialized loss instead of ADL")
DRIFT = VenueRules("Drift", MARK, False, MARK, SOCIALIZE_OPEN_INTEREST, "pnl_x_margin_ratio",
                   SHORTAGE_ONLY,
                   shortage_buffer=Decimal("0.02"), as_of="2025",
                   source="drift-labs/protocol-v2, programs/drift/src/math/liquidation.rs and "
                          "math/constants.rs (liquidation margin buffer 2 %)")
"""Drift v2 (drift-labs/protocol-v2, as of 2025): margin measured at the oracle (mark) price, no
fee in maintenance margin, liquidations filled at the oracle price, and only the shortage closed
against maintenance margin plus the liquidation margin buffer, ``DEFAULT_LIQUIDATION_MARGIN_BUFFER
_RATIO`` = MARGIN_PRECISION / 50 = 2 % (math/constants.rs; the state's
``liquidation_margin_buffer_ratio``). The fees are the contract's: ``liquidation_fee`` is Drift's
``if_liquidation_fee`` (to the insurance fund) and ``liquidator_fee`` its liquidator fee (Drift's
own liquidation tests use perp markets with maintenance ratio 5 %, liquidator fee 1 % and
insurance-fund fee 1 %). A bankruptcy the insurance fund cannot cover is socialized over the
market's open interest, longs and shorts alike (``resolve_perp_bankruptcy`` in
controller/liquidation.rs: the loss per base unit goes into each side's cumulative funding
rate); there is no ADL queue."""

ALL_AT_ONCE_RULES = BINANCE.but(name="All at once (teaching model)",
                                liquidation_policy=ALL_AT_ONCE,
                                source="Binance's rules with every position closed at once "
                                       "(a teaching model; no large venue does this)")
"""Binance's rules with the simplest unwinding: every position of a liquidatable bucket closes at
once. No large venue does this; lessons use it to teach the first model. Exported as
``marginlab.ALL_AT_ONCE`` (here that name is the policy string ``"all_at_once"``)."""

PRESETS = {r.name: r for r in (BINANCE, BYBIT, BITMEX, HYPERLIQUID, SOCIALIZED, DRIFT)}
