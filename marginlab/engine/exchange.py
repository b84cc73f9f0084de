"""The exchange: listed contracts, mark prices, accounts, the ledger and the event log.

Money has four kinds of home, all places of one :class:`~marginlab.money.Ledger`:

* each trader's **wallet** (``"alice:wallet"``, the cross pool) and **isolated margins**
  (``"alice:isolated:ETH-PERP"``, one ring-fenced place per isolated position);
* the **fee pool** (trading fees), the **insurance fund** (liquidation fees and surpluses, pays
  bankrupt deficits), the **backstop vault** (Hyperliquid's liquidator vault: the collateral of
  the buckets it takes over) and the **liquidators** (Drift's liquidator fee);
* **counterparties**: the rest of the market, on the other side of every trade. It pays the
  traders' profits and receives their losses; it is the only place that may go negative.

Next to each mark the exchange keeps the symbol's index (spot) price, ``ex.index``, and the
premium samples since its last funding (:mod:`.premium`): margin and liquidation use the mark,
funding with no rate given is paid at the rate the premium sets.

Every action is atomic: if it raises, the exchange is restored exactly as it was.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pandas as pd

from . import book, numbers, premium, rulebook
from .account import Account
from .contracts import DEFAULT_CONTRACTS, ContractSpec
from .errors import (
    ConfigurationError,
    InvalidPriceError,
    InvalidTraderError,
    UnknownSymbolError,
    UnknownTraderError,
)
from .events import EventLog, usd
from .money import BACKSTOP_VAULT, COUNTERPARTIES, FEE_POOL, INSURANCE_FUND, LIQUIDATORS, Ledger
from .numbers import amount, exact, price
from .rules import BINANCE, VenueRules, venue_rules
from .unwinding import run_liquidations as _run_liquidations


class Exchange:
    """A venue listing linear perpetuals, holding accounts and applying its rules.

    >>> ex = Exchange(marks={"ETH-PERP": 2000}, insurance_fund=10_000)
    >>> alice = ex.open_account("alice", deposit=1_000)

    ``book_depth`` (``{symbol: USD}``, default None): liquidation closes in those symbols fill
    through a linear order book of that depth instead of at the mark (:mod:`.book`).
    """

    @exact
    def __init__(self, contracts=None, rules: VenueRules | str = BINANCE, insurance_fund=0,
                 marks=None, book_depth=None):
        self.contracts: dict[str, ContractSpec] = _listing(contracts)
        self.book_depth: dict[str, Decimal] = book.read_depths(
            book_depth, lambda s: self.contract(s).symbol)
        self.rules = venue_rules(rules)
        self.ledger = Ledger()
        self.events = EventLog()
        self.marks: dict[str, Decimal] = {}
        self.accounts: dict = {}
        self.step = 0  # price steps so far: one per set_marks call
        self.partial_steps: dict[tuple[str, str], int] = {}  # (trader, bucket): last partial step
        self._atomic_depth = 0  # atomic blocks open, one inside the other
        fund = amount(insurance_fund, "insurance fund")
        for symbol, p in _pairs({} if marks is None else marks, "marks"):
            self.marks[self.contract(symbol).symbol] = price(p, f"{symbol} mark price")
        self.index: dict[str, Decimal] = dict(self.marks)  # the spot price; follows the mark
        self.premiums: dict[str, list] = {}  # premium samples since each symbol's last funding
        if fund:
            self.ledger.deposit(INSURANCE_FUND, fund, "insurance fund seed")
            self.events.append("deposit", f"Insurance fund seeded with {usd(fund)} USDT",
                               amount=fund)

    # --- look-ups ----------------------------------------------------------------------------
    def contract(self, symbol: str) -> ContractSpec:
        try:
            return self.contracts[symbol]
        except (KeyError, TypeError):
            listed = ", ".join(sorted(self.contracts))
            raise UnknownSymbolError(
                f"{symbol!r} is not listed on this exchange; listed: {listed}"
            ) from None

    def mark(self, symbol: str) -> Decimal:
        self.contract(symbol)
        if symbol not in self.marks:
            raise InvalidPriceError(
                f"{symbol} has no mark price yet: call set_mark({symbol!r}, price) first"
            )
        return self.marks[symbol]

    def account(self, trader: str):
        if not isinstance(trader, str):
            raise InvalidTraderError(f"a trader name is a text such as 'alice', got {trader!r}")
        try:
            return self.accounts[trader]
        except KeyError:
            raise UnknownTraderError(
                f"no account for {trader!r}; open one with open_account({trader!r}, deposit=...)"
            ) from None

    @property
    def time(self):
        return self.events.time

    @time.setter
    def time(self, value):
        self.events.time = value

    @property
    def insurance_fund(self) -> Decimal:
        return self.ledger.balance(INSURANCE_FUND)

    @property
    def fee_pool(self) -> Decimal:
        return self.ledger.balance(FEE_POOL)

    @property
    def counterparties(self) -> Decimal:
        return self.ledger.balance(COUNTERPARTIES)

    @property
    def backstop_vault(self) -> Decimal:
        return self.ledger.balance(BACKSTOP_VAULT)

    @property
    def liquidators(self) -> Decimal:
        return self.ledger.balance(LIQUIDATORS)

    # --- accounts ------------------------------------------------------------------------------
    @exact
    def open_account(self, trader: str, deposit=0, mode: str = "cross", leverage=10,
                     position_mode: str = "one_way"):
        """Open an account for ``trader``, credit ``deposit`` USDT to its wallet.

        ``mode`` and ``leverage`` are the defaults for new positions of this account;
        ``position_mode`` is ``"one_way"`` (one position per symbol) or ``"hedge"`` (a LONG and
        a SHORT leg per symbol, see :class:`~.account.Account`).
        """
        if not isinstance(trader, str) or not trader.strip() or ":" in trader:
            raise InvalidTraderError(f"a trader name must be a non-empty text without ':', "
                                     f"got {trader!r}")
        if trader in self.accounts:
            raise InvalidTraderError(f"{trader!r} already has an account on this exchange")
        with self.atomic():
            acct = Account(self, trader, mode=mode, leverage=leverage,
                           position_mode=position_mode)
            self.accounts[trader] = acct
            if amount(deposit, "deposit") > 0:
                acct.deposit(deposit)
        return acct

    # --- market data -------------------------------------------------------------------------
    @exact
    def set_book_depth(self, symbol: str, depth) -> None:
        """Give ``symbol`` a linear order book of ``depth`` USD per 1 % move, through which its
        liquidation closes fill (:mod:`.book`); None takes the book away (fills at the mark).
        Runs no liquidation: the depth changes no margin ratio."""
        symbol = self.contract(symbol).symbol
        d = book.read_depth(symbol, depth)
        if d is None:
            self.book_depth.pop(symbol, None)
        else:
            self.book_depth[symbol] = d

    @exact
    def set_mark(self, symbol: str, mark, time=None, index=None) -> list:
        """Move the mark price (and the index, if given), then liquidate every bucket whose
        margin ratio reached 100 %. Returns the liquidation events this move caused.
        """
        symbol = self.contract(symbol).symbol
        return self.set_marks({symbol: mark}, time=time,
                              index=None if index is None else {symbol: index})

    @exact
    def set_marks(self, marks: dict, time=None, index=None) -> list:
        """Move several marks at once (one instant, one *price step*: :attr:`step` counts them),
        then run liquidations. ``index`` (a dict) moves those symbols' index prices too; an index
        not given follows its mark. Each move records one premium sample (M - I) / I for
        funding."""
        with self.atomic():
            self.step += 1
            new = {self.contract(s).symbol: price(p, f"{s} mark price")
                   for s, p in _pairs(marks, "set_marks")}
            spot = premium.read_index(new, index, lambda s: self.contract(s).symbol)
            if time is not None:
                self.time = time
            for symbol, p in new.items():
                old = self.marks.get(symbol)
                self.marks[symbol], self.index[symbol] = p, spot[symbol]
                self.premiums.setdefault(symbol, []).append(rulebook.premium(p, spot[symbol]))
                was = f" (was {usd(old)})" if old is not None else ""
                was += f", index {usd(spot[symbol])}" if spot[symbol] != p else ""
                self.events.append("mark", f"{symbol} mark price {usd(p)}{was}",
                                   symbol=symbol, price=p)
            return self.run_liquidations()

    @exact
    def apply_funding(self, symbol: str, rate=None) -> list:
        """Funding payment = size * mark * rate: longs pay shorts when the rate is positive.

        With ``rate`` None the rate is the contract's rule applied to the premium samples since
        the symbol's last funding (:func:`.premium.rate_from_premium`); a "funding rate" event
        says the rate and where it came from. Either way the samples start afresh.

        Payments go between each position's bucket (wallet or isolated margin) and the
        counterparties. A bucket pays in full out of its equity (its balance may dip below zero
        while the positions' profit backs it); a bucket whose equity falls to its maintenance
        margin is liquidated right after, and only a bankrupt one costs anyone else anything.
        """
        spec = self.contract(symbol)
        r, note = (None, "") if rate is None else (numbers.rate(rate, "funding rate"), "(given)")
        mark = self.mark(spec.symbol)
        if r is None:
            r, note = premium.rate_from_premium(spec, self.premiums.get(spec.symbol, []), mark,
                                                self.index.get(spec.symbol, mark))
        with self.atomic():
            self.premiums[spec.symbol] = []
            self.events.append("funding rate", f"{symbol} funding rate {float(r) * 100:.4f}% "
                               f"{note}", symbol=symbol)
            for acct, pos in [(a, p) for a in self.sorted_accounts() for p in a.legs(symbol)]:
                payment = rulebook.funding_payment(pos.size, mark, r)  # > 0: the position pays
                verb = "pays" if payment > 0 else "receives"
                self.ledger.transfer(acct.bucket_place(pos.key), COUNTERPARTIES, payment,
                                     f"funding {symbol}", overdraft=True)
                self.events.append(
                    "funding", f"{acct.trader} {verb} {usd(abs(payment))} USDT funding on "
                    f"{symbol} {pos.side} (rate {float(r) * 100:.4f}%)",
                    trader=acct.trader, symbol=symbol, amount=-payment)
            return self.run_liquidations()

    @exact
    def run_liquidations(self) -> list:
        return _run_liquidations(self)

    def sorted_accounts(self):
        return [self.accounts[t] for t in sorted(self.accounts)]

    # --- moving money --------------------------------------------------------------------------
    @exact
    def settle_pnl(self, place: str, pnl: Decimal, reason: str) -> Decimal:
        """Realized PnL moves between ``place`` (a trader's bucket) and the counterparties. A
        loss is paid in full out of the bucket's equity (see :meth:`Ledger.transfer`)."""
        return self.ledger.transfer(COUNTERPARTIES, place, pnl, reason, overdraft=True)

    # --- atomicity -----------------------------------------------------------------------------
    @contextmanager
    def atomic(self):
        """Run a block; if it raises, put the whole exchange back as it was.

        A block opened inside another takes no snapshot of its own: nothing in the engine
        catches an error inside a block, so the error reaches the outermost block, which puts
        back everything, the inner block's changes included."""
        if self._atomic_depth:
            self._atomic_depth += 1
            try:
                yield
            finally:
                self._atomic_depth -= 1
            return
        state = (
            self.ledger.snapshot(), dict(self.marks), len(self.events), self.events.time,
            {t: dict(a.positions) for t, a in self.accounts.items()}, dict(self.accounts),
            dict(self.index), {s: list(v) for s, v in self.premiums.items()},
            self.step, dict(self.partial_steps),
        )
        self._atomic_depth = 1
        try:
            yield
        except BaseException:
            (ledger, marks, n_events, time, positions, accounts, self.index, self.premiums,
             step, partial) = state
            self.ledger.restore(ledger)
            self.marks = marks
            self.events.truncate(n_events)
            self.events.time = time
            self.accounts = accounts
            self.step, self.partial_steps = step, partial
            for t, a in accounts.items():
                a.positions = positions[t]
            raise
        finally:
            self._atomic_depth = 0

    # --- views -------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per account: balances, equity, margin ratio."""
        rows = [a.summary() for a in self.sorted_accounts()]
        return pd.DataFrame(rows).set_index("trader") if rows else pd.DataFrame()

    def places(self) -> pd.Series:
        """Every place of the ledger with its balance, and the total (= money deposited)."""
        s = pd.Series({k: float(v) for k, v in sorted(self.ledger.balances.items())},
                      name="USDT", dtype=float)
        return s

    def __repr__(self) -> str:
        marks = ", ".join(f"{s} {usd(p)}" for s, p in sorted(self.marks.items()))
        books = "".join(f"; {s} book {usd(d)} USD per 1 %" for s, d in
                        sorted(self.book_depth.items()))
        return (f"<Exchange: {self.rules.name} rules, {len(self.accounts)} account(s), insurance "
                f"fund {usd(self.insurance_fund)} USDT; marks {marks}{books}>")

    def _repr_html_(self) -> str:
        head = (f"<b>{self.rules.name} rules</b> &middot; insurance fund "
                f"{usd(self.insurance_fund)} USDT &middot; fee pool {usd(self.fee_pool)} USDT")
        marks = ", ".join(f"{s} {usd(p)}" for s, p in sorted(self.marks.items()))
        table = self.to_frame().to_html(float_format=lambda x: f"{x:,.2f}")
        return f"<div>{head}<br>marks: {marks}</div>{table}"


# --- reading the constructor's arguments -------------------------------------------------------
def _listing(contracts) -> dict:
    """``{symbol: spec}`` from None (the default listing), one spec, a list or a dict of specs."""
    if contracts is None:
        return dict(DEFAULT_CONTRACTS)
    if isinstance(contracts, ContractSpec):
        contracts = [contracts]
    items = list(contracts.values()) if isinstance(contracts, dict) else contracts
    try:
        specs = list(items)
    except TypeError:
        specs = [None]
    if not specs or not all(isinstance(c, ContractSpec) for c in specs):
        raise ConfigurationError(
            "contracts must be a ContractSpec, or a list or dict of them (e.g. "
            f"[ml.ETH_PERP, ml.BTC_PERP]); got {contracts!r}")
    return {c.symbol: c for c in specs}


def _pairs(marks, what: str):
    """The (symbol, price) pairs of a dict of marks."""
    if not hasattr(marks, "items"):
        raise InvalidPriceError(
            f"{what} takes a dict {{symbol: price}}, e.g. {{'ETH-PERP': 2000}}; got {marks!r}")
    return list(marks.items())
