"""Vectorized replay: the same positions under cross and under isolated margin, over many
price paths at once (numpy arrays of paths x steps x positions).

Every leg is opened at step 0 at the first price of its path (taker fee from the wallet); then
the marks move step by step. For leg j (s = +1 long / -1 short, quantity Q, entry EP)::

    uPnL_j(t)    = s Q (P_t - EP)
    MM_j(t)      = tier MM(Q B_t) (+ Q B_t taker_fee where the venue counts the closing fee)
    funding_j(t) = s Q P_t rate_t on funding steps, else 0      (> 0: the leg pays)

with B_t the mark (Binance) or the entry price (Bybit, BitMEX). A bucket is liquidated at the
first step where its equity is at or below its maintenance margin:

* isolated leg j: ``equity_j = IM_j + uPnL_j - funding paid``, with ``IM_j = Q EP / L``;
* cross account:  ``equity = W_0 + sum uPnL_j - funding paid`` against ``sum MM_j``, with
  ``W_0`` the deposit less the opening fees; every leg closes together.

At liquidation the legs close at the mark. What is left pays the liquidation fee
``min(left, sum Q P liquidation_fee)`` to the insurance fund (all of it on bankruptcy-price
venues); a negative ``left`` is a deficit that the insurance fund pays as far as it can, and the
counterparties absorb the rest. These are the engine's rules (:mod:`marginlab.liquidation`) for
one account: :func:`replay_with_engine` plays the same scenario one event at a time and gives the
same answers (tests/test_simulate.py checks it).

Within a step the engine's order holds: the marks move and liquidations run; then each symbol's
funding is paid in turn (in the order of the symbols), each followed by liquidations. Isolated
buckets liquidated at the same instant are settled in the order of the legs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..engine.contracts import DEFAULT_CONTRACTS
from ..engine.errors import InsufficientMarginError, InvalidPathError, MarginModeError
from ..engine.rules import BANKRUPTCY, BINANCE, MARK, VenueRules, venue_rules
from . import inputs

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

    * ``accounts``: path, mode, final equity, PnL, first liquidation step (-1 if none), and where
      the money went: opening fees, liquidation fees, deficit, insurance fund paid, unrecovered.
    * ``buckets``: path, mode, bucket ("cross" or a symbol), liquidation step, final equity.
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


def _legs(legs, paths: dict, contracts: dict) -> list[_Leg]:
    """Validated legs, with the engine's own checks of quantity and leverage."""
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
        out.append(_Leg(leg.symbol, 1 if leg.size > 0 else -1, float(q), float(leg.leverage),
                        spec, list(paths).index(leg.symbol) + 1))
    if not out:
        raise InvalidPathError("nothing to replay: give at least one leg")
    return out


# --- one bucket ----------------------------------------------------------------------------------
def _maintenance(leg: _Leg, basis: np.ndarray, rules: VenueRules) -> np.ndarray:
    """Tier maintenance margin Q B MMR_n - cum_n (+ Q B taker fee) at basis prices B."""
    tiers = leg.spec.tiers
    value = leg.quantity * basis
    floors = np.array([float(t.floor) for t in tiers])
    lo, hi = np.searchsorted(floors, [value.min(), value.max()], side="right") - 1
    if lo == hi:  # one tier for the whole chunk: no per-element look-up
        mm = value * float(tiers[lo].mmr) - float(tiers[lo].cum)
    else:
        n = np.searchsorted(floors, value, side="right") - 1
        mm = value * np.array([float(t.mmr) for t in tiers])[n] - np.array(
            [float(t.cum) for t in tiers])[n]
    return mm + value * float(leg.spec.taker_fee) if rules.fee_in_mm else mm


def _after_fee(left, due):
    """(liquidation fee, what the bucket keeps): the fee is paid out of what is left, if any."""
    kept = np.maximum(left, 0.0)
    fee = np.minimum(kept, due)
    return fee, kept - fee


def _ledger(collateral, legs, pay):
    """The bucket's money (collateral less funding paid, uPnL aside) after each funding stage.

    A leg pays its funding in full out of the bucket's equity, as in the engine: the money may
    dip below zero while the positions' profit backs it; a bankrupt bucket's deficit is settled
    at its liquidation. Returns arrays (paths, funding steps, stages): the money, and the unpaid
    funding (always zero under this rule) after each stage.
    """
    stages = sorted({leg.stage for leg in legs})
    c, n_f = pay[0].shape
    money = np.empty((c, n_f, len(stages)))
    short = np.empty((c, n_f, len(stages)))
    bal, owed = collateral.copy(), np.zeros(c)
    for f in range(n_f):
        for k, stage in enumerate(stages):
            for leg, p in zip(legs, pay, strict=True):
                if leg.stage == stage:
                    bal = bal - p[:, f]  # paid in full out of the bucket's equity
            money[:, f, k], short[:, f, k] = bal, owed
    return money, short


def _bucket(collateral, legs, marks, upnl, mm, fsteps, pay, keep: bool, rules):
    """Replay one bucket (``legs`` sharing ``collateral``) on a chunk of paths.

    ``marks``, ``upnl``, ``mm``: per leg, arrays (paths, steps + 1); ``pay``: per leg, the
    funding due at each funding step ``fsteps`` (paths, funding steps).
    Returns ``(step, left, due, short, equity)``: the liquidation step (-1: none), the bucket's
    equity then (at the end if never liquidated), the liquidation fee due then, the funding it
    could not pay until then, and its equity at every step (None unless ``keep``).
    """
    c, width = upnl[0].shape
    rows = np.arange(c)
    u = sum(upnl[1:], upnl[0])
    m = sum(mm[1:], mm[0])
    if len(fsteps):
        money, short = _ledger(collateral, legs, pay)
        n_st = money.shape[2]
        # the bucket's money after 0, 1, 2, ... funding steps
        after = np.concatenate([collateral[:, None], money[:, :, -1]], axis=1)
        e0 = u + after[:, np.searchsorted(fsteps, np.arange(width), side="left")]
    else:
        e0 = u + collateral[:, None]  # equity after the mark move, before any funding
    breach = e0 <= m
    breach[:, 0] = False  # the opening was checked against the initial margin
    hit = breach.any(axis=1)
    step = np.where(hit, breach.argmax(axis=1), width)
    left = e0[rows, np.minimum(step, width - 1)]
    if len(fsteps):  # within a funding step, after each symbol has paid in turn
        staged = money + u[:, fsteps, None]
        fb = staged <= (m[:, fsteps, None] if m.shape[1] > 1 else m[:, :, None])
        flat = fb.reshape(c, -1)
        first = flat.argmax(axis=1)
        f, k = first // n_st, first % n_st
        fstep = np.where(flat.any(axis=1), fsteps[f], width)
        by_funding = fstep < step  # the mark move at that step did not liquidate: funding did
        left = np.where(by_funding, staged[rows, f, k], left)
        step = np.minimum(step, fstep)
        # the shortfall so far: every funding step before the liquidation, and its stages
        done = np.searchsorted(fsteps, step, side="left") - 1  # last funding step before
        owed = np.where(done >= 0, short[rows, np.maximum(done, 0), -1], 0.0)
        owed = np.where(by_funding, short[rows, f, k], owed)
        end = u[:, -1] + money[:, -1, -1] if fsteps[-1] == width - 1 else e0[:, -1]
        owed = np.where(step < width, owed, short[:, -1, -1])
    else:
        end, owed = e0[:, -1], np.zeros(c)
    liquidated = step < width
    at = np.minimum(step, width - 1)
    left = np.where(liquidated, left, end)
    if rules.liquidation_fill == BANKRUPTCY:
        due = np.full(c, np.inf)
    else:
        due = sum(leg.quantity * mk[rows, at] * float(leg.spec.liquidation_fee)
                  for leg, mk in zip(legs, marks, strict=True))
    equity = None
    if keep:
        equity = e0 if not len(fsteps) else u + after[
            :, np.searchsorted(fsteps, np.arange(width), side="right")]
        final = _after_fee(left, due)[1]
        gone = np.arange(width)[None, :] >= step[:, None]
        equity = np.where(gone, final[:, None], equity)
    return np.where(liquidated, step, NO_LIQUIDATION), left, due, owed, equity


# --- the replay ----------------------------------------------------------------------------------
def replay(prices, legs, deposit, symbols=None, contracts=None, rules: VenueRules = BINANCE,
           funding_rate=0.0, funding_every: int | None = None, insurance_fund=0.0,
           modes=MODES, keep_equity: bool = False, chunk: int = 1_000) -> Replay:
    """Open ``legs`` (a list of :class:`Leg`) with ``deposit`` USDT in each of ``modes`` and
    replay every price path (see the module docstring). ``funding_rate`` (a number, or one per
    step) is paid every ``funding_every`` steps. Paths are processed ``chunk`` at a time, so
    memory stays small whatever the number of paths."""
    legs = inputs.check_replay(**locals())
    rules = venue_rules(rules)
    paths = price_paths(prices, symbols)
    contracts = DEFAULT_CONTRACTS if contracts is None else contracts
    if not isinstance(contracts, dict):
        contracts = {c.symbol: c for c in contracts}
    legs_ = _legs(legs, paths, contracts)
    for mode in modes:
        if mode not in MODES:
            raise MarginModeError(f"margin mode must be 'cross' or 'isolated', got {mode!r}")
    deposit = float(deposit)
    n_paths, width = next(iter(paths.values())).shape
    fsteps, frates = _funding(funding_rate, funding_every, width - 1)
    entry = {leg.symbol: paths[leg.symbol][:, 0] for leg in legs_}
    im = np.stack([leg.quantity * entry[leg.symbol] / leg.leverage for leg in legs_], axis=1)
    fees = np.stack([leg.quantity * entry[leg.symbol] * float(leg.spec.taker_fee)
                     for leg in legs_], axis=1)
    need = (im + fees).sum(axis=1)
    if (need > deposit).any():
        path = int(np.argmax(need > deposit))
        raise InsufficientMarginError(
            f"the legs need {need[path]:,.2f} USDT of initial margin and fees at path {path}'s "
            f"first prices, more than the {deposit:,.2f} USDT deposit")

    accounts, buckets, equity = [], [], {m: [] for m in modes}
    for lo in range(0, n_paths, chunk):
        hi = min(n_paths, lo + chunk)
        marks = [paths[leg.symbol][lo:hi] for leg in legs_]
        upnl = [leg.sign * leg.quantity * (mk - mk[:, :1]) for leg, mk in zip(legs_, marks,
                                                                             strict=True)]
        mm = [_maintenance(leg, mk if rules.mm_basis == MARK else mk[:, :1], rules)
              for leg, mk in zip(legs_, marks, strict=True)]
        pay = [leg.sign * leg.quantity * mk[:, fsteps] * frates
               for leg, mk in zip(legs_, marks, strict=True)]
        open_fees = fees[lo:hi].sum(axis=1)
        for mode in modes:
            if mode == "cross":
                groups = [("cross", list(range(len(legs_))), deposit - open_fees)]
                free = np.zeros(hi - lo)
            else:
                groups = [(leg.symbol, [j], im[lo:hi, j]) for j, leg in enumerate(legs_)]
                free = deposit - open_fees - im[lo:hi].sum(axis=1)
            result = [(name, *_bucket(c, [legs_[j] for j in g], [marks[j] for j in g],
                                      [upnl[j] for j in g], [mm[j] for j in g], fsteps,
                                      [pay[j] for j in g], keep_equity, rules))
                      for name, g, c in groups]
            acc, rows = _settle(result, free, deposit, float(insurance_fund), lo, mode)
            acc.insert(4, "opening fees", open_fees)
            accounts.append(acc)
            buckets.append(rows)
            if keep_equity:
                equity[mode].append(free[:, None] + sum(r[5] for r in result))
    return Replay(_by_path(accounts), _by_path(buckets),
                  {m: np.concatenate(v) for m, v in equity.items() if v})


def _by_path(frames) -> pd.DataFrame:
    """One table, by path then mode, whatever the chunks."""
    return pd.concat(frames).sort_values(["path", "mode"], kind="stable").reset_index(drop=True)


def _settle(result, free, deposit: float, fund0: float, offset: int, mode: str):
    """Settle one mode's buckets in the order of their liquidations: liquidation fees into the
    insurance fund; deficits (bankrupt liquidations, unpaid funding) out of it as far as it
    goes, the rest unrecovered."""
    n = len(free)
    rows = np.arange(n)
    steps, left, due, short = (np.stack([r[i] for r in result], axis=1) for i in range(1, 5))
    order = np.argsort(np.where(steps >= 0, steps, np.iinfo(np.int64).max), axis=1,
                       kind="stable")
    fund = np.full(n, fund0)
    liq_fees, deficit, fund_paid = np.zeros(n), np.zeros(n), np.zeros(n)
    finals = np.zeros((n, len(result)))
    for rank in range(len(result)):
        b = order[:, rank]
        hit = steps[rows, b] >= 0
        fee, kept = _after_fee(left[rows, b], due[rows, b])
        fee = np.where(hit, fee, 0.0)
        owed = np.where(hit, np.maximum(-left[rows, b], 0.0), 0.0) + short[rows, b]
        fund = fund + fee
        paid = np.minimum(owed, fund)
        fund -= paid
        liq_fees += fee
        deficit += owed
        fund_paid += paid
        finals[rows, b] = np.where(hit, kept, left[rows, b])
    final = free + finals.sum(axis=1)
    first = np.where(steps >= 0, steps, np.iinfo(np.int64).max).min(axis=1)
    accounts = pd.DataFrame({
        "path": rows + offset, "mode": mode, "final equity": final, "pnl": final - deposit,
        "first liquidation": np.where(steps.max(axis=1) >= 0, first, NO_LIQUIDATION),
        "liquidation fees": liq_fees, "deficit": deficit, "insurance fund paid": fund_paid,
        "unrecovered": deficit - fund_paid, "insurance fund": fund})
    buckets = pd.DataFrame({
        "path": np.repeat(rows + offset, len(result)), "mode": mode,
        "bucket": np.tile([r[0] for r in result], n), "liquidation step": steps.ravel(),
        "final equity": finals.ravel()})
    return accounts, buckets


# --- the same, one event at a time ----------------------------------------------------------------
def replay_with_engine(prices, legs, deposit, symbols=None, contracts=None,
                       rules: VenueRules = BINANCE, funding_rate=0.0,
                       funding_every: int | None = None, insurance_fund=0.0,
                       modes=MODES) -> Replay:
    """:func:`replay` done by the event engine (:class:`marginlab.Exchange`), path by path and
    step by step: slow, exact, and the reference the vectorized replay is tested against."""
    legs = inputs.check_replay(**locals())
    rules = venue_rules(rules)
    from ..engine.exchange import Exchange

    paths = price_paths(prices, symbols)
    symbols = list(paths)
    n_paths, width = next(iter(paths.values())).shape
    fsteps, frates = _funding(funding_rate, funding_every, width - 1)
    rates = dict(zip(fsteps.tolist(), frates.tolist(), strict=True))
    funded = [s for s in symbols if any(leg.symbol == s for leg in legs)]
    accounts, buckets = [], []
    for path in range(n_paths):
        marks = [{s: Decimal(str(paths[s][path, t])) for s in symbols} for t in range(width)]
        for mode in modes:
            ex = Exchange(contracts, rules, insurance_fund, marks=marks[0])
            acct = ex.open_account(mode, deposit=deposit, mode=mode)
            for leg in legs:
                trade = acct.buy if leg.size > 0 else acct.sell
                trade(leg.symbol, abs(Decimal(str(leg.size))), leverage=leg.leverage)
            fees = ex.fee_pool
            for t in range(1, width):
                ex.set_marks(marks[t], time=t)
                if t in rates:
                    for symbol in funded:
                        ex.apply_funding(symbol, Decimal(str(rates[t])))
            liquidated = {e.symbol: e.time for e in ex.events.of_kind("liquidation")}
            unrecovered = sum((e.amount for e in ex.events.of_kind("unrecovered loss")),
                              Decimal(0))
            accounts.append({
                "path": path, "mode": mode, "final equity": float(acct.equity),
                "pnl": float(acct.equity) - float(deposit),
                "first liquidation": min(liquidated.values(), default=NO_LIQUIDATION),
                "opening fees": float(fees), "unrecovered": float(unrecovered),
                "insurance fund": float(ex.insurance_fund)})
            names = ["cross"] if mode == "cross" else [leg.symbol for leg in legs]
            for name in names:
                step = (min(liquidated.values(), default=NO_LIQUIDATION) if name == "cross"
                        else liquidated.get(name, NO_LIQUIDATION))
                buckets.append({"path": path, "mode": mode, "bucket": name,
                                "liquidation step": step})
    return Replay(pd.DataFrame(accounts), pd.DataFrame(buckets), {})
