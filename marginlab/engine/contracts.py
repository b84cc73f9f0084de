"""Contract specifications of linear (USDT-margined) perpetuals, with maintenance-margin tiers.

Maintenance margin is tiered by position notional (Binance "brackets", Bybit "risk limits").
Within tier *n* (notional from ``floor_n`` up to the next floor)::

    MM = notional * MMR_n - cum_n
    cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1})          (cum_0 = 0)

``cum_n`` (the "maintenance amount", Bybit's "deduction") makes MM continuous at every floor and
equal to the marginal sum "each slice of notional at its own tier's rate". Example (Binance):
floors 0 / 50,000 / 250,000 with MMR 0.4% / 0.5% / 1.0% give cum 0 / 50 / 1,300.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import rulebook
from .errors import (
    ConfigurationError,
    InvalidLeverageError,
    InvalidPriceError,
    InvalidQuantityError,
)
from .numbers import ONE, ZERO, exact, price, quantity, to_decimal


@dataclass(frozen=True)
class MarginTier:
    """One bracket: notional from ``floor`` (inclusive) up to the next tier's floor."""

    floor: Decimal
    mmr: Decimal
    max_leverage: Decimal
    cum: Decimal = ZERO  # maintenance amount, derived by :func:`make_tiers`

    @exact
    def maintenance_margin(self, notional: Decimal) -> Decimal:
        """MM = notional * MMR - cum, at this tier's rate (see :mod:`marginlab.rulebook`)."""
        return rulebook.tier_maintenance_margin(notional, (self,))


@exact
def make_tiers(brackets) -> tuple[MarginTier, ...]:
    """Build tiers from ``[(floor, mmr, max_leverage), ...]`` and derive each maintenance amount.

    >>> [t.cum for t in make_tiers([(0, "0.004", 125), (50_000, "0.005", 100)])]
    [Decimal('0'), Decimal('50.000')]
    """
    tiers, cum, prev_mmr, prev_floor = [], ZERO, ZERO, None
    for floor, mmr, max_lev in brackets:
        floor = to_decimal(floor, "tier floor", ConfigurationError)
        mmr = to_decimal(mmr, "maintenance margin rate", ConfigurationError)
        max_lev = to_decimal(max_lev, "tier max leverage", ConfigurationError)
        if prev_floor is None and floor != 0:
            raise ConfigurationError("the first tier must start at notional 0")
        if prev_floor is not None and floor <= prev_floor:
            raise ConfigurationError("tier floors must increase")
        if not ZERO < mmr < ONE or mmr < prev_mmr:
            raise ConfigurationError(
                f"a maintenance margin rate must be above 0 and below 1, and not decrease from "
                f"tier to tier; got {mmr} (a rate of 0 would never liquidate)")
        if max_lev < 1 or (tiers and max_lev > tiers[-1].max_leverage):
            raise ConfigurationError("max leverage must be >= 1 and not increase with notional")
        if mmr * max_lev > 1:
            raise ConfigurationError(
                f"MMR {mmr} at {max_lev}x would be above the initial margin: liquidated at once"
            )
        cum += floor * (mmr - prev_mmr)
        tiers.append(MarginTier(floor, mmr, max_lev, cum))
        prev_mmr, prev_floor = mmr, floor
    if not tiers:
        raise ConfigurationError("a contract needs at least one margin tier")
    return tuple(tiers)


@dataclass(frozen=True)
class ContractSpec:
    """What a venue publishes for one linear perpetual.

    Fees and the liquidation (clearance) fee are rates on notional; e.g. ``taker_fee=0.0005`` is
    0.05 %. Quantities are in the base asset (1 contract = 1 ETH), prices in USDT.

    Funding from the premium (:func:`marginlab.rulebook.funding_rate`) reads the interest rate
    per interval (Binance: 0.01 % per 8 h), the dampener around it (0.05 %) and the cap on the
    rate. Venues set the cap per contract and change it (Binance announced +/-3.00 % for
    OGNUSDT on 1 October 2023); the +/-2 % here is a round model value, not a venue's.
    ``liquidation_fee`` goes to the insurance fund; ``liquidator_fee`` (default 0) is paid to the
    liquidators where the venue pays them one (Drift's perp market ``liquidator_fee``, next to its
    ``if_liquidation_fee``; charged by the ``shortage_only`` policy, :mod:`.unwinding`).
    ``as_of`` and ``source`` date a preset's parameters and say where they come from (venues
    change them: quote a parameter with its date); both are shown by the repr.
    """

    symbol: str
    tiers: tuple[MarginTier, ...]
    tick_size: Decimal = Decimal("0.01")
    lot_size: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.0005")
    maker_fee: Decimal = Decimal("0.0002")
    liquidation_fee: Decimal = Decimal("0.0125")
    base: str = field(default="")
    funding_interest: Decimal = Decimal("0.0001")
    funding_clamp: Decimal = Decimal("0.0005")
    funding_cap: Decimal = Decimal("0.02")
    liquidator_fee: Decimal = ZERO
    as_of: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    @exact
    def __post_init__(self):
        for name in ("as_of", "source"):
            if not isinstance(getattr(self, name), str):
                raise ConfigurationError(f"{name} must be a text (a date, a reference), got "
                                         f"{getattr(self, name)!r}")
        for name in ("tick_size", "lot_size"):
            v = to_decimal(getattr(self, name), name, ConfigurationError)
            if v <= 0:
                raise ConfigurationError(f"{name} must be above zero")
            object.__setattr__(self, name, v)
        for name in ("taker_fee", "maker_fee", "liquidation_fee", "liquidator_fee"):
            v = to_decimal(getattr(self, name), name, ConfigurationError)
            if not ZERO <= v < ONE:
                raise ConfigurationError(
                    f"{name} must be a rate in [0, 1) (e.g. 0.01 for 1 %), got "
                    f"{getattr(self, name)!r}")
            object.__setattr__(self, name, v)
        self._check_funding()
        if not isinstance(self.tiers, tuple) or not all(
            isinstance(t, MarginTier) for t in self.tiers
        ):
            object.__setattr__(self, "tiers", make_tiers(self.tiers))
        if not self.base:  # "ETH-PERP" -> "ETH", "BTCUSDT" -> "BTC"
            base = self.symbol.split("-")[0]
            base = base[:-4] if base.endswith("USDT") and len(base) > 4 else base
            object.__setattr__(self, "base", base)

    def _check_funding(self):
        """Interest within +/-1 (100 %) per interval, a dampener of 0 or more and a cap above
        zero, both at most 1."""
        for name, low in (("funding_interest", -ONE), ("funding_clamp", ZERO),
                          ("funding_cap", ZERO)):
            v = to_decimal(getattr(self, name), name, ConfigurationError)
            if not low <= v <= ONE or (name == "funding_cap" and v == 0):
                kind = {"funding_interest": "a rate from -1 to 1", "funding_clamp":
                        "a rate from 0 to 1", "funding_cap": "a rate above 0, at most 1"}[name]
                raise ConfigurationError(f"{name} must be {kind} per funding interval (0.0001 is "
                                         f"0.01 %), got {getattr(self, name)!r}")
            object.__setattr__(self, name, v)

    # --- tiers -----------------------------------------------------------------------------
    @exact
    def tier(self, notional: Decimal) -> MarginTier:
        """The tier whose range holds ``notional`` (absolute value)."""
        return rulebook.tier_for(abs(notional), self.tiers)

    @exact
    def tier_index(self, notional: Decimal) -> int:
        return self.tiers.index(self.tier(notional))

    @exact
    def tier_cap(self, index: int) -> Decimal | None:
        """Upper notional bound of tier ``index`` (None for the last tier)."""
        return self.tiers[index + 1].floor if index + 1 < len(self.tiers) else None

    @exact
    def maintenance_margin(self, notional: Decimal) -> Decimal:
        """MM = |notional| * MMR_n - cum_n, with n the tier holding the notional."""
        return rulebook.tier_maintenance_margin(abs(notional), self.tiers)

    @exact
    def max_leverage(self, notional: Decimal = ZERO) -> Decimal:
        """The highest leverage allowed for a position of this notional."""
        return self.tier(notional).max_leverage

    @property
    @exact
    def mmr(self) -> Decimal:
        """Maintenance margin rate of the first tier."""
        return self.tiers[0].mmr

    # --- validation ------------------------------------------------------------------------
    @exact
    def check_leverage(self, leverage, notional: Decimal) -> Decimal:
        lev = to_decimal(leverage, "leverage", InvalidLeverageError)
        if lev < 1:
            raise InvalidLeverageError(f"leverage must be at least 1x, got {leverage!r}")
        cap = self.max_leverage(notional)
        if lev > cap:
            raise InvalidLeverageError(
                f"{self.symbol} allows at most {cap:g}x for a position of "
                f"{abs(notional):,.2f} USDT notional; you asked for {lev:g}x"
            )
        return lev

    @exact
    def check_quantity(self, value, what: str = "quantity") -> Decimal:
        q = quantity(value, what)
        if q % self.lot_size != 0:
            raise InvalidQuantityError(
                f"{what} {q} {self.base} is not a multiple of the lot size {self.lot_size}"
            )
        return q

    @exact
    def check_price(self, value, what: str = "price") -> Decimal:
        p = price(value, what)
        if p % self.tick_size != 0:
            raise InvalidPriceError(
                f"{what} {p} is not a multiple of the tick size {self.tick_size}"
            )
        return p


TEXT_FIELDS = ("base", "as_of", "source")


@exact
def linear_perp(symbol, brackets, **kwargs) -> ContractSpec:
    """Convenience: ``linear_perp("BTC-PERP", [(0, 0.004, 125), ...], taker_fee=0.0005)``."""
    fields = {k: (v if isinstance(v, Decimal) else to_decimal(v, k, ConfigurationError))
              for k, v in kwargs.items() if k not in TEXT_FIELDS}
    fields |= {k: kwargs[k] for k in TEXT_FIELDS if k in kwargs}
    return ContractSpec(symbol=symbol, tiers=make_tiers(brackets), **fields)


@exact
def hyperliquid_perp(symbol, max_leverage, **kwargs) -> ContractSpec:
    """Hyperliquid's rule: maintenance margin is half the initial margin at max leverage,
    MMR = 1 / (2 * max_leverage), one tier. A market liquidation charges no clearance fee
    ("remaining collateral stays with the trader", Hyperliquid docs, trading/liquidations), so
    ``liquidation_fee`` defaults to 0."""
    max_lev = to_decimal(max_leverage, "max leverage", ConfigurationError)
    if max_lev < 1:
        raise ConfigurationError(f"max leverage must be at least 1, got {max_leverage!r}")
    kwargs.setdefault("liquidation_fee", 0)
    return linear_perp(symbol, [(0, 1 / (2 * max_lev), max_lev)], **kwargs)


# Every venue parameter of the course lives in these presets (and the rules presets of
# :mod:`.rules`), each with its date and source: lessons quote them from here.
BINANCE_BRACKETS = ("modelled on Binance's USDⓈ-M 'Leverage & Margin' brackets (first tiers, "
                    "rounded floors; https://www.binance.com/en/futures/trading-rules/perpetual/"
                    "leverage-margin); fees: taker 0.05 %, maker 0.02 %, liquidation clearance "
                    "fee 1.25 % (model values of Binance's regular tier)")
BTC_PERP = linear_perp(
    "BTC-PERP",
    [(0, "0.004", 125), (50_000, "0.005", 100), (250_000, "0.01", 50),
     (1_000_000, "0.025", 20), (10_000_000, "0.05", 10), (20_000_000, "0.1", 5),
     (50_000_000, "0.125", 4), (100_000_000, "0.15", 3), (200_000_000, "0.25", 2)],
    tick_size="0.1", lot_size="0.001", as_of="2025", source=BINANCE_BRACKETS,
)
ETH_PERP = linear_perp(
    "ETH-PERP",
    [(0, "0.005", 100), (10_000, "0.0065", 75), (100_000, "0.01", 50),
     (1_000_000, "0.02", 25), (2_000_000, "0.05", 10), (5_000_000, "0.1", 5),
     (10_000_000, "0.125", 4), (20_000_000, "0.15", 3), (40_000_000, "0.25", 2)],
    tick_size="0.01", lot_size="0.001", as_of="2025", source=BINANCE_BRACKETS,
)
SOL_PERP = linear_perp(
    "SOL-PERP",
    [(0, "0.01", 50), (50_000, "0.025", 20), (250_000, "0.05", 10),
     (1_000_000, "0.1", 5), (5_000_000, "0.125", 4), (10_000_000, "0.25", 2)],
    tick_size="0.01", lot_size="0.01", as_of="2025", source=BINANCE_BRACKETS,
)
HYPERLIQUID_LEVERAGE = ("Hyperliquid docs, trading/margin-tiers and trading/liquidations "
                        "(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers): "
                        "max leverage cut to BTC 40x and ETH 25x after the ETH whale liquidation "
                        "of 12 March 2025; MMR = 1 / (2 x max leverage); no liquidation fee. "
                        "Taker/maker fees here are the course's model fees (0.05 % / 0.02 %), not "
                        "Hyperliquid's fee schedule")
HYPERLIQUID_ETH_PERP = hyperliquid_perp("ETH-PERP", 25, taker_fee=ETH_PERP.taker_fee,
                                        maker_fee=ETH_PERP.maker_fee, as_of="March 2025",
                                        source=HYPERLIQUID_LEVERAGE)
HYPERLIQUID_BTC_PERP = hyperliquid_perp("BTC-PERP", 40, taker_fee=BTC_PERP.taker_fee,
                                        maker_fee=BTC_PERP.maker_fee, tick_size="0.1",
                                        as_of="March 2025", source=HYPERLIQUID_LEVERAGE)

DEFAULT_CONTRACTS = {c.symbol: c for c in (BTC_PERP, ETH_PERP, SOL_PERP)}

__all__ = [
    "MarginTier", "ContractSpec", "make_tiers", "linear_perp", "hyperliquid_perp",
    "BTC_PERP", "ETH_PERP", "SOL_PERP", "DEFAULT_CONTRACTS", "HYPERLIQUID_ETH_PERP",
    "HYPERLIQUID_BTC_PERP",
]
