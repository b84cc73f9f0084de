"""Capstone (lesson 14, exercise 13): design an exchange, then stress it.

The learner fills a :class:`Design` (max leverage, maintenance tiers, liquidation policy,
liquidation fee, insurance fund, loss sharing and ADL ranking, on a venue's base rules);
:func:`score` runs the four :func:`stress_scenarios` against it on the exact engine and reports,
per scenario::

    fund loss          = insurance fund at the start - insurance fund at the end (USDT)
    haircuts           = sum over ADL fills of |q| * |bankruptcy price - mark|
                         + every socialized loss (USDT), paid by traders who were not bankrupt
    largest haircut %  = max over traders of 100 * haircut / (equity at the end + haircut),
                         the share of what the trader would have held that it gave up
    unrecovered        = deficits nobody paid (the counterparties' loss, USDT)
    deleveraged        = positions closed by ADL;   liquidated = traders liquidated
    money conserved    = the ledger's total equals the money deposited, to the unit

A scenario **passes** when the fund is not emptied (it ends above zero), no loss is unrecovered
and no trader gives up more than :data:`HAIRCUT_BAR` % of what it would have held to ADL or
socialized loss.

The scenarios are shaped on real incidents (``shared/reference/incidents.md``), **simplified**:
stylized price paths (a few steps, not tick data), anonymous seeded counterparties (a crowd of
20 to 50 traders, not a market), one margin table for every market, a toy order book
(``book_depth`` USD per 1 % move), and a crowd that takes whatever leverage the design offers
(drawn evenly up to ``max_leverage``, capped by the tier of its notional). The insurance fund is
capped at :data:`MAX_FUND` (the venue's capital); every preset starts with the same fund, scaled
to the toy crowd, so that the baselines compare rules, not balance sheets.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from ...engine.adl import RANKINGS
from ...engine.contracts import ETH_PERP, linear_perp, make_tiers
from ...engine.errors import (
    ConfigurationError,
    InsufficientMarginError,
    InvalidAmountError,
    InvalidLeverageError,
    WouldLiquidateError,
)
from ...engine.exchange import Exchange
from ...engine.money import floor_to
from ...engine.numbers import ZERO, to_decimal
from ...engine.rules import LOSS_SHARING, POLICIES, VenueRules, venue_rules
from ...simulation.market import cascade

HAIRCUT_BAR = 5.0  # % of what a trader would have held
MAX_FUND = 250_000  # USDT: what this toy venue can put in its insurance fund
PRESET_FUND = 25_000  # USDT: every baseline's fund (scaled to the toy crowd)
BASES = ("Binance", "Bybit", "BitMEX", "Hyperliquid", "Drift")
MARKS = {"ETH-PERP": 2_000, "BTC-PERP": 50_000, "ALT-PERP": 1}
TICKS = {"ETH-PERP": ("0.01", "0.001"), "BTC-PERP": ("0.1", "0.001"), "ALT-PERP": ("0.0001", "1")}
ETH_TIERS = tuple((float(t.floor), float(t.mmr), int(t.max_leverage)) for t in ETH_PERP.tiers)


def _whole_leverage(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidLeverageError(f"max_leverage must be a whole number of at least 1 (e.g. "
                                   f"20 for 20x), got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Design:
    """A venue's design. ``tiers``: ``((floor USD, maintenance rate, max leverage), ...)``, the
    first from notional 0 (:func:`marginlab.engine.contracts.make_tiers`: MM = notional * MMR_n
    - cum_n); ``max_leverage`` may not exceed the first tier's; ``base``: the venue whose other
    rules (margin basis, fill price, chunk sizes) the design keeps. Bad values raise a
    :mod:`marginlab.errors` exception naming what to change; nothing is run."""

    max_leverage: int = 20
    tiers: tuple = ((0, 0.01, 50), (250_000, 0.02, 25), (1_000_000, 0.05, 10),
                    (5_000_000, 0.1, 5))
    liquidation_policy: str = "to_compliance"
    liquidation_fee: float = 0.01
    insurance_fund: float = 50_000
    loss_sharing: str = "adl"
    adl_ranking: str = "pnl_x_margin_ratio"
    base: str = "Binance"
    name: str = field(default="My venue", compare=False)

    def __post_init__(self):
        first = self._check_tiers()[0].max_leverage
        lev = _whole_leverage(self.max_leverage)
        if lev > first:
            raise InvalidLeverageError(
                f"max_leverage {lev}x is beyond what the tiers allow: the first tier (notional "
                f"from 0) allows at most {first:g}x. Lower max_leverage or raise that tier's "
                f"max leverage (keeping maintenance rate x leverage at most 1)")
        for what, value, allowed in (("liquidation_policy", self.liquidation_policy, POLICIES),
                                     ("loss_sharing", self.loss_sharing, LOSS_SHARING),
                                     ("adl_ranking", self.adl_ranking, tuple(RANKINGS)),
                                     ("base", self.base, BASES)):
            if value not in allowed:
                raise ConfigurationError(f"unknown {what} {value!r}; choose one of "
                                         f"{', '.join(map(repr, allowed))}")
        fee = to_decimal(self.liquidation_fee, "liquidation_fee", InvalidAmountError)
        if not 0 <= fee < Decimal("0.1"):
            raise InvalidAmountError(f"liquidation_fee is a rate on the closed notional from 0 "
                                     f"to under 0.1 (0.01 is 1 %), got {self.liquidation_fee!r}")
        fund = to_decimal(self.insurance_fund, "insurance_fund", InvalidAmountError)
        if fund < 0:
            raise InvalidAmountError(f"insurance_fund must be 0 USDT or more, got "
                                     f"{self.insurance_fund!r}: a fund cannot start in debt")
        if fund > MAX_FUND:
            raise InvalidAmountError(f"insurance_fund {float(fund):,.0f} USDT is more than this "
                                     f"venue's capital, {MAX_FUND:,} USDT")
        object.__setattr__(self, "max_leverage", lev)

    def _check_tiers(self) -> tuple:
        """The tiers as a tuple of tuples, and built (:func:`make_tiers`), or a clear error."""
        try:
            tiers = tuple(tuple(t) for t in self.tiers)
            if not tiers or any(len(t) != 3 for t in tiers):
                raise TypeError
        except TypeError:
            raise ConfigurationError(
                f"tiers must be ((floor USD, maintenance rate, max leverage), ...), e.g. "
                f"((0, 0.01, 50), (250_000, 0.02, 25)); got {self.tiers!r}") from None
        try:
            built = make_tiers(tiers)
        except ConfigurationError as err:
            raise ConfigurationError(f"tiers: {err}") from None
        object.__setattr__(self, "tiers", tiers)
        return built

    def but(self, **changes) -> Design:
        """A copy with some fields changed, checked again:
        ``PRESET_DESIGNS["Drift"].but(insurance_fund=100_000)``."""
        names = [f.name for f in fields(self)]
        if unknown := sorted(set(changes) - set(names)):
            raise ConfigurationError(f"a Design has no {', '.join(unknown)}; its fields are "
                                     f"{', '.join(names)}")
        return replace(self, **changes)

    def rules(self) -> VenueRules:
        """The base venue's rules with this design's policy, loss sharing and ranking."""
        return venue_rules(self.base).but(
            name=self.name, liquidation_policy=self.liquidation_policy,
            loss_sharing=self.loss_sharing, adl_ranking=self.adl_ranking)

    def contracts(self) -> list:
        """ETH-PERP, BTC-PERP and a thin ALT-PERP, all on this design's tiers and fee."""
        return list(_contracts(self.tiers, self.liquidation_fee))

    def exchange(self, book_depth=None) -> Exchange:
        return Exchange(contracts=self.contracts(), rules=self.rules(),
                        insurance_fund=self.insurance_fund, marks=MARKS, book_depth=book_depth)


@lru_cache(maxsize=64)
def _contracts(tiers: tuple, liquidation_fee) -> tuple:
    """The listed contracts of :meth:`Design.contracts`, built once per tiers and fee (a
    contract is frozen: every exchange of the scenarios can list the same one)."""
    return tuple(linear_perp(s, tiers, tick_size=t, lot_size=lot, liquidation_fee=liquidation_fee)
                 for s, (t, lot) in TICKS.items())


TIER_TABLES = {
    "flat": ((0, 0.01, 50),),
    "gentle": ((0, 0.01, 50), (250_000, 0.02, 25), (1_000_000, 0.05, 10), (5_000_000, 0.1, 5)),
    "steep": ((0, 0.01, 50), (100_000, 0.04, 12), (500_000, 0.08, 6), (2_000_000, 0.15, 3)),
}
"""Three maintenance tables lesson 14's app offers, each allowing 50x on a small position:
one tier for every size; the :class:`Design` default; and one whose rate climbs fast with size
(a 1,000,000 USD position gets at most 6x)."""


PRESET_DESIGNS = {
    # the engine's ETH-PERP brackets, modelled on Binance's published table (as of 2025)
    "Binance": Design(100, ETH_TIERS, "to_compliance", 0.0125, PRESET_FUND, "adl",
                      "pnl_x_margin_ratio", "Binance", name="Binance"),
    # Bybit classic: the same brackets, closed at the bankruptcy price (surplus to the fund)
    "Bybit": Design(100, ETH_TIERS, "tier_step_down", 0.0, PRESET_FUND, "adl",
                    "pnl_x_margin_ratio", "Bybit", name="Bybit"),
    # Hyperliquid ETH after March 2025: 25x, MMR 1 / (2 x 25) = 2 %, no clearance fee
    "Hyperliquid": Design(25, ((0, 0.02, 25),), "chunks", 0.0, PRESET_FUND, "adl",
                          "pnl_x_margin_ratio", "Hyperliquid", name="Hyperliquid"),
    # Drift v2's liquidation tests: maintenance 5 %, insurance-fund fee 1 %; over open interest
    "Drift": Design(10, ((0, 0.05, 10),), "shortage_only", 0.01, PRESET_FUND,
                    "socialize_open_interest", "pnl_x_margin_ratio", "Drift", name="Drift"),
}
"""The baselines: four venues' rules as :class:`Design` (parameters as of 2025, see
``shared/reference/margin-formulas.md``), each with the same :data:`PRESET_FUND`."""


# --- building the market ---------------------------------------------------------------------
def _position(acct, symbol: str, sign: int, margin: Decimal, lev: int) -> None:
    """A position of about ``margin * lev`` notional at ``lev``, capped by the tier of that
    notional (halved until the account can pay for it)."""
    ex = acct.exchange
    spec, mark = ex.contract(symbol), ex.mark(symbol)
    lev_d = min(Decimal(lev), spec.max_leverage(margin * lev))
    q = floor_to(margin * lev_d / mark, spec.lot_size)
    while q > 0:
        try:
            (acct.buy if sign > 0 else acct.sell)(symbol, q, leverage=lev_d)
            return
        except (InsufficientMarginError, WouldLiquidateError, InvalidLeverageError):
            lev_d = min(lev_d, spec.max_leverage(q * mark))
            q = floor_to(q / 2, spec.lot_size)


def _crowd(ex: Exchange, design: Design, seed: int, n: int, symbols, long_share: float,
           deposit=(1_000, 20_000), prefix: str = "t", max_lev: int | None = None) -> None:
    """``n`` seeded cross traders, each committing 80 % of its deposit to one of ``symbols``,
    long with probability ``long_share``, at a leverage drawn evenly from 1 to ``max_lev`` (or
    the design's max, whichever is lower)."""
    rng = np.random.default_rng(seed)
    top = min(design.max_leverage, max_lev or design.max_leverage)
    deposits = np.round(rng.uniform(*deposit, n), -1)
    levs = rng.integers(1, top + 1, n)
    sides = np.where(rng.random(n) < long_share, 1, -1)
    coins = rng.integers(0, len(symbols), n)
    for i in range(n):
        acct = ex.open_account(f"{prefix}{i:02d}", deposit=int(deposits[i]))
        _position(acct, symbols[coins[i]], int(sides[i]),
                  Decimal(int(deposits[i])) * Decimal("0.8"), int(levs[i]))


def _moved(ex: Exchange, moves: dict) -> dict:
    """Marks moved by ``{symbol: fraction}`` from :data:`MARKS`, on each tick."""
    return {s: floor_to(Decimal(MARKS[s]) * (1 + Decimal(str(f))), ex.contract(s).tick_size)
            for s, f in moves.items()}


def _walk(ex: Exchange, path) -> None:
    for step in path:
        ex.set_marks(_moved(ex, step))


# --- the four scenarios ------------------------------------------------------------------------
WHALE_NOTIONAL = 1_000_000  # USD of ETH


def whale(design: Design) -> Exchange:
    """A whale goes long 500 ETH (1,000,000 USD) isolated at the most leverage the design allows
    for that size, its ring holding the initial margin and nothing more (the March 2025
    Hyperliquid whale withdrew down to the minimum); 20 cross shorts (1x to 5x) hold the other
    side. ETH falls 0.5 % a step for 24 steps (to -12 %); liquidations fill through a thin book
    of 150,000 USD per 1 % move."""
    ex = design.exchange(book_depth={"ETH-PERP": 150_000})
    _crowd(ex, design, 1, 20, ["ETH-PERP"], 0.0, deposit=(20_000, 80_000), prefix="s",
           max_lev=5)
    acct = ex.open_account("whale", deposit=WHALE_NOTIONAL, mode="isolated")
    lev = min(Decimal(design.max_leverage), ex.contract("ETH-PERP").max_leverage(WHALE_NOTIONAL))
    acct.buy("ETH-PERP", Decimal(WHALE_NOTIONAL) / MARKS["ETH-PERP"], leverage=lev)
    _walk(ex, [{"ETH-PERP": -k / 200} for k in range(1, 25)])
    return ex


def crash(design: Design) -> Exchange:
    """50 cross traders, 87 % of them long (the share of longs reported for 10 October 2025),
    on ETH or BTC at the leverage the design offers. In one step ETH gaps down 18 % and BTC
    12 %; liquidations fill through a book of 300,000 USD per 1 % move, and the shorts are the
    ADL queue."""
    ex = design.exchange(book_depth={"ETH-PERP": 300_000, "BTC-PERP": 300_000})
    _crowd(ex, design, 2, 50, ["ETH-PERP", "BTC-PERP"], 0.87)
    _walk(ex, [{"ETH-PERP": -0.18, "BTC-PERP": -0.12}])
    return ex


def collateral(design: Design) -> Exchange:
    """Mango-style (11 October 2022): an attacker's cross account (60,000 USDT) goes long a thin
    token, ALT, and short BTC, both at the design's max leverage; 12 traders are short ALT and
    12 long BTC. In 8 steps ALT is pumped to 3x its price (+25 % of the start a step; its book:
    20,000 USD per 1 % move) while BTC rises 1.5 % a step to +12 % (at high leverage the
    attacker's BTC short then lives on the pumped profit alone). Then ALT falls back to 2x, to
    its start and 40 % below."""
    ex = design.exchange(book_depth={"ALT-PERP": 20_000})
    _crowd(ex, design, 3, 12, ["ALT-PERP"], 0.0, deposit=(2_000, 10_000), prefix="a",
           max_lev=10)
    _crowd(ex, design, 4, 12, ["BTC-PERP"], 1.0, deposit=(5_000, 30_000), prefix="b",
           max_lev=10)
    attacker = ex.open_account("attacker", deposit=60_000)
    for symbol, sign in (("ALT-PERP", 1), ("BTC-PERP", -1)):
        _position(attacker, symbol, sign, Decimal(27_000), design.max_leverage)
    pump = [{"ALT-PERP": k / 4, "BTC-PERP": 0.015 * k} for k in range(1, 9)]
    _walk(ex, [*pump, {"ALT-PERP": 1.0, "BTC-PERP": 0.12}, {"ALT-PERP": 0.0, "BTC-PERP": 0.12},
               {"ALT-PERP": -0.4, "BTC-PERP": 0.12}])
    return ex


def cascade_2020(design: Design) -> Exchange:
    """Black Thursday (12 March 2020): 50 cross traders, 75 % long, deposits of 1,000 to 10,000
    USDT. BTC drops 10 % and ETH 12 %, then the liquidations' forced orders walk a thin book
    (60,000 USD per 1 % move) round after round (:func:`marginlab.simulation.market.cascade`,
    at most 30 rounds)."""
    ex = design.exchange()
    _crowd(ex, design, 5, 50, ["ETH-PERP", "BTC-PERP"], 0.75, deposit=(1_000, 10_000))
    cascade(ex, {"BTC-PERP": -0.10, "ETH-PERP": -0.12},
            {"ETH-PERP": 60_000, "BTC-PERP": 60_000}, max_rounds=30)
    return ex


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    incident: str  # what happened, as reported (shared/reference/incidents.md)
    run: Callable[[Design], Exchange]


def stress_scenarios() -> dict[str, Scenario]:
    """The four stress scenarios, by key, in the order :func:`score` runs them."""
    return {s.key: s for s in (
        Scenario("whale", "A whale on a thin book",
                 "Hyperliquid, 12 March 2025: an ETH whale withdrew margin to the minimum and "
                 "was liquidated; the backstop vault lost about $4M (secondary sources).", whale),
        Scenario("crash", "A market-wide crash, ADL at scale",
                 "10-11 October 2025: $19.1B liquidated in 24 h, about 87 % longs (Coinglass, "
                 "via Blockscope); Hyperliquid auto-deleveraged about $2.1B of positions in 12 "
                 "minutes (arXiv 2512.01112 v3).", crash),
        Scenario("collateral", "A pumped token as cross collateral",
                 "Mango Markets, 11 October 2022: about $10M moved MNGO from $0.038 to $0.91; "
                 "the paper profit backed about $114M of borrowing (soliduslabs.com).",
                 collateral),
        Scenario("cascade", "A liquidation cascade on a thin book",
                 "Black Thursday, 12 March 2020: BitMEX liquidated about $876M and $798M on two "
                 "days; its fund's largest one-day drop was 2,606 XBT (blog.bitmex.com).",
                 cascade_2020),
    )}


# --- measuring ---------------------------------------------------------------------------------
def measure(ex: Exchange, fund_start) -> dict:
    """The figures of one stressed exchange (formulas in the module docstring), read from its
    event log: a "mark" event sets the mark an ADL fill that follows it is measured against."""
    marks, haircut = {}, {}
    liquidated, deleveraged, unrecovered = set(), 0, ZERO
    for e in ex.events:
        if e.kind == "mark":
            marks[e.symbol] = e.price
        elif e.kind == "adl":
            deleveraged += 1
            given = abs(e.quantity) * abs(e.price - marks[e.symbol])
            haircut[e.trader] = haircut.get(e.trader, ZERO) + given
        elif e.kind == "socialized loss":
            haircut[e.trader] = haircut.get(e.trader, ZERO) - e.amount
        elif e.kind == "unrecovered loss":
            unrecovered += abs(e.amount)
        elif e.kind in ("liquidation", "backstop") and e.trader is not None:
            liquidated.add(e.trader)
    held = {t: max(ZERO, ex.account(t).equity) + h for t, h in haircut.items()}
    largest = max((100 * h / held[t] for t, h in haircut.items() if held[t] > 0), default=ZERO)
    fund_end = ex.insurance_fund
    return {"fund at start": float(fund_start), "fund loss": float(Decimal(fund_start) - fund_end),
            "fund at end": float(fund_end), "haircuts": float(sum(haircut.values(), ZERO)),
            "largest haircut %": float(largest), "unrecovered": float(unrecovered),
            "deleveraged": deleveraged, "liquidated": len(liquidated),
            "money conserved": ex.ledger.total() == ex.ledger.deposited}


def passes(row) -> bool:
    """The pass bar: the fund ends above zero, nothing is unrecovered, no haircut above
    :data:`HAIRCUT_BAR` % of what a trader would have held, money conserved."""
    return bool(row["fund at end"] > 0 and row["unrecovered"] == 0
                and row["largest haircut %"] <= HAIRCUT_BAR and row["money conserved"])


def describe_bar(width: int = 96) -> str:
    """The pass bar (:func:`passes`) and the funds, in words, with this module's figures. The
    bar is this course's choice: no venue publishes one."""
    return textwrap.fill(
        f"A design passes a scenario when the insurance fund is not emptied (it ends above "
        f"zero), no loss is left unrecovered, and no trader gives up more than {HAIRCUT_BAR:g} % "
        f"of what it would have held to ADL or a socialized loss (a bar this course sets; no "
        f"venue publishes one). The fund is capped at {MAX_FUND:,} USDT, this toy venue's "
        f"capital; every preset starts with the same {PRESET_FUND:,} USDT.", width)


def verdict(row) -> str:
    """One plain-English sentence on one scenario's row."""
    if not row["money conserved"]:
        return "Money was created or lost: the engine's ledger does not balance (a bug)."
    lost = (f"the fund paid {row['fund loss']:,.0f} USDT" if row["fund loss"] >= 0.5 else
            f"the fund gained {-row['fund loss']:,.0f} USDT in fees" if row["fund loss"] <= -0.5
            else "the fund was not touched")
    if row["unrecovered"] > 0:
        return (f"Breaks: {row['unrecovered']:,.0f} USDT of losses were left unrecovered "
                f"(nobody could pay them); {lost}.")
    if row["largest haircut %"] > HAIRCUT_BAR:
        return (f"Breaks: the fund ran short and winners paid {row['haircuts']:,.0f} USDT; one "
                f"gave up {row['largest haircut %']:.1f} % of what it held "
                f"(bar {HAIRCUT_BAR:g} %).")
    if row["fund at end"] <= 0:
        return f"Breaks: the fund was emptied ({lost}); the next deficit falls on the traders."
    tail = (f"; winners gave up {row['haircuts']:,.0f} USDT, at most "
            f"{row['largest haircut %']:.1f} % of what one held" if row["haircuts"] > 0 else "")
    if row["deleveraged"] > 0:
        tail += f"; {row['deleveraged']:.0f} positions were auto-deleveraged"
    return f"Holds: {lost} and {row['fund at end']:,.0f} USDT is left{tail}."


def run_scenarios(design: Design) -> dict[str, dict]:
    """The scoring itself: each stress scenario run on the exact engine and measured
    (:func:`measure`), with ``passes`` and ``verdict``, by scenario key, every time it is
    called."""
    rows = {}
    for key, sc in stress_scenarios().items():
        row = measure(sc.run(design), design.insurance_fund)
        row["passes"] = passes(row)
        row["verdict"] = verdict(row)
        rows[key] = row
    return rows


@lru_cache(maxsize=256)
def _remembered_rows(design: Design) -> dict[str, dict]:
    return run_scenarios(design)


def scenario_rows(design: Design) -> dict[str, dict]:
    """:func:`run_scenarios`, remembered by design (a :class:`Design` is frozen, so it can be a
    key): a design scored once, by :func:`score` or an app, is not run again. The rows are
    copies: changing them does not change what is remembered."""
    if not isinstance(design, Design):
        raise ConfigurationError(f"score takes a Design (e.g. Design(max_leverage=20)), got "
                                 f"{type(design).__name__}")
    return {key: dict(row) for key, row in _remembered_rows(design).items()}


def score_table(design: Design, rows: dict[str, dict]) -> pd.DataFrame:
    """The table of :func:`score` from one scoring's ``rows`` (:func:`run_scenarios`)."""
    table = pd.DataFrame([{"scenario": key, **row} for key, row in rows.items()])
    table = table.set_index("scenario")
    total = {"fund at start": design.insurance_fund, "fund loss": table["fund loss"].sum(),
             "fund at end": table["fund at end"].min(), "haircuts": table["haircuts"].sum(),
             "largest haircut %": table["largest haircut %"].max(),
             "unrecovered": table["unrecovered"].sum(),
             "deleveraged": table["deleveraged"].sum(), "liquidated": table["liquidated"].sum(),
             "money conserved": bool(table["money conserved"].all()),
             "passes": bool(table["passes"].all())}
    broken = list(table.index[~table["passes"]])
    total["verdict"] = ("Passes every scenario." if not broken else
                        f"Breaks in {len(broken)} of {len(table)}: {', '.join(broken)}.")
    table.loc["total"] = pd.Series(total)
    return table


def score(design: Design) -> pd.DataFrame:
    """One row per stress scenario (:func:`scenario_rows`) and a ``total`` row (sums; the lowest
    fund at the end; the largest haircut), columns as in the module docstring plus ``passes``
    and ``verdict``. Deterministic (seeded); the scoring is remembered by design, each call
    builds a new table."""
    return score_table(design, scenario_rows(design))


def baselines() -> pd.DataFrame:
    """The ``total`` row of :func:`score` for each preset of :data:`PRESET_DESIGNS`, with its
    max leverage."""
    rows = {}
    for name, design in PRESET_DESIGNS.items():
        rows[name] = {"max leverage": design.max_leverage, **score(design).loc["total"]}
    table = pd.DataFrame(rows).T
    table.index.name = "venue"
    return table


def scenario_table() -> pd.DataFrame:
    """The stress scenarios in words: index ``scenario`` (key), columns ``title``, ``what
    happened`` (the incident as reported) and ``modelled as`` (the run's docstring)."""
    rows = [{"scenario": k, "title": s.title, "what happened": s.incident,
             "modelled as": re.sub(r":\w+:`([^`]*)`", r"\1", " ".join(s.run.__doc__.split()))}
            for k, s in stress_scenarios().items()]
    return pd.DataFrame(rows).set_index("scenario")


def describe_scenarios(width: int = 96) -> str:
    """:func:`scenario_table` as plain text, wrapped at ``width`` characters."""
    blocks = []
    for key, row in scenario_table().iterrows():
        blocks.append("\n".join([
            f"{row['title']} ({key})",
            textwrap.fill(f"What happened: {row['what happened']}", width, initial_indent="  ",
                          subsequent_indent="    "),
            textwrap.fill(f"Modelled as: {row['modelled as']}", width, initial_indent="  ",
                          subsequent_indent="    ")]))
    return "\n\n".join(blocks)
