"""Liquidation of a whole bucket, as a pipeline of small stages.

1. **find** the buckets whose margin ratio reached 100 % (equity <= maintenance margin). A cross
   bucket is the wallet with *every* cross position; an isolated bucket is one position and its
   isolated margin, and nothing else is touched. How much one step closes is the venue's
   liquidation policy (:mod:`.unwinding`, which runs the rounds); this module closes a whole
   bucket, as every policy does once equity is gone and the all_at_once policy always does.
2. **price** the closes. Every position of the bucket closes at once, at the mark (or through
   the symbol's order book when the exchange gives it a depth, :mod:`.book`). When the
   bucket is bankrupt by a deficit D = -equity > 0 and, on an ADL venue, the insurance fund
   holds less than D, each position instead closes at its own **bankruptcy price** against the
   ADL queue. The deficit is shared among the bucket's positions in proportion to their
   maintenance margin (dYdX v4's bankruptcy price, ``x/clob/keeper/liquidations.go``)::

       D_i = D * MM_i / sum MM,      P_b,i = P_i + s_i * D_i / Q_i

   and a short's P_b,i never goes below one tick (a price is above zero): whatever such a floor
   leaves of D stays a deficit for stage 4. With a book the test is on the deficit the book's
   fills would leave (the slippage included); the bankruptcy prices are those at the mark.
3. **close** each position (the ADL queue first, then the mark or book) and realize its PnL. The
   bucket's balance is then its equity E, which may be below zero.
4. **settle**: if E > 0 the liquidation fee ``min(E, sum Q * P * fee rate)`` goes to the
   insurance fund (bankruptcy-price venues: all of E); if E < 0 the trader is bankrupt by D = -E.
   The balance is brought back to zero (negative balance protection): by the insurance fund as far
   as it goes, then (``socialize`` venues) by every trader in profit, pro rata to unrealized profit
   and never more than it holds; whatever is left is an unrecovered loss of the counterparties.
5. **release** an isolated bucket's remaining margin to the wallet.

Only a bankrupt bucket ever costs anyone else anything: a solvent account pays its own losses.
"""

from __future__ import annotations

from decimal import Decimal

from . import book, rulebook
from .adl import AdlCandidate, adl_queue
from .events import qty, usd
from .money import COUNTERPARTIES, INSURANCE_FUND, floor_to, money
from .numbers import ZERO, exact
from .position import CROSS
from .risk import bucket_risk, maintenance_margin, takes_whole_surplus
from .rules import (
    ADL,
    ALL_AT_ONCE,
    CHUNKS,
    SHORTAGE_ONLY,
    TIER_STEP_DOWN,
    TO_COMPLIANCE,
)
from .sharing import SHARERS, market_weights

DEFICIT_RULE = "deficit shared in proportion to maintenance margin (dYdX's bankruptcy price)"
WHOLE_BECAUSE = {  # why a venue's policy closes a solvent bucket's only position whole
    TO_COMPLIANCE: "; no partial close brings it back below 100 % (Binance liquidation protocol)",
    SHORTAGE_ONLY: "; no partial close covers the shortage (Drift)",
    TIER_STEP_DOWN: "; no step down to a lower risk-limit tier is enough, so the whole position "
                    "is taken over (Bybit, BitMEX)",
    CHUNKS: "; the whole position goes: worth at most the chunk threshold, or within the "
            "cooldown after a partial liquidation (Hyperliquid)",
}


# --- stage 1: find -----------------------------------------------------------------------------
def find_liquidatable(ex) -> list[tuple]:
    """``[(account, bucket key), ...]`` for every bucket at or above 100 % margin ratio, in the
    engine's order: accounts by trader, the cross bucket first, then isolated ones by symbol.
    An account with nothing open is skipped: with no maintenance margin it is never
    liquidatable."""
    return [(acct, key) for acct in ex.sorted_accounts() if acct.positions
            for key, risk in acct.buckets().items() if risk.is_liquidatable]


# --- stages 2-5 for one bucket -------------------------------------------------------------------
def liquidate(ex, acct, key: str) -> None:
    """Close every position of the bucket ``key`` (``"cross"`` or ``"isolated:<symbol>"``)."""
    positions = sorted(acct.bucket_positions(key),
                       key=lambda p: p.unrealized_pnl(ex.marks[p.symbol]))  # biggest loser first
    place = acct.bucket_collateral_place(key)
    risk = bucket_risk(ex.ledger.balance(place), positions, ex.marks, ex.contracts, ex.rules)
    slip = book.slippage(ex, positions)  # 0 unless a book fills the closes
    deficit = rulebook.deficit(risk.equity - slip)
    use_adl = deficit > 0 and ex.insurance_fund < deficit and ex.rules.loss_sharing == ADL
    prices = bankruptcy_prices(ex, positions, -risk.equity) if use_adl else {}
    why = _why(risk, key, len(positions), ex.rules.liquidation_policy)
    if use_adl:
        why += (f"; the insurance fund holds {usd(ex.insurance_fund)} USDT, less than the "
                f"{usd(deficit)} USDT deficit" + (" the book would leave" if slip else ""))
        if len(positions) > 1:
            why += f", {DEFICIT_RULE}"
    net = sum((close_position(ex, acct, pos, prices.get(pos.key), why) for pos in positions),
              ZERO)
    ex.settle_pnl(place, net, f"liquidation PnL {acct.trader}")
    settle_bucket(ex, acct, key, place, positions)


def _why(risk, key: str, n: int, policy: str) -> str:
    ratio = risk.margin_ratio
    why = ("equity was gone" if ratio.is_infinite()
           else f"margin ratio reached {float(ratio) * 100:.1f}%")
    if key == CROSS and n > 1:
        why += (f"; all {n} cross positions close together: the all-at-once teaching model "
                f"(venues unwind step by step: lesson 10)" if policy == ALL_AT_ONCE else
                f"; with equity gone all {n} cross positions close together, as every venue's "
                f"policy does once equity is gone (lesson 10)")
    elif policy != ALL_AT_ONCE and not ratio.is_infinite():
        why += WHOLE_BECAUSE[policy]
    return why


def bankruptcy_prices(ex, positions, deficit: Decimal) -> dict:
    """``{position key: P_b}``: each position's share of ``deficit`` in proportion to its
    maintenance margin, as a price (``P_b = P + s * D_i / Q``), a short's floored at one tick.

    ``deficit`` is -E, the bucket's equity at the mark: below zero (a surplus) when only the
    book's slippage would make the bucket bankrupt; P_b then lies on the mark's other side, and
    closing there leaves the bucket exactly nothing all the same."""
    mms = [maintenance_margin(p, ex.marks[p.symbol], ex.contract(p.symbol), ex.rules)
           for p in positions]
    prices = {}
    for pos, share in zip(positions, rulebook.share_deficit(deficit, mms), strict=True):
        bp = rulebook.bankruptcy_price(pos.sign, pos.quantity, ex.marks[pos.symbol], -share)
        prices[pos.key] = max(bp, ex.contract(pos.symbol).tick_size)
    return prices


def close_position(ex, acct, pos, bp, why: str) -> Decimal:
    """Close ``pos``: against the ADL queue at ``bp`` if given, the rest at the mark, or
    through the symbol's book when it has a depth (:func:`.book.fill_price`). Logs the
    liquidation and returns the realized PnL (not yet moved)."""
    filled, notional = deleverage_opposite(ex, acct, pos, bp) if bp is not None else (ZERO, ZERO)
    rest = pos.quantity - filled
    at = book.fill_price(ex, pos.symbol, pos.sign, rest) if rest > 0 else ex.marks[pos.symbol]
    pnl = pos.sign * (notional - filled * pos.entry_price) \
        + rulebook.unrealized_pnl(pos.sign * rest, at, pos.entry_price)
    fill_price = (notional + rest * at) / pos.quantity
    if bp is None:
        how = ""
    elif filled == 0:
        how = "; no profitable opposite position to deleverage"
    else:
        how = (f"; {qty(filled)} closed against the ADL queue at its bankruptcy price "
               f"{usd(bp)}")
        if notional != filled * bp:
            how += (" (a counterparty's fill is never past its own bankruptcy price: what it "
                    "cannot take stays a deficit)")
        if rest > 0:
            how += (", the rest at the mark: the queue ran out" if pos.symbol not in ex.book_depth
                    else ", the rest through the book: the queue ran out")
    if rest > 0:
        how += book.describe(ex, pos.symbol, pos.sign, qty(rest), at)
    ex.events.append(
        "liquidation",
        f"{acct.trader}'s {pos.symbol} {pos.side} ({pos.mode}, {qty(pos.quantity)}) "
        f"liquidated at {usd(fill_price)}: {why}{how}",
        trader=acct.trader, symbol=pos.symbol, quantity=-pos.size, price=fill_price, amount=pnl)
    del acct.positions[pos.key]
    return pnl


def settle_bucket(ex, acct, key: str, place: str, positions) -> None:
    """Stages 4 and 5: the fee or surplus, or the deficit; then release isolated margin."""
    left = ex.ledger.balance(place)
    if left < 0:
        cover_deficit(ex, acct.trader, place, -left, "bankrupt liquidation",
                      positions[0].symbol if key != CROSS else None, positions)
    elif left > 0:
        charge_liquidation_fee(ex, acct, place, positions, left)
    if key != CROSS:
        ex.ledger.transfer(place, acct.wallet_place, ex.ledger.balance(place),
                           f"release isolated margin {positions[0].symbol}")


def charge_liquidation_fee(ex, acct, place, positions, left: Decimal) -> None:
    """Mark-price venues: fee = min(left, sum Q * P * rate). Bankruptcy-price venues: the whole
    surplus above the bankruptcy price goes to the insurance fund."""
    whole = takes_whole_surplus(ex.rules)
    due = sum((rulebook.notional_fee(p.quantity, ex.marks[p.symbol],
                                     ex.contract(p.symbol).liquidation_fee)
               for p in positions), ZERO)
    fee, _ = rulebook.liquidation_fee(left, money(due), whole)
    why = "surplus between the liquidation and the bankruptcy price" if whole else \
        "liquidation fee"
    paid = ex.ledger.transfer(place, INSURANCE_FUND, fee, f"{why} {acct.trader}")
    if paid > 0:
        ex.events.append("liquidation fee",
                         f"{acct.trader} pays {usd(paid)} USDT {why} to the insurance fund",
                         trader=acct.trader, amount=-paid)


# --- deficits ----------------------------------------------------------------------------------
@exact
def cover_deficit(ex, trader, place: str, due: Decimal, reason: str, symbol=None,
                  positions=()) -> Decimal:
    """Bring ``place`` (below zero by ``due``) back to zero: the insurance fund first; then the
    venue's loss sharing (``rules.loss_sharing``, :data:`marginlab.engine.sharing.SHARERS`: the
    winners pro rata, the market's open interest, or a clawback of net profit; ADL has acted
    already), over the markets of the closed ``positions``; the rest is unrecovered. Returns the
    unrecovered amount."""
    fund_pays, rest = rulebook.deficit_waterfall(money(due), ex.insurance_fund)
    if fund_pays > 0:
        ex.ledger.transfer(INSURANCE_FUND, place, fund_pays, f"cover {reason}")
        ex.events.append(
            "insurance fund",
            f"Insurance fund pays {usd(fund_pays)} USDT so that {trader}'s balance does not go "
            f"below zero ({reason})", trader=trader, symbol=symbol, amount=-fund_pays)
    share = SHARERS.get(ex.rules.loss_sharing)
    if rest > 0 and share is not None:
        markets = market_weights(ex, positions, symbol)
        rest -= share(ex, rest, exclude=trader, into=place, markets=markets)
    if rest > 0:
        ex.ledger.transfer(COUNTERPARTIES, place, rest, f"unrecovered {reason}")
        ex.events.append(
            "unrecovered loss",
            f"{usd(rest)} USDT of {trader}'s loss could not be recovered: the counterparties "
            f"absorb it", trader=trader, symbol=symbol, amount=rest)
    return rest


def deleverage_opposite(ex, bankrupt_acct, bankrupt_pos, bp: Decimal) -> tuple:
    """Close opposite-side profitable positions at ``bp``, best-ranked first, until the bankrupt
    quantity is matched. Returns ``(quantity matched, sum of quantity * fill price)``.

    Each counterparty fills at ``bp`` unless that would leave its own bucket below zero (a cross
    deficit shared by maintenance margin can put a bankruptcy price far from the mark, even at the
    one-tick floor): then it fills at its own bankruptcy price for that quantity, rounded to the
    tick in its favour (:func:`adl_fill_price`), and what it could not take stays with the
    bankrupt bucket as a deficit."""
    symbol, mark = bankrupt_pos.symbol, ex.marks[bankrupt_pos.symbol]
    candidates = []
    for acct in ex.sorted_accounts():
        if acct is bankrupt_acct:
            continue
        for pos in acct.legs(symbol):  # one-way: its position; hedge: the opposite-side leg
            if pos.sign == bankrupt_pos.sign:
                continue
            bucket = acct.positions_in_bucket(pos.key)
            collateral = ex.ledger.balance(acct.bucket_place(pos.key))
            risk = bucket_risk(collateral, bucket, ex.marks, ex.contracts, ex.rules)
            candidates.append(AdlCandidate(acct.trader, pos, mark, collateral, risk))
    matched, notional = ZERO, ZERO
    tick = ex.contract(symbol).tick_size
    for rank, cand in enumerate(adl_queue(candidates, ex.rules.adl_ranking), start=1):
        if matched >= bankrupt_pos.quantity:
            break
        take = min(bankrupt_pos.quantity - matched, cand.position.quantity)
        at = adl_fill_price(bp, cand.position.sign, take, mark, cand.bucket.equity, tick)
        ex.account(cand.trader).deleverage(cand.position.key, take, at, rank)
        matched += take
        notional += take * at
    return matched, notional


def adl_fill_price(bp: Decimal, sign: int, take: Decimal, mark: Decimal, equity: Decimal,
                   tick: Decimal) -> Decimal:
    """The price a counterparty of side ``sign`` is deleveraged at: the bankrupt order's
    bankruptcy price ``bp``, but no worse for it than its own bankruptcy price for ``take``,
    ``mark - sign * equity / take`` (:func:`rulebook.bankruptcy_price`), rounded to the tick in
    its favour: a long gets at least that price, a short pays at most that."""
    own = rulebook.bankruptcy_price(sign, take, mark, equity)
    if sign > 0:
        return max(bp, -floor_to(-own, tick))
    return min(bp, floor_to(own, tick))
