"""A toy market: a seeded crowd of leveraged traders, and the liquidation cascades it feeds.

**The crowd** (:func:`crowd`). Trader ``t00``, ``t01``, ... draws, before the margin mode is
used (so the cross crowd and the isolated crowd of one seed are twins): a deposit D, a whole
leverage L, the share c of D committed as margin, a side (long with probability ``long_share``,
the same side on both coins); ``round(btc_only_share * n)`` of them hold BTC only. Then::

    ETH margin = c * D * eth_share        BTC margin = c * D * (1 - eth_share)   (BTC only: c * D)
    quantity   = margin * L / mark, rounded down to the lot and to what the balance can pay

**Cascades** (:func:`cascade`). Forced orders walk a linear order book: ``depth[s]`` is the USD
notional of forced selling that moves ``s`` by 1 %::

    N_s       = - sum(quantity * price) over the round's liquidation and ADL fills in s
    new price = old price * (1 - 0.01 * N_s / depth[s]), rounded to the tick, at least one tick

(:func:`marginlab.engine.rulebook.book_price`, the rule the engine's book fills use too).

Liquidated longs are sold (N > 0, the price falls); liquidated shorts are bought back (N < 0, it
rises). The part of a bankrupt position matched against the ADL queue never reaches the book:
the ADL fills cancel it in the sum. Round 0 moves the marks by the shock; each next round moves
every mark at once by the impact of the previous round's forced orders, until a round liquidates
nothing. A cross liquidation closes *all* the account's positions: an ETH crash also sells BTC,
and that sale can liquidate traders who never held ETH (:func:`cascade_twins`).

**Market runs** (:func:`simulate_market`). A crowd opens at the first row of a price table and
the exchange replays the rows, one instant per step, with its own loss sharing (insurance fund,
then ADL or socialized loss, see :mod:`marginlab.liquidation`).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd

from ..engine import rulebook
from ..engine.errors import (
    ConfigurationError,
    InsufficientMarginError,
    InvalidAmountError,
    InvalidLeverageError,
    InvalidPathError,
    InvalidPriceError,
    MarginModeError,
    WouldLiquidateError,
)
from ..engine.exchange import Exchange
from ..engine.formulas import max_open_quantity
from ..engine.money import floor_to
from ..engine.numbers import MAX_AMOUNT, MAX_LEVERAGE, MAX_PRICE, ZERO, exact, to_decimal
from ..engine.rules import BINANCE, venue_rules
from .inputs import real, whole

ETH, BTC = "ETH-PERP", "BTC-PERP"
SYMBOLS = (ETH, BTC)
MODES = ("cross", "isolated")
DEFAULT_MARKS = {ETH: 2_000, BTC: 50_000}
DEFAULT_SHOCK = {ETH: -0.15}
DEFAULT_DEPTH = {ETH: 30_000, BTC: 30_000}  # USD of forced selling per 1 % move (a toy market)
FORCED = ("liquidation", "adl")
LOSS_KINDS = ("liquidation", "insurance fund", "adl", "socialized loss", "unrecovered loss")
MAX_TRADERS = 100_000  # each trader is an engine account, opened one event at a time


# --- the crowd ---------------------------------------------------------------------------------
def _range(value, what: str, error, minimum: float, maximum: float) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise error(f"{what} must be a (low, high) pair of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or not minimum <= lo <= hi <= maximum:
        raise error(f"{what} must be a (low, high) pair with {minimum:g} <= low <= high <= "
                    f"{maximum:g}, got {value!r}")
    return lo, hi


def _share(value, what: str) -> float:
    x = real(value, what, error=ConfigurationError)
    if not 0 <= x <= 1:
        raise ConfigurationError(f"{what} must be a fraction between 0 and 1, got {value!r}")
    return x


def _open(acct, symbol: str, sign: int, margin: Decimal, leverage: int) -> Decimal:
    """Open ``margin * leverage`` of notional (sized down until the account can pay for it)."""
    spec, mark = acct.exchange.contract(symbol), acct.exchange.mark(symbol)
    lev = min(Decimal(leverage), spec.max_leverage(margin * leverage))
    affordable = max_open_quantity(acct.available_balance, mark, lev, spec, acct.exchange.rules)
    q = min(floor_to(margin * lev / mark, spec.lot_size), affordable)
    while q > 0:
        try:
            (acct.buy if sign > 0 else acct.sell)(symbol, q, leverage=lev)
            return q
        except (InsufficientMarginError, WouldLiquidateError, InvalidLeverageError):
            q = floor_to(q / 2, spec.lot_size)  # rounding left it a hair too big: halve
    return ZERO


@exact
def crowd(n_traders=40, mode="cross", seed=0, deposit=(500, 5_000), leverage=(3, 25),
          eth_share=0.6, long_share=0.8, marks=None, rules=BINANCE, insurance_fund=10_000,
          btc_only_share=0.25, commit=(0.6, 0.9)) -> Exchange:
    """An exchange holding ``n_traders`` seeded traders, all in margin ``mode``.

    Each trader commits a share ``commit`` of a deposit drawn in ``deposit`` as margin, at a
    whole leverage drawn in ``leverage``: ``eth_share`` of it on ETH-PERP and the rest on
    BTC-PERP, long with probability ``long_share``. ``round(btc_only_share * n_traders)`` traders
    put it all on BTC-PERP. ``marks`` are the opening prices (default ETH 2,000, BTC 50,000).
    The same arguments with the other ``mode`` give the twin crowd (see :func:`traders`).
    """
    if whole(n_traders, "n_traders", 1, ConfigurationError) > MAX_TRADERS:
        raise ConfigurationError(f"n_traders must be at most {MAX_TRADERS:,} (each trader is "
                                 f"an account of the exact engine), got {n_traders!r}")
    if mode not in MODES:
        raise MarginModeError(f"mode must be 'cross' or 'isolated', got {mode!r}")
    dep = _range(deposit, "deposit", InvalidAmountError, 1, float(MAX_AMOUNT))
    lev = _range(leverage, "leverage", InvalidLeverageError, 1, float(MAX_LEVERAGE))
    if math.ceil(lev[0]) > math.floor(lev[1]):
        raise InvalidLeverageError(f"leverage {leverage!r} holds no whole number")
    com = _range(commit, "commit", ConfigurationError, 0, 1)
    eth_share, long_share = _share(eth_share, "eth_share"), _share(long_share, "long_share")
    btc_only_share = _share(btc_only_share, "btc_only_share")
    rules = venue_rules(rules)

    n = int(n_traders)
    rng = np.random.default_rng(whole(seed, "seed", 0, ConfigurationError))  # every draw, here
    deposits = np.round(rng.uniform(*dep, n))
    leverages = rng.integers(math.ceil(lev[0]), math.floor(lev[1]) + 1, n)
    commits = np.round(rng.uniform(*com, n), 2)
    signs = np.where(rng.random(n) < long_share, 1, -1)
    btc_only = np.zeros(n, dtype=bool)
    btc_only[rng.choice(n, round(btc_only_share * n), replace=False)] = True

    marks = DEFAULT_MARKS if marks is None else marks
    if missing := [s for s in SYMBOLS if s not in marks]:
        raise InvalidPriceError(f"the crowd opens at marks, which need a price for "
                                f"{' and '.join(missing)}")
    ex = Exchange(rules=rules, insurance_fund=insurance_fund, marks=marks)
    width = max(2, len(str(n - 1)))
    for i in range(n):
        acct = ex.open_account(f"t{i:0{width}d}", deposit=int(deposits[i]), mode=mode,
                               leverage=int(leverages[i]))
        margin = Decimal(int(deposits[i])) * Decimal(str(commits[i]))
        eth_margin = ZERO if btc_only[i] else margin * Decimal(str(eth_share))
        for symbol, m in ((ETH, eth_margin), (BTC, margin - eth_margin)):
            if m > 0:
                _open(acct, symbol, int(signs[i]), m, int(leverages[i]))
    return ex


def _check_crowd_kwargs(kwargs: dict) -> None:
    """The extra keyword arguments passed on to :func:`crowd` must be some of its own."""
    known = set(inspect.signature(crowd).parameters) - {"n_traders", "mode", "seed"}
    if unknown := sorted(set(kwargs) - known):
        raise ConfigurationError(f"unknown crowd setting(s): {', '.join(unknown)}; the crowd "
                                 f"takes {', '.join(sorted(known))}")


@exact
def traders(ex: Exchange) -> pd.DataFrame:
    """One row per trader: mode, deposit, leverage and the open sizes (signed, 0 if none).

    ``btc only`` is true for a trader holding BTC-PERP and no ETH-PERP; call it before a crash.
    """
    deposits: dict[str, Decimal] = {}
    for e in ex.events.of_kind("deposit"):
        if e.trader is not None:
            deposits[e.trader] = deposits.get(e.trader, ZERO) + e.amount
    rows = []
    for acct in ex.sorted_accounts():
        size = {s: float(sum((p.size for p in acct.legs(s)), ZERO)) for s in SYMBOLS}  # net
        rows.append({"trader": acct.trader, "mode": acct.mode,
                     "deposit": float(deposits.get(acct.trader, ZERO)),
                     "leverage": float(acct.leverage), **size,
                     "btc only": size[BTC] != 0 and size[ETH] == 0})
    return pd.DataFrame(rows).set_index("trader")


# --- cascades ----------------------------------------------------------------------------------
@exact
def _on_tick(value: Decimal, tick: Decimal) -> Decimal:
    """``value`` rounded to the nearest tick (half to even), from one tick up to the engine's
    largest price (a book pushed further stops there)."""
    value = min(max(value, tick), MAX_PRICE)
    return max(tick, (value / tick).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * tick)


def _forced(events) -> tuple[dict, dict, dict]:
    """Per symbol: net forced sell notional, liquidation count, traders liquidated."""
    notional: dict[str, Decimal] = {}
    count: dict[str, int] = {}
    who: dict[str, set] = {}
    for e in events:
        if e.kind in FORCED:
            notional[e.symbol] = notional.get(e.symbol, ZERO) - e.quantity * e.price
        if e.kind == "liquidation":
            count[e.symbol] = count.get(e.symbol, 0) + 1
            who.setdefault(e.symbol, set()).add(e.trader)
    return notional, count, who


def _time(t0, r: int):
    return t0 + r if isinstance(t0, numbers.Number) else t0


def _cascade_settings(ex: Exchange, shock, depth, max_rounds) -> tuple[dict, dict, list]:
    """:func:`cascade`'s settings checked: ``(shock moves, depths, the symbols it follows)``."""
    depths = {}
    for name, given in (("shock", shock), ("depth", depth)):
        if not isinstance(given, Mapping):
            raise ConfigurationError(f"{name} must be a dict {{symbol: number}} such as "
                                     f"{{'ETH-PERP': {-0.15 if name == 'shock' else 30_000}}}, "
                                     f"got {given!r}")
    for s, d in dict(depth).items():
        ex.contract(s)
        depths[s] = to_decimal(d, f"depth of {s}", InvalidAmountError)
        if depths[s] <= 0:
            raise InvalidAmountError(f"depth of {s} must be a USD notional above zero, got {d!r}")
    moves = {}
    for s, f in dict(shock).items():
        ex.contract(s)
        moves[s] = to_decimal(f, f"shock of {s}", InvalidPriceError)
        if moves[s] <= -1:
            raise InvalidPriceError(f"a shock of {f!r} on {s} would take its price to zero or "
                                    f"below; use a fraction above -1 (e.g. -0.15 for -15 %)")
    held = {p.symbol for a in ex.accounts.values() for p in a.positions.values()}
    symbols = sorted(set(moves) | held)
    if missing := [s for s in symbols if s not in depths]:
        raise ConfigurationError(f"no depth for {', '.join(missing)}: every traded symbol needs "
                                 f"one, e.g. depth={{{missing[0]!r}: 50_000}}")
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, numbers.Integral) \
            or max_rounds < 0:
        raise ConfigurationError(f"max_rounds must be a whole number >= 0, got {max_rounds!r}")
    return moves, depths, symbols


@exact
def cascade(ex: Exchange, shock: dict, depth: dict, max_rounds=100, time=None) -> pd.DataFrame:
    """Shock the marks, then let forced orders move them, round after round.

    ``shock``: ``{symbol: fraction}`` applied at round 0 (``-0.15`` is a 15 % fall).
    ``depth``: ``{symbol: USD}``, the forced selling that moves that symbol by 1 %. Round r + 1
    moves each mark by ``-0.01 * N / depth`` with N the round-r forced sell notional (see the
    module docstring); it stops after a round that liquidates nothing, or after round
    ``max_rounds``. Events of round r are stamped ``time + r`` (``time`` defaults to
    ``ex.time``). Money moves only through the exchange, so it stays conserved.

    Returns one row per round and symbol: ``round, symbol, price, move %`` (since the start),
    ``forced sell notional`` and ``liquidations`` (positions force-closed in that round, whose
    orders move the next round's price) and ``traders liquidated`` (distinct traders who lost
    their position in that symbol so far).
    """
    moves, depths, symbols = _cascade_settings(ex, shock, depth, max_rounds)
    start = {s: ex.mark(s) for s in symbols}
    t0 = ex.time if time is None else time

    rows, seen = [], {s: set() for s in symbols}
    new = {s: _on_tick(start[s] * (1 + f), ex.contract(s).tick_size) for s, f in moves.items()}
    for r in range(max_rounds + 1):
        first = len(ex.events)
        ex.set_marks(new, time=_time(t0, r))
        notional, count, who = _forced(ex.events.since(first))
        for s in symbols:
            seen[s] |= who.get(s, set())
            rows.append({"round": r, "symbol": s, "price": float(ex.marks[s]),
                         "move %": float((ex.marks[s] / start[s] - 1) * 100),
                         "forced sell notional": float(notional.get(s, ZERO)),
                         "liquidations": count.get(s, 0), "traders liquidated": len(seen[s])})
        if not count:
            break
        new = {s: _on_tick(rulebook.book_price(ex.marks[s], n, depths[s]),
                           ex.contract(s).tick_size) for s, n in notional.items()}
    return pd.DataFrame(rows)


@dataclass
class CascadeTwins:
    """What :func:`cascade_twins` returns; ``twins["cross"]`` is the cross cascade table.

    * ``tables``: ``{mode: cascade table}`` (see :func:`cascade`);
    * ``summary``: one row per mode: final prices and moves, rounds, traders liquidated, BTC-only
      traders and how many of them were liquidated, the insurance fund after;
    * ``traders``: ``{mode: traders(ex) before the shock}``; ``exchanges``: ``{mode: Exchange}``.
    """

    tables: dict
    summary: pd.DataFrame
    traders: dict
    exchanges: dict

    def __getitem__(self, mode: str) -> pd.DataFrame:
        return self.tables[mode]


@exact
def cascade_twins(n_traders=40, shock=None, depth=None, seed=0, max_rounds=100,
                  **crowd_kwargs) -> CascadeTwins:
    """The same crowd in cross and in isolated margin, hit by the same shock.

    Defaults: ``shock = {"ETH-PERP": -0.15}`` and ``depth = DEFAULT_DEPTH``. In cross, the
    liquidated ETH longs also sell their BTC, and that sale liquidates BTC-only traders; in
    isolated only the ETH positions are closed.
    """
    shock = DEFAULT_SHOCK if shock is None else shock
    depth = DEFAULT_DEPTH if depth is None else depth
    _check_crowd_kwargs(crowd_kwargs)
    tables, people, exchanges, rows = {}, {}, {}, []
    for mode in MODES:
        ex = crowd(n_traders, mode=mode, seed=seed, **crowd_kwargs)
        people[mode] = who = traders(ex)
        tables[mode] = table = cascade(ex, shock, depth, max_rounds=max_rounds)
        exchanges[mode] = ex
        gone = {e.trader for e in ex.events.of_kind("liquidation")}
        last = table[table["round"] == table["round"].max()].set_index("symbol")
        row = {"mode": mode, "rounds": int(table["round"].max())}
        for s in last.index:
            row[f"{s} price"] = last.loc[s, "price"]
            row[f"{s} move %"] = last.loc[s, "move %"]
        btc_only = set(who.index[who["btc only"]])
        row.update({"traders liquidated": len(gone), "BTC-only traders": len(btc_only),
                    "BTC-only traders liquidated": len(btc_only & gone),
                    "insurance fund": float(ex.insurance_fund)})
        rows.append(row)
    return CascadeTwins(tables, pd.DataFrame(rows).set_index("mode"), people, exchanges)


# --- market runs -------------------------------------------------------------------------------
@dataclass
class MarketRun:
    """What :func:`simulate_market` returns.

    * ``timeline``: one row per step: step, each symbol's price, insurance fund, open interest
      (USD notional of the crowd's positions), liquidations, ADL events, socialized loss (USDT)
      and unrecovered loss (USDT) of that step;
    * ``events``: the liquidation, insurance fund, ADL, socialized and unrecovered loss events
      (``time`` is the step);
    * ``traders``: :func:`traders` at the opening; ``exchange``: the exchange after the run.
    """

    timeline: pd.DataFrame
    events: pd.DataFrame
    traders: pd.DataFrame
    exchange: Exchange


def _check_prices(prices, contracts) -> pd.DataFrame:
    if not isinstance(prices, pd.DataFrame):
        raise InvalidPathError(f"prices must be a pandas DataFrame with one column per symbol "
                               f"({', '.join(SYMBOLS)}), got {type(prices).__name__}")
    if missing := [s for s in SYMBOLS if s not in prices.columns]:
        raise InvalidPathError(f"prices has no {', '.join(missing)} column; the crowd trades "
                               f"{' and '.join(SYMBOLS)}, so both are needed")
    if unknown := [c for c in prices.columns if c not in contracts]:
        raise InvalidPathError(f"prices column {unknown[0]!r} is not a listed symbol; listed: "
                               f"{', '.join(sorted(contracts))}")
    if len(prices) == 0:
        raise InvalidPathError("prices has no rows: the first row holds the opening prices")
    for column in prices.columns:
        values = pd.to_numeric(prices[column], errors="coerce").astype(float)
        bad = ~((values > 0) & (values <= float(MAX_PRICE)))  # NaN and text fail both
        if bad.any():
            row = prices.index[bad.to_numpy().argmax()]
            raise InvalidPathError(
                f"prices[{column!r}] at row {row!r} is {prices[column][row]!r}: every price must "
                f"be a finite number above zero and at most {MAX_PRICE:,f} "
                f"({int(bad.sum())} such value(s) in {column})")
    return prices


@exact
def simulate_market(prices: pd.DataFrame, n_traders=40, mode="cross", rules=BINANCE,
                    insurance_fund=5_000, seed=0, **crowd_kwargs) -> MarketRun:
    """Replay ``prices`` (one column per symbol, one row per step) on a seeded crowd.

    The crowd (:func:`crowd`) opens at the first row, rounded to each contract's tick; step k
    sets every mark of row k at once (``time=k``) and the exchange liquidates, covers deficits
    from the insurance fund and then shares the rest by its ``rules``:
    ``BINANCE.but(loss_sharing="socialize")``, ``BINANCE.but(adl_ranking=my_score)``...
    """
    if "marks" in crowd_kwargs:
        raise ConfigurationError("simulate_market opens the crowd at the first row of prices; "
                                 "do not pass marks")
    _check_crowd_kwargs(crowd_kwargs)
    ex = Exchange()  # only for the listed contracts, to check the columns
    prices = _check_prices(prices, ex.contracts)
    ticks = {c: ex.contract(c).tick_size for c in prices.columns}
    path = [{c: _on_tick(to_decimal(float(v), c), ticks[c]) for c, v in row.items()}
            for row in prices.astype(float).to_dict("records")]
    ex = crowd(n_traders, mode=mode, seed=seed, rules=rules, insurance_fund=insurance_fund,
               marks=path[0], **crowd_kwargs)
    opening = traders(ex)
    rows, first = [], 0
    for step, marks in enumerate(path):
        if step:
            ex.set_marks(marks, time=step)
        new = ex.events.since(first)
        first = len(ex.events)
        lost = {k: float(sum((abs(e.amount) for e in new if e.kind == k), ZERO))
                for k in ("socialized loss", "unrecovered loss")}
        rows.append({
            "step": step, **{c: float(ex.marks[c]) for c in prices.columns},
            "insurance fund": float(ex.insurance_fund),
            "open interest": float(sum((p.notional(ex.marks[p.symbol])
                                        for a in ex.accounts.values()
                                        for p in a.positions.values()), ZERO)),
            "liquidations": sum(e.kind == "liquidation" for e in new),
            "adl events": sum(e.kind == "adl" for e in new),
            "socialized loss": lost["socialized loss"],
            "unrecovered loss": lost["unrecovered loss"],
        })
    return MarketRun(pd.DataFrame(rows), ex.events.to_frame(kinds=list(LOSS_KINDS)), opening, ex)
