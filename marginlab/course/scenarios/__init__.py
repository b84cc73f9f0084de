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
``unwinding``      lesson 4's crash under each venue's liquidation policy                 10
                   (:func:`unwinding_table`, :func:`rescue_search`, :func:`rescue_case`)
``funding``        fees, mark vs index, funding eating an isolated margin                 11
                   (:func:`first_trade_fees`, :func:`basis_liquidation`,
                   :func:`funding_periods`)
``protocols``      Hyperliquid, dYdX v4 and Drift v2 on one market (:func:`same_account`,  12
                   :func:`health_table`, :func:`liquidate_at`, :func:`dydx_fills`)
``cases``          real incidents replayed under any venue's rules (:func:`replay_case`,  13
                   :func:`compare_venues`); their figures and set-ups in ``incidents``
``capstone``       design an exchange, stress it on four incidents (:class:`Design`,      14
                   :func:`score`, :func:`baselines`, :func:`stress_scenarios`)
``precomputed``    answers worked out ahead for every setting of an app's sliders, shown
                   only once a fresh computation confirms them (rebuild:
                   ``python -m marginlab.course.scenarios``)
=================  =====================================================================  ======

Every name below is importable from ``marginlab.course.scenarios`` itself.
"""

from .capstone import Design, baselines, describe_scenarios, score, stress_scenarios
from .cases import (
    CASES,
    FACTS,
    CaseResult,
    adl_closes,
    case_summary,
    compare_venues,
    facts,
    mango_collateral,
    replay_case,
)
from .choosing import open_twin, size_by_leverage, survival, venue_liquidation_prices
from .crashes import (
    HistoricalTwins,
    cascade_after_shock,
    cascade_summary,
    cascade_unwinding,
    crash_summary,
    crowd_sides,
    crowd_through_crash,
    historical_twins,
    twins_through_crashes,
    who_pays_for_a_crash,
)
from .deleverage import SHORTS, WHALE, adl_table, crash, market
from .funding import (
    basis_liquidation,
    fee_schedules,
    first_trade_fees,
    funding_periods,
    funding_rate_examples,
    funding_summary,
)
from .hedge import LEGS, cross_pool_by_hand, hedge_after_moves, hedge_twins, room_to_liquidation_pct
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
from .pool import (
    TwinReplay,
    crash_recovery_grid,
    fund_payments,
    pool_split,
    price_path,
    replay_twins,
)
from .protocols import (
    PROTOCOLS,
    drift_shortage,
    dydx_fillable_price,
    dydx_fills,
    dydx_isolated_market,
    followed_through,
    health_table,
    liquidate_at,
    protocol_rules,
    same_account,
)
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
from .unwinding import (
    LESSON_4_CRASH,
    UnwindRun,
    first_liquidating_crash,
    policy_table,
    rescue_case,
    rescue_search,
    unwind_crash,
    unwinding_table,
)
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
    "Design", "baselines", "describe_scenarios", "score", "stress_scenarios", "CASES",
    "CaseResult", "FACTS", "adl_closes", "case_summary", "compare_venues", "facts",
    "mango_collateral", "replay_case", "open_twin", "size_by_leverage", "survival",
    "venue_liquidation_prices", "HistoricalTwins", "cascade_after_shock", "cascade_summary",
    "cascade_unwinding", "crash_summary", "crowd_sides", "crowd_through_crash", "historical_twins",
    "twins_through_crashes", "who_pays_for_a_crash", "SHORTS", "WHALE", "adl_table", "crash",
    "market", "basis_liquidation", "fee_schedules", "first_trade_fees", "funding_periods",
    "funding_rate_examples", "funding_summary", "LEGS", "cross_pool_by_hand", "hedge_after_moves",
    "hedge_twins", "room_to_liquidation_pct", "initial_margin", "isolated_liquidation_by_hand",
    "leverage_ladder", "margin_at_entry_and_at_mark", "one_position", "BINS", "COMMITTED",
    "HORIZONS", "LEVERAGES", "PATHS", "VOLS", "deficits_with_jumps", "interval_by_paths",
    "jump_model_volatility", "odds", "odds_at", "odds_by_leverage", "odds_with_jumps",
    "TwinReplay", "crash_recovery_grid", "fund_payments", "pool_split", "price_path",
    "replay_twins", "PROTOCOLS", "drift_shortage", "dydx_fillable_price", "dydx_fills",
    "dydx_isolated_market", "followed_through", "health_table", "liquidate_at", "protocol_rules",
    "same_account", "PLACES", "fund_flows", "isolated_pair", "liquidation_by_margin_added",
    "threshold_and_gap", "ratio_past_the_liquidation_price", "twins_after_fall", "NOTIONALS",
    "tier_curve", "tier_position", "tiers_in_practice", "MODES", "lots_for", "LESSON_4_CRASH",
    "UnwindRun", "first_liquidating_crash", "policy_table", "rescue_case", "rescue_search",
    "unwind_crash", "unwinding_table", "HYPERLIQUID_ETH", "VENUES", "contract_for",
    "liquidate_with_gap", "venue_comparison", "venue_max_leverage", "venue_parameters",
]
