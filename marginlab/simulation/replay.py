"""Vectorized replay: the same positions under cross and under isolated margin, over many
price paths at once (numpy arrays of paths x steps x positions).

Every leg is opened at step 0 at the first price of its path: the order costs (initial margin,
fee to open, and the fee to close where the venue reserves it) must fit in the deposit, and the
fees to open leave the wallet. Then the marks move step by step. For leg j (s = +1 long / -1
short, quantity Q, entry EP)::

    uPnL_j(t)    = s Q (P_t - EP)
    MM_j(t)      = tier MM(Q B_t) (+ Q B_t f_close where the venue counts the fee to close)
    funding_j(t) = s Q P_t rate_t on funding steps, else 0      (> 0: the leg pays)

with B_t the mark (Binance) or the entry price (Bybit, BitMEX). A bucket is liquidated at the
first moment its equity is at or below its maintenance margin:

* isolated leg j: ``equity_j = margin_j + uPnL_j - funding paid``, with the position margin
  ``margin_j = Q EP / L (+ Q EP f_close)``;
* cross account:  ``equity = W_0 + sum uPnL_j - funding paid`` against ``sum MM_j``, with
  ``W_0`` the deposit less the fees to open; every leg closes together.

Under the ``all_at_once`` policy the legs of a liquidated bucket close together at the mark. What
is left pays the liquidation fee ``min(left, sum Q P liquidation_fee)`` to the insurance fund
(all of it on bankruptcy-price venues); a negative ``left`` is a deficit that the insurance fund
pays as far as it can, and the counterparties absorb the rest. That closed form is the fast path.
With a book depth for a symbol (``book_depth``, :mod:`marginlab.engine.book`) its closes fill at
the book's average price ``F = P (1 - s 0.005 Q P / D)`` instead of the mark: ``left`` loses the
slippage ``s Q (P - F)``, which the counterparties gain (fees stay on the notional at the mark).
Under the other policies (to compliance, tier step-down, chunks and the backstop vault, Drift's
shortage: :mod:`marginlab.rules`) the paths on which some bucket is ever liquidatable are
replayed again, step by step from their first breach, by :mod:`.unwind` (until that breach every
policy tells the same story); the others keep the fast path's answer.

Every one of these formulas is a rule of :mod:`marginlab.rulebook`, the very functions the engine
calls: :func:`replay_with_engine` plays the same scenario one event at a time (one ``set_marks``
per step, the engine's price step) and gives the same answers (tests/test_differential.py).

**Order within a step** (the engine's): the marks move and liquidations run; then each symbol's
funding is paid in turn (in the order of the price paths), each followed by liquidations. Buckets
liquidated at the same moment settle with the insurance fund in the engine's order
(:func:`marginlab.liquidation.find_liquidatable`): the cross bucket first, then the isolated
buckets by symbol. The order matters when one bucket's liquidation fee pays another's deficit.

:func:`replay` runs in stages, one function each: read the inputs (:func:`price_paths`,
:func:`_legs`, :func:`_funding`), open the legs (:func:`_open`), then per chunk of paths price
the legs (:func:`_market`), replay each bucket (:func:`_bucket`: :func:`_money_after_funding`,
:func:`_first_breach`, :func:`_equity_curve`) and settle a mode's buckets together
(:func:`_settle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..engine import rulebook
from ..engine.contracts import DEFAULT_CONTRACTS
from ..engine.errors import InsufficientMarginError, InvalidPathError, MarginModeError
from ..engine.money import BACKSTOP_VAULT, INSURANCE_FUND, LIQUIDATORS
from ..engine.risk import closing_fee_rate, mm_basis_price, takes_whole_surplus
from ..engine.rules import ALL_AT_ONCE, BINANCE, VenueRules, venue_rules
from . import inputs, unwind

MODES = ("cross", "isolated")
NO_LIQUIDATION = -1


@dataclass(frozen=True)
class Leg:
    """One position to replay: ``size`` > 0 long, < 0 short, opened at ``leverage``."""

    symbol: str
    size: float
    leverage: float = 10


@dataclass
class Replay:
    """What :func:`replay` returns (tidy tables, one row per path and mode or bucket).

    * ``accounts``: path, mode, final equity, PnL, opening fees, first liquidation step (-1 if
      none), and where the money went: liquidation fees (to the insurance fund), deficit,
      insurance fund paid, unrecovered, the insurance fund, liquidator fees, backstop vault, and
      counterparties (what the rest of the market gained: the trader's realized and open
      trading losses and funding paid, less the unrecovered loss it absorbed). Money is
      conserved: deposit + fund at the start = final equity + opening fees + insurance fund +
      liquidator fees + backstop vault + counterparties.
    * ``buckets``: path, mode, bucket ("cross" or a symbol), liquidation step (the first step at
      which a liquidation happened, -1 if none), final equity, liquidation steps (how many
      steps unwound it: 1 for a whole close), quantity closed (summed over the bucket's legs),
      liquidator fees and what the backstop vault received.
    * ``equity``: ``{mode: array (paths, steps + 1)}``, the account's equity at every step
      (after the step's liquidations and funding), when asked for with ``keep_equity=True``.
    """

    accounts: pd.DataFrame
    buckets: pd.DataFrame
    equity: dict


# --- inputs --------------------------------------------------------------------------------------
def price_paths(prices, symbols=None) -> dict[str, np.ndarray]:
    """``{symbol: array (paths, steps + 1)}`` from such a dict, or from an array of shape
    (paths, steps + 1, assets) and its symbols; every price a finite number above zero."""
    if isinstance(prices, dict):
        paths = {s: np.atleast_2d(np.asarray(a, dtype=float)) for s, a in prices.items()}
    else:
        array = np.asarray(prices, dtype=float)
        if array.ndim != 3 or symbols is None or len(symbols) != array.shape[-1]:
            raise InvalidPathError(
                f"pass prices as {{symbol: array (paths, steps + 1)}}, or an array of shape "
                f"(paths, steps + 1, assets) with one symbol per asset; got shape {array.shape} "
                f"and symbols {symbols!r}")
        paths = {s: array[:, :, i] for i, s in enumerate(symbols)}
    if len({a.shape for a in paths.values()}) != 1:
        shapes = ", ".join(f"{s} {a.shape}" for s, a in paths.items())
        raise InvalidPathError(f"the price paths must all have one shape, got {shapes}")
    if not paths or next(iter(paths.values())).shape[1] < 2:
        raise InvalidPathError("a price path needs at least 2 steps: the start and one move")
    for symbol, a in paths.items():
        bad = ~((a > 0) & (a < np.inf))  # NaN fails both comparisons
        if bad.any():
            path, step = np.argwhere(bad)[0]
            raise InvalidPathError(
                f"{int(bad.sum())} {symbol} prices are NaN, infinite or not above zero; the "
                f"first is at path {path}, step {step}: {a[path, step]}")
    return paths


def _funding(rate, every, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(the steps at which funding is paid, the rate paid at each)."""
    if not every:
        return np.zeros(0, dtype=int), np.zeros(0)
    on = np.arange(every, steps + 1, every)
    given = np.asarray(rate, dtype=float)
    rates = np.full(len(on), float(given)) if given.ndim == 0 else given[on]
    if not np.isfinite(rates).all():
        raise InvalidPathError("the funding rate must be a finite number")
    return on, rates


@dataclass(frozen=True)
class _Leg:
    symbol: str
    sign: int
    quantity: float
    leverage: float
    spec: object
    stage: int  # its symbol pays funding at this stage of a step (1, 2, ...)
    depth: float | None = None  # its book's USD per 1 % move; None: liquidations fill at the mark

    @property
    def size(self) -> float:
        return self.sign * self.quantity


def _legs(legs, paths: dict, contracts: dict, depths: dict) -> list[_Leg]:
    """Validated legs, with the engine's own checks of quantity and leverage, and the book depth
    of their symbol (``depths``, already checked)."""
    out = []
    for leg in legs:
        if leg.symbol not in paths:
            raise InvalidPathError(f"no price path for {leg.symbol}; the paths are for "
                                   f"{', '.join(paths)}")
        if leg.symbol not in contracts:
            raise InvalidPathError(f"{leg.symbol} is not a listed contract")
        if any(o.symbol == leg.symbol for o in out):
            raise MarginModeError(f"one leg per symbol: {leg.symbol} appears twice")
        spec = contracts[leg.symbol]
        q = spec.check_quantity(abs(Decimal(str(leg.size))))
        first = paths[leg.symbol][:, 0]
        for value in (first.min(), first.max()):
            spec.check_leverage(Decimal(str(leg.leverage)), q * Decimal(str(value)))
        depth = depths.get(leg.symbol)
        out.append(_Leg(leg.symbol, 1 if leg.size > 0 else -1, float(q), float(leg.leverage),
                        spec, list(paths).index(leg.symbol) + 1,
                        None if depth is None else float(depth)))
    if not out:
        raise InvalidPathError("nothing to replay: give at least one leg")
    return out


# --- opening ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Opening:
    """The legs opened at their first prices: arrays (paths, legs)."""

    margin: np.ndarray  # position margin, IM (+ the fee to close): an isolated bucket's money
    fees: np.ndarray  # the fee to open, paid out of the wallet


def _open(legs, paths: dict, deposit: float, rules: VenueRules) -> _Opening:
    """Open every leg at the first price of its path; refuse if the order costs exceed the
    deposit on any path (the engine's check, leg after leg, sums to the same)."""
    entry = [paths[leg.symbol][:, 0] for leg in legs]
    close = [closing_fee_rate(leg.spec, rules) for leg in legs]
    margin = np.stack([rulebook.position_margin(leg.quantity, p, leg.leverage, f)
                       for leg, p, f in zip(legs, entry, close, strict=True)], axis=1)
    fees = np.stack([rulebook.notional_fee(leg.quantity, p, leg.spec.taker_fee)
                     for leg, p in zip(legs, entry, strict=True)], axis=1)
    need = sum(rulebook.order_cost(leg.quantity, p, leg.leverage, leg.spec.taker_fee, f)
               for leg, p, f in zip(legs, entry, close, strict=True))
    ok = rulebook.is_initial_collateralized(deposit, 0.0, 0.0, need)
    if not ok.all():
        path = int(np.argmin(ok))
        raise InsufficientMarginError(
            f"the legs need {need[path]:,.2f} USDT of initial margin and fees at path {path}'s "
            f"first prices, more than the {deposit:,.2f} USDT deposit")
    return _Opening(margin, fees)


# --- one chunk of paths --------------------------------------------------------------------
@dataclass(frozen=True)
class _Market:
    """Per leg, for one chunk of paths: marks, uPnL and maintenance margin (paths, steps + 1;
    MM (paths, 1) when measured on the entry price), funding due (paths, funding steps)."""

    marks: list
    upnl: list
    mm: list
    pay: list

    def subset(self, legs: list[int]) -> _Market:
        return _Market(*([column[j] for j in legs]
                         for column in (self.marks, self.upnl, self.mm, self.pay)))


def _market(legs, paths: dict, rows: slice, fsteps, frates, rules: VenueRules) -> _Market:
    """The rulebook's uPnL, maintenance margin and funding of every leg, on paths ``rows``."""
    marks = [paths[leg.symbol][rows] for leg in legs]
    upnl, mm, pay = [], [], []
    for leg, mk in zip(legs, marks, strict=True):
        entry = mk[:, :1]
        upnl.append(rulebook.unrealized_pnl(leg.size, mk, entry))
        mm.append(rulebook.maintenance_margin(leg.quantity, mm_basis_price(mk, entry, rules),
                                              leg.spec.tiers, closing_fee_rate(leg.spec, rules)))
        pay.append(rulebook.funding_payment(leg.size, mk[:, fsteps], frates))
    return _Market(marks, upnl, mm, pay)


# --- one bucket ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Outcome:
    """One bucket on one chunk of paths."""

    step: np.ndarray  # the liquidation step, -1 if none
    stage: np.ndarray  # when in that step: 0 at the mark move, k after funding stage k
    left: np.ndarray  # equity at the liquidation (at the end if never liquidated)
    due: np.ndarray  # the liquidation fee due then, at the mark
    equity: np.ndarray | None  # equity at every step (``keep_equity``), else None


def _money_after_funding(collateral, legs, pay) -> tuple[np.ndarray, list[int]]:
    """The bucket's money (collateral less the funding paid so far; uPnL aside) after each
    funding stage: an array (paths, funding steps, stages), and the stages (its symbols').

    A leg pays its funding in full out of the bucket's equity, as in the engine: the money may
    dip below zero while the positions' profit backs it; a bankrupt bucket's deficit is settled
    at its liquidation."""
    order = sorted(range(len(legs)), key=lambda j: legs[j].stage)  # one leg per symbol
    due = np.stack([pay[j] for j in order], axis=2)
    c, n_f, n_st = due.shape
    paid = due.reshape(c, n_f * n_st).cumsum(axis=1).reshape(c, n_f, n_st)
    return collateral[:, None, None] - paid, [legs[j].stage for j in order]


def _by_step(after, fsteps, width: int, side: str) -> np.ndarray:
    """The money at every step, from ``after`` (the money after 0, 1, 2, ... funding steps):
    before that step's funding (``side="left"``) or after it (``"right"``)."""
    return after[:, np.searchsorted(fsteps, np.arange(width), side=side)] if len(fsteps) \
        else after


def _first_breach(u, m, after, money, stages, fsteps):
    """``(step, stage, left)``: the first moment the bucket is liquidatable (step ``width``
    and stage 0 if never), and its equity then (at the end if never)."""
    c, width = u.shape
    rows = np.arange(c)
    e0 = u + _by_step(after, fsteps, width, "left")  # after each mark move, before funding
    breach = rulebook.is_liquidatable(e0, m)
    breach[:, 0] = False  # the opening was checked against the initial margin
    step = np.where(breach.any(axis=1), breach.argmax(axis=1), width)
    stage = np.zeros(c, dtype=int)
    left = e0[rows, np.minimum(step, width - 1)]
    if len(fsteps):  # within a funding step, after each symbol has paid in turn
        staged = money + u[:, fsteps, None]
        fb = rulebook.is_liquidatable(staged, m[:, fsteps, None] if m.shape[1] > 1
                                      else m[:, :, None]).reshape(c, -1)
        first = fb.argmax(axis=1)
        f, k = first // len(stages), first % len(stages)
        fstep = np.where(fb.any(axis=1), fsteps[f], width)
        by_funding = fstep < step  # the mark move at that step did not liquidate: funding did
        left = np.where(by_funding, staged[rows, f, k], left)
        stage = np.where(by_funding, np.asarray(stages)[k], stage)
        step = np.minimum(step, fstep)
    return step, stage, np.where(step < width, left, u[:, -1] + after[:, -1])


def _equity_curve(u, after, fsteps, step, final):
    """The bucket's equity at every step, after the step's liquidations and funding: ``final``
    (what it kept) from its liquidation on."""
    width = u.shape[1]
    equity = u + _by_step(after, fsteps, width, "right")
    gone = np.arange(width)[None, :] >= step[:, None]
    return np.where(gone, final[:, None], equity)


def _bucket(collateral, legs, market: _Market, fsteps, keep: bool, rules) -> _Outcome:
    """Replay one bucket (``legs`` sharing ``collateral``) on a chunk of paths."""
    u = sum(market.upnl[1:], market.upnl[0])
    m = sum(market.mm[1:], market.mm[0])
    if len(fsteps):
        money, stages = _money_after_funding(collateral, legs, market.pay)
        after = np.concatenate([collateral[:, None], money[:, :, -1]], axis=1)
    else:
        money, stages, after = None, [], collateral[:, None]
    step, stage, left = _first_breach(u, m, after, money, stages, fsteps)
    width = u.shape[1]
    at = np.minimum(step, width - 1)
    rows = np.arange(len(step))
    due = sum(rulebook.notional_fee(leg.quantity, mk[rows, at], leg.spec.liquidation_fee)
              for leg, mk in zip(legs, market.marks, strict=True))
    left = np.where(step < width, left - _slippage(legs, market.marks, rows, at), left)
    equity = None
    if keep:
        final = rulebook.liquidation_fee(left, due, takes_whole_surplus(rules))[1]
        equity = _equity_curve(u, after, fsteps, step, final)
    return _Outcome(np.where(step < width, step, NO_LIQUIDATION), stage, left, due, equity)


def _slippage(legs, marks, rows, at) -> np.ndarray | float:
    """``sum s Q (P - F)`` at step ``at``: what closing the legs whole through their books costs
    the bucket next to closing at the mark (:func:`marginlab.rulebook.book_fill_price`)."""
    slip = 0.0
    for leg, mk in zip(legs, marks, strict=True):
        if leg.depth is not None:
            p = mk[rows, at]
            fill = rulebook.book_fill_price(leg.sign, leg.quantity, p, leg.depth,
                                            leg.spec.tick_size)
            slip = slip + leg.sign * leg.quantity * (p - fill)
    return slip


# --- settling a mode's buckets ----------------------------------------------------------------
def _settlement_order(names, steps, stages) -> np.ndarray:
    """Per path, the buckets in the engine's order: by the moment of liquidation (step, then
    stage), then the cross bucket first and the isolated buckets by symbol."""
    engine_order = sorted(names, key=lambda name: (name != "cross", name))
    rank = np.array([engine_order.index(name) for name in names])
    never = np.iinfo(np.int64).max
    when = np.where(steps >= 0, steps, never)
    return np.lexsort((np.broadcast_to(rank, steps.shape), stages, when), axis=-1)


def _settle(names, outcomes, fund0: float, whole_surplus: bool) -> tuple[dict, dict]:
    """Settle one mode's buckets with the insurance fund, in the engine's order
    (:func:`_settlement_order`): each liquidated bucket pays its liquidation fee into the fund,
    or has its deficit paid by the fund as far as it goes, the rest unrecovered. Returns the
    account columns (paths,) and the bucket columns (paths, buckets)."""
    n = len(outcomes[0].step)
    rows = np.arange(n)
    steps, stages, left, due = (np.stack([getattr(o, k) for o in outcomes], axis=1)
                                for k in ("step", "stage", "left", "due"))
    order = _settlement_order(names, steps, stages)
    fund = np.full(n, fund0)
    liq_fees, deficit, fund_paid = np.zeros(n), np.zeros(n), np.zeros(n)
    finals = np.zeros((n, len(outcomes)))
    for rank in range(len(outcomes)):
        b = order[:, rank]
        hit = steps[rows, b] >= 0
        fee, kept = rulebook.liquidation_fee(left[rows, b], due[rows, b], whole_surplus)
        fee = np.where(hit, fee, 0.0)
        owed = np.where(hit, rulebook.deficit(left[rows, b]), 0.0)
        fund = fund + fee
        paid, _ = rulebook.deficit_waterfall(owed, fund)
        fund -= paid
        liq_fees += fee
        deficit += owed
        fund_paid += paid
        finals[rows, b] = np.where(hit, kept, left[rows, b])
    flows = {"liquidation fees": liq_fees, "deficit": deficit, "insurance fund paid": fund_paid,
             "unrecovered": deficit - fund_paid, "insurance fund": fund,
             "liquidator fees": np.zeros(n), "backstop vault": np.zeros(n)}
    return flows, {"liquidation step": steps, "final equity": finals}


def _tables(names, account: dict, bucket: dict, deposit: float, offset: int, mode: str):
    """The accounts and buckets tables of one mode on one chunk of paths."""
    steps = bucket["liquidation step"]
    n = len(steps)
    rows = np.arange(n)
    first = np.where(steps >= 0, steps, np.iinfo(np.int64).max).min(axis=1)
    final = account.pop("final equity")
    accounts = pd.DataFrame({
        "path": rows + offset, "mode": mode, "final equity": final, "pnl": final - deposit,
        "opening fees": account.pop("opening fees"),
        "first liquidation": np.where(steps.max(axis=1) >= 0, first, NO_LIQUIDATION),
        **account})
    buckets = pd.DataFrame({
        "path": np.repeat(rows + offset, len(names)), "mode": mode,
        "bucket": np.tile(names, n), **{k: v.ravel() for k, v in bucket.items()}})
    return accounts, buckets


def _groups(mode: str, legs, opening: _Opening, rows: slice, deposit: float):
    """The mode's buckets ``[(name, legs, collateral)]`` and the wallet money outside them."""
    fees, margin = opening.fees[rows], opening.margin[rows]
    open_fees = fees.sum(axis=1)
    if mode == "cross":
        return [("cross", list(range(len(legs))), deposit - open_fees)], np.zeros(len(fees))
    return ([(leg.symbol, [j], margin[:, j]) for j, leg in enumerate(legs)],
            deposit - open_fees - margin.sum(axis=1))


def _mode(mode: str, legs, market: _Market, opening: _Opening, rows: slice, deposit: float,
          funding: tuple, fund0: float, keep: bool, rules: VenueRules):
    """One margin mode on one chunk of paths: its buckets replayed, then settled together (the
    paths some bucket breaches replayed again step by step under a partial liquidation policy,
    :mod:`.unwind`). Returns the accounts and buckets tables and the equity curve (or None)."""
    fsteps = funding[0]
    open_fees = opening.fees[rows].sum(axis=1)
    groups, free = _groups(mode, legs, opening, rows, deposit)
    outcomes = [_bucket(c, [legs[j] for j in g], market.subset(g), fsteps, keep, rules)
                for _, g, c in groups]
    names = [name for name, _, _ in groups]
    account, bucket = _settle(names, outcomes, fund0, takes_whole_surplus(rules))
    bucket["liquidation steps"] = (bucket["liquidation step"] >= 0).astype(np.int64)
    bucket["quantity closed"] = np.stack(
        [np.where(o.step >= 0, sum(legs[j].quantity for j in g), 0.0)
         for o, (_, g, _) in zip(outcomes, groups, strict=True)], axis=1)
    for column in ("liquidator fees", "backstop vault"):
        bucket[column] = np.zeros_like(bucket["final equity"])
    account["final equity"] = free + bucket["final equity"].sum(axis=1)
    curve = free[:, None] + sum(o.equity for o in outcomes) if keep else None
    account["counterparties"] = (deposit + fund0 - account["final equity"] - open_fees
                                 - account["insurance fund"])  # what they gained: the rest
    hit = np.flatnonzero((bucket["liquidation step"] >= 0).any(axis=1))
    if rules.liquidation_policy != ALL_AT_ONCE and hit.size:
        cash = np.stack([c for _, _, c in groups], axis=1)
        _unwind_paths(hit, groups, legs, market, (cash, free, fund0), funding, keep, rules,
                      (account, bucket, curve))
    account["opening fees"] = open_fees
    accounts, buckets = _tables(names, account, bucket, deposit, rows.start, mode)
    return accounts, buckets, curve


def _unwind_paths(hit, groups, legs, market: _Market, money: tuple, funding: tuple, keep: bool,
                  rules: VenueRules, out: tuple) -> None:
    """Replay the paths ``hit`` step by step (:func:`marginlab.simulation.unwind.run`) and write
    their rows of ``out`` (the account and bucket columns, the equity curve) in place."""
    cash, free, fund0 = money
    account, bucket, curve = out
    marks = np.stack([mk[hit] for mk in market.marks], axis=2)
    book = unwind.make_book([(name, g) for name, g, _ in groups], legs, marks, rules)
    steps = bucket["liquidation step"][hit]
    start = np.where(steps >= 0, steps, np.iinfo(np.int64).max).min(axis=1)
    st, buckets_curve = unwind.run(book, cash[hit], fund0, funding, start, keep)
    final = unwind.bucket_equity(book, st, marks.shape[1] - 1)
    account["final equity"][hit] = free[hit] + final.sum(axis=1)
    account["insurance fund"][hit] = st.fund
    for name, value in st.flow.items():
        account[name][hit] = value
    account["counterparties"][hit] -= (final - st.cash).sum(axis=1)  # and the open uPnL
    bucket["liquidation step"][hit] = st.first
    bucket["final equity"][hit] = final
    for name, value in st.counts.items():
        bucket[name][hit] = value
    if keep:
        late = np.arange(marks.shape[1])[None, :] >= start[:, None]
        curve[hit] = np.where(late, free[hit, None] + buckets_curve.sum(axis=2), curve[hit])


# --- the replay ----------------------------------------------------------------------------------
def replay(prices, legs, deposit, symbols=None, contracts=None, rules: VenueRules = BINANCE,
           funding_rate=0.0, funding_every: int | None = None, insurance_fund=0.0,
           modes=MODES, keep_equity: bool = False, chunk: int = 1_000,
           book_depth=None) -> Replay:
    """Open ``legs`` (a list of :class:`Leg`) with ``deposit`` USDT in each of ``modes`` and
    replay every price path (see the module docstring). ``funding_rate`` (a number, or one per
    step) is paid every ``funding_every`` steps. Paths are processed ``chunk`` at a time, so
    memory stays small whatever the number of paths (under a partial liquidation policy a larger
    chunk is faster: the step-by-step replay loops over the steps once per chunk). ``rules``: a
    :class:`~marginlab.rules.VenueRules` or a preset's name; its ``liquidation_policy`` decides
    how a liquidated bucket is unwound (see the module docstring). ``book_depth``
    (``{symbol: USD per 1 % move}``, as :class:`marginlab.Exchange` takes it): liquidation
    closes in those symbols fill through a linear order book instead of at the mark."""
    legs = inputs.check_replay(**locals())
    rules = venue_rules(rules)
    paths = price_paths(prices, symbols)
    depths = inputs.book_depths(book_depth, list(paths))
    contracts = DEFAULT_CONTRACTS if contracts is None else contracts
    if not isinstance(contracts, dict):
        contracts = {c.symbol: c for c in contracts}
    legs_ = _legs(legs, paths, contracts, depths)
    for mode in modes:
        if mode not in MODES:
            raise MarginModeError(f"margin mode must be 'cross' or 'isolated', got {mode!r}")
    deposit = float(deposit)
    n_paths, width = next(iter(paths.values())).shape
    fsteps, frates = _funding(funding_rate, funding_every, width - 1)
    opening = _open(legs_, paths, deposit, rules)
    accounts, buckets, equity = [], [], {m: [] for m in modes}
    for lo in range(0, n_paths, chunk):
        rows = slice(lo, min(n_paths, lo + chunk))
        market = _market(legs_, paths, rows, fsteps, frates, rules)
        for mode in modes:
            acc, table, curve = _mode(mode, legs_, market, opening, rows, deposit,
                                      (fsteps, frates), float(insurance_fund), keep_equity, rules)
            accounts.append(acc)
            buckets.append(table)
            if keep_equity:
                equity[mode].append(curve)
    return Replay(_by_path(accounts), _by_path(buckets),
                  {m: np.concatenate(v) for m, v in equity.items() if v})


def _by_path(frames) -> pd.DataFrame:
    """One table, by path then mode, whatever the chunks."""
    return pd.concat(frames).sort_values(["path", "mode"], kind="stable").reset_index(drop=True)


# --- the same, one event at a time ----------------------------------------------------------------
def replay_with_engine(prices, legs, deposit, symbols=None, contracts=None,
                       rules: VenueRules = BINANCE, funding_rate=0.0,
                       funding_every: int | None = None, insurance_fund=0.0,
                       modes=MODES, book_depth=None) -> Replay:
    """:func:`replay` done by the event engine (:class:`marginlab.Exchange`), path by path and
    step by step: slow, exact, and the reference the vectorized replay is tested against."""
    legs = inputs.check_replay(**locals())
    rules = venue_rules(rules)
    paths = price_paths(prices, symbols)
    symbols = list(paths)
    depths = inputs.book_depths(book_depth, symbols)
    n_paths, width = next(iter(paths.values())).shape
    fsteps, frates = _funding(funding_rate, funding_every, width - 1)
    rates = dict(zip(fsteps.tolist(), frates.tolist(), strict=True))
    funded = [s for s in symbols if any(leg.symbol == s for leg in legs)]
    accounts, buckets = [], []
    for path in range(n_paths):
        marks = [{s: Decimal(str(paths[s][path, t])) for s in symbols} for t in range(width)]
        for mode in modes:
            ex, acct, fees = _engine_open(marks[0], legs, deposit, mode, contracts, rules,
                                          (insurance_fund, depths))
            for t in range(1, width):
                ex.set_marks(marks[t], time=t)
                if t in rates:
                    for symbol in funded:
                        ex.apply_funding(symbol, Decimal(str(rates[t])))
            account, rows = _engine_tables(ex, acct, legs, deposit, fees)
            accounts.append({"path": path, "mode": mode, **account})
            buckets.extend({"path": path, "mode": mode, **row} for row in rows)
    return Replay(pd.DataFrame(accounts), pd.DataFrame(buckets), {})


def _engine_open(marks, legs, deposit, mode, contracts, rules, market: tuple):
    """An exchange at the first marks (``market``: its insurance fund and book depths), one
    account in ``mode`` holding every leg; returns the exchange, the account and the fees paid
    to open."""
    from ..engine.exchange import Exchange

    insurance_fund, depths = market
    ex = Exchange(contracts, rules, insurance_fund, marks=marks, book_depth=depths or None)
    acct = ex.open_account(mode, deposit=deposit, mode=mode)
    for leg in legs:
        trade = acct.buy if leg.size > 0 else acct.sell
        trade(leg.symbol, abs(Decimal(str(leg.size))), leverage=leg.leverage)
    return ex, acct, ex.fee_pool


def _engine_tables(ex, acct, legs, deposit, fees) -> tuple[dict, list[dict]]:
    """The account's row and its buckets' rows, read from the engine's ledger (where the money
    went) and event log (when and how much closed)."""
    moved = _moved(ex)
    unrecovered = sum((e.amount for e in ex.events.of_kind("unrecovered loss")), Decimal(0))
    fund_paid = sum(moved.get((INSURANCE_FUND, place), Decimal(0)) for place in _places(acct))
    open_upnl = sum((p.unrealized_pnl(ex.marks[p.symbol]) for p in acct.positions.values()),
                    Decimal(0))
    names = ["cross"] if acct.mode == "cross" else [leg.symbol for leg in legs]
    rows = [_engine_bucket(ex, acct, name, moved) for name in names]
    first = min((r["liquidation step"] for r in rows if r["liquidation step"] >= 0),
                default=NO_LIQUIDATION)
    account = {
        "final equity": float(acct.equity), "pnl": float(acct.equity) - float(deposit),
        "first liquidation": first, "opening fees": float(fees),
        "liquidation fees": float(sum(moved.get((place, INSURANCE_FUND), Decimal(0))
                                      for place in _places(acct))),
        "deficit": float(fund_paid + unrecovered), "insurance fund paid": float(fund_paid),
        "unrecovered": float(unrecovered), "insurance fund": float(ex.insurance_fund),
        "liquidator fees": float(ex.ledger.balance(LIQUIDATORS)),
        "backstop vault": float(ex.ledger.balance(BACKSTOP_VAULT)),
        "counterparties": float(ex.counterparties - open_upnl)}
    return account, rows


def _moved(ex) -> dict:
    """``{(from, to): total}`` over the ledger's journal."""
    out: dict = {}
    for t in ex.ledger.transfers:
        out[t.source, t.destination] = out.get((t.source, t.destination), Decimal(0)) + t.amount
    return out


def _places(acct) -> list[str]:
    return [acct.wallet_place, *(acct.isolated_place(s) for s in sorted(acct.exchange.contracts))]


def _engine_bucket(ex, acct, name: str, moved: dict) -> dict:
    """One bucket's row: its first liquidation step, its steps (the engine numbers them,
    :meth:`marginlab.engine.events.EventLog.in_step`), the quantity closed, and what its place
    paid the liquidators and the backstop vault."""
    place = acct.wallet_place if name == "cross" else acct.isolated_place(name)
    events = [e for e in ex.events if e.kind in ("liquidation", "backstop")
              and e.trader == acct.trader and e.symbol is not None
              and (name == "cross" or e.symbol == name)]
    steps = len({e.step for e in events})
    return {"bucket": name,
            "liquidation step": events[0].time if events else NO_LIQUIDATION,
            "liquidation steps": steps,
            "quantity closed": float(sum((abs(e.quantity) for e in events), Decimal(0))),
            "liquidator fees": float(moved.get((place, LIQUIDATORS), Decimal(0))),
            "backstop vault": float(moved.get((place, BACKSTOP_VAULT), Decimal(0)))}
