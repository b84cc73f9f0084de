"""A trader's account: a cross wallet, isolated margins, and its positions.

In one-way mode (the default) an account holds at most one position per symbol; in hedge mode
(``position_mode="hedge"``) a LONG and a SHORT leg per symbol, each a position of its own, keyed
``"<symbol>:LONG"`` / ``"<symbol>:SHORT"`` in :attr:`Account.positions` (see
:mod:`.position`). Orders then name their leg: ``buy(s, q, position_side="LONG")`` opens or adds
to the long leg, ``sell(s, q, position_side="LONG")`` reduces it, and the reverse for SHORT
(Binance USDⓈ-M "Position Mode"; Bybit and OKX hedge mode work the same way).

Balances (all in USDT)::

    wallet balance     = the cross pool (deposits +/- realized PnL, fees, funding)
    isolated margin    = what backs one isolated position, ring-fenced from everything else
    margin balance     = wallet balance + uPnL of the cross positions       (cross equity)
    available balance  = max(0, wallet balance + min(0, cross uPnL) - cross initial margin)
    margin ratio       = cross maintenance margin / margin balance          (100 % liquidates)

A cross position is backed by the whole wallet: its loss can take the wallet and, with it,
every other cross position. An isolated position can lose its isolated margin and nothing more.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from . import numbers, orders
from .errors import (
    InsufficientMarginError,
    MarginModeError,
    NoPositionError,
    PositionModeError,
    ReduceTooLargeError,
    WouldLiquidateError,
)
from .events import qty, usd
from .formulas import (
    solve_bankruptcy_price,
    solve_legs_bankruptcy_price,
    solve_legs_liquidation_price,
    solve_liquidation_price,
)
from .numbers import ZERO, amount, exact
from .position import (
    BOTH,
    CROSS,
    HEDGE,
    ISOLATED,
    ONE_WAY,
    Position,
    check_position_mode,
    check_position_side,
    position_key,
)
from .risk import Risk, bucket_risk, maintenance_margin

MODES = orders.MODES


def _f(x) -> float:
    """Decimal -> float for display, with -0.0 shown as 0.0."""
    return float(x) + 0.0


class Account:
    """Open with :meth:`Exchange.open_account`; trade with :meth:`buy`, :meth:`sell`,
    :meth:`close`; manage isolated margin with :meth:`add_margin` and :meth:`remove_margin`.
    ``positions`` maps each position's key (its symbol, or "<symbol>:<LEG>" in hedge mode) to it.
    """

    @exact
    def __init__(self, exchange, trader: str, mode: str = CROSS, leverage=10,
                 position_mode: str = ONE_WAY):
        if not isinstance(mode, str) or mode not in MODES:
            raise MarginModeError(f"margin mode must be 'cross' or 'isolated', got {mode!r}")
        self.exchange = exchange
        self.trader = trader
        self.mode = mode
        self.leverage = numbers.leverage(leverage)
        self._position_mode = check_position_mode(position_mode)
        self.positions: dict[str, Position] = {}

    @property
    def position_mode(self) -> str:
        """``"one_way"`` (one position per symbol) or ``"hedge"`` (a LONG and a SHORT leg)."""
        return self._position_mode

    @position_mode.setter
    def position_mode(self, value) -> None:
        new = check_position_mode(value)
        if new != self._position_mode and self.positions:
            raise PositionModeError(
                f"{self.trader} has {len(self.positions)} open position(s): close them all "
                f"before switching to {new} mode (Binance refuses the switch too)")
        self._position_mode = new

    def _side(self, position_side) -> str:
        """The position side an order or question names (see :func:`check_position_side`)."""
        return check_position_side(self._position_mode, position_side)

    def legs(self, symbol: str) -> list[Position]:
        """The open positions of ``symbol``: its one position (one-way) or its legs (hedge)."""
        return [p for _, p in sorted(self.positions.items()) if p.symbol == symbol]

    def __repr__(self) -> str:
        return (f"<Account {self.trader}: wallet {usd(self.wallet_balance)} USDT, "
                f"{len(self.positions)} position(s)>")

    # --- places in the ledger ----------------------------------------------------------------
    @property
    def wallet_place(self) -> str:
        return f"{self.trader}:wallet"

    def isolated_place(self, key: str) -> str:
        """``"<trader>:isolated:<key>"``, key the symbol or, in hedge mode, "<symbol>:<LEG>"."""
        return f"{self.trader}:isolated:{key}"

    def bucket_place(self, key: str) -> str:
        """Where the collateral of the position ``key`` (its symbol in one-way mode) lives."""
        pos = self.positions.get(key)
        if pos is not None and pos.mode == ISOLATED:
            return self.isolated_place(key)
        return self.wallet_place

    # --- balances ------------------------------------------------------------------------------
    @property
    def _ledger(self):
        return self.exchange.ledger

    @property
    def wallet_balance(self) -> Decimal:
        return self._ledger.balance(self.wallet_place)

    def isolated_margin(self, symbol: str, position_side=None) -> Decimal:
        """The isolated margin of ``symbol``'s position (hedge mode: of its ``position_side``)."""
        return self._margin(position_key(symbol, self._side(position_side)))

    def _margin(self, key: str) -> Decimal:
        return self._ledger.balance(self.isolated_place(key))

    @property
    @exact
    def total_balance(self) -> Decimal:
        """Wallet balance + every isolated margin: all the money the trader has here."""
        return self.wallet_balance + sum(
            (self._margin(p.key) for p in self.isolated_positions), ZERO)

    @property
    def cross_positions(self) -> list[Position]:
        return [p for _, p in sorted(self.positions.items()) if p.mode == CROSS]

    @property
    def isolated_positions(self) -> list[Position]:
        return [p for _, p in sorted(self.positions.items()) if p.mode == ISOLATED]

    def _marks(self):
        return self.exchange.marks

    def _contracts(self):
        return self.exchange.contracts

    @exact
    def cross_risk(self) -> Risk:
        """Risk of the cross bucket: wallet balance backing every cross position."""
        return bucket_risk(self.wallet_balance, self.cross_positions, self._marks(),
                           self._contracts(), self.exchange.rules)

    @exact
    def isolated_risk(self, symbol: str, position_side=None) -> Risk:
        """Risk of one isolated position, backed by its isolated margin only."""
        pos = self.position(symbol, position_side)
        if pos.mode != ISOLATED:
            raise MarginModeError(f"{pos.key} is a cross position: it has no isolated bucket")
        return self._isolated_risk(pos)

    def _isolated_risk(self, pos: Position) -> Risk:
        return bucket_risk(self._margin(pos.key), [pos], self._marks(), self._contracts(),
                           self.exchange.rules)

    @exact
    def buckets(self) -> dict[str, Risk]:
        """``{"cross": risk, "isolated:ETH-PERP": risk, ...}``: the cross bucket and one bucket
        per isolated position (see :meth:`bucket_key`; a hedge leg "isolated:ETH-PERP:LONG")."""
        out = {CROSS: self.cross_risk()}
        for p in self.isolated_positions:
            out[self.bucket_key(p.key)] = self._isolated_risk(p)
        return out

    def bucket_key(self, key: str) -> str:
        """``"cross"`` for a cross position, ``"isolated:<key>"`` for an isolated one (key: the
        symbol, or "<symbol>:<LEG>" in hedge mode), so that no symbol (not even one named
        "cross") can be mistaken for another bucket."""
        pos = self.positions.get(key) if isinstance(key, str) else None
        if pos is None:
            pos = self.position(key)  # raises the learner's error: unknown symbol, no position
        return CROSS if pos.mode == CROSS else f"{ISOLATED}:{key}"

    def bucket_positions(self, key: str) -> list[Position]:
        """The positions of bucket ``key``, by position key."""
        if key == CROSS:
            return self.cross_positions
        return [self.positions[key.removeprefix(f"{ISOLATED}:")]]

    def bucket_collateral_place(self, key: str) -> str:
        """The ledger place holding bucket ``key``'s collateral."""
        return self.wallet_place if key == CROSS else \
            self.isolated_place(key.removeprefix(f"{ISOLATED}:"))

    @property
    @exact
    def margin_balance(self) -> Decimal:
        """Wallet balance + cross uPnL."""
        return self.cross_risk().equity

    @property
    @exact
    def equity(self) -> Decimal:
        """Everything: wallet balance + isolated margins + uPnL of every position."""
        return sum((r.equity for r in self.buckets().values()), ZERO)

    @property
    @exact
    def unrealized_pnl(self) -> Decimal:
        marks = self._marks()
        return sum((p.unrealized_pnl(marks[p.symbol]) for p in self.positions.values()), ZERO)

    @property
    @exact
    def available_balance(self) -> Decimal:
        """max(0, wallet + min(0, cross uPnL) - cross initial requirement): what can open more."""
        return max(ZERO, self.cross_risk().available)

    @property
    @exact
    def margin_ratio(self) -> Decimal:
        """Cross maintenance margin / margin balance (0 with no cross position)."""
        return self.cross_risk().margin_ratio

    # --- one position ---------------------------------------------------------------------------
    def position(self, symbol: str, position_side=None) -> Position:
        """The open position of ``symbol`` (hedge mode: its ``position_side`` leg)."""
        self.exchange.contract(symbol)
        key = position_key(symbol, self._side(position_side))
        try:
            return self.positions[key]
        except KeyError:
            leg = "" if key == symbol else f" {key.rsplit(':', 1)[1]} leg"
            raise NoPositionError(f"{self.trader} has no open {symbol}{leg} position") from None

    def _named(self, symbol: str, position_side) -> list[Position]:
        """The position named, or in hedge mode with no side named every leg of ``symbol``."""
        if self._position_mode == HEDGE and position_side is None:
            self.exchange.contract(symbol)
            if not (legs := self.legs(symbol)):
                raise NoPositionError(f"{self.trader} has no open {symbol} leg")
            return legs
        return [self.position(symbol, position_side)]

    @exact
    def maintenance_margin(self, symbol: str, position_side=None) -> Decimal:
        """MM of the position (hedge mode without ``position_side``: the legs' MMs added)."""
        return sum((maintenance_margin(p, self._marks()[symbol], self.exchange.contract(symbol),
                                       self.exchange.rules)
                    for p in self._named(symbol, position_side)), ZERO)

    def _others(self, pos: Position) -> tuple[Decimal, Decimal]:
        """(collateral + uPnL of the other positions in the bucket, their maintenance margin)."""
        if pos.mode == ISOLATED:
            return self._margin(pos.key), ZERO
        return self._cross_without(lambda p: p.key == pos.key)

    def _cross_without(self, leave_out) -> tuple[Decimal, Decimal]:
        """(wallet + uPnL, MM) of the cross positions that ``leave_out(p)`` does not pick."""
        others = [p for p in self.cross_positions if not leave_out(p)]
        r = bucket_risk(self.wallet_balance, others, self._marks(), self._contracts(),
                        self.exchange.rules)
        return r.equity, r.maintenance

    def _cross_legs(self, symbol: str, position_side) -> list[Position] | None:
        """Hedge mode, cross: every leg of ``symbol`` (they liquidate together); else None."""
        legs = self._named(symbol, position_side)
        if self._position_mode == ONE_WAY or legs[0].mode == ISOLATED:
            if len(legs) > 1:
                raise PositionModeError(
                    f"{symbol}'s legs are isolated, each with its own price: name the leg with "
                    f"position_side='LONG' or 'SHORT'")
            return None
        return self.legs(symbol)

    @exact
    def liquidation_price(self, symbol: str, position_side=None) -> Decimal | None:
        """Where this position's bucket reaches margin ratio 100 %, others held at their marks.

        Isolated: from the isolated margin alone. Cross: from the wallet balance plus the other
        cross positions' uPnL minus their maintenance margin (so it moves when they move).
        Hedge mode, cross: the one price of ``symbol`` at which its legs together liquidate the
        cross bucket, Binance's formula with the L and S terms
        (:func:`.formulas.solve_legs_liquidation_price`); an isolated leg: its own price.
        """
        spec, rules = self.exchange.contract(symbol), self.exchange.rules
        legs = self._cross_legs(symbol, position_side)
        if legs is not None:
            backing, tmm1 = self._cross_without(lambda p: p.symbol == symbol)
            return solve_legs_liquidation_price(
                [(p.sign, p.quantity, p.entry_price) for p in legs], backing - tmm1, spec, rules,
                self._marks()[symbol])
        pos = self.position(symbol, position_side)
        backing, other_mm = self._others(pos)
        return solve_liquidation_price(pos.sign, pos.quantity, pos.entry_price, backing - other_mm,
                                       spec, rules)

    @exact
    def bankruptcy_price(self, symbol: str, position_side=None) -> Decimal | None:
        """Where this position's bucket equity is zero: EP - s * backing / Q (hedge mode,
        cross: where the legs of ``symbol`` together take the cross bucket's equity to zero)."""
        legs = self._cross_legs(symbol, position_side)
        if legs is not None:
            backing, _ = self._cross_without(lambda p: p.symbol == symbol)
            return solve_legs_bankruptcy_price(
                [(p.sign, p.quantity, p.entry_price) for p in legs], backing)
        return self._leg_bankruptcy_price(self.position(symbol, position_side))

    def _leg_bankruptcy_price(self, pos: Position) -> Decimal | None:
        """EP - s * backing / Q, backing = the bucket's equity without ``pos`` (the other leg of
        a hedge held at its mark)."""
        backing, _ = self._others(pos)
        return solve_bankruptcy_price(pos.sign, pos.quantity, pos.entry_price, backing)

    # --- money in and out ---------------------------------------------------------------------
    @exact
    def deposit(self, value) -> Decimal:
        v = amount(value, "deposit", allow_zero=False)
        with self.exchange.atomic():
            v = self._ledger.deposit(self.wallet_place, v, f"{self.trader} deposit")
            self.exchange.events.append("deposit", f"{self.trader} deposits {usd(v)} USDT",
                                        trader=self.trader, amount=v)
        return v

    def _within_available(self, v: Decimal, verb: str) -> Decimal:
        if v > self.available_balance:
            raise InsufficientMarginError(
                f"{self.trader} can {verb} at most {usd(self.available_balance)} USDT "
                f"(available balance); asked for {usd(v)}"
            )
        return v

    @exact
    def withdraw(self, value) -> Decimal:
        v = self._within_available(amount(value, "withdrawal", allow_zero=False), "withdraw")
        with self.exchange.atomic():
            v = self._ledger.withdraw(self.wallet_place, v, f"{self.trader} withdrawal")
            orders.refuse_if_liquidatable(self, None)  # entry-basis MM can exceed IM at the mark
            self.exchange.events.append("withdrawal", f"{self.trader} withdraws {usd(v)} USDT",
                                        trader=self.trader, amount=-v)
        return v

    # --- trading -------------------------------------------------------------------------------
    @exact
    def buy(self, symbol: str, quantity, price=None, leverage=None, mode=None, maker=False,
            position_side=None):
        """Buy ``quantity`` (opens or adds to a long, reduces or flips a short).

        ``price`` defaults to the mark; ``leverage`` and ``mode`` to the account's defaults for
        a new position (an open position keeps its own). Returns the realized PnL. Hedge mode:
        ``position_side="LONG"`` opens or adds to the long leg, ``"SHORT"`` reduces the short
        leg (never past zero).
        """
        return orders.trade(self, symbol, +1, quantity, price, leverage, mode, maker,
                            position_side)

    @exact
    def sell(self, symbol: str, quantity, price=None, leverage=None, mode=None, maker=False,
             position_side=None):
        """Sell ``quantity`` (opens or adds to a short, reduces or flips a long). Hedge mode:
        ``position_side="SHORT"`` opens or adds to the short leg, ``"LONG"`` reduces the long."""
        return orders.trade(self, symbol, -1, quantity, price, leverage, mode, maker,
                            position_side)

    @exact
    def close(self, symbol: str, quantity=None, price=None, maker=False,
              position_side=None) -> Decimal:
        """Close ``quantity`` of the position (all of it by default); never flips. Hedge mode:
        ``position_side`` names the leg."""
        pos = self.position(symbol, position_side)
        spec = self.exchange.contract(symbol)
        q = pos.quantity if quantity is None else spec.check_quantity(quantity)
        if q > pos.quantity:
            raise ReduceTooLargeError(
                f"cannot close {qty(q)} {spec.base}: the {symbol} {pos.side} is only "
                f"{qty(pos.quantity)} {spec.base}"
            )
        return orders.trade(self, symbol, -pos.sign, q, price, None, None, maker,
                            position_side)

    @exact
    def deleverage(self, key: str, take: Decimal, at_price: Decimal, rank: int) -> Decimal:
        """Auto-deleveraging: close ``take`` of position ``key`` (its symbol in one-way mode) at
        ``at_price`` (the bankrupt trader's bankruptcy price), without fee. Returns the realized
        PnL."""
        pos = self.positions[key]
        symbol = pos.symbol
        new, realized, closed = pos.apply_fill(-pos.sign * take, at_price)
        orders.settle_close(self, pos, new, closed, realized, at_price, ZERO)
        self.exchange.events.append(
            "adl",
            f"{self.trader}'s {symbol} {pos.side} auto-deleveraged: {qty(take)} closed at the "
            f"bankruptcy price {usd(at_price)} (#{rank} in the ADL queue), realizing "
            f"{usd(realized)} USDT", trader=self.trader, symbol=symbol, quantity=-pos.sign * take,
            price=at_price, amount=realized)
        return realized

    def positions_in_bucket(self, key: str) -> list[Position]:
        """The positions sharing collateral with position ``key``: all cross ones, or just it."""
        return self.bucket_positions(self.bucket_key(key))

    # --- isolated margin -----------------------------------------------------------------------
    def _isolated(self, symbol: str, position_side=None) -> Position:
        pos = self.position(symbol, position_side)
        if pos.mode != ISOLATED:
            raise MarginModeError(
                f"{pos.key} is a cross position: the whole wallet already backs it, so there is "
                f"no isolated margin to add or remove"
            )
        return pos

    @exact
    def add_margin(self, symbol: str, value, position_side=None) -> Decimal:
        """Move ``value`` USDT from the wallet into an isolated position's margin (pushes its
        liquidation price away). Hedge mode: ``position_side`` names the leg."""
        key = self._isolated(symbol, position_side).key
        v = self._within_available(amount(value, "margin to add", allow_zero=False), "add")
        with self.exchange.atomic():
            v = self._ledger.transfer(self.wallet_place, self.isolated_place(key), v,
                                      f"add margin {key}")
            orders.refuse_if_liquidatable(self, key)  # the wallet gave it: cross must stay safe
            self.exchange.events.append(
                "margin", f"{self.trader} adds {usd(v)} USDT margin to isolated {key}",
                trader=self.trader, symbol=symbol, amount=v)
        return v

    @exact
    def max_removable_margin(self, symbol: str, position_side=None) -> Decimal:
        """isolated margin + min(0, uPnL) - initial requirement at the mark (not below zero)."""
        return max(ZERO, self._isolated_risk(self._isolated(symbol, position_side)).available)

    @exact
    def remove_margin(self, symbol: str, value, position_side=None) -> Decimal:
        """Move ``value`` USDT from an isolated position back to the wallet, down to its initial
        margin at most; refused if it would trigger liquidation."""
        pos = self._isolated(symbol, position_side)
        key = pos.key
        v = amount(value, "margin to remove", allow_zero=False)
        most = max(ZERO, self._isolated_risk(pos).available)
        if v > most:
            mark = self._marks()[symbol]
            after = bucket_risk(self._margin(key) - v, [pos], {symbol: mark},
                                self._contracts(), self.exchange.rules)
            cls = WouldLiquidateError if after.is_liquidatable else InsufficientMarginError
            raise cls(
                f"cannot remove {usd(v)} USDT from isolated {key}: at most "
                f"{usd(most)} USDT can go before the position "
                f"falls below its initial margin"
                + (" (this much would liquidate it at once)" if after.is_liquidatable else "")
            )
        with self.exchange.atomic():
            v = self._ledger.transfer(self.isolated_place(key), self.wallet_place, v,
                                      f"remove margin {key}")
            orders.refuse_if_liquidatable(self, key)  # entry-basis MM can exceed IM at the mark
            self.exchange.events.append(
                "margin", f"{self.trader} removes {usd(v)} USDT margin from isolated {key}",
                trader=self.trader, symbol=symbol, amount=-v)
        return v

    # --- views ---------------------------------------------------------------------------------
    @exact
    def to_frame(self) -> pd.DataFrame:
        """One row per open position (hedge mode: per leg, "<symbol>:<LEG>"), numbers as floats
        for display."""
        rows = []
        marks = self._marks()
        for key, pos in sorted(self.positions.items()):
            mark, side = marks[pos.symbol], None if pos.position_side == BOTH else pos.position_side
            liq = self.liquidation_price(pos.symbol, side)
            bkr = self.bankruptcy_price(pos.symbol, side)
            rows.append({
                "symbol": key, "mode": pos.mode, "side": pos.side,
                "quantity": _f(pos.quantity), "entry price": _f(pos.entry_price),
                "mark price": _f(mark), "notional": _f(pos.notional(mark)),
                "leverage": _f(pos.leverage),
                "unrealized PnL": _f(pos.unrealized_pnl(mark)),
                "ROI %": _f(pos.roi(mark) * 100),
                "initial margin": _f(pos.initial_margin(mark)),
                "maintenance margin": _f(self.maintenance_margin(pos.symbol, side)),
                "isolated margin": _f(self._margin(key))
                if pos.mode == ISOLATED else float("nan"),
                "liquidation price": _f(liq) if liq is not None else float("nan"),
                "bankruptcy price": _f(bkr) if bkr is not None else float("nan"),
            })
        return pd.DataFrame(rows).set_index("symbol") if rows else pd.DataFrame(
            columns=["symbol"]).set_index("symbol")

    @exact
    def summary(self) -> dict:
        cross = self.cross_risk()
        return {
            "trader": self.trader,
            "wallet balance": _f(self.wallet_balance),
            "isolated margin": _f(self.total_balance - self.wallet_balance),
            "unrealized PnL": _f(self.unrealized_pnl),
            "margin balance": _f(cross.equity),
            "available balance": _f(self.available_balance),
            "cross maintenance margin": _f(cross.maintenance),
            "margin ratio %": _f(cross.margin_ratio * 100),
            "equity": _f(self.equity),
            "positions": len(self.positions),
        }

    def _repr_html_(self) -> str:
        s = self.summary()
        ratio = s["margin ratio %"]
        ratio_txt = "∞" if ratio == float("inf") else f"{ratio:.2f} %"
        head = (f"<b>{self.trader}</b> &middot; wallet {usd(s['wallet balance'])} &middot; "
                f"margin balance {usd(s['margin balance'])} &middot; available "
                f"{usd(s['available balance'])} &middot; margin ratio {ratio_txt} &middot; "
                f"equity {usd(s['equity'])} USDT")
        if not self.positions:
            return f"<div>{head}<br><i>no open positions</i></div>"
        table = self.to_frame().to_html(float_format=lambda x: f"{x:,.2f}", na_rep="–")
        return f"<div>{head}</div>{table}"
