"""Liquidation policies: how one step unwinds a liquidatable bucket (issue 11).

After the marks move (one :meth:`~.exchange.Exchange.set_marks` call is one *price step*, counted
in ``ex.step``) and after each funding payment, :func:`run_liquidations` runs *rounds* until no
bucket is liquidatable: each round finds the liquidatable buckets (accounts by trader, the cross
bucket first, then isolated buckets by symbol) and gives each one still liquidatable when its turn
comes exactly one :func:`step`. With E the bucket's equity and MM its maintenance margin:

1. E <= 0, or the policy is **all_at_once**: the whole bucket closes at once
   (:func:`.liquidation.liquidate`: bankruptcy prices against the ADL queue when the fund is
   short, the deficit waterfall, the fee or surplus).
2. **chunks** and E < 2/3 MM (:func:`.rulebook.needs_backstop`): the backstop vault takes over
   (:func:`backstop`): every position closes at the mark and the bucket's whole balance moves to
   the ledger place ``"backstop vault"``; no fee (Hyperliquid docs, trading/liquidations).
3. Otherwise the **target** is the position with the lowest uPnL at the mark (ties by symbol) and
   the policy sizes the step (:func:`step_quantity`, rules of :mod:`.rulebook`):
   to_compliance :func:`.rulebook.cure_quantity` (Binance "Liquidation Protocols", FAQ
   360033525271), tier_step_down :func:`.rulebook.step_down_quantity` (Bybit help center
   "Liquidation Process" 000001098, BitMEX /app/liquidation), shortage_only ``cure_quantity``
   against MM plus Drift's buffer with the liquidator fee inside the size (Drift protocol-v2
   math/liquidation: ``base = shortage / (P (m + buffer) - P f)``), chunks
   :func:`.rulebook.chunk_quantity` (20 % of a position above 100,000 USDT, the whole position
   within ``cooldown_steps`` price steps of the bucket's last partial close).
4. q < Q: a **partial close** of q at the mark (:func:`partial_close`): its realized PnL
   ``s q (P - EP)`` moves into the bucket's place, the rest keeps its entry price, and the fee
   ``money(q P f)`` goes to the insurance fund (shortage_only: also ``money(q P f_liquidator)``
   to ``"liquidators"``), each capped at what the bucket's place holds above zero.
5. q == Q: the bucket's only position closes with the whole bucket, as in 1; one of several
   closes alone at the mark, paying the same capped fees (:func:`close_one`); the others stay
   for the next round.

Choices where the spec left room (the vectorized replay must make the same ones):
``ex.step`` is counted inside the atomic block, so a refused ``set_marks`` does not count; the
"what the bucket holds above zero" cap reads the ledger balance of the bucket's place after the
step's PnL is realized, the insurance-fund fee first, then the liquidator fee; the last partial
step is remembered per (trader, bucket key) and kept after the bucket closes; a partial close of
an isolated position releases none of its margin; the whole-bucket close of step 5 charges no
liquidator fee (today's settlement). The events this returns are those of kinds "liquidation" and
"backstop".

With a book depth for the symbol (:mod:`.book`) the closes of 4 and 5 fill at the book's average
price for their quantity instead of the mark; the step is still sized as if it filled at the mark
(the venues' rules are), so a step whose slippage keeps the bucket liquidatable is followed by
another round. Fees stay on the closed notional at the mark; the backstop takes over at the mark.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from . import book, rulebook
from .events import qty, usd
from .liquidation import cover_deficit, find_liquidatable, liquidate
from .money import BACKSTOP_VAULT, INSURANCE_FUND, LIQUIDATORS, MONEY_STEP, floor_to, money
from .numbers import ZERO, exact
from .risk import Risk, bucket_risk, closing_fee_rate, maintenance_margin, mm_basis_price
from .rules import ALL_AT_ONCE, CHUNKS, SHORTAGE_ONLY, TIER_STEP_DOWN, TO_COMPLIANCE

SOURCES = {
    TO_COMPLIANCE: 'to compliance, Binance "Liquidation Protocols" (FAQ 360033525271)',
    TIER_STEP_DOWN: 'a step down the risk-limit tiers, Bybit "Liquidation Process" (help center '
                    '000001098) and BitMEX /app/liquidation',
    CHUNKS: "Hyperliquid's partial liquidation (docs, trading/liquidations)",
    SHORTAGE_ONLY: "only the shortage, Drift protocol-v2 math/liquidation",
}
LIQUIDATION_KINDS = ("liquidation", "backstop")


@exact
def run_liquidations(ex, max_rounds: int = 10_000) -> list:
    """Rounds of one :func:`step` per liquidatable bucket until none is left; returns the
    liquidation and backstop events."""
    start = len(ex.events)
    for _ in range(max_rounds):
        found = find_liquidatable(ex)
        if not found:
            break
        for acct, key in found:
            risk = acct.buckets().get(key)
            if risk is not None and risk.is_liquidatable:
                step(ex, acct, key)
    return [e for e in ex.events.since(start) if e.kind in LIQUIDATION_KINDS]


def _risk(ex, acct, key) -> Risk:
    return bucket_risk(ex.ledger.balance(acct.bucket_collateral_place(key)),
                       acct.bucket_positions(key), ex.marks, ex.contracts, ex.rules)


def step(ex, acct, key: str) -> None:
    """One liquidation step on the bucket ``key`` of ``acct`` (see the module docstring); its
    events carry one step number (:meth:`marginlab.engine.events.EventLog.in_step`)."""
    with ex.events.in_step():
        _step(ex, acct, key)


def _step(ex, acct, key: str) -> None:
    policy = ex.rules.liquidation_policy
    positions = acct.bucket_positions(key)
    risk = _risk(ex, acct, key)
    if rulebook.equity_is_gone(risk.equity) or policy == ALL_AT_ONCE:
        liquidate(ex, acct, key)
        return
    if policy == CHUNKS and rulebook.needs_backstop(risk.equity, risk.maintenance,
                                                    ex.rules.backstop_ratio):
        backstop(ex, acct, key, risk)
        return
    target = min(positions, key=lambda p: (p.unrealized_pnl(ex.marks[p.symbol]), p.key))
    q = step_quantity(ex, acct, key, target, risk)
    if q < target.quantity:
        partial_close(ex, acct, key, target, q, risk)
    elif len(positions) == 1:
        liquidate(ex, acct, key)
    else:
        close_one(ex, acct, key, target, risk)


def step_quantity(ex, acct, key: str, target, risk: Risk) -> Decimal:
    """q, the quantity of ``target`` this step closes, by the venue's policy (0 < q <= Q)."""
    rules, spec, mark = ex.rules, ex.contract(target.symbol), ex.marks[target.symbol]
    others = [p for p in acct.bucket_positions(key) if p.key != target.key]
    mm_rest = sum((maintenance_margin(p, ex.marks[p.symbol], ex.contract(p.symbol), rules)
                   for p in others), ZERO)
    sized = (target.quantity, mark, mm_basis_price(mark, target.entry_price, rules), spec.tiers,
             risk.equity)
    fc = closing_fee_rate(spec, rules)
    policy = rules.liquidation_policy
    if policy == TO_COMPLIANCE:
        return rulebook.cure_quantity(*sized, mm_rest, spec.liquidation_fee, spec.lot_size, fc)
    if policy == TIER_STEP_DOWN:
        return rulebook.step_down_quantity(*sized, mm_rest, spec.liquidation_fee, spec.lot_size,
                                           fc)
    if policy == SHORTAGE_ONLY:
        buffer_rest = sum((p.quantity * ex.marks[p.symbol] * rules.shortage_buffer
                           for p in others), ZERO)
        return rulebook.cure_quantity(*sized, mm_rest + buffer_rest,
                                      spec.liquidation_fee + spec.liquidator_fee, spec.lot_size,
                                      fc, buffer_rate=rules.shortage_buffer)
    last = ex.partial_steps.get((acct.trader, key))
    cooling = last is not None and ex.step - last < rules.cooldown_steps
    return rulebook.chunk_quantity(target.quantity, mark, rules.chunk_threshold,
                                   rules.chunk_share, spec.lot_size, cooling)


# --- the three ways a step closes positions ----------------------------------------------------
def partial_close(ex, acct, key: str, pos, q: Decimal, before: Risk) -> None:
    """Close ``q`` < Q of ``pos`` at the mark P, or at the book's average F for q when the symbol
    has a depth (:func:`.book.fill_price`): realized PnL ``s q (F - EP)`` into the bucket, the
    capped fees (on q P), the entry price of the rest unchanged (chunks: remember the price
    step)."""
    mark, place = ex.marks[pos.symbol], acct.bucket_collateral_place(key)
    fill = book.fill_price(ex, pos.symbol, pos.sign, q)
    new, pnl, _ = pos.apply_fill(-pos.sign * q, fill)
    acct.positions[pos.key] = new
    ex.settle_pnl(place, pnl, f"partial liquidation PnL {acct.trader}")
    paid = pay_step_fees(ex, acct, key, pos.symbol, q, mark)
    if ex.rules.liquidation_policy == CHUNKS:
        ex.partial_steps[(acct.trader, key)] = ex.step
    _log_step(ex, acct, key, pos, (q, fill), pnl, before, paid)


def close_one(ex, acct, key: str, pos, before: Risk) -> None:
    """Close the whole of ``pos``, one of several positions of a cross bucket, at the mark (or
    through the book, :func:`.book.fill_price`) and pay the capped fees; the bucket's other
    positions wait for the next round."""
    mark, place = ex.marks[pos.symbol], acct.bucket_collateral_place(key)
    fill = book.fill_price(ex, pos.symbol, pos.sign, pos.quantity)
    pnl = pos.unrealized_pnl(fill)
    del acct.positions[pos.key]
    ex.settle_pnl(place, pnl, f"liquidation PnL {acct.trader}")
    paid = pay_step_fees(ex, acct, key, pos.symbol, pos.quantity, mark)
    _log_step(ex, acct, key, pos, (pos.quantity, fill), pnl, before, paid)


def backstop(ex, acct, key: str, risk: Risk) -> None:
    """Hyperliquid's backstop liquidation: every position of the bucket closes at the mark (its
    PnL realized into the bucket's place), then the bucket's whole balance, E > 0, moves to the
    backstop vault; no fee, and an isolated margin goes with it (nothing is released)."""
    place, positions = acct.bucket_collateral_place(key), acct.bucket_positions(key)
    why = (f"equity {usd(risk.equity)} USDT was below {float(ex.rules.backstop_ratio):.3g} of "
           f"the maintenance margin {usd(risk.maintenance)} USDT (Hyperliquid docs, "
           f"trading/liquidations)")
    net = ZERO
    for pos in positions:
        mark = ex.marks[pos.symbol]
        pnl = pos.unrealized_pnl(mark)
        net += pnl
        del acct.positions[pos.key]
        ex.events.append(
            "backstop", f"{acct.trader}'s {pos.symbol} {pos.side} ({pos.mode}, "
            f"{qty(pos.quantity)}) taken over by the {BACKSTOP_VAULT} at the mark {usd(mark)}: "
            f"{why}", trader=acct.trader, symbol=pos.symbol, quantity=-pos.size, price=mark,
            amount=pnl)
    ex.settle_pnl(place, net, f"backstop PnL {acct.trader}")
    left = ex.ledger.balance(place)
    if left < 0:  # only a rounding of the realized PnL can take E > 0 below zero
        cover_deficit(ex, acct.trader, place, -left, "backstop liquidation")
    moved = ex.ledger.transfer(place, BACKSTOP_VAULT, max(ZERO, left),
                               f"backstop vault takes {acct.trader}'s collateral")
    where = "cross margin" if len(positions) != 1 or positions[0].mode == "cross" else \
        f"isolated {positions[0].symbol} margin"
    ex.events.append("backstop", f"The {BACKSTOP_VAULT} keeps {acct.trader}'s remaining "
                     f"{usd(moved)} USDT of {where}: the collateral goes with the positions",
                     trader=acct.trader, amount=-moved)


def pay_step_fees(ex, acct, key: str, symbol: str, q: Decimal, mark: Decimal) -> list:
    """``[(place paid, amount), ...]``: ``money(q P liquidation_fee)`` to the insurance fund and,
    under shortage_only, ``money(q P liquidator_fee)`` to the liquidators, each capped at what
    the bucket is still worth, its equity above zero (its balance plus the uPnL of the positions
    it keeps open): a fee never makes a solvent bucket bankrupt."""
    spec, place = ex.contract(symbol), acct.bucket_collateral_place(key)
    due = [(INSURANCE_FUND, spec.liquidation_fee, "liquidation fee")]
    if ex.rules.liquidation_policy == SHORTAGE_ONLY:
        due.append((LIQUIDATORS, spec.liquidator_fee, "liquidator fee"))
    paid = []
    for dest, rate, what in due:
        left = max(ZERO, min(_risk(ex, acct, key).equity, ex.ledger.balance(place)))
        fee = min(money(rulebook.notional_fee(q, mark, rate)), floor_to(left, MONEY_STEP))
        paid.append((dest, what, ex.ledger.transfer(place, dest, fee, f"{what} {acct.trader}")))
    return paid


# --- the plain-English log -----------------------------------------------------------------------
def _ratio(risk: Risk) -> str:
    """The margin ratio in per cent, one decimal, rounded down (a compliant 99.99 % must not
    read 100.0 %)."""
    ratio = risk.margin_ratio
    if ratio.is_infinite():
        return "infinity (equity gone)"
    tenths = (ratio * 1000).to_integral_value(rounding=ROUND_FLOOR)
    return f"{float(tenths) / 10:.1f} %"


def _log_step(ex, acct, key: str, pos, closed: tuple, pnl: Decimal, before: Risk,
              paid) -> None:
    """Log a step that closed ``closed = (q, fill price)`` of ``pos``."""
    (q, fill), after = closed, _risk(ex, acct, key)
    base = ex.contract(pos.symbol).base
    what = (f"closed {qty(q)} of {qty(pos.quantity)} {base}" if q < pos.quantity else
            f"closed all {qty(q)} {base}, the bucket's largest loser,")
    if after.is_liquidatable:
        how = (f"; the margin ratio went from {_ratio(before)} to {_ratio(after)}, still at or "
               f"above 100 %: the next round goes on")
    else:
        how = f" to bring the margin ratio from {_ratio(before)} back to {_ratio(after)}"
    source = SOURCES[ex.rules.liquidation_policy]
    if ex.rules.liquidation_policy == CHUNKS and q < pos.quantity:
        source = (f"a {float(ex.rules.chunk_share) * 100:g} % chunk of a position worth more "
                  f"than {usd(ex.rules.chunk_threshold)} USDT, {source}")
    ex.events.append(
        "liquidation", f"{acct.trader}'s {pos.symbol} {pos.side} ({pos.mode}): {what} at "
        f"{usd(fill)}{how} ({source}){book.describe(ex, pos.symbol, pos.sign, qty(q), fill)}",
        trader=acct.trader, symbol=pos.symbol, quantity=-pos.sign * q, price=fill, amount=pnl)
    for dest, what, amount in paid:
        if amount > 0:
            ex.events.append("liquidation fee", f"{acct.trader} pays {usd(amount)} USDT {what} "
                             f"to the {dest}", trader=acct.trader, symbol=pos.symbol,
                             amount=-amount)
