"""The liquidation policies replayed one price step at a time, vectorized over paths and legs.

:func:`marginlab.simulation.replay.replay` closes a liquidated bucket at once in closed form
(``all_at_once``). A venue that unwinds step by step (Binance to compliance, Bybit and BitMEX
stepping down risk tiers, Hyperliquid's chunks and backstop vault, Drift's shortage) makes the
future depend on every earlier close, so this module walks the steps: arrays (paths, legs) of
quantities, (paths, buckets) of each bucket's balance, (paths,) of the insurance fund, and the
rulebook's sizes (:func:`marginlab.rulebook.cure_quantity`, :func:`~marginlab.rulebook.
step_down_quantity`, :func:`~marginlab.rulebook.chunk_quantity`,
:func:`~marginlab.rulebook.needs_backstop`) evaluated on all paths at once.

The semantics are the engine's (:mod:`marginlab.engine.unwinding`, issue 11). In one step t: the
marks move, then liquidation *rounds* run until no bucket is liquidatable; then each symbol pays
its funding in turn, each followed by rounds. A round gives every liquidatable bucket, in the
engine's order (the cross bucket, then the isolated buckets by symbol), exactly one step, for a
bucket with equity E and maintenance margin MM:

1. E <= 0, or the policy is ``all_at_once``: every position closes at the mark; a surplus pays
   the liquidation fee ``min(left, sum Q P f)`` (all of it on bankruptcy-price venues), a deficit
   is paid by the insurance fund as far as it goes, the rest is unrecovered;
2. ``chunks`` and E < ``backstop_ratio`` MM: the positions close at the mark and the backstop
   vault receives the bucket's whole balance (Hyperliquid docs, trading/liquidations);
3. otherwise the largest loser (lowest uPnL, ties by symbol) closes q of its Q lots, q sized by
   the policy; q < Q is a partial close at the mark, paying ``q P f`` to the insurance fund (and
   ``q P f_liquidator`` to the liquidators under ``shortage_only``), each capped at the bucket's
   balance above zero; q = Q closes the position (the whole bucket as in 1 if it was the last).

A bucket that is not liquidatable at the start of a round cannot become so before its turn: the
buckets of one account share nothing but the insurance fund, which no bucket's equity counts.
Money is conserved: every amount leaves one named array for another (:class:`State` ``flow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ..engine import rulebook
from ..engine import rules as policies
from ..engine.risk import closing_fee_rate, mm_basis_price, takes_whole_surplus
from ..engine.rules import VenueRules

MAX_ROUNDS = 10_000  # the engine's limit on rounds per price move or funding payment
NEVER = -(2**62)  # "no partial close yet" for the chunk cooldown
ACCOUNT_FLOWS = ("liquidation fees", "deficit", "insurance fund paid", "unrecovered",
                 "liquidator fees", "backstop vault", "counterparties")
BUCKET_COUNTS = ("liquidation steps", "quantity closed", "liquidator fees", "backstop vault")


@dataclass(frozen=True)
class Book:
    """What does not change during a replay of one margin mode on a chunk of paths.

    ``members[b]``: the legs of bucket b ordered by symbol (the tie-break of the largest
    loser); ``order``: the buckets in the engine's order; ``marks`` (paths, steps + 1, legs)."""

    legs: list
    members: list
    order: list
    marks: np.ndarray
    sign: np.ndarray
    lot: np.ndarray
    rules: VenueRules
    depth: np.ndarray  # each leg's book depth (USD per 1 % move), NaN: it fills at the mark
    tick: np.ndarray

    @property
    def entry(self) -> np.ndarray:
        return self.marks[:, 0, :]


@dataclass
class State:
    """The replay's mutable arrays: ``qty`` (paths, legs), ``cash`` (paths, buckets), the
    insurance ``fund`` (paths,), account ``flow`` and per-bucket ``counts`` (see the module
    constants), the ``first`` liquidation step per bucket (-1) and the step of its last partial
    close (``partial_at``, for the chunk cooldown)."""

    qty: np.ndarray
    cash: np.ndarray
    fund: np.ndarray
    flow: dict
    counts: dict
    first: np.ndarray
    partial_at: np.ndarray


def make_book(groups, legs, marks, rules: VenueRules) -> Book:
    """``groups``: ``[(name, [leg index, ...]), ...]`` as the fast replay lists the buckets."""
    members = [sorted(g, key=lambda j: legs[j].symbol) for _, g in groups]
    order = sorted(range(len(groups)), key=lambda b: (groups[b][0] != "cross", groups[b][0]))
    return Book(legs, members, order, marks, np.array([leg.sign for leg in legs], dtype=float),
                np.array([float(leg.spec.lot_size) for leg in legs]), rules,
                np.array([np.nan if leg.depth is None else leg.depth for leg in legs]),
                np.array([float(leg.spec.tick_size) for leg in legs]))


def make_state(book: Book, cash, fund0: float) -> State:
    n, n_b = cash.shape
    qty = np.tile(np.array([leg.quantity for leg in book.legs]), (n, 1))
    return State(qty, cash.astype(float).copy(), np.full(n, float(fund0)),
                 {k: np.zeros(n) for k in ACCOUNT_FLOWS},
                 {k: np.zeros((n, n_b)) for k in BUCKET_COUNTS},
                 np.full((n, n_b), -1, dtype=np.int64), np.full((n, n_b), NEVER, dtype=np.int64))


# --- risk ---------------------------------------------------------------------------------------
def leg_upnl(book: Book, qty, marks, entry) -> np.ndarray:
    """``s Q (P - EP)`` of every leg, arrays (rows, legs)."""
    return book.sign * qty * (marks - entry)


def leg_risk(book: Book, qty, marks, entry):
    """``(uPnL, MM)`` of every leg, arrays (rows, legs): ``s Q (P - EP)`` and
    ``tier MM(Q B) (+ Q B f_close)`` (:func:`marginlab.rulebook.maintenance_margin`)."""
    upnl = leg_upnl(book, qty, marks, entry)
    basis = mm_basis_price(marks, entry, book.rules)
    mm = np.empty_like(upnl)
    for j, leg in enumerate(book.legs):
        mm[:, j] = rulebook.maintenance_margin(qty[:, j], basis[:, j], leg.spec.tiers,
                                               closing_fee_rate(leg.spec, book.rules))
    return upnl, mm


# --- the rounds ---------------------------------------------------------------------------------
def run_rounds(book: Book, st: State, t: int, rows) -> None:
    """Liquidation rounds at step ``t`` on the paths ``rows`` until no bucket is liquidatable.
    After the first round only the paths that had a step can still have a liquidatable
    bucket."""
    marks_all = book.marks[:, t, :]
    for _ in range(MAX_ROUNDS):
        marks, entry = marks_all[rows], book.entry[rows]
        upnl, mm = leg_risk(book, st.qty[rows], marks, entry)
        stepped = []
        for b in book.order:
            m = book.members[b]
            equity = st.cash[rows, b] + upnl[:, m].sum(axis=1)
            maint = mm[:, m].sum(axis=1)
            hit = np.flatnonzero(rulebook.is_liquidatable(equity, maint))
            if hit.size:
                one_step(book, st, t, b, rows[hit],
                         (equity[hit], maint[hit], upnl[hit], mm[hit], marks[hit]))
                stepped.append(rows[hit])
        if not stepped:
            return
        rows = np.unique(np.concatenate(stepped))


def one_step(book: Book, st: State, t: int, b: int, rows, risk) -> None:
    """One liquidation step on bucket ``b`` of the paths ``rows`` (see the module docstring)."""
    equity, maint, upnl, mm, marks = risk
    policy = book.rules.liquidation_policy
    whole = rulebook.equity_is_gone(equity) | (policy == policies.ALL_AT_ONCE)
    backstop = ~whole & (rulebook.needs_backstop(equity, maint, book.rules.backstop_ratio)
                         if policy == policies.CHUNKS else False)
    rest = np.flatnonzero(~whole & ~backstop)
    target, q = step_size(book, st, t, b, rows[rest], (equity[rest], upnl[rest], mm[rest],
                                                       marks[rest]))
    quantity = st.qty[rows[rest], target]
    full = q >= quantity - book.lot[target] / 2
    alone = (st.qty[rows[rest]][:, book.members[b]] > 0).sum(axis=1) == 1
    whole[rest[full & alone]] = True
    close_bucket(book, st, b, rows[whole], marks[whole])
    close_to_vault(book, st, b, rows[backstop], marks[backstop])
    sel = full & ~alone
    close_part(book, st, t, b, rows[rest[sel]], target[sel], quantity[sel], marks[rest[sel]])
    sel = ~full
    close_part(book, st, t, b, rows[rest[sel]], target[sel], q[sel], marks[rest[sel]])
    st.counts["liquidation steps"][rows, b] += 1
    st.first[rows, b] = np.where(st.first[rows, b] < 0, t, st.first[rows, b])


def step_size(book: Book, st: State, t: int, b: int, rows, risk):
    """``(target leg, q)`` per path: the largest loser of the bucket (lowest uPnL at the mark,
    ties by symbol) and the quantity the policy closes of it (its whole quantity: close it)."""
    equity, upnl, mm, marks = risk
    m = np.array(book.members[b])
    open_ = st.qty[rows][:, m] > 0
    target = m[np.argmin(np.where(open_, upnl[:, m], np.inf), axis=1)]
    q = st.qty[rows, target].copy()
    for j in m:
        sel = np.flatnonzero(target == j)
        if sel.size:
            others = [k for k in m if k != j]
            q[sel] = leg_step(book, st, t, b, j, rows[sel],
                              (equity[sel], mm[sel][:, others].sum(axis=1), marks[sel],
                               marks[sel][:, others], st.qty[rows[sel]][:, others]))
    return target, q


def leg_step(book: Book, st: State, t: int, b: int, j: int, rows, risk):
    """The policy's size of one step on leg ``j`` (the rulebook's "unwinding" rules), asked
    only for the paths where a partial close can help (:func:`closes_whole`)."""
    equity, mm_rest, marks, other_marks, other_qty = risk
    rules, spec = book.rules, book.legs[j].spec
    quantity, mark = st.qty[rows, j], marks[:, j]
    basis = mm_basis_price(mark, book.entry[rows, j], rules)
    policy = rules.liquidation_policy
    if policy == policies.CHUNKS:
        cooling = t - st.partial_at[rows, b] < rules.cooldown_steps
        return rulebook.chunk_quantity(quantity, mark, rules.chunk_threshold, rules.chunk_share,
                                       spec.lot_size, cooling)
    fc, fee, buffer = closing_fee_rate(spec, rules), spec.liquidation_fee, Decimal(0)
    if policy == policies.SHORTAGE_ONLY:
        buffer = rules.shortage_buffer
        fee += spec.liquidator_fee  # Drift's liquidator fee, inside the size
        mm_rest = mm_rest + (other_qty * other_marks).sum(axis=1) * float(buffer)
    q = quantity.copy()
    ask = np.flatnonzero(~closes_whole(policy, quantity, mark, basis, spec.tiers, fee,
                                       fc + buffer))
    if not ask.size:
        return q
    sized = (quantity[ask], mark[ask], basis[ask], reachable_tiers(spec.tiers, quantity[ask] *
             basis[ask]), equity[ask], mm_rest[ask], fee, spec.lot_size, fc)
    q[ask] = (rulebook.step_down_quantity(*sized) if policy == policies.TIER_STEP_DOWN
              else rulebook.cure_quantity(*sized, buffer_rate=buffer))
    return q


def reachable_tiers(tiers, value) -> tuple:
    """The tiers a close can reach: those whose floor is at most the largest value Q B (closing
    only lowers it). The rulebook finds no size in a higher tier, so leaving those out changes
    no answer and saves it a loop per tier (9 for Binance's BTC brackets)."""
    floors = np.array([float(tier.floor) for tier in tiers])
    return tiers[:max(1, int(np.searchsorted(floors, np.max(value), side="right")))]


def closes_whole(policy: str, quantity, mark, basis, tiers, fee, extra) -> np.ndarray:
    """True where the rulebook's size is the whole position for a reason seen at a glance, so
    that the replay does not ask it (a speed-up only; the answer is the same):

    * tier step-down: the value Q B is in the lowest tier already, no lower tier to step into;
    * to compliance / shortage: no tier the position can reach by closing (floor <= Q B) frees
      more margin per unit than the unit's fee, ``B (m_k + f_close + buffer) <= P f`` for all of
      them. Then the compliance margin ``E - q P f - MM_rest - MM_i(Q - q)``, continuous in q,
      only falls as q grows from its value at q = 0, E - MM <= 0 (the bucket is liquidatable):
      no partial close complies, :func:`marginlab.rulebook.cure_quantity` answers Q.
    """
    floors = np.array([float(tier.floor) for tier in tiers])
    value = quantity * basis
    if policy == policies.TIER_STEP_DOWN:
        return value < floors[1] if len(floors) > 1 else np.ones(len(value), dtype=bool)
    reachable = np.maximum.accumulate(np.array([float(tier.mmr) for tier in tiers]))
    top = reachable[np.maximum(np.searchsorted(floors, value, side="right") - 1, 0)]
    return basis * (top + float(extra)) <= mark * float(fee)


# --- the closes ---------------------------------------------------------------------------------
def fill_prices(book: Book, legs, q, marks) -> np.ndarray:
    """Where leg ``legs[i]`` has a book, the average price closing ``q[i]`` of it fills at
    (:func:`marginlab.rulebook.book_fill_price`); elsewhere the mark."""
    depth = book.depth[legs]
    booked = ~np.isnan(depth)
    if not booked.any():
        return marks
    fill = rulebook.book_fill_price(book.sign[legs], q, marks, np.where(booked, depth, 1.0),
                                    book.tick[legs])
    return np.where(booked, fill, marks)


def realize(book: Book, st: State, b: int, rows, legs, q, marks, through_book=True) -> None:
    """Close ``q`` of leg ``legs[i]`` on path ``rows[i]`` at the mark, or through its book
    (:func:`fill_prices`): the realized PnL ``s q (F - EP)`` moves between the counterparties
    and the bucket (entry price unchanged)."""
    fill = fill_prices(book, legs, q, marks) if through_book else marks
    pnl = book.sign[legs] * q * (fill - book.entry[rows, legs])
    st.cash[rows, b] += pnl
    st.flow["counterparties"][rows] -= pnl
    lot = book.lot[legs]
    st.qty[rows, legs] = np.round((st.qty[rows, legs] - q) / lot) * lot
    st.counts["quantity closed"][rows, b] += q


def realize_all(book: Book, st: State, b: int, rows, marks, through_book=True) -> np.ndarray:
    """Close every open position of bucket ``b`` on ``rows``; returns ``sum Q P f`` (the
    liquidation fee due, on the notional at the mark)."""
    due = np.zeros(len(rows))
    for j in book.members[b]:
        q = st.qty[rows, j]
        due += q * marks[:, j] * float(book.legs[j].spec.liquidation_fee)
        realize(book, st, b, rows, np.full(len(rows), j), q, marks[:, j], through_book)
    return due


def close_bucket(book: Book, st: State, b: int, rows, marks) -> None:
    """Everything closes at the mark (or through the book); the fee or the surplus to the
    fund, or the deficit paid by the fund as far as it goes (:func:`rulebook.liquidation_fee`,
    :func:`rulebook.deficit_waterfall`); an isolated bucket keeps what is left for the wallet."""
    if not len(rows):
        return
    due = realize_all(book, st, b, rows, marks)
    left = st.cash[rows, b]
    fee, kept = rulebook.liquidation_fee(left, due, takes_whole_surplus(book.rules))
    owed = rulebook.deficit(left)
    st.fund[rows] += fee
    paid, unrecovered = rulebook.deficit_waterfall(owed, st.fund[rows])
    st.fund[rows] -= paid
    st.cash[rows, b] = kept
    for name, value in (("liquidation fees", fee), ("deficit", owed),
                        ("insurance fund paid", paid), ("unrecovered", unrecovered)):
        st.flow[name][rows] += value
    st.flow["counterparties"][rows] -= unrecovered


def close_to_vault(book: Book, st: State, b: int, rows, marks) -> None:
    """Hyperliquid's backstop: the positions close at the mark and the bucket's whole balance
    (above zero here) goes to the backstop vault; no fee, nothing released."""
    if not len(rows):
        return
    realize_all(book, st, b, rows, marks, through_book=False)
    taken = st.cash[rows, b].copy()
    st.cash[rows, b] = 0.0
    st.flow["backstop vault"][rows] += taken
    st.counts["backstop vault"][rows, b] += taken


def _left(book: Book, st: State, b: int, rows, marks) -> np.ndarray:
    """What bucket ``b`` is still worth on ``rows``, above zero: its balance plus the uPnL of
    the legs it keeps open (no more than the balance itself)."""
    m = book.members[b]
    upnl = leg_upnl(book, st.qty[rows], marks, book.entry[rows])[:, m].sum(axis=1)
    return np.maximum(np.minimum(st.cash[rows, b] + upnl, st.cash[rows, b]), 0.0)


def close_part(book: Book, st: State, t: int, b: int, rows, legs, q, marks) -> None:
    """Close ``q`` of one leg per path (part of it, or all of it while others stay open) and pay
    the fees ``q P f`` to the fund (and ``q P f_liquidator`` to the liquidators under
    ``shortage_only``), each capped at what the bucket is still worth (:func:`_left`): a fee
    never makes a solvent bucket bankrupt."""
    if not len(rows):
        return
    mark = marks[np.arange(len(rows)), legs]
    realize(book, st, b, rows, legs, q, mark)
    rates = np.array([float(leg.spec.liquidation_fee) for leg in book.legs])[legs]
    fee = np.minimum(q * mark * rates, _left(book, st, b, rows, marks))
    st.cash[rows, b] -= fee
    st.fund[rows] += fee
    st.flow["liquidation fees"][rows] += fee
    if book.rules.liquidation_policy == policies.SHORTAGE_ONLY:
        rates = np.array([float(leg.spec.liquidator_fee) for leg in book.legs])[legs]
        paid = np.minimum(q * mark * rates, _left(book, st, b, rows, marks))
        st.cash[rows, b] -= paid
        st.flow["liquidator fees"][rows] += paid
        st.counts["liquidator fees"][rows, b] += paid
    partial = st.qty[rows, legs] > book.lot[legs] / 2  # some of the leg is still open
    st.partial_at[rows[partial], b] = t


# --- funding and the loop over steps ------------------------------------------------------------
def pay_funding(book: Book, st: State, of_leg, j: int, t: int, rate: float, rows) -> None:
    """Leg ``j`` pays ``s Q P rate`` out of its bucket (receives it if negative)."""
    pay = rulebook.funding_payment(book.sign[j] * st.qty[rows, j], book.marks[rows, t, j], rate)
    st.cash[rows, of_leg[j]] -= pay
    st.flow["counterparties"][rows] += pay


def prepay_funding(book: Book, st: State, of_leg, funding: tuple, start) -> None:
    """The funding each path pays before ``start``, its first liquidation, all at once: until
    then nothing closes, so every leg pays ``s Q P rate`` on its whole quantity."""
    fsteps, frates = (np.asarray(x) for x in funding)
    if not len(fsteps):
        return
    before = fsteps[None, :] < start[:, None]
    for j in range(len(book.legs)):
        pay = rulebook.funding_payment(book.sign[j] * st.qty[:, j:j + 1],
                                       book.marks[:, fsteps, j], frates)
        paid = np.where(before, pay, 0.0).sum(axis=1)
        st.cash[:, of_leg[j]] -= paid
        st.flow["counterparties"] += paid


def run(book: Book, cash, fund0: float, funding: tuple, start, keep: bool):
    """Replay the paths from ``start`` (per path, the first step at which one of its buckets is
    liquidatable, as the closed-form replay finds it) to the end; returns the final
    :class:`State` and, if ``keep``, each bucket's equity at every step from ``start`` on
    (paths, steps + 1, buckets; the steps before ``start`` are not filled in). Each step only
    touches the paths that have started and still hold a position."""
    st = make_state(book, cash, fund0)
    of_leg = np.empty(len(book.legs), dtype=int)
    for b, m in enumerate(book.members):
        of_leg[m] = b
    prepay_funding(book, st, of_leg, funding, start)
    stages = sorted(range(len(book.legs)), key=lambda j: book.legs[j].stage)
    rates = dict(zip(np.asarray(funding[0]).tolist(), np.asarray(funding[1]).tolist(),
                     strict=True))
    width = book.marks.shape[1]
    curve = np.zeros((len(st.fund), width, len(book.members))) if keep else None
    for t in range(1, width):
        rows = np.flatnonzero((start <= t) & (st.qty > 0).any(axis=1))
        if rows.size:
            run_rounds(book, st, t, rows)
            for j in stages if t in rates else ():
                pay_funding(book, st, of_leg, j, t, rates[t], rows)
                run_rounds(book, st, t, rows)
        if keep:
            curve[:, t, :] = bucket_equity(book, st, t)
    return st, curve


def bucket_equity(book: Book, st: State, t: int) -> np.ndarray:
    """Each bucket's balance plus its open positions' uPnL at step ``t`` (paths, buckets)."""
    upnl = leg_upnl(book, st.qty, book.marks[:, t, :], book.entry)
    return st.cash + np.stack([upnl[:, m].sum(axis=1) for m in book.members], axis=1)
