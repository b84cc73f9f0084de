"""The scenarios the lessons, the apps and the exercises are built on: each opens accounts on
an :class:`~marginlab.engine.exchange.Exchange` (or runs the simulation layer) and returns
numbers. No widgets and no plotting here: ``import marginlab.course.scenarios`` needs neither
ipywidgets nor matplotlib (import-linter checks it).

=================  =====================================================================  ======
module             what it models                                                         lesson
=================  =====================================================================  ======
``teaser``         the cross/isolated twins while ETH slides (:func:`twins_after_fall`)    0
``leverage``       one isolated position and its prices (:func:`one_position`,            1
                   :func:`leverage_ladder`)
``ringfence``      two isolated rings and a free balance (:func:`isolated_pair`)          2
``hedge``          a BTC/ETH hedge in cross vs isolated (:func:`hedge_twins`)             3
``pool``           the same crash over time, cross pool vs isolated twin                  4
                   (:func:`replay_twins`, :func:`pool_split`)
``waterfall``      where a liquidated margin goes, by venue (:func:`liquidate_with_gap`)  5
``deleverage``     insurance fund, ADL and socialized loss (:func:`market`, :func:`crash`) 6
``choosing``       how far each mode survives (:func:`survival`)                          7
``tiers``          a bigger position dies sooner (:func:`tier_position`)                  7
``crashes``        historical crashes and cascades (:func:`historical_twins`,             8
                   :func:`cascade_after_shock`, :func:`cascade_summary`)
``likelihood``     Monte Carlo liquidation odds (:func:`odds`, :func:`odds_at`)           9
``precomputed``    answers worked out ahead for every setting of an app's sliders, shown
                   only once a fresh computation confirms them (rebuild:
                   ``python -m marginlab.course.scenarios``)
=================  =====================================================================  ======

Every name below is importable from ``marginlab.course.scenarios`` itself.
"""

from .choosing import open_twin, size_by_leverage, survival, venue_liquidation_prices
from .crashes import (
    HistoricalTwins,
    cascade_after_shock,
    cascade_summary,
    crash_summary,
    crowd_through_crash,
    historical_twins,
    twins_through_crashes,
    who_pays_for_a_crash,
)
from .deleverage import SHORTS, WHALE, adl_table, crash, market
from .hedge import (
    LEGS,
    cross_pool_by_hand,
    hedge_after_moves,
    hedge_twins,
    room_to_liquidation_pct,
)
from .leverage import (
    initial_margin,
    isolated_liquidation_by_hand,
    leverage_ladder,
    margin_at_entry_and_at_mark,
    one_position,
)
from .likelihood import (
    BINS,
    COMMITTED,
    HORIZONS,
    LEVERAGES,
    PATHS,
    VOLS,
    deficits_with_jumps,
    interval_by_paths,
    jump_model_volatility,
    odds,
    odds_at,
    odds_by_leverage,
    odds_with_jumps,
)
from .pool import TwinReplay, crash_recovery_grid, pool_split, price_path, replay_twins
from .ringfence import (
    PLACES,
    fund_flows,
    isolated_pair,
    liquidation_by_margin_added,
    threshold_and_gap,
)
from .teaser import ratio_past_the_liquidation_price, twins_after_fall
from .tiers import NOTIONALS, tier_curve, tier_position, tiers_in_practice
from .twins import MODES, lots_for
from .waterfall import (
    HYPERLIQUID_ETH,
    VENUES,
    contract_for,
    liquidate_with_gap,
    venue_comparison,
    venue_max_leverage,
    venue_parameters,
)

__all__ = [
    "open_twin", "size_by_leverage", "survival", "venue_liquidation_prices", "HistoricalTwins",
    "cascade_after_shock", "cascade_summary", "historical_twins", "COMMITTED", "HORIZONS",
    "VOLS", "SHORTS", "WHALE", "adl_table", "crash", "market",
    "LEGS", "hedge_twins", "hedge_after_moves", "room_to_liquidation_pct", "initial_margin",
    "cross_pool_by_hand", "isolated_liquidation_by_hand", "margin_at_entry_and_at_mark",
    "leverage_ladder", "one_position", "BINS", "LEVERAGES", "PATHS", "odds", "odds_at",
    "TwinReplay", "crash_recovery_grid", "pool_split", "price_path", "replay_twins", "PLACES",
    "isolated_pair", "liquidation_by_margin_added", "fund_flows",
    "threshold_and_gap", "twins_after_fall", "ratio_past_the_liquidation_price", "MODES",
    "lots_for",
    "HYPERLIQUID_ETH", "VENUES", "contract_for", "liquidate_with_gap", "venue_comparison",
    "venue_max_leverage", "venue_parameters", "NOTIONALS", "tier_curve", "tier_position",
    "tiers_in_practice",
    "crash_summary", "twins_through_crashes", "crowd_through_crash", "who_pays_for_a_crash",
    "odds_by_leverage", "interval_by_paths", "odds_with_jumps",
    "jump_model_volatility", "deficits_with_jumps",
]
