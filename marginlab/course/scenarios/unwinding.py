"""Lesson 10: how venues unwind an account: the lesson-4 crash under each venue's liquidation
policy.

Modelled: lesson 4's trader (:func:`~.pool.replay_twins`: 1,000 USDT, 600 of it margin at 10x,
70 % behind an ETH long and 30 % behind a BTC long) on the same seeded price path
(:func:`~.pool.price_path`), with the same contracts and fees, on one exchange per venue whose
rules are that venue's preset (:mod:`marginlab.engine.rules`):

=============================  ================  ===============================================
venue                          policy            one liquidation step closes
=============================  ================  ===============================================
All at once (teaching model)   all_at_once       every position of the bucket
Binance                        to_compliance     just enough of the largest loser to comply (the
                                                 size is not published: marginlab's model)
Bybit (classic), BitMEX        tier_step_down    enough to step down a risk-limit tier, else all
Hyperliquid                    chunks            20 % of a position above 100,000 USDT, else all;
                                                 below 2/3 of MM the backstop vault takes over
Drift                          shortage_only     the shortage against MM + a 2 % buffer
=============================  ================  ===============================================

and every policy closes the whole bucket once its equity is gone (E <= 0). The engine decides
(:mod:`marginlab.engine.unwinding`); this module only reads its ledger and events.

Why partial liquidation rarely cures a small account here: closing q of a position frees its
maintenance margin ``q P m`` (m the marginal rate of the tier it sits in, plus Bybit's and
BitMEX's fee-to-close, plus Drift's buffer) but pays the liquidation fee ``q P f``. With the
default f = 1.25 % above every small tier's m (ETH 0.5 % and 0.65 %, BTC 0.4 % and 0.5 %), each
unit closed costs more than it frees: no partial close brings the margin ratio back below
100 %, so the position closes whole (:func:`marginlab.engine.rulebook.cure_quantity`).

Simplified: no funding; every partial step fills at the mark and pays the liquidation fee, a
position closed whole fills at the mark too (Bybit, BitMEX: at its bankruptcy price, their rule);
the same contracts on every venue (ETH_PERP, BTC_PERP: Binance-like tiers and a 1.25 % liquidation
fee, which Hyperliquid does not charge); a large insurance fund pays every bankrupt account's gap
(on Hyperliquid the backstop vault would take it over).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd

from ...engine.contracts import BTC_PERP, ETH_PERP
from ...engine.errors import SimulationSettingError
from ...engine.exchange import Exchange
from ...engine.rules import venue_rules
from ...engine.unwinding import SOURCES
from .pool import pool_split, price_path
from .twins import lots_for

VENUES = ("All at once (teaching model)", "Binance", "Bybit (classic)", "BitMEX", "Hyperliquid",
          "Drift")
SYMBOLS = ("ETH-PERP", "BTC-PERP")
DEFICIT_KINDS = ("insurance fund", "unrecovered loss", "adl")
STEP_KINDS = ("liquidation", "backstop", "liquidation fee", *DEFICIT_KINDS)
LESSON_4_CRASH = {"crash_pct": 30, "leverage": 10}
"""Case (a): lesson 4's crash, ETH -30 % in 20 steps at 10x."""


@dataclass
class UnwindRun:
    """What :func:`unwind_crash` recorded for one venue."""

    venue: str
    curve: pd.DataFrame   # step, ETH-PERP, BTC-PERP (marks), equity, ETH qty, BTC qty
    steps: pd.DataFrame   # step, kind, message: the engine's liquidation events
    row: dict             # the trader's row of :func:`unwinding_table`
    exchange: Exchange


def contracts(liquidation_fee=None) -> list:
    """ETH_PERP and BTC_PERP, with ``liquidation_fee`` (a rate, 0.0125 = 1.25 %) if given."""
    if liquidation_fee is None:
        return [ETH_PERP, BTC_PERP]
    return [replace(c, liquidation_fee=Decimal(str(liquidation_fee)))
            for c in (ETH_PERP, BTC_PERP)]


def open_trader(venue: str, *, mode: str = "cross", leverage=10, liquidation_fee=None,
                eth_share: float = 0.7, deposit: float = 1_000, committed: float = 0.6,
                marks: dict, fund: float = 1_000_000):
    """An exchange on ``venue``'s rules holding lesson 4's trader (``mode`` margin): its ETH and
    BTC longs sized as :func:`~.pool.replay_twins` sizes them. Returns ``(exchange, account)``."""
    ex = Exchange(contracts=contracts(liquidation_fee), rules=venue_rules(venue), marks=marks,
                  insurance_fund=fund)
    budget = Decimal(str(deposit)) * Decimal(str(committed))
    eth_margin = budget * Decimal(str(eth_share))
    margins = {"ETH-PERP": eth_margin, "BTC-PERP": budget - eth_margin}
    acct = ex.open_account("trader", deposit=deposit, mode=mode, leverage=leverage)
    for symbol, margin in margins.items():
        q = lots_for(margin, leverage, ex.marks[symbol], ex.contract(symbol).lot_size)
        if q > 0:
            acct.buy(symbol, q)
    return ex, acct


def unwind_crash(venue: str = "Binance", *, mode: str = "cross", crash_pct: float = 30,
                 leverage=10, slide: int | None = None, liquidation_fee=None,
                 recovery_pct: float = 0.0, steps: int = 120, seed: int = 7,
                 **sizing) -> UnwindRun:
    """Replay :func:`~.pool.price_path` (``crash_pct``, ``slide`` steps long) through lesson 4's
    trader on ``venue``'s rules, one price step at a time; record its equity and positions at
    every step, and the engine's liquidation events. ``sizing``: ``eth_share``, ``deposit``,
    ``committed``, ``fund`` as in :func:`open_trader`."""
    check_crash(crash_pct, slide, recovery_pct, steps)
    path = price_path(crash_pct, steps=steps, seed=seed, recovery_pct=recovery_pct, slide=slide)
    first = path.iloc[0]
    ex, acct = open_trader(venue, mode=mode, leverage=leverage, liquidation_fee=liquidation_fee,
                           marks={s: first[s] for s in SYMBOLS}, **sizing)
    opened = _quantities(acct)
    fund0, start = ex.insurance_fund, len(ex.events)
    rows = []
    for step, eth, btc in path[["step", *SYMBOLS]].itertuples(index=False):
        if step > 0:
            ex.set_marks({"ETH-PERP": eth, "BTC-PERP": btc}, time=int(step))
        rows.append({"step": int(step), "ETH-PERP": eth, "BTC-PERP": btc,
                     "equity": pool_split(acct)["equity"],
                     **{f"{s.split('-')[0]} qty": float(q) for s, q in _quantities(acct).items()}})
    curve = pd.DataFrame(rows)
    events = ex.events.to_frame(kinds=list(STEP_KINDS))
    events = events[events.seq >= start][["time", "kind", "amount", "message"]]
    row = _row(ex, acct, opened, curve, events, fund0)
    return UnwindRun(ex.rules.name, curve, events.rename(columns={"time": "step"}), row, ex)


def check_crash(crash_pct, slide, recovery_pct, steps) -> None:
    """The crash a learner asks for must be one the path can draw: a fall from 0 to below
    100 %, a slide of a whole number of steps within the path, a recovery from 0 to 100 %;
    otherwise a ``SimulationSettingError`` saying which."""
    if not isinstance(crash_pct, int | float) or not 0 <= crash_pct < 100:
        raise SimulationSettingError(f"crash_pct is ETH's fall in %, from 0 to below 100, got "
                                     f"{crash_pct!r}")
    if slide is not None and (isinstance(slide, bool) or not isinstance(slide, int)
                              or not 1 <= slide <= steps):
        raise SimulationSettingError(f"slide is how many steps the fall lasts, a whole number "
                                     f"from 1 to {steps}, got {slide!r}")
    if not isinstance(recovery_pct, int | float) or not 0 <= recovery_pct <= 100:
        raise SimulationSettingError(f"recovery_pct is the share of the fall won back, from 0 "
                                     f"to 100 %, got {recovery_pct!r}")


def _quantities(acct) -> dict:
    """``{symbol: open quantity}`` for ETH and BTC (0 once closed)."""
    held = {p.symbol: p.quantity for p in acct.positions.values()}
    return {s: held.get(s, Decimal(0)) for s in SYMBOLS}


def _row(ex, acct, opened: dict, curve: pd.DataFrame, events: pd.DataFrame, fund0) -> dict:
    """The table row: what closed, what the trader kept, what the fund and the vault got."""
    left = _quantities(acct)
    start, end = curve["equity"].iloc[0], curve["equity"].iloc[-1]
    deficit = events[events.kind.isin(DEFICIT_KINDS)]
    steps = events[events.kind.isin(("liquidation", "backstop"))]
    return {
        "venue": ex.rules.name, "policy": ex.rules.liquidation_policy.replace("_", " "),
        "ETH closed": float(opened["ETH-PERP"] - left["ETH-PERP"]),
        "BTC closed": float(opened["BTC-PERP"] - left["BTC-PERP"]),
        "final equity": end, "pool kept %": 100 * end / start if start > 0 else 0.0,
        "insurance fund change": float(ex.insurance_fund - fund0),
        "backstop vault change": float(ex.backstop_vault),
        "liquidation steps": int(steps.time.nunique()),
        "bankrupt": bool(len(deficit)),
    }


def policy_table(venues=VENUES) -> pd.DataFrame:
    """Each venue's preset: its liquidation policy, where a liquidation fills (``mark`` or
    ``bankruptcy`` price) and the rule the engine follows (:data:`marginlab.engine.unwinding.
    SOURCES`; the teaching model has none). Index ``venue``."""
    rows = []
    for venue in venues:
        rules = venue_rules(venue)
        rows.append({"venue": rules.name,
                     "policy": rules.liquidation_policy.replace("_", " "),
                     "fills at": rules.liquidation_fill,
                     "rule": SOURCES.get(rules.liquidation_policy, "marginlab's teaching model")})
    return pd.DataFrame(rows).set_index("venue")


def unwinding_table(*, venues=VENUES, **crash) -> pd.DataFrame:
    """One row per venue (index ``venue``) for the same crash (keywords of
    :func:`unwind_crash`): ``policy``, ``ETH closed`` and ``BTC closed`` (quantities),
    ``final equity`` (USDT), ``pool kept %`` (final over starting equity), ``insurance fund
    change`` and ``backstop vault change`` (USDT), ``liquidation steps`` (price steps with a
    liquidation), ``bankrupt`` (a deficit was left for the fund or others)."""
    return pd.DataFrame([unwind_crash(v, **crash).row for v in venues]).set_index("venue")


# --- the cases a learner must see ----------------------------------------------------------------
SLOW = 40
"""A slow decline: ETH's slide takes 40 price steps instead of lesson 4's 20."""
RESCUE_CANDIDATES = (
    ("lesson 4's trader (1,000 USDT)", {}),
    ("lesson 4's trader, liquidation fee 0.25 %", {"liquidation_fee": 0.0025}),
    ("a 1,000,000 USDT trader (ETH in a higher tier)", {"deposit": 1_000_000}),
)
"""The accounts :func:`rescue_search` tries, smallest change from lesson 4 first."""


def is_rescued(row: dict, teaching: dict) -> bool:
    """A venue *rescues* the account when it ends still holding a position that the teaching
    model closed and with more equity than the teaching model left."""
    kept = row["ETH closed"] < teaching["ETH closed"] or row["BTC closed"] < teaching["BTC closed"]
    return kept and row["final equity"] > teaching["final equity"]


def first_liquidating_crash(*, crashes=range(5, 51), **crash) -> int:
    """The smallest ETH crash (whole %) at which the teaching model liquidates the account at
    all (keywords of :func:`unwind_crash`); 0 if none of ``crashes`` does."""
    for pct in crashes:
        if unwind_crash(VENUES[0], crash_pct=pct, **crash).row["liquidation steps"]:
            return int(pct)
    return 0


def rescue_search(*, slide: int = SLOW, recovery_pct: float = 100, leverage=10,
                  candidates=RESCUE_CANDIDATES) -> pd.DataFrame:
    """For each candidate account: the smallest crash that liquidates it (a slow ``slide``, then
    ETH wins back ``recovery_pct`` % of the fall), and which venues rescue it there
    (:func:`is_rescued`). Index ``account``; columns ``crash %``, ``teaching model keeps``
    (USDT), ``rescued by`` (venue names, or "no venue"), ``best venue keeps`` (USDT)."""
    rows = []
    for name, change in candidates:
        crash = {"slide": slide, "recovery_pct": recovery_pct, "leverage": leverage, **change}
        pct = first_liquidating_crash(**crash)
        table = unwinding_table(crash_pct=pct, **crash)
        teaching = table.iloc[0].to_dict()
        saved = [v for v, row in table.iloc[1:].iterrows() if is_rescued(row.to_dict(),
                                                                         teaching)]
        rows.append({"account": name, "crash %": pct,
                     "teaching model keeps": teaching["final equity"],
                     "rescued by": ", ".join(saved) or "no venue",
                     "best venue keeps": float(table["final equity"].iloc[1:].max())})
    return pd.DataFrame(rows).set_index("account")


def rescue_case(**search) -> dict:
    """Case (b): the keywords of :func:`unwind_crash` for the first account of
    :func:`rescue_search` that some venue rescues (``{}`` if none)."""
    found = rescue_search(**search)
    options = {"slide": search.get("slide", SLOW),
               "recovery_pct": search.get("recovery_pct", 100),
               "leverage": search.get("leverage", 10)}
    for (_, change), (_, row) in zip(search.get("candidates", RESCUE_CANDIDATES),
                                     found.iterrows(), strict=True):
        if row["rescued by"] != "no venue":
            return {"crash_pct": int(row["crash %"]), **options, **change}
    return {}
