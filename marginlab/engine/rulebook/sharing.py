"""Loss sharing: who pays a deficit the insurance fund could not."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..numbers import ZERO


# A shortfall S is shared among payers i, each with a weight w_i >= 0 (its profit, or its open
# interest) and a cap c_i >= 0 (what it may give at most). All pay the same rate r per unit of
# weight, except those whose cap is below r * w_i, who pay their cap; r is the smallest rate at
# which the payers cover S, or every cap when the caps together fall short:
#
#     share_i = min(r * w_i, c_i),     sum_i share_i = min(S, sum of c_i over w_i > 0)
#
# So what a capped payer cannot pay is passed on to the others, by the same rule.
def capped_rate(total, weights, caps):
    """r: the common rate per unit of weight at which ``sum min(r * w_i, c_i)`` reaches
    ``min(total, sum c_i)`` (payers with w_i = 0 take no part); 0 when there is nothing to share.

    Sorting the payers by t_i = c_i / w_i (the rate at which each reaches its cap), the sum paid
    at rate t_k is ``sum_{j<k} c_j + t_k * sum_{j>=k} w_j``: r lies in the first interval where
    that reaches the target, ``r = (target - sum_{j<k} c_j) / sum_{j>=k} w_j``. Decimals give the
    exact rate (lists of Decimals in), floats or numpy arrays the float64 one.

    >>> capped_rate(Decimal(200), [Decimal(560), Decimal(140)], [Decimal(100), Decimal(140)])
    Decimal('0.7142857142857142857142857143')
    """
    if isinstance(total, Decimal):
        return _capped_rate_exact(total, weights, caps)
    w = np.asarray(weights, dtype=float)
    c = np.maximum(np.asarray(caps, dtype=float), 0.0)[w > 0]
    w = w[w > 0]
    order = np.argsort(c / w, kind="stable")
    t, w, c = (c / w)[order], w[order], c[order]
    target = min(float(total), float(c.sum()))
    if target <= 0:
        return 0.0
    paid_before = np.concatenate(([0.0], np.cumsum(c)[:-1]))
    open_weight = np.cumsum(w[::-1])[::-1]
    k = int(np.searchsorted(paid_before + t * open_weight, target))
    return float(t[-1]) if k == len(t) else float((target - paid_before[k]) / open_weight[k])


def _capped_rate_exact(total: Decimal, weights, caps) -> Decimal:
    payers = sorted((max(c, ZERO) / w, w, max(c, ZERO))
                    for w, c in zip(weights, caps, strict=True) if w > 0)
    target = min(total, sum((c for _, _, c in payers), ZERO))
    if target <= 0:
        return ZERO
    paid, open_weight = ZERO, sum((w for _, w, _ in payers), ZERO)
    for t, w, c in payers:
        if paid + t * open_weight >= target:
            return (target - paid) / open_weight
        paid, open_weight = paid + c, open_weight - w
    return payers[-1][0]


def capped_shares(total, weights, caps):
    """``[min(r * w_i, c_i)]`` with r = :func:`capped_rate` (0 for a payer of weight 0): the
    shares before rounding to the settlement unit (a list for Decimals, an array for floats)."""
    rate = capped_rate(total, weights, caps)
    if isinstance(total, Decimal):
        return [min(rate * w, max(c, ZERO)) if w > 0 else ZERO
                for w, c in zip(weights, caps, strict=True)]
    w = np.asarray(weights, dtype=float)
    return np.where(w > 0, np.minimum(rate * w, np.maximum(np.asarray(caps, dtype=float), 0)), 0)


def profit_shares(shortfall, profits, holdings):
    """A shortfall taken in **equal percentage of profit**: share_i = min(r * p_i, p_i, h_i)
    with p_i = max(profit_i, 0) and h_i = max(held_i, 0), r the same percentage for every payer
    whom neither cap binds (:func:`capped_rate`); nobody gives more than its profit or than it
    holds, and nobody without profit gives anything.

    Two venue rules are this one formula with a different profit: the socialized loss of
    Deribit-style venues (profit = unrealized profit of the positions, pro rata being the same as
    equal percentage) and the OKX / OKEx clawback (profit = net profit, realized + unrealized:
    "we will take a portion of the profit in equal percentage from all profited traders", OKEx
    support page on clawback, 2018). A 200 USDT shortfall on profits 560 and 140 takes
    200 / 700 = 28.57 % of each: 160 and 40.
    """
    if isinstance(shortfall, Decimal):
        p = [max(x, ZERO) for x in profits]
        caps = [min(a, max(b, ZERO)) for a, b in zip(p, holdings, strict=True)]
    else:
        p = np.maximum(np.asarray(profits, dtype=float), 0.0)
        caps = np.minimum(p, np.maximum(np.asarray(holdings, dtype=float), 0.0))
    return capped_shares(shortfall, p, caps)


def loss_per_unit(loss, base_long, base_short):
    """|loss| / (|base_long| + |base_short|): what each unit of open interest of a market, long
    or short alike, pays towards a bankrupt position's loss in that market (Drift protocol-v2,
    ``math/liquidation.rs`` ``calculate_funding_rate_deltas_to_resolve_bankruptcy``: the loss the
    insurance fund and fee pool leave is resolved by bumping the cumulative funding rate of longs
    up and of shorts down by this amount per unit of base, in ``resolve_perp_bankruptcy``)."""
    return abs(loss) / (abs(base_long) + abs(base_short))


def open_interest_shares(loss, bases, holdings):
    """Drift's socialized loss over **open interest**, with caps: share_i = min(r * |b_i|, h_i),
    b_i the base amount (signed size) of payer i in the bankrupt position's market, h_i what it
    may give (its bucket's worth); r = :func:`loss_per_unit` when no cap binds, otherwise the
    rate at which the uncapped payers cover what the capped ones could not (:func:`capped_rate`).

    Drift itself caps nothing: the funding bump lands in every position's unsettled PnL, which
    may go below zero and bankrupt it in turn. A 300 USDT loss over 4 BTC long and 2 BTC short
    (the bankrupt's own position closed) is 300 / 6 = 50 USDT per BTC: 200 and 100.
    """
    if isinstance(loss, Decimal):
        return capped_shares(abs(loss), [abs(b) for b in bases], holdings)
    return capped_shares(abs(loss), np.abs(np.asarray(bases, dtype=float)), holdings)
