"""Property-based tests (hypothesis) of the engine's promises.

1. Money is conserved, exactly, through any sequence of actions, under every venue preset.
2. An isolated position never loses more than its isolated margin.
3. Cross liquidation happens exactly when equity <= maintenance margin; under the all-at-once
   policy it closes every cross position together, under a venue's policy it leaves the bucket
   compliant (isolated ones untouched either way; the policies' own properties are in
   tests/test_policies.py).
   Only a bankrupt bucket costs anyone else anything: a bucket's balance goes below zero only
   while its open positions' profit backs it.
4. Round trip: at the liquidation price, equity == maintenance margin.

Expected values are computed here from the rules as written in the docstrings (e.g. tiered
maintenance margin as "each slice of notional at its own tier's rate"), not read off the engine.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import marginlab as ml
from marginlab.engine.errors import MarginLabError

D = Decimal
ETH, BTC, SOL = "ETH-PERP", "BTC-PERP", "SOL-PERP"
MODES = ("cross", "isolated")

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])
STATEFUL = settings(SETTINGS, max_examples=200, stateful_step_count=30)

# a contract whose brackets are close together, so a liquidation price often sits in another
# bracket than the entry
DENSE = ml.linear_perp(
    "DENSE-PERP",
    [(0, "0.01", 50), (5_000, "0.015", 40), (10_000, "0.02", 25), (20_000, "0.03", 20),
     (40_000, "0.05", 10), (80_000, "0.1", 5)],
    tick_size="0.01", lot_size="0.001", taker_fee="0.0006", maker_fee="0.0001",
    liquidation_fee="0.01",
)

RULE_SETS = list(ml.PRESETS.values()) + [ml.ALL_AT_ONCE,
    ml.BINANCE.but(name="mark+fee", fee_in_mm=True),
    ml.BYBIT.but(name="entry, no fee", fee_in_mm=False),
    ml.BINANCE.but(name="Drift-style open interest", loss_sharing="socialize_open_interest"),
    ml.BINANCE.but(name="OKX-style clawback", loss_sharing="clawback"),
]


def listed(liquidation_fee=None):
    """ETH, BTC and SOL as listed, or with a liquidation fee below their maintenance rates, so
    that a liquidated bucket can have something left to give back."""
    specs = [ml.ETH_PERP, ml.BTC_PERP, ml.SOL_PERP]
    if liquidation_fee is not None:
        specs = [replace(c, liquidation_fee=D(liquidation_fee)) for c in specs]
    return specs


liquidation_fees = st.sampled_from([None, "0.001", "0"])


# --- arithmetic written from the rules, independent of the engine ---------------------------
def floor_to(x: Decimal, step: Decimal) -> Decimal:
    return (x / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(x: Decimal, step: Decimal) -> Decimal:
    return (x / step).to_integral_value(rounding=ROUND_CEILING) * step


def ref_tier_mm(spec: ml.ContractSpec, notional: Decimal) -> Decimal:
    """Each slice of notional at its own tier's rate (the marginal sum of contracts.py)."""
    total = D(0)
    for i, tier in enumerate(spec.tiers):
        cap = spec.tiers[i + 1].floor if i + 1 < len(spec.tiers) else None
        top = notional if cap is None else min(notional, cap)
        if top > tier.floor:
            total += (top - tier.floor) * tier.mmr
    return total


def ref_mm(size, entry, mark, spec, rules) -> Decimal:
    """MM = tier MM of Q * B (+ Q * B * taker fee), B = mark or entry price per the venue."""
    basis = mark if rules.mm_basis == "mark" else entry
    value = abs(size) * basis
    return ref_tier_mm(spec, value) + (value * spec.taker_fee if rules.fee_in_mm else 0)


def ref_bucket(collateral, positions, marks, contracts, rules) -> tuple[Decimal, Decimal]:
    """(equity, maintenance) = (collateral + sum s*Q*(P - EP), sum MM)."""
    equity, mm = collateral, D(0)
    for p in positions:
        mark = marks[p.symbol]
        equity += p.size * (mark - p.entry_price)
        mm += ref_mm(p.size, p.entry_price, mark, contracts[p.symbol], rules)
    return equity, mm


def close_enough(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= D("1e-12") * max(abs(a), abs(b), D(1))


def snapshot(ex):
    """Everything an action may change."""
    return (dict(ex.ledger.balances), ex.ledger.deposited, len(ex.ledger.transfers),
            dict(ex.marks), len(ex.events),
            {t: dict(a.positions) for t, a in ex.accounts.items()})


# --- 1. money is conserved -------------------------------------------------------------------
START_MARKS = {ETH: D(2000), BTC: D(50_000)}
MAX_LOTS = {ETH: 8_000, BTC: 1_500}  # up to 16k / 75k notional: crosses the first bracket

trader_ix = st.integers(0, 3)
symbols = st.sampled_from((ETH, BTC))
cents_amount = st.integers(1, 2_000_000).map(lambda c: D(c) / 100)


class ConservationMachine(RuleBasedStateMachine):
    """Several traders, cross and isolated, trading two tiered contracts with fees."""

    RULES = ml.BINANCE
    FUND = D(0)
    BOOK_DEPTH = None  # {symbol: USD}: liquidations fill through a book (tests/test_book.py)

    def __init__(self):
        super().__init__()
        self.ex = None
        self.deposited = self.FUND  # tracked by the test: seed + deposits - withdrawals
        self.accounts: list[ml.Account] = []

    # helpers
    def acct(self, i):
        return self.accounts[i % len(self.accounts)]

    def attempt(self, fn, *args, **kwargs):
        """Run a trader's own action; if the engine refuses it, nothing at all may have changed.
        If it is accepted, it may not cost anyone else anything: every other trader's money and
        the insurance fund are exactly as they were (no loss leaves a solvent account)."""
        before = snapshot(self.ex)
        trader = fn.__self__.trader
        try:
            out = fn(*args, **kwargs)
        except MarginLabError:
            assert snapshot(self.ex) == before, f"refused {fn.__name__} changed the state"
            return None
        mine = f"{trader}:"
        for place, balance in before[0].items():
            if not place.startswith(mine) and place not in (ml.COUNTERPARTIES, ml.FEE_POOL):
                assert self.ex.ledger.balance(place) == balance, (fn.__name__, place)
        return out

    @initialize(
        deposits=st.lists(st.integers(5_000, 5_000_000).map(lambda c: D(c) / 100),
                          min_size=3, max_size=4),
        modes=st.lists(st.sampled_from(MODES), min_size=2, max_size=2),
        levs=st.lists(st.integers(1, 60), min_size=4, max_size=4),
        orders=st.lists(st.tuples(trader_ix, symbols, st.booleans(), st.integers(1, 100),
                                  st.integers(1, 100), st.none() | st.sampled_from(MODES)),
                        min_size=2, max_size=8),
        liquidation_fee=liquidation_fees,
    )
    def open_accounts(self, deposits, modes, levs, orders, liquidation_fee):
        self.ex = ml.Exchange(contracts=listed(liquidation_fee)[:2], rules=self.RULES,
                              insurance_fund=self.FUND, marks=START_MARKS,
                              book_depth=self.BOOK_DEPTH)
        modes = ["cross", "isolated", *modes]  # always both kinds of account
        for i, dep in enumerate(deposits):
            acct = self.ex.open_account(f"t{i}", deposit=dep, mode=modes[i], leverage=levs[i])
            self.deposited += dep
            self.accounts.append(acct)
        # start with positions on both sides, so that deficits find an ADL queue or winners
        for i, symbol, buy, percent, lev, mode in orders:
            self.open_sized(i, symbol, buy, percent, lev, mode)

    # trading
    @rule(i=trader_ix, symbol=symbols, buy=st.booleans(), lots=st.integers(1, 8_000),
          lev=st.none() | st.integers(1, 50) | st.integers(51, 150),
          mode=st.none() | st.sampled_from(MODES),
          offset=st.sampled_from([0, 0, 0, 1, -1, 5, -5, 50, -50]), maker=st.booleans())
    def trade(self, i, symbol, buy, lots, lev, mode, offset, maker):
        acct, spec = self.acct(i), self.ex.contract(symbol)
        q = (lots % MAX_LOTS[symbol] + 1) * spec.lot_size
        at = self.ex.marks[symbol] + offset * spec.tick_size if offset else None
        if at is not None and at <= 0:
            at = None
        self.attempt(acct.buy if buy else acct.sell, symbol, q, price=at, leverage=lev,
                     mode=mode, maker=maker)

    @rule(i=trader_ix, symbol=symbols, buy=st.booleans(), percent=st.integers(1, 100),
          lev=st.integers(1, 100), mode=st.none() | st.sampled_from(MODES))
    def open_sized(self, i, symbol, buy, percent, lev, mode):
        """Open or add, sized to use ``percent`` of the available balance at ``lev``."""
        acct, spec = self.acct(i), self.ex.contract(symbol)
        pos = acct.positions.get(symbol)
        if pos is not None:
            lev, mode = pos.leverage, pos.mode
        mark = self.ex.marks[symbol]
        budget = acct.available_balance * percent / 100
        q = floor_to(budget / (mark / lev + mark * spec.taker_fee), spec.lot_size)
        if q <= 0:
            return
        self.attempt(acct.buy if buy else acct.sell, symbol, q, leverage=lev, mode=mode)

    @rule(i=trader_ix, symbol=symbols, percent=st.integers(1, 100))
    def partial_close(self, i, symbol, percent):
        acct, spec = self.acct(i), self.ex.contract(symbol)
        pos = acct.positions.get(symbol)
        if pos is None:
            self.attempt(acct.close, symbol)  # NoPositionError, nothing changes
            return
        q = max(spec.lot_size, floor_to(pos.quantity * percent / 100, spec.lot_size))
        self.attempt(acct.close, symbol, q)

    @rule(i=trader_ix, symbol=symbols, extra=st.integers(1, 3_000))
    def flip(self, i, symbol, extra):
        acct, spec = self.acct(i), self.ex.contract(symbol)
        pos = acct.positions.get(symbol)
        if pos is None:
            return
        q = pos.quantity + extra * spec.lot_size
        self.attempt(acct.sell if pos.size > 0 else acct.buy, symbol, q)

    @rule(i=trader_ix, symbol=symbols, value=cents_amount, percent=st.none() | st.integers(1, 100))
    def add_margin(self, i, symbol, value, percent):
        acct = self.acct(i)
        if percent is not None:
            value = floor_to(acct.available_balance * percent / 100, D("0.01"))
            if value <= 0:
                return
        self.attempt(acct.add_margin, symbol, value)

    @rule(i=trader_ix, symbol=symbols, value=cents_amount, percent=st.none() | st.integers(1, 100))
    def remove_margin(self, i, symbol, value, percent):
        acct = self.acct(i)
        if percent is not None:
            pos = acct.positions.get(symbol)
            if pos is not None and pos.mode == "isolated":
                value = floor_to(acct.max_removable_margin(symbol) * percent / 100, D("0.01"))
                if value <= 0:
                    return
        self.attempt(acct.remove_margin, symbol, value)

    @rule(i=trader_ix, value=cents_amount)
    def deposit(self, i, value):
        assert self.acct(i).deposit(value) == value
        self.deposited += value

    @rule(i=trader_ix, value=cents_amount, everything=st.booleans())
    def withdraw(self, i, value, everything):
        acct = self.acct(i)
        if everything:
            value = floor_to(acct.available_balance, D("0.01"))
            if value <= 0:
                return
        out = self.attempt(acct.withdraw, value)
        if out is not None:
            assert out == value
            self.deposited -= out

    # market
    @rule(symbol=symbols,
          bps=st.integers(-300, 300) | st.integers(-2_500, 2_500) | st.integers(-9_900, 10_000)
          | st.just(-10_000))
    def move_mark(self, symbol, bps):
        spec = self.ex.contract(symbol)
        new = floor_to(self.ex.marks[symbol] * (10_000 + bps) / 10_000, spec.tick_size)
        self.ex.set_mark(symbol, max(new, spec.tick_size))  # never refused

    @rule(i=trader_ix, symbol=symbols, ticks=st.integers(-3, 30))
    def move_to_liquidation_price(self, i, symbol, ticks):
        """Move the mark to a position's liquidation price, give or take a few ticks (> 0:
        past it)."""
        acct, spec = self.acct(i), self.ex.contract(symbol)
        pos = acct.positions.get(symbol)
        lp = acct.liquidation_price(symbol) if pos is not None else None
        if lp is None:
            return
        # long: liquidated below; short: above
        step = -pos.sign * spec.tick_size
        base = floor_to(lp, spec.tick_size) if pos.size > 0 else ceil_to(lp, spec.tick_size)
        self.ex.set_mark(symbol, max(base + ticks * step, spec.tick_size))

    @rule(symbol=symbols, ppm=st.integers(-50_000, 50_000))
    def funding(self, symbol, ppm):
        self.ex.apply_funding(symbol, D(ppm) / 1_000_000)

    @rule()
    def liquidation_sweep(self):
        # every action already ran the liquidations: a sweep now finds nothing
        assert self.ex.run_liquidations() == []

    # invariants
    @invariant()
    def money_is_conserved(self):
        ex = self.ex
        traders = sum((a.total_balance for a in ex.accounts.values()), D(0))
        total = (traders + ex.counterparties + ex.fee_pool + ex.insurance_fund
                 + ex.backstop_vault + ex.liquidators)
        assert total == self.deposited, (total, self.deposited)

    @invariant()
    def only_backed_buckets_go_below_zero(self):
        """Only the counterparties, and a trader's bucket whose open positions' profit backs it
        (its equity stays positive), may hold less than zero: nobody else pays a solvent
        trader's loss, and a bankrupt bucket is settled at once."""
        ex = self.ex
        backed = {}
        for a in ex.accounts.values():
            for key, risk in a.buckets().items():
                if a.bucket_positions(key):
                    backed[a.bucket_collateral_place(key)] = risk.equity
        for place, bal in ex.ledger.balances.items():
            if place == ml.COUNTERPARTIES or bal >= 0:
                continue
            assert place in backed and backed[place] > 0, (place, bal, backed.get(place))

    @invariant()
    def no_bucket_left_liquidatable(self):
        for a in self.ex.accounts.values():
            for key, risk in a.buckets().items():
                assert not risk.is_liquidatable, (a.trader, key, risk)


def _machine(rules, fund):
    name = f"Conservation_{rules.name.split()[0]}_{fund}"
    return type(name, (ConservationMachine,), {"RULES": rules, "FUND": D(fund)})


def _case(rules, fund):
    case = _machine(rules, fund).TestCase
    case.settings = STATEFUL
    return case


TestConservationBinanceFunded = _case(ml.BINANCE, 1_000_000)
TestConservationBinanceNoFund = _case(ml.BINANCE, 0)     # every deficit goes to ADL
TestConservationBinanceTinyFund = _case(ml.BINANCE, "0.5")
TestConservationBybit = _case(ml.BYBIT, 10)
TestConservationBitmex = _case(ml.BITMEX, 0)
TestConservationHyperliquid = _case(ml.HYPERLIQUID, 100)
TestConservationSocialized = _case(ml.SOCIALIZED, 0)     # every deficit is socialized
TestConservationSocializedTinyFund = _case(ml.SOCIALIZED, 1)
TestConservationDrift = _case(ml.DRIFT, 10)
TestConservationAllAtOnce = _case(ml.ALL_AT_ONCE, 0)
TestConservationOpenInterest = _case(RULE_SETS[-2], 0)  # every deficit over open interest
TestConservationClawback = _case(RULE_SETS[-1], 0)      # every deficit clawed back


# --- 2. an isolated position never loses more than its isolated margin -------------------------
def cents(c: int) -> Decimal:
    return D(c) / 100


START = {ETH: D(2000), BTC: D(50_000), SOL: D(100)}
other_positions = st.lists(
    st.tuples(st.sampled_from((BTC, SOL)), st.booleans(), st.integers(1, 2_000),
              st.sampled_from(MODES), st.integers(1, 20)),
    max_size=2, unique_by=lambda t: t[0])

def open_others(acct, others) -> None:
    """Open the drawn other positions, each entered ``bps`` away from its start mark (so that it
    carries uPnL), at 10x."""
    for sym, buy, lots, bps, omode in others:
        ospec = acct.exchange.contract(sym)
        at = floor_to(START[sym] * (10_000 + bps) / 10_000, ospec.tick_size)
        (acct.buy if buy else acct.sell)(sym, lots * ospec.lot_size, price=at, leverage=10,
                                         mode=omode)


def isolated_scene(rules, fund, long, entry, lev, lots, extra_margin, others, cp_lots, cp_mode,
                   liquidation_fee):
    """A trader with an isolated ETH position (and the drawn other positions), and maybe a
    counterparty on the other side: ``(exchange, trader, ETH quantity)``."""
    ex = ml.Exchange(contracts=listed(liquidation_fee), rules=rules, insurance_fund=fund,
                     marks={**START, ETH: entry})
    spec = ex.contract(ETH)
    q = lots * spec.lot_size
    other_notional = sum(o[2] * ex.contract(o[0]).lot_size * START[o[0]] for o in others)
    trader = ex.open_account("trader", deposit=q * entry + other_notional + extra_margin + 1_000)
    for sym, buy, olots, mode, olev in others:
        qty = olots * ex.contract(sym).lot_size
        (trader.buy if buy else trader.sell)(sym, qty, leverage=olev, mode=mode)
    (trader.buy if long else trader.sell)(ETH, q, leverage=lev, mode="isolated")
    if extra_margin:
        trader.add_margin(ETH, extra_margin)
    if cp_lots:  # someone on the other side: an ADL queue, or a winner to socialize on
        cp = ex.open_account("cp", deposit=cp_lots * spec.lot_size * entry + 1_000, mode=cp_mode)
        (cp.sell if long else cp.buy)(ETH, cp_lots * spec.lot_size, leverage=2)
    return ex, trader, q


@SETTINGS
@given(rules=st.sampled_from(RULE_SETS), fund=st.sampled_from([D(0), D(1), D(1_000_000)]),
       long=st.booleans(), entry=st.integers(50_000, 500_000).map(cents),
       lev=st.integers(2, 50), lots=st.integers(1, 20_000),
       extra_margin=st.integers(0, 100_000).map(cents),
       past_bps=st.integers(0, 9_000) | st.integers(0, 100), others=other_positions,
       cp_lots=st.integers(0, 20_000), cp_mode=st.sampled_from(MODES),
       liquidation_fee=liquidation_fees)
def test_isolated_position_loses_at_most_its_isolated_margin(
        rules, fund, long, entry, lev, lots, extra_margin, past_bps, others, cp_lots, cp_mode,
        liquidation_fee):
    ex, trader, q = isolated_scene(rules, fund, long, entry, lev, lots, extra_margin, others,
                                   cp_lots, cp_mode, liquidation_fee)
    spec, s = ex.contract(ETH), 1 if long else -1

    wallet, iso = trader.wallet_balance, trader.isolated_margin(ETH)
    total = trader.total_balance
    kept = {sym: p for sym, p in trader.positions.items() if sym != ETH}
    kept_margin = {sym: trader.isolated_margin(sym) for sym, p in kept.items()
                   if p.mode == "isolated"}
    lp = trader.liquidation_price(ETH)
    if lp is None:  # a long whose margin covers it down to zero: no crash liquidates it
        assert long and iso + s * q * (spec.tick_size - entry) > 0
        before = snapshot(ex)
        ex.set_mark(ETH, spec.tick_size)
        assert ETH in trader.positions and trader.total_balance == total
        assert snapshot(ex)[:3] == before[:3]  # no money moved
        return
    moved = lp * (10_000 - s * past_bps) / 10_000
    target = max(floor_to(moved, spec.tick_size) if long else ceil_to(moved, spec.tick_size),
                 spec.tick_size)

    vault, fund_before = ex.backstop_vault, ex.insurance_fund
    ex.set_mark(ETH, target)

    assert {sym: p for sym, p in trader.positions.items() if sym != ETH} == kept
    assert {sym: trader.isolated_margin(sym) for sym in kept_margin} == kept_margin
    assert total - trader.total_balance <= iso
    if ETH in trader.positions:  # a venue's policy closed part of it: compliant, nothing freed
        assert rules.liquidation_policy != "all_at_once"
        assert trader.positions[ETH].quantity < q
        assert not trader.isolated_risk(ETH).is_liquidatable
        assert trader.wallet_balance == wallet
        assert total - trader.equity < iso  # even counting the rest's loss
        return
    assert trader.isolated_margin(ETH) == 0
    back = trader.wallet_balance - wallet  # what the liquidation gave back to the wallet
    assert 0 <= back <= iso
    # what is left of the isolated margin at the fill, by the rules of the venue
    left = iso + s * q * (target - entry)
    if ex.events.of_kind("backstop"):  # Hyperliquid's vault took the position and the margin
        assert left > 0 and back == 0  # (after any chunk's fee to the fund)
        assert (ex.backstop_vault - vault) + (ex.insurance_fund - fund_before) == left
    elif rules.liquidation_fill == "bankruptcy" or left <= 0:  # surplus to the fund / bankrupt
        assert back == 0
    else:  # mark-price fill: what is left after the liquidation fee(s) goes back to the wallet
        expected = max(D(0), left - q * target * (spec.liquidation_fee + spec.liquidator_fee))
        assert abs(back - expected) <= D("0.00000004")  # a rounding per step, up to 4 steps


# --- 3. cross: liquidated exactly at equity <= maintenance margin, all cross positions at once --
def build_cross_account(rules, long, entry, lev, lots, extra, btc, sol, liquidation_fee):
    """A cross ETH position, maybe a cross BTC one entered away from the mark (so it carries
    uPnL), maybe an isolated SOL one."""
    ex = ml.Exchange(contracts=listed(liquidation_fee), rules=rules, insurance_fund=1_000_000,
                     marks={**START, ETH: entry})
    q = lots * ml.ETH_PERP.lot_size
    lev = min(lev, ml.ETH_PERP.max_leverage(q * entry))
    acct = ex.open_account("x", deposit=q * entry / lev * 2 + extra + 20_000, mode="cross")
    try:
        if btc is not None:
            buy, blots, bps = btc
            at = floor_to(START[BTC] * (10_000 + bps) / 10_000, ml.BTC_PERP.tick_size)
            (acct.buy if buy else acct.sell)(BTC, blots * ml.BTC_PERP.lot_size, price=at,
                                             leverage=20)
        if sol is not None:
            buy, slots, slev = sol
            (acct.buy if buy else acct.sell)(SOL, slots * ml.SOL_PERP.lot_size, leverage=slev,
                                             mode="isolated")
        (acct.buy if long else acct.sell)(ETH, q, leverage=lev)
        if acct.wallet_balance > extra + q * entry / lev:  # a thinner wallet: a closer LP
            acct.withdraw(floor_to(acct.available_balance * D("0.9"), D("0.01")))
    except MarginLabError:
        assume(False)
    return ex, acct


cross_setup = dict(
    rules=st.sampled_from(RULE_SETS), long=st.booleans(),
    entry=st.integers(50_000, 500_000).map(cents), lev=st.integers(1, 100),
    lots=st.integers(1, 20_000), extra=st.integers(0, 500_000).map(cents),
    btc=st.none() | st.tuples(st.booleans(), st.integers(1, 1_000), st.integers(-300, 300)),
    sol=st.none() | st.tuples(st.booleans(), st.integers(1, 5_000), st.integers(1, 50)),
    liquidation_fee=liquidation_fees,
)


def cross_ref(acct, symbol, at):
    """Equity and maintenance margin of the cross bucket if ``symbol``'s mark were ``at``."""
    marks = {**acct.exchange.marks, symbol: at}
    return ref_bucket(acct.wallet_balance, acct.cross_positions, marks, acct.exchange.contracts,
                      acct.exchange.rules)


@SETTINGS
@given(**cross_setup, ticks_past=st.integers(0, 50), past_bps=st.integers(0, 3_000),
       any_bps=st.integers(-6_000, 6_000))
def test_cross_liquidation_happens_exactly_at_the_liquidation_price(
        rules, long, entry, lev, lots, extra, btc, sol, liquidation_fee, ticks_past, past_bps,
        any_bps):
    tick = ml.ETH_PERP.tick_size
    args = (rules, long, entry, lev, lots, extra, btc, sol, liquidation_fee)
    ex, acct = build_cross_account(*args)
    lp = acct.liquidation_price(ETH)
    if lp is None:  # only a long can be safe at any price
        assert long
        safe, past = tick, None
    elif long:
        safe = ceil_to(lp, tick) + (tick if ceil_to(lp, tick) == lp else 0)
        past = max(floor_to(lp * (10_000 - past_bps) / 10_000, tick) - ticks_past * tick, tick)
    else:
        safe = floor_to(lp, tick) - (tick if floor_to(lp, tick) == lp else 0)
        past = ceil_to(lp * (10_000 + past_bps) / 10_000, tick) + ticks_past * tick

    # one tick on the safe side: nothing happens
    if safe > 0:
        equity, mm = cross_ref(acct, ETH, safe)
        assert equity > mm
        before = snapshot(ex)
        assert ex.set_mark(ETH, safe) == []
        after = snapshot(ex)
        assert after[:3] == before[:3] and after[5] == before[5]  # no money moved, all open

    # at or past it: every cross position closes together, the isolated one stays as it was
    if past is not None:
        ex, acct = build_cross_account(*args)
        equity, mm = cross_ref(acct, ETH, past)
        assert equity <= mm
        isolated = {p.symbol: (p, acct.isolated_margin(p.symbol))
                    for p in acct.isolated_positions}
        n_cross = len(acct.cross_positions)
        liquidations = ex.set_mark(ETH, past)
        if rules.liquidation_policy == "all_at_once":
            assert acct.cross_positions == []
            assert len([e for e in liquidations if e.trader == "x"]) == n_cross
        else:  # a venue's policy: as many steps as it takes to make the bucket compliant
            assert [e for e in liquidations if e.trader == "x"]
            assert not acct.cross_risk().is_liquidatable
        assert {p.symbol: (p, acct.isolated_margin(p.symbol))
                for p in acct.isolated_positions} == isolated

    # any mark: liquidated if and only if equity <= maintenance margin
    ex, acct = build_cross_account(*args)
    target = max(floor_to(entry * (10_000 + any_bps) / 10_000, tick), tick)
    equity, mm = cross_ref(acct, ETH, target)
    liquidations = ex.set_mark(ETH, target)
    if equity <= mm and rules.liquidation_policy == "all_at_once":
        assert acct.cross_positions == []
    elif equity <= mm:
        assert [e for e in liquidations if e.trader == "x"]
        assert not acct.cross_risk().is_liquidatable
    else:
        assert ETH in acct.positions and len(acct.cross_positions) == 1 + (btc is not None)


@settings(SETTINGS, max_examples=600)
@given(rules=st.sampled_from(RULE_SETS), long=st.booleans(),
       entry=st.integers(50_000, 500_000).map(cents),
       lev=st.integers(1, 100) | st.integers(50, 100), lots=st.integers(1, 5_000),
       mode=st.sampled_from(MODES), cushion=st.integers(0, 10) | st.integers(0, 100),
       sol_lev=st.integers(1, 50), toward=st.integers(0, 99) | st.integers(90, 99),
       action=st.sampled_from(["withdraw", "add_margin", "remove_margin"]),
       percent=st.just(100) | st.integers(1, 100))
def test_an_accepted_action_never_leaves_a_bucket_liquidatable(
        rules, long, entry, lev, lots, mode, cushion, sol_lev, toward, action, percent):
    """Withdrawals and margin transfers, after a loss, are refused rather than leaving a bucket
    at or below its maintenance margin (a bucket the engine would then not liquidate)."""
    ex = ml.Exchange(rules=rules, insurance_fund=1_000_000, marks={**START, ETH: entry})
    q = lots * ml.ETH_PERP.lot_size
    lev = min(lev, ml.ETH_PERP.max_leverage(q * entry))
    im = q * entry / lev
    acct = ex.open_account("x", deposit=im * (cushion + 2) + 1_000)
    (acct.buy if long else acct.sell)(ETH, q, leverage=lev, mode=mode)
    other = "isolated" if mode == "cross" else "cross"
    acct.buy(SOL, 1, leverage=sol_lev, mode=other)
    isolated = ETH if mode == "isolated" else SOL
    if mode == "isolated" and floor_to(im * cushion, D("0.01")) > 0:
        acct.add_margin(ETH, floor_to(im * cushion, D("0.01")))
    # an adverse move part of the way to the liquidation price (to zero / double if none)
    lp = acct.liquidation_price(ETH) or (D(0) if long else 2 * entry)
    tick = ml.ETH_PERP.tick_size
    ex.set_mark(ETH, max(floor_to(entry + (lp - entry) * toward / 100, tick), tick))
    assert ETH in acct.positions
    if action == "remove_margin":
        value = floor_to(acct.max_removable_margin(isolated) * percent / 100, D("0.01"))
    else:
        value = floor_to(acct.available_balance * percent / 100, D("0.01"))
    assume(value > 0)
    before = snapshot(ex)
    try:
        if action == "withdraw":
            acct.withdraw(value)
        else:
            getattr(acct, action)(isolated, value)
    except MarginLabError:
        assert snapshot(ex) == before
        return
    assert snapshot(ex)[5] == before[5]  # accepted: nothing was liquidated
    for key in acct.buckets():
        symbol = key.removeprefix("isolated:")
        equity, mm = (cross_ref(acct, ETH, ex.marks[ETH]) if key == "cross" else ref_bucket(
            acct.isolated_margin(symbol), [acct.positions[symbol]], ex.marks, ex.contracts,
            rules))
        assert equity > mm or mm == 0, (key, equity, mm)


# --- 4. round trip: at the liquidation price, equity == maintenance margin ---------------------
ROUND_TRIP_SPECS = (ml.ETH_PERP, ml.BTC_PERP, DENSE)
SCALE = {ml.ETH_PERP.symbol: D(2000), ml.BTC_PERP.symbol: D(50_000), DENSE.symbol: D(100)}


@st.composite
def sized_position(draw, spec):
    """(entry price, quantity, leverage) on the spec's grid; the notional is either anywhere
    from one lot to 3M, or just above / below a bracket floor."""
    entry = max(floor_to(SCALE[spec.symbol] * draw(st.integers(20, 300)) / 100, spec.tick_size),
                spec.tick_size)
    if len(spec.tiers) > 1 and draw(st.booleans()):
        floor = draw(st.sampled_from([t.floor for t in spec.tiers[1:6]]))
        notional = floor * (1 + D(draw(st.integers(-300, 300))) / 10_000)
    else:
        notional = D(draw(st.integers(1, 3_000_000)))
    q = max(ceil_to(notional / entry, spec.lot_size), spec.lot_size)
    lev = draw(st.integers(1, int(spec.max_leverage(q * entry))))
    return entry, q, D(lev)


def assert_round_trip(collateral, positions, marks, contracts, rules):
    risk = ml.bucket_risk(collateral, positions, marks, contracts, rules)
    assert close_enough(risk.equity, risk.maintenance), (risk.equity, risk.maintenance)
    equity, mm = ref_bucket(collateral, positions, marks, contracts, rules)
    assert close_enough(equity, mm), (equity, mm)


def assert_no_price_liquidates(sign, collateral, positions, symbol, marks, contracts, rules):
    """No liquidation price: a long stays safe down to one tick (a short: no price is safe)."""
    tick = contracts[symbol].tick_size
    equity, mm = ref_bucket(collateral, positions, {**marks, symbol: tick}, contracts, rules)
    assert (equity > mm) if sign > 0 else (equity <= mm)


@SETTINGS
@given(rules=st.sampled_from(RULE_SETS), spec=st.sampled_from(ROUND_TRIP_SPECS),
       data=st.data(), long=st.booleans(), cross=st.booleans(),
       margin_pct=st.integers(20, 400), other_lots=st.integers(-50_000, 50_000),
       other_entry=st.integers(5_000, 20_000).map(cents),
       other_mark=st.integers(5_000, 20_000).map(cents))
def test_formulas_round_trip(rules, spec, data, long, cross, margin_pct, other_lots,
                             other_entry, other_mark):
    """isolated_liquidation_price / cross_liquidation_price: equity == MM at the answer."""
    entry, q, lev = data.draw(sized_position(spec))
    s = 1 if long else -1
    collateral = q * entry / lev * margin_pct / 100
    pos = ml.Position(spec.symbol, s * q, entry, lev, "cross" if cross else "isolated")
    contracts = {spec.symbol: spec, SOL: ml.SOL_PERP}
    positions, marks = [pos], {spec.symbol: entry, SOL: other_mark}
    side = "long" if long else "short"
    if cross and other_lots:  # another cross position, in SOL, carrying uPnL
        other = ml.Position(SOL, other_lots * ml.SOL_PERP.lot_size, other_entry, D(5))
        positions.append(other)
        other_upnl = other.size * (other_mark - other_entry)
        other_mm = ref_mm(other.size, other_entry, other_mark, ml.SOL_PERP, rules)
        lp = ml.cross_liquidation_price(side, q, entry, collateral, spec, rules,
                                        other_upnl=other_upnl, other_mm=other_mm)
    elif cross:
        lp = ml.cross_liquidation_price(side, q, entry, collateral, spec, rules)
    else:
        lp = ml.isolated_liquidation_price(side, q, entry, collateral, spec, rules)
    if lp is None:
        assert_no_price_liquidates(s, collateral, positions, spec.symbol, marks, contracts, rules)
        return
    assert lp > 0
    assert_round_trip(collateral, positions, {**marks, spec.symbol: lp}, contracts, rules)


MARK_BASIS = [r for r in RULE_SETS if r.mm_basis == "mark"]


@SETTINGS
@given(rules=st.sampled_from(MARK_BASIS), spec=st.sampled_from(ROUND_TRIP_SPECS),
       long=st.booleans(), cross=st.booleans(), tier=st.integers(1, 5),
       gap_bp=st.integers(5, 200), lev=st.integers(10, 40), entry_pct=st.integers(50, 200))
def test_round_trip_when_the_liquidation_price_is_in_another_bracket(
        rules, spec, long, cross, tier, gap_bp, lev, entry_pct):
    """Entry notional just above a bracket floor (long) or just below it (short): at the
    liquidation price the notional is in the neighbouring bracket, whose rate applies."""
    floor = spec.tiers[tier].floor
    s = 1 if long else -1
    entry = floor_to(SCALE[spec.symbol] * entry_pct / 100, spec.tick_size)
    target = floor * (1 + s * D(gap_bp) / 10_000)
    q = (ceil_to if long else floor_to)(target / entry, spec.lot_size)
    assume(q > 0 and (q * entry >= floor if long else q * entry < floor))
    assume(lev <= spec.max_leverage(q * entry))
    margin = q * entry / lev
    side = "long" if long else "short"
    fn = ml.cross_liquidation_price if cross else ml.isolated_liquidation_price
    lp = fn(side, q, entry, margin, spec, rules)
    assert lp is not None
    assume(spec.tier_index(q * lp) != spec.tier_index(q * entry))  # in another bracket
    pos = ml.Position(spec.symbol, s * q, entry, D(lev), "cross" if cross else "isolated")
    assert_round_trip(margin, [pos], {spec.symbol: lp}, {spec.symbol: spec}, rules)


@SETTINGS
@given(rules=st.sampled_from(RULE_SETS), spec=st.sampled_from([ml.ETH_PERP, DENSE]),
       data=st.data(), long=st.booleans(), mode=st.sampled_from(MODES),
       extra=st.integers(0, 1_000_000).map(cents),
       others=st.lists(st.tuples(st.sampled_from((BTC, SOL)), st.booleans(),
                                 st.integers(1, 2_000), st.integers(-500, 500),
                                 st.sampled_from(MODES)),
                       max_size=2, unique_by=lambda t: t[0]))
def test_account_liquidation_price_round_trip(rules, spec, data, long, mode, extra, others):
    """Account.liquidation_price, with the account's other positions (entered away from their
    marks so that they carry uPnL): the position's bucket has equity == MM there."""
    entry, q, lev = data.draw(sized_position(spec))
    ex = ml.Exchange(contracts=[spec, ml.BTC_PERP, ml.SOL_PERP], rules=rules,
                     marks={spec.symbol: entry, BTC: START[BTC], SOL: START[SOL]})
    acct = ex.open_account("x", deposit=q * entry / lev * 2 + extra + 200_000)
    try:
        open_others(acct, others)
        (acct.buy if long else acct.sell)(spec.symbol, q, leverage=lev, mode=mode)
        if mode == "isolated" and extra:
            acct.add_margin(spec.symbol, min(extra, floor_to(acct.available_balance, D("0.01"))))
        elif mode == "cross":  # a thinner wallet: a liquidation price nearer the entry
            value = floor_to(acct.available_balance * data.draw(st.integers(0, 99)) / 100,
                             D("0.01"))
            if value > 0:
                acct.withdraw(value)
    except MarginLabError:
        assume(False)
    pos = acct.positions[spec.symbol]
    bucket = acct.cross_positions if mode == "cross" else [pos]
    collateral = acct.wallet_balance if mode == "cross" else acct.isolated_margin(spec.symbol)
    lp = acct.liquidation_price(spec.symbol)
    if lp is None:
        assert_no_price_liquidates(pos.sign, collateral, bucket, spec.symbol, ex.marks,
                                   ex.contracts, rules)
        return
    assert_round_trip(collateral, bucket, {**ex.marks, spec.symbol: lp}, ex.contracts, rules)


# --- 5. price ordering: bankruptcy <= liquidation <= entry (long), reversed (short) -----------
@SETTINGS
@given(rules=st.sampled_from(RULE_SETS), spec=st.sampled_from([ml.ETH_PERP, ml.BTC_PERP, DENSE]),
       data=st.data(), long=st.booleans(), mode=st.sampled_from(MODES),
       deposit_pct=st.integers(101, 2_000), extra=st.integers(0, 100_000).map(cents),
       others=st.lists(st.tuples(st.sampled_from((BTC, SOL)), st.booleans(),
                                 st.integers(1, 2_000), st.integers(-500, 500),
                                 st.sampled_from(MODES)),
                       max_size=2, unique_by=lambda t: t[0]))
def test_bankruptcy_liquidation_and_entry_prices_come_in_order(
        rules, spec, data, long, mode, deposit_pct, extra, others):
    """A position just opened at the mark (its bucket not liquidatable there), whatever else the
    account holds: a long's bankruptcy price <= its liquidation price <= its entry price, and a
    short's the other way round (risk.py's docstring). A long may have neither price (None):
    then it has no bankruptcy price either."""
    entry, q, lev = data.draw(sized_position(spec))
    assume(spec.symbol not in {o[0] for o in others})
    ex = ml.Exchange(contracts=[spec, ml.BTC_PERP, ml.SOL_PERP], rules=rules,
                     marks={spec.symbol: entry, BTC: START[BTC], SOL: START[SOL]})
    acct = ex.open_account("x", deposit=q * entry / lev * deposit_pct / 100 + extra + 1_000)
    try:
        open_others(acct, others)
        (acct.buy if long else acct.sell)(spec.symbol, q, leverage=lev, mode=mode)
    except MarginLabError:
        assume(False)
    pos = acct.positions[spec.symbol]
    assert pos.entry_price == ex.marks[spec.symbol]
    bp, lp = acct.bankruptcy_price(spec.symbol), acct.liquidation_price(spec.symbol)
    if long:
        if lp is None:
            assert bp is None
        else:
            assert bp is None or bp <= lp
            assert lp <= pos.entry_price
    else:
        assert lp is not None and bp is not None
        assert pos.entry_price <= lp <= bp
