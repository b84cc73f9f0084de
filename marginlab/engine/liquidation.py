"""Liquidation as a pipeline of small stages.

1. **find** the buckets whose margin ratio reached 100 % (equity <= maintenance margin). A cross
   bucket is the wallet with *every* cross position: they are all closed together. An isolated
   bucket is one position and its isolated margin: nothing else is touched.
2. **close** the bucket's positions at the mark (or, on venues that fill at the bankruptcy price,
   hand the remaining equity to the insurance fund). What is left after the losses:

       E = collateral + sum of uPnL at the mark

3. **fee or surplus**: if E > 0 the liquidation fee ``min(E, sum Q * P * fee rate)`` goes to the
   insurance fund (bankruptcy-price venues: all of E), the rest stays with the trader.
4. **deficit**: if E < 0 the trader is bankrupt by D = -E. The balance stops at zero (negative
   balance protection) and the insurance fund pays D. If the fund holds less than D:

   * ``adl``: the bankrupt position is closed at its bankruptcy price ``P_b = P + s * D / Q``
     against the ADL queue (opposite-side profitable positions, ranked), who give up the
     difference between the mark and P_b;
   * ``socialize``: the fund pays what it has, and the rest is taken from every position in
     profit, pro rata to its uPnL (never more than that uPnL).

   Whatever no one can pay is recorded as an unrecovered loss of the counterparties.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from .adl import AdlCandidate, adl_queue
from .events import qty, usd
from .money import COUNTERPARTIES, INSURANCE_FUND, MONEY_STEP, money
from .numbers import ZERO
from .position import CROSS
from .risk import bucket_risk
from .rules import ADL, BANKRUPTCY, SOCIALIZE


# --- stage 1: find -----------------------------------------------------------------------------
def find_liquidatable(ex) -> list[tuple]:
    """``[(account, bucket key), ...]`` for every bucket at or above 100 % margin ratio."""
    return [(acct, key) for acct in ex.sorted_accounts()
            for key, risk in acct.buckets().items() if risk.is_liquidatable]


def run_liquidations(ex, max_rounds: int = 1000) -> list:
    """Liquidate until no bucket is liquidatable (ADL and socialized losses can cascade)."""
    start = len(ex.events)
    for _ in range(max_rounds):
        found = find_liquidatable(ex)
        if not found:
            break
        for acct, key in found:
            risk = acct.buckets().get(key)
            if risk is not None and risk.is_liquidatable:
                liquidate(ex, acct, key)
    return [e for e in ex.events.since(start) if e.kind == "liquidation"]


# --- stages 2-4 for one bucket --------------------------------------------------------------------
def liquidate(ex, acct, key: str) -> None:
    """Close every position of the bucket ``key`` (``"cross"`` or an isolated symbol)."""
    positions = acct.cross_positions if key == CROSS else [acct.positions[key]]
    positions.sort(key=lambda p: p.unrealized_pnl(ex.marks[p.symbol]))  # biggest loser first
    place = acct.wallet_place if key == CROSS else acct.isolated_place(key)
    marks = ex.marks
    risk = bucket_risk(ex.ledger.balance(place), positions, marks, ex.contracts, ex.rules)
    deficit = max(ZERO, -risk.equity)
    use_adl = deficit > 0 and ex.insurance_fund < deficit and ex.rules.loss_sharing == ADL
    ratio = risk.margin_ratio
    if ratio.is_infinite():
        ratio_txt = "equity was gone"
    else:
        ratio_txt = f"margin ratio reached {float(ratio) * 100:.1f}%"
    together = (f"; cross margin closes all {len(positions)} cross positions together"
                if key == CROSS and len(positions) > 1 else "")

    bankrupt = min(positions, key=lambda p: p.unrealized_pnl(marks[p.symbol])) if use_adl \
        else None
    net = ZERO
    for pos in positions:
        mark = marks[pos.symbol]
        if pos is bankrupt:
            bp = mark + pos.sign * deficit / pos.quantity
            filled = deleverage_opposite(ex, acct, pos, bp)
            rest = pos.quantity - filled
            pnl = pos.sign * filled * (bp - pos.entry_price) + pos.sign * rest * (
                mark - pos.entry_price)
            short_of = (f"the insurance fund holds {usd(ex.insurance_fund)} USDT, less than "
                        f"the {usd(deficit)} USDT deficit")
            if filled == pos.quantity:
                how = f"closed at the bankruptcy price {usd(bp)} against the ADL queue ({short_of})"
                fill_price = bp
            elif filled > 0:
                how = (f"{qty(filled)} closed at the bankruptcy price {usd(bp)} against the ADL "
                       f"queue, the rest at the mark: the queue ran out ({short_of})")
                fill_price = (filled * bp + rest * mark) / pos.quantity
            else:
                how = f"no profitable opposite position to deleverage ({short_of})"
                fill_price = mark
        else:
            pnl = pos.unrealized_pnl(mark)
            how, fill_price = "", mark
        net += pnl
        ex.events.append(
            "liquidation",
            f"{acct.trader}'s {pos.symbol} {pos.side} ({pos.mode}, {qty(pos.quantity)}) "
            f"liquidated at {usd(fill_price)}: {ratio_txt}{together}"
            + (f"; {how}" if how else ""),
            trader=acct.trader, symbol=pos.symbol, quantity=-pos.size, price=fill_price,
            amount=pnl)
        del acct.positions[pos.symbol]

    # realized PnL of the whole bucket in one movement, so that gains offset losses first
    if net >= 0:
        ex.ledger.transfer(COUNTERPARTIES, place, net, f"liquidation PnL {acct.trader}")
    else:
        paid = ex.ledger.transfer(place, COUNTERPARTIES, min(-net, ex.ledger.balance(place)),
                                  f"liquidation PnL {acct.trader}")
        shortfall = -net - paid
        if shortfall > 0:
            cover_deficit(ex, acct.trader, key, shortfall, "bankrupt liquidation")

    left = ex.ledger.balance(place)
    if left > 0:
        charge_liquidation_fee(ex, acct, place, positions, left)
    if key != CROSS:
        ex.ledger.transfer(place, acct.wallet_place, ex.ledger.balance(place),
                           f"release isolated margin {key}")


def charge_liquidation_fee(ex, acct, place, positions, left: Decimal) -> None:
    """Mark-price venues: fee = min(left, sum Q * P * rate). Bankruptcy-price venues: the whole
    surplus above the bankruptcy price goes to the insurance fund."""
    if ex.rules.liquidation_fill == BANKRUPTCY:
        fee, why = left, "surplus between the liquidation and the bankruptcy price"
    else:
        due = sum((p.quantity * ex.marks[p.symbol] * ex.contract(p.symbol).liquidation_fee
                   for p in positions), ZERO)
        fee, why = min(left, money(due)), "liquidation fee"
    paid = ex.ledger.transfer(place, INSURANCE_FUND, fee, f"{why} {acct.trader}")
    if paid > 0:
        ex.events.append("liquidation fee",
                         f"{acct.trader} pays {usd(paid)} USDT {why} to the insurance fund",
                         trader=acct.trader, amount=-paid)


# --- deficits ----------------------------------------------------------------------------------
def cover_deficit(ex, trader, symbol, due: Decimal, reason: str) -> Decimal:
    """Insurance fund first; then, under socialized loss, the winners; the rest is unrecovered.
    Returns the unrecovered amount."""
    due = money(due)
    fund_pays = min(due, ex.insurance_fund)
    if fund_pays > 0:
        ex.ledger.transfer(INSURANCE_FUND, COUNTERPARTIES, fund_pays, f"cover {reason}")
        ex.events.append(
            "insurance fund",
            f"Insurance fund pays {usd(fund_pays)} USDT so that {trader}'s balance does not go "
            f"below zero ({reason})", trader=trader, symbol=symbol, amount=-fund_pays)
    rest = due - fund_pays
    if rest > 0 and ex.rules.loss_sharing == SOCIALIZE:
        rest -= socialize(ex, rest, exclude=trader)
    if rest > 0:
        ex.events.append(
            "unrecovered loss",
            f"{usd(rest)} USDT of {trader}'s loss could not be recovered: the counterparties "
            f"absorb it", trader=trader, symbol=symbol, amount=rest)
    return rest


def _winners(ex, exclude):
    for acct in ex.sorted_accounts():
        if acct.trader == exclude:
            continue
        for pos in list(acct.positions.values()):
            upnl = pos.unrealized_pnl(ex.marks[pos.symbol])
            if upnl > 0:
                yield acct, pos, upnl


def socialize(ex, loss: Decimal, exclude: str) -> Decimal:
    """Take ``loss`` from every profitable position pro rata to its uPnL (capped at it and at
    its bucket's balance). Returns what was collected."""
    winners, room = [], {}  # cross positions of one account share one wallet: cap them jointly
    for a, p, u in _winners(ex, exclude):
        place = a.bucket_place(p.symbol)
        cap = min(u, room.setdefault(place, ex.ledger.balance(place)))
        room[place] -= cap
        winners.append((a, p, cap))
    weights = sum((u for _, _, u in winners), ZERO)
    if weights <= 0:
        return ZERO
    target = min(loss, weights)
    shares = [(target * cap / weights).quantize(MONEY_STEP, rounding=ROUND_DOWN)
              for _, _, cap in winners]
    residue = target - sum(shares, ZERO)  # a few minor units from rounding down
    for i, (_, _, cap) in enumerate(winners):
        extra = min(residue, cap - shares[i])
        shares[i] += extra
        residue -= extra
    collected = ZERO
    for (acct, pos, _), share in zip(winners, shares, strict=True):
        if share <= 0:
            continue
        collected += ex.ledger.transfer(acct.bucket_place(pos.symbol), COUNTERPARTIES, share,
                                        f"socialized loss {pos.symbol}")
        ex.events.append(
            "socialized loss",
            f"{acct.trader} gives up {usd(share)} USDT of {pos.symbol} profit to cover a "
            f"bankrupt trader's loss (shared pro rata among winners)",
            trader=acct.trader, symbol=pos.symbol, amount=-share)
    return collected


def deleverage_opposite(ex, bankrupt_acct, bankrupt_pos, bp: Decimal) -> Decimal:
    """Close opposite-side profitable positions at ``bp``, best-ranked first, until the bankrupt
    quantity is matched. Returns the quantity matched."""
    symbol, mark = bankrupt_pos.symbol, ex.marks[bankrupt_pos.symbol]
    candidates = []
    for acct in ex.sorted_accounts():
        pos = acct.positions.get(symbol)
        if acct is bankrupt_acct or pos is None or pos.sign == bankrupt_pos.sign:
            continue
        bucket = acct.positions_in_bucket(symbol)
        collateral = ex.ledger.balance(acct.bucket_place(symbol))
        risk = bucket_risk(collateral, bucket, ex.marks, ex.contracts, ex.rules)
        candidates.append(AdlCandidate(acct.trader, pos, mark, collateral, risk))
    matched = ZERO
    for rank, cand in enumerate(adl_queue(candidates, ex.rules.adl_ranking), start=1):
        if matched >= bankrupt_pos.quantity:
            break
        take = min(bankrupt_pos.quantity - matched, cand.position.quantity)
        ex.account(cand.trader).deleverage(symbol, take, bp, rank)
        matched += take
    return matched


