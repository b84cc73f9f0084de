"""Loss sharing: who pays the part of a bankrupt bucket's deficit the insurance fund could not.

:func:`marginlab.engine.liquidation.cover_deficit` calls the venue's rule
(``VenueRules.loss_sharing``) with the shortfall S; the rule moves money into the bankrupt
bucket's place and returns what it collected; the rest stays an unrecovered loss of the
counterparties. The bankrupt trader never pays, and no bucket ever gives more than it is worth
(its balance, and its equity when that is lower), so sharing a loss never makes another trader
bankrupt (it may leave one liquidatable: the next liquidation round closes it). The shares are
the rulebook's (:func:`marginlab.engine.rulebook.capped_rate`): the same rate for every payer,
a payer whose cap binds giving its cap and the others covering the rest.

* ``adl`` is not here: the ADL queue is closed at bankruptcy prices during the liquidation.
* ``socialize`` (:func:`socialize`): every bucket with positions in profit, pro rata to that
  unrealized profit, at most min(profit, worth) (Deribit: "losses socialized among winning
  traders").
* ``socialize_open_interest`` (:func:`socialize_open_interest`, Drift v2): each unit of open
  interest of the bankrupt position's market, long or short, pays |S| / (|base_long| +
  |base_short|).
* ``clawback`` (:func:`clawback`, OKX-style, and old BitMEX / OKEx): every trader with a net
  profit (realized + unrealized) gives the same percentage of it.

Every payment is one ledger transfer and one "socialized loss" event in plain English.
"""

from __future__ import annotations

from decimal import Decimal

from . import rulebook
from .events import qty, usd
from .money import MONEY_STEP, floor_to
from .numbers import ZERO, exact
from .risk import maintenance_margin
from .rules import CLAWBACK, SOCIALIZE, SOCIALIZE_OPEN_INTEREST

KIND = "socialized loss"
REALIZED_KINDS = ("fill", "adl", "liquidation", "funding", "fee", "liquidation fee", KIND)
"""Events whose ``amount`` is a realized gain (> 0) or loss (< 0) of the trader named."""


@exact
def pro_rata_capped(total: Decimal, weights, caps) -> list[Decimal]:
    """Split ``total`` pro rata to ``weights``, no one paying more than its cap: what a capped
    payer cannot pay is passed on to the others, pro rata again (:func:`rulebook.capped_shares`).
    Shares are rounded down to the settlement unit and the few units left go, one each, to the
    first payers with room, so that they add up to min(total, sum of the caps) exactly.

    >>> [str(s) for s in pro_rata_capped(Decimal(200), [Decimal(560), Decimal(140)],
    ...                                  [Decimal(300), Decimal(140)])]
    ['160.00000000', '40.00000000']
    """
    caps = [floor_to(max(c, ZERO), MONEY_STEP) if w > 0 else ZERO
            for w, c in zip(weights, caps, strict=True)]
    target = min(floor_to(total, MONEY_STEP), sum(caps, ZERO))
    shares = [floor_to(s, MONEY_STEP) for s in rulebook.capped_shares(target, weights, caps)]
    residue = target - sum(shares, ZERO)
    while residue > 0:
        for i in range(len(shares)):
            if residue > 0 and shares[i] < caps[i]:
                shares[i] += MONEY_STEP
                residue -= MONEY_STEP
    return shares


def worth(acct, key: str, ex) -> Decimal:
    """What bucket ``key`` may give at most: ``max(0, min(balance, equity))``."""
    balance = ex.ledger.balance(acct.bucket_collateral_place(key))
    return max(ZERO, min(balance, acct.buckets()[key].equity))


def equity_left(acct, key: str) -> Decimal:
    """What bucket ``key`` may give when the charge reaches unrealized profit too, as a funding
    payment does: ``max(0, equity)``, equity = balance + uPnL of the bucket's positions."""
    return max(ZERO, acct.buckets()[key].equity)


def _pay(ex, acct, source: str, into: str, share: Decimal, message: str, symbol=None,
         overdraft: bool = False):
    paid = ex.ledger.transfer(source, into, share, f"socialized loss {acct.trader}",
                              overdraft=overdraft)
    ex.events.append(KIND, message, trader=acct.trader, symbol=symbol, amount=-paid)
    return paid


# --- pro rata to unrealized profit ------------------------------------------------------------
def socialize(ex, loss: Decimal, exclude: str, into: str, markets=None) -> Decimal:
    """Take ``loss`` from every bucket holding positions in profit, pro rata to that profit and
    capped at min(profit, what the bucket is worth), into ``into``. ``markets`` is not used: every
    market's winners pay. Returns what was collected."""
    payers = []  # (account, bucket place, symbols, profit, cap)
    for acct in ex.sorted_accounts():
        if acct.trader == exclude:
            continue
        for key in acct.buckets():
            winners = [(p.symbol, p.unrealized_pnl(ex.marks[p.symbol]))
                       for p in acct.bucket_positions(key)]
            profit = sum((u for _, u in winners if u > 0), ZERO)
            if profit > 0:
                payers.append((acct, acct.bucket_collateral_place(key),
                               [s for s, u in winners if u > 0], profit,
                               min(profit, worth(acct, key, ex))))
    shares = pro_rata_capped(loss, [p[3] for p in payers], [p[4] for p in payers])
    collected = ZERO
    for (acct, place, symbols, _, _), share in zip(payers, shares, strict=True):
        if share > 0:
            collected += _pay(
                ex, acct, place, into, share,
                f"{acct.trader} gives up {usd(share)} USDT of {', '.join(symbols)} profit to "
                f"cover a bankrupt trader's loss (shared pro rata to profit, capped at what it "
                f"holds)", symbols[0] if len(symbols) == 1 else None)
    return collected


# --- over open interest (Drift) -----------------------------------------------------------------
def market_weights(ex, positions=(), symbol=None) -> dict:
    """``{symbol: weight}``: how a bankrupt bucket's loss is split among markets. The closed
    ``positions`` weigh by maintenance margin (the engine's rule for a deficit,
    :data:`marginlab.engine.liquidation.DEFICIT_RULE`); else the one ``symbol``; else every
    market with open interest, by its notional at the mark."""
    weights: dict = {}
    if positions:  # a hedge's two legs of one market add up
        for p in positions:
            weights[p.symbol] = weights.get(p.symbol, ZERO) + maintenance_margin(
                p, ex.marks[p.symbol], ex.contract(p.symbol), ex.rules)
        return weights
    if symbol is not None:
        return {symbol: Decimal(1)}
    for acct in ex.sorted_accounts():
        for p in acct.positions.values():
            weights[p.symbol] = weights.get(p.symbol, ZERO) + p.notional(ex.marks[p.symbol])
    return weights


def socialize_open_interest(ex, loss: Decimal, exclude: str, into: str,
                            markets=None) -> Decimal:
    """Spread ``loss`` over all open interest of the bankrupt position's market, longs and shorts
    alike: each unit of base pays ``|loss| / (|base_long| + |base_short|)``
    (:func:`rulebook.loss_per_unit`), the bankrupt trader's own positions (closed) excluded.

    Drift protocol-v2, ``controller/liquidation.rs`` ``resolve_perp_bankruptcy``: the loss the
    insurance fund and the market's fee pool leave is socialized by raising the cumulative
    funding rate of longs and lowering that of shorts by this amount per unit of base
    (``math/liquidation.rs`` ``calculate_funding_rate_deltas_to_resolve_bankruptcy``). Like a
    funding payment, the charge reaches unrealized profit: a bucket pays out of its equity, its
    wallet standing below zero while its positions' profit backs it. marginlab moves the money at
    once, does not draw on its fee pool, and caps each bucket at its equity
    (:func:`equity_left`; Drift has no cap: a holder whose share exceeds its equity becomes
    bankrupt in turn), passing the rest on to the others
    (:func:`rulebook.open_interest_shares`); what nobody in the market can pay is unrecovered.
    A cross bucket's loss is first split among its markets (``markets``,
    :func:`market_weights`). Returns what was collected.
    """
    markets = markets or market_weights(ex)
    names = sorted(markets)
    weights = [markets[s] for s in names]
    if not any(w > 0 for w in weights):
        weights = [Decimal(1)] * len(names)
    parts = pro_rata_capped(loss, weights, [loss] * len(names))
    return sum((_socialize_market(ex, part, exclude, into, symbol)
                for symbol, part in zip(names, parts, strict=True) if part > 0), ZERO)


def _socialize_market(ex, loss: Decimal, exclude: str, into: str, symbol: str) -> Decimal:
    legs = [(a, p) for a in ex.sorted_accounts() if a.trader != exclude for p in a.legs(symbol)]
    holders = [a for a, _ in legs]  # a hedge account holds each of its legs
    keys = [a.bucket_key(p.key) for a, p in legs]
    bases = [p.quantity for _, p in legs]
    caps = [equity_left(a, k) for a, k in zip(holders, keys, strict=True)]
    rate = rulebook.capped_rate(loss, bases, caps)
    base = ex.contract(symbol).base
    collected = ZERO
    for (acct, pos), key, q, cap, share in zip(legs, keys, bases, caps,
                                               pro_rata_capped(loss, bases, caps), strict=True):
        if share <= 0:
            continue
        capped = f"; capped at its {pos.mode} equity" if cap < rate * q else ""
        collected += _pay(
            ex, acct, acct.bucket_collateral_place(key), into, share,
            f"{acct.trader}'s {symbol} {pos.side} ({qty(q)} {base}) gives up {usd(share)} USDT, "
            f"{_amount(share / q)} USDT per {base} of open interest, to cover a bankrupt "
            f"trader's loss (spread over all open interest, longs and shorts alike, "
            f"Drift-style){capped}", symbol, overdraft=True)
    return collected


# --- clawback in equal percentage of net profit (OKX) ------------------------------------------
def net_profits(ex) -> dict:
    """``{trader: net profit}``: realized PnL since the account opened (fills, liquidations,
    ADL, funding, fees, and earlier loss sharing, read from the event log) plus the unrealized
    profit of the positions in profit (a position at a loss counts 0)."""
    profit = {t: ZERO for t in ex.accounts}
    for e in ex.events:
        if e.kind in REALIZED_KINDS and e.trader in profit and e.amount is not None:
            profit[e.trader] += e.amount
    for acct in ex.sorted_accounts():
        profit[acct.trader] += sum((max(ZERO, p.unrealized_pnl(ex.marks[p.symbol]))
                                    for p in acct.positions.values()), ZERO)
    return profit


def clawback(ex, loss: Decimal, exclude: str, into: str, markets=None) -> Decimal:
    """Take ``loss`` in **equal percentage of profit** from every trader with a net profit
    (:func:`net_profits`, realized + unrealized), each giving at most its profit and what its
    buckets are worth (:func:`worth`; the cross wallet first, then isolated margins by symbol);
    a capped trader's rest is passed on to the others, by the same percentage
    (:func:`rulebook.profit_shares`). ``markets`` is not used: every market's winners pay.

    OKX / OKEx (support page on clawback, 2018): "Only users who have a net profit across all
    three contracts for that week will be subject to the clawback. We will take a portion of the
    profit in equal percentage from all profited traders"; old BitMEX the same. Those venues
    claw back once a period (at the weekly settlement) from the period's profit; this is a model
    of that periodic clawback, applied at each bankruptcy to the profit since the account opened
    (earlier clawbacks already deducted). Returns what was collected.
    """
    profits = net_profits(ex)
    payers = [a for a in ex.sorted_accounts() if a.trader != exclude and profits[a.trader] > 0]
    nets = [floor_to(profits[a.trader], MONEY_STEP) for a in payers]
    holds = [sum((worth(a, k, ex) for k in a.buckets()), ZERO) for a in payers]
    caps = [min(n, h) for n, h in zip(nets, holds, strict=True)]
    rate = rulebook.capped_rate(loss, nets, caps)
    collected = ZERO
    for acct, net, held, share in zip(payers, nets, holds, pro_rata_capped(loss, nets, caps),
                                      strict=True):
        if share > 0:
            capped = f"; that is all {acct.trader}'s account holds" if held < rate * net else ""
            message = (f"{acct.trader} gives up {usd(share)} USDT, {_percent(share / net)} % of "
                       f"{acct.trader}'s {usd(net)} USDT net profit, to cover a bankrupt "
                       f"trader's loss (clawback in equal percentage of profit, OKX-style)"
                       f"{capped}")
            collected += _take_from_buckets(ex, acct, into, share, message)
    return collected


def _take_from_buckets(ex, acct, into: str, share: Decimal, message: str) -> Decimal:
    """``share`` out of the account's buckets, the cross wallet first; one event."""
    paid = ZERO
    for key in acct.buckets():  # "cross" first, then "isolated:<symbol>" by symbol
        take = min(share - paid, worth(acct, key, ex))
        if take > 0:
            paid += ex.ledger.transfer(acct.bucket_collateral_place(key), into, take,
                                       f"socialized loss {acct.trader}")
    ex.events.append(KIND, message, trader=acct.trader, amount=-paid)
    return paid


def _amount(x: Decimal) -> str:
    """Two decimals, or two significant digits under one cent (0.0042 -> '0.0042')."""
    return usd(x) if x >= Decimal("0.01") else f"{float(x):.2g}"


def _percent(fraction: Decimal) -> str:
    """0.032 -> '3.2'; a share under 1 % keeps two significant digits (0.00042 -> '0.042')."""
    pct = float(fraction) * 100
    return f"{pct:.1f}" if pct >= 1 else f"{pct:.2g}"


SHARERS = {SOCIALIZE: socialize, SOCIALIZE_OPEN_INTEREST: socialize_open_interest,
           CLAWBACK: clawback}
"""``VenueRules.loss_sharing`` -> the rule that shares a shortfall (``adl`` acts earlier)."""
