"""marginlab: an exact margin engine for learning cross vs isolated margin on perpetuals.

Start with::

    from marginlab import Exchange
    ex = Exchange(marks={"ETH-PERP": 2000})
    alice = ex.open_account("alice", deposit=1_000)
    alice.buy("ETH-PERP", 1, leverage=10, mode="isolated")
    ex.set_mark("ETH-PERP", 1_850)
    ex.events.to_frame()
"""

from . import errors
from .account import Account
from .adl import AdlCandidate, adl_queue, pnl_x_effective_leverage, pnl_x_margin_ratio
from .contracts import (
    BTC_PERP,
    DEFAULT_CONTRACTS,
    ETH_PERP,
    SOL_PERP,
    ContractSpec,
    MarginTier,
    hyperliquid_perp,
    linear_perp,
    make_tiers,
)
from .exchange import COUNTERPARTIES, FEE_POOL, INSURANCE_FUND, Exchange
from .formulas import (
    bankruptcy_price,
    cross_liquidation_price,
    isolated_liquidation_price,
    liquidation_price,
    max_open_quantity,
    required_initial_margin,
)
from .money import Ledger
from .position import CROSS, ISOLATED, LONG, SHORT, Position
from .risk import Risk, bucket_risk, maintenance_margin
from .rules import BINANCE, BITMEX, BYBIT, HYPERLIQUID, PRESETS, SOCIALIZED, VenueRules

__version__ = "0.1.0"

__all__ = [
    "errors", "Account", "AdlCandidate", "adl_queue", "pnl_x_effective_leverage",
    "pnl_x_margin_ratio", "BTC_PERP", "DEFAULT_CONTRACTS", "ETH_PERP", "SOL_PERP",
    "ContractSpec", "MarginTier", "hyperliquid_perp", "linear_perp", "make_tiers",
    "COUNTERPARTIES", "FEE_POOL",
    "INSURANCE_FUND", "Exchange", "bankruptcy_price", "cross_liquidation_price",
    "isolated_liquidation_price", "liquidation_price", "max_open_quantity",
    "required_initial_margin", "Ledger", "CROSS", "ISOLATED", "LONG", "SHORT", "Position",
    "Risk", "bucket_risk", "maintenance_margin", "BINANCE", "BITMEX", "BYBIT", "HYPERLIQUID",
    "PRESETS", "SOCIALIZED", "VenueRules", "__version__",
]
