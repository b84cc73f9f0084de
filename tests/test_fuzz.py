"""A hostile learner: any exception that is not a specific MarginLabError is a bug.

A hypothesis state machine drives one exchange the way a careless (or curious) learner would:
it opens accounts, deposits, withdraws, trades with and without a price, closes, adds and removes
isolated margin, moves marks, pays funding and looks accounts up, passing every number as an int,
float, text (also "1,000"), Decimal, Fraction, numpy scalar or 0-d array, and often something
that is not a valid number at all: NaN, infinities, zero, negatives, huge and tiny values,
True/False, None, lists, wrong symbols and trader names.

After every call:

* the call either worked or raised a *specific* subclass of ``MarginLabError`` (the bare base
  class is a failure too), and a refused call changed nothing;
* money is conserved: ``ledger.total() == ledger.deposited``, and no place but the
  counterparties is below zero.

``tools/fuzz.py`` runs the same machine for as many actions as asked and lists what it finds.
"""

from __future__ import annotations

import traceback
from collections import Counter
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import marginlab as ml
from marginlab.engine.errors import MarginLabError
from marginlab.engine.money import floor_to

D = Decimal
ETH, BTC, SOL = "ETH-PERP", "BTC-PERP", "SOL-PERP"
SYMBOLS = (ETH, BTC, SOL)
START = {ETH: D(2000), BTC: D(50_000), SOL: D(100)}
PACKAGE = str(Path(ml.__file__).parent)
UNIT = D("0.00000001")  # the smallest amount of money

# --- values ------------------------------------------------------------------------------------


def _plain_int(d: Decimal):
    return int(d) if d == d.to_integral_value() else str(d)


# a sensible number (a Decimal worked out from the exchange's state) is passed as one of these
CONVERTERS = (
    lambda d: d,
    str,
    lambda d: f"{d:,}",  # "1,234.5"
    float,
    _plain_int,
    Fraction,
    lambda d: np.float64(float(d)),
    lambda d: np.float32(float(d)),  # often not exactly d: then off the tick or lot
    lambda d: np.int64(d) if d == d.to_integral_value() and abs(d) < 2**62 else np.float64(d),
    lambda d: np.array(float(d)),
)

# ... or as one of these, which are not (valid) numbers
WEIRD = st.one_of(
    st.sampled_from([
        float("nan"), float("inf"), -float("inf"), 0, -1, "-1", 0.0, -0.0, D("-0"),
        10**20, 10**400, "1e400", 1e21, 1e308, D("9" * 40), -10**18,
        1e-9, 5e-324, "1e-400", D("1e-30"), Fraction(1, 3), "0.000000001",
        True, False, np.True_, np.bool_(False), None, [], [1], (1, 2), {"a": 1}, {1},
        "", " ", "abc", "10x", "5%", "1,0", "1__0", "NaN", "Infinity", "sNaN", D("NaN"),
        D("sNaN"), 1j, np.array([1.0, 2.0]), np.array([]), np.datetime64("2020-01-01"),
        b"10", object(), Decimal, float,
    ]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.text(max_size=6),
)

WEIRD_SYMBOL = st.sampled_from(["DOGE-PERP", "eth-perp", "", None, 5, ["ETH-PERP"], ("BTC",),
                                "ETH-PERP ", "cross", np.str_("ETH-PERP"), b"ETH-PERP"])
SYMBOL = st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(SYMBOLS), WEIRD_SYMBOL)
KEY_SYMBOL = st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(["DOGE-PERP", "", None, 5,
                                                                  ("BTC",)]))  # hashable
NAME = st.one_of(st.sampled_from(["t0", "t1", "t2", "t3"]), st.sampled_from(["t0", "t1"]),
                 st.sampled_from(["", "a:b", "cross", "x" * 300, " t0", None, 5, [], ("t0",),
                                  np.str_("t1"), "insurance fund", "fee pool"]))
MODE = st.one_of(st.none(), st.sampled_from(["cross", "isolated"]),
                 st.sampled_from(["portfolio", "", "CROSS", 1, None, ["cross"]]))

# (how, parameter): how = index into CONVERTERS with a parameter worked out from the state, or
# "weird" with the value to pass as it is
def _sensible(parameter):
    return st.tuples(st.integers(0, len(CONVERTERS) - 1), parameter)


def _value(parameter):
    """A number to pass: mostly sensible (in any type), sometimes weird."""
    return st.one_of(_sensible(parameter), _sensible(parameter), _sensible(parameter),
                     st.tuples(st.just("weird"), WEIRD))


LOTS = _value(st.integers(1, 3_000))                  # quantity in lots
TICKS = _value(st.integers(-300, 300) | st.integers(-10**6, 10**6))  # price: mark + ticks
CENTS = _value(st.integers(1, 2_000_000) | st.integers(1, 10**10).map(lambda n: D(n) / 10**6))
LEVERAGE = st.one_of(st.none(), _value(st.integers(1, 150)))
BPS = _value(st.integers(-3_000, 3_000) | st.integers(-9_999, 20_000))  # mark move
PPM = _value(st.integers(-50_000, 50_000))            # funding rate in parts per million
OPTIONAL_PRICE = st.one_of(st.none(), TICKS)
# leverages that divide prices into few decimals make rounding ties (x.xxxxxxxx5) common
ROUND_LEVERAGE = st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 100, 125]) | \
    st.integers(1, 125)


BREAKING = ("money not conserved", "a place below zero", "raw exception changed the exchange",
            "refused action changed the exchange")


class Finding(AssertionError):
    """An exception the learner should never see (or a broken invariant)."""

    def __init__(self, key: tuple, message: str):
        super().__init__(message)
        self.key = key


def _where(exc: BaseException) -> str:
    """The innermost frame inside the marginlab package: 'engine/account.py:_trade'."""
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if f.filename.startswith(PACKAGE)] or frames[-1:]
    if not inside:
        return "?"
    frame = inside[-1]
    where = Path(frame.filename)
    where = where.relative_to(PACKAGE) if frame.filename.startswith(PACKAGE) else where.name
    return f"{where}:{frame.name}"


def snapshot(ex):
    """Everything an action may change."""
    return (dict(ex.ledger.balances), ex.ledger.deposited, len(ex.ledger.transfers),
            dict(ex.marks), len(ex.events), ex.time,
            {t: dict(a.positions) for t, a in ex.accounts.items()}, sorted(ex.accounts))


class EngineFuzz(RuleBasedStateMachine):
    """One exchange and its accounts under a hostile learner (see the module docstring).

    ``KNOWN``: keys of findings to count without failing (``tools/fuzz.py`` fills it as it
    finds them); ``FOUND`` counts every finding; ``ACTIONS`` counts every action run.
    """

    KNOWN: set = set()
    FOUND: Counter = Counter()
    ACTIONS = 0

    def __init__(self):
        super().__init__()
        self.ex = None
        self.dead = False  # after a known finding that broke the exchange: stop this run

    # --- the checks ----------------------------------------------------------------------------
    def finding(self, kind: str, call: str, exc: BaseException | None = None):
        key = (kind, type(exc).__name__ if exc is not None else "", _where(exc) if exc else "")
        type(self).FOUND[key] += 1
        if key in self.KNOWN:
            self.dead = self.dead or kind in BREAKING  # the exchange cannot be trusted now
            return
        detail = f" raised {type(exc).__name__}: {exc}" if exc is not None else ""
        raise Finding(key, f"{kind}: {call}{detail}") from exc

    def attempt(self, call: str, fn, *args, **kwargs):
        """Run one learner action; judge how it ended."""
        type(self).ACTIONS += 1
        if self.dead:
            return None
        before = snapshot(self.ex)
        try:
            return fn(*args, **kwargs)
        except MarginLabError as exc:
            if type(exc) is MarginLabError:
                self.finding("bare MarginLabError", call, exc)
            elif snapshot(self.ex) != before:
                self.finding("refused action changed the exchange", call, exc)
        except Exception as exc:  # noqa: BLE001 - any other exception is what we look for
            self.finding("raw exception", call, exc)
            if snapshot(self.ex) != before:
                self.finding("raw exception changed the exchange", call, exc)
        return None

    def value(self, drawn, sensible):
        """The value to pass: ``sensible(parameter)`` (a Decimal) in the drawn type, or the
        weird value itself."""
        how, parameter = drawn
        if how == "weird":
            return parameter
        return CONVERTERS[how](sensible(parameter))

    def acct(self, i: int):
        accounts = self.ex.sorted_accounts()
        return accounts[i % len(accounts)] if accounts else None

    def listed(self, symbol) -> bool:
        return isinstance(symbol, str) and symbol in self.ex.contracts

    def mark(self, symbol) -> Decimal:
        return self.ex.marks.get(symbol, START[ETH]) if self.listed(symbol) else START[ETH]

    def lot(self, symbol) -> Decimal:
        return self.ex.contract(symbol).lot_size if self.listed(symbol) else D("0.001")

    def tick(self, symbol) -> Decimal:
        return self.ex.contract(symbol).tick_size if self.listed(symbol) else D("0.01")

    # --- the exchange --------------------------------------------------------------------------
    @initialize(rules=st.sampled_from(sorted(ml.PRESETS)),
                fund=st.sampled_from([0, "0.5", 1_000, 1_000_000]),
                deposits=st.lists(st.integers(100, 2_000_000), min_size=2, max_size=3),
                modes=st.lists(st.sampled_from(["cross", "isolated"]), min_size=3, max_size=3),
                odd_listing=st.booleans())
    def open_exchange(self, rules, fund, deposits, modes, odd_listing):
        """Three listed contracts; sometimes also one named like a bucket ("cross") with
        Hyperliquid's one tier and no liquidation fee."""
        contracts = list(ml.DEFAULT_CONTRACTS.values())
        marks = dict(START)
        if odd_listing:
            contracts.append(ml.hyperliquid_perp("cross", 20, tick_size="0.001",
                                                 lot_size="0.1", liquidation_fee=0))
            marks["cross"] = D("12.345")
        self.ex = ml.Exchange(contracts, rules=ml.PRESETS[rules], insurance_fund=fund,
                              marks=marks)
        for i, cents in enumerate(deposits):
            self.ex.open_account(f"t{i}", D(cents) / 100, mode=modes[i])

    @rule(rules=st.one_of(st.sampled_from(sorted(ml.PRESETS)).map(ml.PRESETS.get), WEIRD,
                          st.sampled_from(sorted(ml.PRESETS))),
          fund=st.one_of(CENTS, CENTS), marks=st.one_of(st.just(START), WEIRD,
                                                      st.dictionaries(KEY_SYMBOL, WEIRD,
                                                                      max_size=2)),
          contracts=st.one_of(st.none(), st.just([ml.ETH_PERP]), WEIRD))
    def build_another_exchange(self, rules, fund, marks, contracts):
        """Exchange(...) with odd arguments: an error or an exchange, nothing else."""
        fund = self.value(fund, lambda c: D(c) / 100)
        call = (f"Exchange(rules={rules!r}, insurance_fund={fund!r}, marks={marks!r}, "
                f"contracts={contracts!r})")
        other = self.attempt(call, ml.Exchange, contracts=contracts, rules=rules,
                             insurance_fund=fund, marks=marks)
        if other is None:
            return
        main, self.ex = self.ex, other  # an exchange that was built must work
        try:
            acct = self.attempt(f"{call}.open_account('a', 1_000)", other.open_account, "a",
                                1_000)
            for symbol in sorted(other.contracts)[:1]:
                if acct is not None:
                    self.attempt(f"{call}: a.buy({symbol!r}, lot, price=1_000)", acct.buy,
                                 symbol, other.contract(symbol).lot_size, price=1_000)
                self.attempt(f"{call}: set_mark({symbol!r}, 900)", other.set_mark, symbol, 900)
        finally:
            self.ex = main

    @rule(fields=st.dictionaries(
        st.sampled_from(["name", "mm_basis", "fee_in_mm", "liquidation_fill", "loss_sharing",
                         "adl_ranking", "liquidation_fee"]),
        st.one_of(WEIRD, st.sampled_from(["mark", "entry", "bankruptcy", "adl", "socialize",
                                          "pnl_x_margin_ratio", True, lambda: 0])), max_size=3))
    def build_rules(self, fields):
        self.attempt(f"BINANCE.but(**{fields!r})", ml.BINANCE.but, **fields)

    @rule(name=NAME, deposit=st.one_of(CENTS, st.just(("weird", 0))), mode=MODE,
          leverage=st.one_of(st.just(("weird", 10)), _value(st.integers(1, 150))))
    def open_account(self, name, deposit, mode, leverage):
        deposit = self.value(deposit, lambda c: D(c) / 100)
        leverage = self.value(leverage, D)
        mode = "cross" if mode is None else mode
        self.attempt(f"open_account({name!r}, {deposit!r}, mode={mode!r}, "
                     f"leverage={leverage!r})", self.ex.open_account, name, deposit, mode=mode,
                     leverage=leverage)

    # --- money in and out ------------------------------------------------------------------
    @rule(i=st.integers(0, 5), amount=CENTS)
    def deposit(self, i, amount):
        acct = self.acct(i)
        value = self.value(amount, lambda c: D(c) / 100)
        self.attempt(f"{acct.trader}.deposit({value!r})", acct.deposit, value)

    @rule(i=st.integers(0, 5), amount=CENTS, everything=st.booleans())
    def withdraw(self, i, amount, everything):
        acct = self.acct(i)
        value = self.value(amount, lambda c: acct.available_balance if everything
                           else D(c) / 100)
        self.attempt(f"{acct.trader}.withdraw({value!r})", acct.withdraw, value)

    # --- trading -------------------------------------------------------------------------------
    @rule(i=st.integers(0, 5), buy=st.booleans(), symbol=SYMBOL, lots=LOTS,
          price=OPTIONAL_PRICE, leverage=LEVERAGE, mode=MODE, maker=st.booleans())
    def trade(self, i, buy, symbol, lots, price, leverage, mode, maker):
        acct = self.acct(i)
        q = self.value(lots, lambda n: n * self.lot(symbol))
        p = None if price is None else self.value(
            price, lambda k: max(self.tick(symbol), self.mark(symbol) + k * self.tick(symbol)))
        lev = None if leverage is None else self.value(leverage, D)
        verb = "buy" if buy else "sell"
        self.attempt(f"{acct.trader}.{verb}({symbol!r}, {q!r}, price={p!r}, leverage={lev!r}, "
                     f"mode={mode!r}, maker={maker})", getattr(acct, verb), symbol, q, price=p,
                     leverage=lev, mode=mode, maker=maker)

    @rule(i=st.integers(0, 5), buy=st.booleans(), symbol=SYMBOL,
          leverage=ROUND_LEVERAGE, mode=st.sampled_from(["cross", "isolated"]),
          spare=st.sampled_from([0, 0, 1, 2, 10]))
    def open_everything(self, i, buy, symbol, leverage, mode, spare):
        """Open the largest quantity the available balance pays for at ``leverage``: initial
        margin plus fee, ``Q = available / (P / L + P * taker fee)`` on the lot, minus ``spare``
        lots (0: exactly the available balance, to the last unit)."""
        acct = self.acct(i)
        if not self.listed(symbol):
            return
        spec, mark = self.ex.contract(symbol), self.mark(symbol)
        pos = acct.positions.get(symbol)
        lev = pos.leverage if pos is not None else min(D(leverage), spec.max_leverage())
        mode = pos.mode if pos is not None else mode
        q = floor_to(acct.available_balance / (mark / lev + mark * spec.taker_fee), spec.lot_size)
        q -= spare * spec.lot_size
        if q > 0:
            verb = "buy" if buy else "sell"
            self.attempt(f"{acct.trader}.{verb}({symbol!r}, {q}, leverage={lev}, mode={mode!r})",
                         getattr(acct, verb), symbol, q, leverage=lev, mode=mode)

    @rule(name=st.sampled_from([f"e{n}" for n in range(10)]), buy=st.booleans(),
          symbol=st.sampled_from(SYMBOLS), lots=st.integers(1, 50), leverage=ROUND_LEVERAGE,
          mode=st.sampled_from(["cross", "isolated", "isolated"]),
          rounding=st.sampled_from(["parts - 1", "parts - 1", "parts", ROUND_FLOOR,
                                    ROUND_HALF_EVEN, ROUND_CEILING]),
          ticks=st.integers(-99, 99))
    def open_exactly(self, name, buy, symbol, lots, leverage, mode, rounding, ticks):
        """Move the mark by a few ticks; then a new account whose deposit is exactly what
        ``lots`` cost at the mark (initial margin Q P / L plus fee Q P f, rounded to the unit of
        money in one of several ways) opens them."""
        if not self.listed(symbol) or name in self.ex.accounts:
            return
        spec = self.ex.contract(symbol)
        self.attempt(f"set_mark({symbol!r}, mark + {ticks} ticks)", self.ex.set_mark, symbol,
                     max(spec.tick_size, self.mark(symbol) + ticks * spec.tick_size))
        mark = self.mark(symbol)
        lev = min(D(leverage), spec.max_leverage())
        q = lots * spec.lot_size
        im, fee = q * mark / lev, q * mark * spec.taker_fee
        if rounding.startswith("parts"):  # each part to the unit, as the ledger moves them
            need = sum(x.quantize(UNIT, ROUND_HALF_EVEN) for x in (im, fee))
            need -= UNIT if rounding == "parts - 1" else 0
        else:
            need = (im + fee).quantize(UNIT, rounding)
        acct = self.attempt(f"open_account({name!r}, {need}, mode={mode!r})",
                            self.ex.open_account, name, need, mode=mode)
        if acct is not None:
            verb = "buy" if buy else "sell"
            self.attempt(f"{name}.{verb}({symbol!r}, {q}, leverage={lev})", getattr(acct, verb),
                         symbol, q, leverage=lev)

    @rule(i=st.integers(0, 5), symbol=SYMBOL, part=st.one_of(st.none(), st.integers(1, 100),
                                                             st.tuples(st.just("weird"), WEIRD)),
          price=OPTIONAL_PRICE)
    def close(self, i, symbol, part, price):
        acct = self.acct(i)
        pos = acct.positions.get(symbol) if self.listed(symbol) else None
        if isinstance(part, tuple):
            q = part[1]
        elif part is None or pos is None:
            q = None
        else:
            q = max(self.lot(symbol), floor_to(pos.quantity * part / 100, self.lot(symbol)))
        p = None if price is None else self.value(
            price, lambda k: max(self.tick(symbol), self.mark(symbol) + k * self.tick(symbol)))
        self.attempt(f"{acct.trader}.close({symbol!r}, {q!r}, price={p!r})", acct.close, symbol,
                     q, price=p)

    @rule(i=st.integers(0, 5), symbol=SYMBOL, amount=CENTS, add=st.booleans(),
          everything=st.booleans())
    def move_margin(self, i, symbol, amount, add, everything):
        acct = self.acct(i)
        pos = acct.positions.get(symbol) if self.listed(symbol) else None
        if everything and pos is not None and pos.mode == "isolated":
            most = acct.available_balance if add else acct.max_removable_margin(symbol)
            value = self.value(amount, lambda c: most)  # to the last unit of money
        else:
            value = self.value(amount, lambda c: D(c) / 100)
        verb = "add_margin" if add else "remove_margin"
        self.attempt(f"{acct.trader}.{verb}({symbol!r}, {value!r})", getattr(acct, verb), symbol,
                     value)

    # --- the market ----------------------------------------------------------------------------
    @rule(symbol=SYMBOL, bps=BPS)
    def set_mark(self, symbol, bps):
        value = self.value(bps, lambda b: max(self.tick(symbol), floor_to(
            self.mark(symbol) * (10_000 + b) / 10_000, self.tick(symbol))))
        self.attempt(f"set_mark({symbol!r}, {value!r})", self.ex.set_mark, symbol, value)

    @rule(moves=st.one_of(st.tuples(st.just("moves"), st.dictionaries(KEY_SYMBOL, BPS,
                                                                     max_size=3)),
                          st.tuples(st.just("weird"), WEIRD),
                          st.tuples(st.just("weird"), st.lists(st.tuples(SYMBOL, WEIRD),
                                                               max_size=2))))
    def set_marks(self, moves):
        how, given = moves
        if how == "moves":
            marks = {s: self.value(b, lambda b, s=s: max(self.tick(s), floor_to(
                self.mark(s) * (10_000 + b) / 10_000, self.tick(s)))) for s, b in given.items()}
        else:
            marks = given
        self.attempt(f"set_marks({marks!r})", self.ex.set_marks, marks)

    @rule(symbol=SYMBOL, ppm=PPM)
    def apply_funding(self, symbol, ppm):
        rate = self.value(ppm, lambda n: D(n) / 1_000_000)
        self.attempt(f"apply_funding({symbol!r}, {rate!r})", self.ex.apply_funding, symbol, rate)

    # --- look-ups ------------------------------------------------------------------------------
    @rule(name=NAME, symbol=SYMBOL, what=st.sampled_from([
        "position", "liquidation_price", "bankruptcy_price", "maintenance_margin",
        "isolated_risk", "max_removable_margin", "isolated_margin", "positions_in_bucket",
        "summary", "to_frame", "buckets", "equity", "margin_ratio", "available_balance",
        "_repr_html_", "repr"]))
    def look_up(self, name, symbol, what):
        acct = self.attempt(f"account({name!r})", self.ex.account, name)
        if acct is None:
            return
        if what in ("equity", "margin_ratio", "available_balance"):
            self.attempt(f"{acct.trader}.{what}", getattr, acct, what)
        elif what in ("summary", "to_frame", "buckets", "_repr_html_"):
            self.attempt(f"{acct.trader}.{what}()", getattr(acct, what))
        elif what == "repr":
            self.attempt(f"repr({acct.trader})", repr, acct)
        else:
            self.attempt(f"{acct.trader}.{what}({symbol!r})", getattr(acct, what), symbol)

    @rule(what=st.sampled_from(["to_frame", "places", "_repr_html_", "events", "ledger"]))
    def exchange_views(self, what):
        if what == "events":
            self.attempt("events.to_frame()", self.ex.events.to_frame)
        elif what == "ledger":
            self.attempt("ledger.to_frame()", self.ex.ledger.to_frame)
        else:
            self.attempt(f"exchange.{what}()", getattr(self.ex, what))

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def money_is_conserved(self):
        if self.ex is None or self.dead:
            return
        ledger = self.ex.ledger
        if ledger.total() != ledger.deposited:
            self.finding("money not conserved", f"total {ledger.total()} != deposited "
                         f"{ledger.deposited}")

    @invariant()
    def only_backed_buckets_go_below_zero(self):
        """Only the counterparties, and a trader's bucket whose open positions back it (its
        equity stays positive), may hold less than zero."""
        if self.ex is None or self.dead:
            return
        backed = {}
        for acct in self.ex.accounts.values():
            for key, risk in acct.buckets().items():
                if acct.bucket_positions(key):
                    backed[acct.bucket_collateral_place(key)] = risk.equity
        for place, balance in self.ex.ledger.balances.items():
            if place != ml.COUNTERPARTIES and balance < 0 and not backed.get(place, 0) > 0:
                self.finding("an unbacked place below zero", f"{place} holds {balance}")


CI = settings(max_examples=150, stateful_step_count=40, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))

TestEngineFuzz = EngineFuzz.TestCase
TestEngineFuzz.settings = CI
