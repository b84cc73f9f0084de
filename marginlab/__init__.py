"""marginlab: an exact margin engine for learning cross vs isolated margin on perpetuals.

Start with::

    from marginlab import Exchange
    ex = Exchange(marks={"ETH-PERP": 2000})
    alice = ex.open_account("alice", deposit=1_000)
    alice.buy("ETH-PERP", 1, leverage=10, mode="isolated")
    ex.set_mark("ETH-PERP", 1_850)
    ex.events.to_frame()

The package has three layers, each importing only the ones below it (CI checks this with
import-linter)::

    marginlab.course      scenarios, exercise checks, widgets, the command line
    marginlab.simulation  price paths, the vectorized replay, Monte Carlo, the market model
    marginlab.engine      the exact engine: money, contracts, rules, risk, accounts, liquidation

Everything a lesson needs from the engine, and the replay entry points, are importable from
``marginlab`` itself.
"""

from .engine import errors, formulas
from .engine.account import Account
from .engine.adl import AdlCandidate, adl_queue, pnl_x_effective_leverage, pnl_x_margin_ratio
from .engine.contracts import (
    BTC_PERP,
    DEFAULT_CONTRACTS,
    ETH_PERP,
    HYPERLIQUID_BTC_PERP,
    HYPERLIQUID_ETH_PERP,
    SOL_PERP,
    ContractSpec,
    MarginTier,
    hyperliquid_perp,
    linear_perp,
    make_tiers,
)
from .engine.exchange import Exchange
from .engine.formulas import (
    bankruptcy_price,
    cross_liquidation_price,
    hedge_liquidation_price,
    initial_margin,
    isolated_liquidation_price,
    liquidation_price,
    max_open_quantity,
    order_cost,
    position_margin,
    required_initial_margin,
)
from .engine.money import (
    BACKSTOP_VAULT,
    COUNTERPARTIES,
    FEE_POOL,
    INSURANCE_FUND,
    LIQUIDATORS,
    Ledger,
)
from .engine.position import CROSS, HEDGE, ISOLATED, LONG, ONE_WAY, SHORT, Position
from .engine.risk import Risk, bucket_risk, maintenance_margin
from .engine.rules import ALL_AT_ONCE_RULES as ALL_AT_ONCE
from .engine.rules import (
    BINANCE,
    BITMEX,
    BYBIT,
    DRIFT,
    HYPERLIQUID,
    PRESETS,
    SOCIALIZED,
    VenueRules,
)
from .simulation.replay import Leg, Replay, replay, replay_with_engine

__version__ = "0.1.0"

__all__ = [
    "errors", "formulas", "Account", "AdlCandidate", "adl_queue", "pnl_x_effective_leverage",
    "pnl_x_margin_ratio", "BTC_PERP", "DEFAULT_CONTRACTS", "ETH_PERP", "SOL_PERP",
    "HYPERLIQUID_BTC_PERP", "HYPERLIQUID_ETH_PERP", "ContractSpec", "MarginTier",
    "hyperliquid_perp", "linear_perp", "make_tiers",
    "COUNTERPARTIES", "FEE_POOL",
    "INSURANCE_FUND", "Exchange", "bankruptcy_price", "cross_liquidation_price",
    "hedge_liquidation_price", "ONE_WAY", "HEDGE",
    "isolated_liquidation_price", "liquidation_price", "max_open_quantity", "initial_margin",
    "position_margin", "order_cost", "required_initial_margin", "Ledger", "CROSS", "ISOLATED",
    "LONG", "SHORT", "Position",
    "Risk", "bucket_risk", "maintenance_margin", "BINANCE", "BITMEX", "BYBIT", "HYPERLIQUID",
    "PRESETS", "SOCIALIZED", "DRIFT", "ALL_AT_ONCE", "BACKSTOP_VAULT", "LIQUIDATORS",
    "VenueRules", "Leg", "Replay", "replay", "replay_with_engine",
    "__version__",
]
