"""Orders: how a buy, a sell or a close fills an account's position.

A fill runs in four stages (:func:`trade`): read the order (quantity, price, leg), check it
(hedge-mode legs, margin mode and leverage, no close past the bankruptcy price, the tiers),
move the money (realized PnL and the fee through the position's own bucket, :func:`settle_close`;
the order cost out of the available balance, :func:`pay_for_open`), then refuse a fill that would
leave its bucket liquidatable and run the liquidations the new balances call for. Every step runs
inside ``exchange.atomic()``: a refused order changes nothing.

    order cost  = Q P / L + Q P f_open (+ Q P f_close where the venue reserves it)
    fee         = Q P f (taker or maker rate), paid to the fee pool
"""

from __future__ import annotations

from decimal import Decimal

from . import numbers, rulebook
from .errors import (
    InsufficientMarginError,
    InvalidLeverageError,
    InvalidQuantityError,
    MarginModeError,
    NoPositionError,
    WouldLiquidateError,
)
from .events import qty, usd
from .money import FEE_POOL, money
from .numbers import ZERO
from .position import BOTH, CROSS, ISOLATED, LEG_SIGN, Position, position_key
from .risk import closing_fee_rate

MODES = (CROSS, ISOLATED)  # the margin modes an order may name


def trade(acct, symbol, direction, quantity, at_price, leverage, mode, maker,
           position_side=None) -> Decimal:
    """A fill in four stages: read the order, check it, move the money, then liquidate
    whatever the new marks and balances call for."""
    ex = acct.exchange
    spec = ex.contract(symbol)
    q = spec.check_quantity(quantity)
    p = ex.mark(symbol) if at_price is None else spec.check_price(at_price, "trade price")
    side = acct._side(position_side)
    key = position_key(symbol, side)
    pos = acct.positions.get(key)
    check_leg_order(acct, spec, side, direction, q, pos)
    mode, lev = mode_and_leverage(acct, symbol, pos, mode, leverage, q * p)
    check_leg_mode(acct, symbol, side, mode)
    if pos is None:
        new, realized, closed = Position(symbol, direction * q, p, lev, mode, side), ZERO, ZERO
    else:
        new, realized, closed = pos.apply_fill(direction * q, p)
        refuse_past_bankruptcy(acct, pos, p, closed)
    opened = q - closed
    if opened > 0:  # the side that opens is checked against the tiers at its new size
        lev = spec.check_leverage(lev, new.quantity * p)
        new = Position(symbol, new.size, new.entry_price, lev, mode, side)
    fee_rate = spec.maker_fee if maker else spec.taker_fee
    with ex.atomic():
        first_mark = symbol not in ex.marks
        ex.marks.setdefault(symbol, p)
        ex.events.append("fill", describe_fill(acct, spec, pos, new, direction, q, p, mode,
                                                     realized, closed),
                         trader=acct.trader, symbol=symbol, quantity=direction * q,
                         price=p, amount=realized)
        if closed > 0:
            settle_close(acct, pos, new, closed, realized, p, fee_rate)
        if opened > 0:
            pay_for_open(acct, new, opened, p, fee_rate)
            acct.positions[key] = new
        refuse_if_liquidatable(acct, key if new is not None else None)
        # a fill moves no mark (but a symbol's first) and no other account's money, and the
        # buckets it touched (and the cross pool) were just checked: only a first mark can
        # leave some bucket of the exchange liquidatable
        if first_mark:
            ex.run_liquidations()
    return realized


def check_leg_order(acct, spec, side: str, direction: int, q: Decimal, pos) -> None:
    """Hedge mode: an order against its leg's side reduces that leg and may not exceed it
    (a leg never flips; Binance's hedge-mode order rules)."""
    if side == BOTH or direction == LEG_SIGN[side]:
        return
    verb, other = ("sell", "SHORT") if side == "LONG" else ("buy", "LONG")
    if pos is None:
        raise NoPositionError(
            f"{acct.trader} has no open {spec.symbol} {side} leg to reduce; to open a "
            f"{other.lower()} leg, {verb} with position_side={other!r}")
    if q > pos.quantity:
        raise InvalidQuantityError(
            f"cannot {verb} {qty(q)} {spec.base} against the {spec.symbol} {side} leg: it is "
            f"only {qty(pos.quantity)} {spec.base}, and a hedge-mode leg never flips (to "
            f"open the other side, {verb} with position_side={other!r})")

def check_leg_mode(acct, symbol: str, side: str, mode: str) -> None:
    """Hedge mode: both legs of a symbol share one margin mode (Binance sets it per
    symbol)."""
    if side == BOTH:
        return
    other = acct.positions.get(position_key(symbol, "SHORT" if side == "LONG" else "LONG"))
    if other is not None and other.mode != mode:
        raise MarginModeError(
            f"the open {other.key} leg is {other.mode}: both legs of {symbol} use one "
            f"margin mode; trade the {side} leg in {other.mode} mode")

def mode_and_leverage(acct, symbol, pos, mode, leverage, notional):
    """The margin mode and leverage of the fill: an open position keeps its own."""
    if mode is not None and mode not in MODES:
        raise MarginModeError(f"margin mode must be 'cross' or 'isolated', got {mode!r}")
    lev = None if leverage is None else numbers.leverage(leverage)
    if pos is None:
        spec = acct.exchange.contract(symbol)
        return mode or acct.mode, lev if lev is not None else min(
            acct.leverage, spec.max_leverage(notional))
    if mode is not None and mode != pos.mode:
        raise MarginModeError(
            f"the open {symbol} position is {pos.mode}; close it before trading {symbol} "
            f"in {mode} mode"
        )
    if lev is not None and lev != pos.leverage:
        raise InvalidLeverageError(
            f"the open {symbol} position uses {pos.leverage:g}x; close it to change leverage"
        )
    return pos.mode, pos.leverage

def refuse_past_bankruptcy(acct, pos: Position, p: Decimal, closed: Decimal) -> None:
    """A venue's order check: an order that reduces a position may not fill past the
    position's bankruptcy price (where everything backing it is lost), or the loss would
    fall on others."""
    if closed == 0:
        return
    bp = acct._leg_bankruptcy_price(pos)
    if bp is not None and pos.sign * (p - bp) < 0:
        side = "sell" if pos.sign > 0 else "buy"
        where = "below" if pos.sign > 0 else "above"
        raise WouldLiquidateError(
            f"refused: a {side} at {usd(p)} is {where} the {pos.key} {pos.side}'s "
            f"bankruptcy price {usd(bp)}; the loss would exceed everything backing the "
            f"position ({pos.mode} margin)"
        )

def describe_fill(acct, spec, pos, new, direction, q, p, mode, realized, closed) -> str:
    verb = "buys" if direction > 0 else "sells"
    lev = (new or pos).leverage  # new is None only when pos is not
    what = f"{acct.trader} {verb} {qty(q)} {spec.base} of {spec.symbol} at {usd(p)} " \
           f"({mode}, {lev:g}x)"
    if (new or pos).position_side != BOTH:
        what += f", {(new or pos).position_side} leg"
    if closed > 0:
        what += f", realizing {usd(realized)} USDT"
    if new is None:
        what += "; position closed"
    return what

def settle_close(acct, pos: Position, new, closed, realized, p, fee_rate):
    """Realized PnL and the closing fee go through the position's own bucket (paid out of
    its equity); an isolated bucket then gives back the margin of the part closed."""
    place = acct.bucket_place(pos.key)
    acct.exchange.settle_pnl(place, realized, f"realized PnL {pos.key}")
    flat = new is None or new.sign != pos.sign
    if flat:
        acct.positions.pop(pos.key, None)  # flat before any new side is paid for
    else:
        acct.positions[pos.key] = new
    equity = bucket_equity(acct, pos)
    pay_fee(acct, place, min(money(rulebook.notional_fee(closed, p, fee_rate)),
                             max(ZERO, equity)), pos.symbol)
    if pos.mode == ISOLATED:
        left = acct.exchange.ledger.balance(place)
        release = left if flat else left * closed / pos.quantity
        acct.exchange.ledger.transfer(place, acct.wallet_place, max(ZERO, release),
                              f"release isolated margin {pos.key}")

def bucket_equity(acct, pos: Position) -> Decimal:
    """Equity of the bucket that backed ``pos`` (which may be closed by now)."""
    if pos.mode == CROSS:
        return acct.cross_risk().equity
    if pos.key in acct.positions:
        return acct._isolated_risk(acct.positions[pos.key]).equity
    return acct._margin(pos.key)

def pay_for_open(acct, new: Position, opened, p, fee_rate):
    """The order cost (initial margin Q*P/L + the fee to open + the fee to close where the
    venue reserves it) must fit in the available balance; an isolated position's margin
    (initial margin + fee to close) moves into its own place."""
    spec = acct.exchange.contract(new.symbol)
    cost = money(rulebook.order_cost(opened, p, new.leverage, fee_rate,
                                     closing_fee_rate(spec, acct.exchange.rules)))
    fee = money(rulebook.notional_fee(opened, p, fee_rate))
    im = cost - fee  # rounded as one amount, so that the exact available balance suffices
    if not acct.cross_risk().is_initial_collateralized(cost):  # the wallet pays
        raise InsufficientMarginError(
            f"{acct.trader} needs {usd(im)} USDT margin + {usd(fee)} fee to open "
            f"{qty(opened)} {new.symbol} at {new.leverage:g}x, but the available balance "
            f"is {usd(acct.available_balance)} USDT"
        )
    pay_fee(acct, acct.wallet_place, fee, new.symbol)
    if new.mode == ISOLATED:
        acct.exchange.ledger.transfer(acct.wallet_place, acct.isolated_place(new.key), im,
                              f"isolated margin {new.key}")

def pay_fee(acct, place, fee, symbol):
    paid = acct.exchange.ledger.transfer(place, FEE_POOL, fee, f"trading fee {symbol}",
                                 overdraft=True)
    if paid > 0:
        acct.exchange.events.append(
            "fee", f"{acct.trader} pays {usd(paid)} USDT trading fee on {symbol}",
            trader=acct.trader, symbol=symbol, amount=-paid)

def refuse_if_liquidatable(acct, key):
    """After a user action the touched bucket (position ``key``) must stay above
    maintenance margin."""
    pos = acct.positions.get(key) if key else None
    checks = [(acct.cross_risk(), "cross margin")]
    if pos is not None and pos.mode == ISOLATED:
        checks.append((acct._isolated_risk(pos), f"isolated {key} position"))
    for risk, where in checks:
        if risk.is_liquidatable:
            raise WouldLiquidateError(
                f"refused: this would leave {acct.trader}'s {where} with equity "
                f"{usd(risk.equity)} USDT at or below its maintenance margin "
                f"{usd(risk.maintenance)} USDT, an immediate liquidation"
            )
