"""Bad input gets a specific, understandable error and changes nothing."""

import math
from decimal import ROUND_UP, Decimal, Inexact, getcontext, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import marginlab as ml
from marginlab import errors as E
from marginlab.simulation import inputs
from marginlab.simulation.montecarlo import legs_for, liquidation_odds, wilson_interval
from marginlab.simulation.replay import Leg, replay, replay_with_engine

D = Decimal


def state(ex):
    """Everything an action could change."""
    return (
        dict(ex.ledger.balances), ex.ledger.deposited, len(ex.ledger.transfers), len(ex.events),
        dict(ex.marks), ex.time, {t: dict(a.positions) for t, a in ex.accounts.items()},
        sorted(ex.accounts),
    )


@pytest.fixture
def ex():
    """alice: cross ETH long and isolated BTC long; bob: empty; dan: a SOL short."""
    ex = ml.Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000, "SOL-PERP": 100},
                     insurance_fund=5_000)
    alice = ex.open_account("alice", deposit=2_000)
    alice.buy("ETH-PERP", 1, leverage=10)
    alice.buy("BTC-PERP", "0.01", leverage=10, mode="isolated")
    ex.open_account("bob", deposit=500)
    ex.open_account("dan", deposit=500).sell("SOL-PERP", 1, leverage=10)
    return ex


A = lambda ex: ex.account("alice")  # noqa: E731

CASES = [
    # (id, action, exception, words the message must contain)
    ("price NaN", lambda ex: A(ex).buy("ETH-PERP", 1, price=float("nan")),
     E.InvalidPriceError, "finite"),
    ("price +inf", lambda ex: A(ex).buy("ETH-PERP", 1, price=math.inf),
     E.InvalidPriceError, "finite"),
    ("price -inf", lambda ex: A(ex).sell("ETH-PERP", 1, price=-math.inf),
     E.InvalidPriceError, "finite"),
    ("price negative", lambda ex: A(ex).buy("ETH-PERP", 1, price=-2000),
     E.InvalidPriceError, "above zero"),
    ("price zero", lambda ex: A(ex).buy("ETH-PERP", 1, price=0), E.InvalidPriceError,
     "above zero"),
    ("price off tick", lambda ex: A(ex).buy("ETH-PERP", 1, price="2000.005"),
     E.InvalidPriceError, "tick size 0.01"),
    ("price text", lambda ex: A(ex).buy("ETH-PERP", 1, price="abc"), E.InvalidPriceError,
     "'abc'"),
    ("mark NaN", lambda ex: ex.set_mark("ETH-PERP", float("nan")), E.InvalidPriceError,
     "ETH-PERP mark price"),
    ("mark negative", lambda ex: ex.set_mark("ETH-PERP", -1), E.InvalidPriceError,
     "above zero"),
    ("mark zero among valid", lambda ex: ex.set_marks({"BTC-PERP": 40_000, "ETH-PERP": 0}),
     E.InvalidPriceError, "ETH-PERP"),
    ("quantity zero", lambda ex: A(ex).buy("ETH-PERP", 0), E.InvalidQuantityError,
     "above zero"),
    ("quantity negative", lambda ex: A(ex).sell("ETH-PERP", -1), E.InvalidQuantityError,
     "above zero"),
    ("quantity NaN", lambda ex: A(ex).buy("ETH-PERP", float("nan")), E.InvalidQuantityError,
     "finite"),
    ("quantity off lot", lambda ex: A(ex).buy("ETH-PERP", "0.0005"), E.InvalidQuantityError,
     "lot size 0.001"),
    ("quantity bool", lambda ex: A(ex).buy("ETH-PERP", True), E.InvalidQuantityError,
     "a number"),
    ("leverage zero", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=0),
     E.InvalidLeverageError, "at least 1x"),
    ("leverage below one", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=0.5),
     E.InvalidLeverageError, "at least 1x"),
    ("leverage negative", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=-5),
     E.InvalidLeverageError, "at least 1x"),
    ("leverage above max", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=200),
     E.InvalidLeverageError, "at most 50x"),
    ("leverage above tier", lambda ex: ex.account("bob").buy("SOL-PERP", 600, leverage=50),
     E.InvalidLeverageError, "at most 20x"),
    ("leverage NaN", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=float("nan")),
     E.InvalidLeverageError, "finite"),
    ("close more than open", lambda ex: A(ex).close("ETH-PERP", 2),
     E.ReduceTooLargeError, "only 1 ETH"),
    ("close with nothing open", lambda ex: ex.account("bob").close("ETH-PERP"),
     E.NoPositionError, "no open ETH-PERP"),
    ("unknown symbol buy", lambda ex: A(ex).buy("DOGE-PERP", 1), E.UnknownSymbolError,
     "'DOGE-PERP' is not listed"),
    ("unknown symbol sell", lambda ex: A(ex).sell("ETH-PREP", 1), E.UnknownSymbolError,
     "listed: BTC-PERP, ETH-PERP, SOL-PERP"),
    ("unknown symbol close", lambda ex: A(ex).close("XRP-PERP"), E.UnknownSymbolError,
     "not listed"),
    ("unknown symbol mark", lambda ex: ex.set_mark("XRP-PERP", 1), E.UnknownSymbolError,
     "not listed"),
    ("unknown symbol funding", lambda ex: ex.apply_funding("XRP-PERP", 0.0001),
     E.UnknownSymbolError, "not listed"),
    ("unknown symbol position", lambda ex: A(ex).position("XRP-PERP"), E.UnknownSymbolError,
     "not listed"),
    ("unknown symbol liquidation price", lambda ex: A(ex).liquidation_price("XRP-PERP"),
     E.UnknownSymbolError, "not listed"),
    ("unknown trader", lambda ex: ex.account("carol"), E.UnknownTraderError,
     "no account for 'carol'"),
    ("duplicate account", lambda ex: ex.open_account("bob", 10), E.InvalidTraderError,
     "already has an account"),
    ("empty trader name", lambda ex: ex.open_account("", 10), E.InvalidTraderError,
     "non-empty"),
    ("add margin to cross", lambda ex: A(ex).add_margin("ETH-PERP", 10), E.MarginModeError,
     "cross position"),
    ("remove margin from cross", lambda ex: A(ex).remove_margin("ETH-PERP", 10),
     E.MarginModeError, "cross position"),
    ("add negative margin", lambda ex: A(ex).add_margin("BTC-PERP", -10),
     E.InvalidAmountError, "margin to add"),
    ("add more margin than available", lambda ex: A(ex).add_margin("BTC-PERP", 5_000),
     E.InsufficientMarginError, "at most"),
    ("remove more than the margin", lambda ex: A(ex).remove_margin("BTC-PERP", 60),
     E.WouldLiquidateError, "at most 0.00"),
    ("isolated trade on a cross position",
     lambda ex: A(ex).buy("ETH-PERP", 1, mode="isolated"), E.MarginModeError,
     "close it before"),
    ("unknown margin mode", lambda ex: A(ex).buy("SOL-PERP", 1, mode="portfolio"),
     E.MarginModeError, "'cross' or 'isolated'"),
    ("change leverage of an open position", lambda ex: A(ex).buy("ETH-PERP", 1, leverage=20),
     E.InvalidLeverageError, "uses 10x"),
    ("open beyond the available balance",
     lambda ex: ex.account("bob").buy("ETH-PERP", 5, leverage=10), E.InsufficientMarginError,
     "available balance"),
    ("withdraw more than available", lambda ex: ex.account("bob").withdraw(501),
     E.InsufficientMarginError, "at most 500.00"),
    ("withdraw negative", lambda ex: ex.account("bob").withdraw(-1), E.InvalidAmountError,
     "withdrawal"),
    ("deposit zero", lambda ex: ex.account("bob").deposit(0), E.InvalidAmountError,
     "above zero"),
    ("deposit NaN", lambda ex: ex.account("bob").deposit(float("nan")),
     E.InvalidAmountError, "finite"),
    ("funding rate inf", lambda ex: ex.apply_funding("ETH-PERP", math.inf),
     E.InvalidAmountError, "funding rate"),
    ("trade before any mark", lambda ex: _unmarked(ex), E.InvalidPriceError,
     "no mark price yet"),
    # --- numbers that are not numbers, or too large or too small to hold exactly (issue 10) --
    ("leverage '10x'", lambda ex: A(ex).buy("SOL-PERP", 1, leverage="10x"),
     E.InvalidLeverageError, "plain number"),
    ("leverage text", lambda ex: A(ex).buy("SOL-PERP", 1, leverage="ten"),
     E.InvalidLeverageError, "a number such as"),
    ("leverage True", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=True),
     E.InvalidLeverageError, "yes/no"),
    ("leverage list", lambda ex: A(ex).buy("SOL-PERP", 1, leverage=[10]),
     E.InvalidLeverageError, "one number"),
    ("account leverage '10x'", lambda ex: ex.open_account("carl", 10, leverage="10x"),
     E.InvalidLeverageError, "plain number"),
    ("quantity numpy True", lambda ex: A(ex).buy("ETH-PERP", np.True_), E.InvalidQuantityError,
     "yes/no"),
    ("quantity None", lambda ex: A(ex).buy("ETH-PERP", None), E.InvalidQuantityError, "None"),
    ("quantity list", lambda ex: A(ex).buy("ETH-PERP", [1, 2]), E.InvalidQuantityError,
     "one number"),
    ("quantity array", lambda ex: A(ex).buy("ETH-PERP", np.array([1, 2])),
     E.InvalidQuantityError, "shape (2,)"),
    ("quantity huge", lambda ex: A(ex).buy("ETH-PERP", "1e10"), E.InvalidQuantityError,
     "at most 1,000,000,000"),
    ("close quantity numpy True", lambda ex: A(ex).close("ETH-PERP", np.True_),
     E.InvalidQuantityError, "yes/no"),
    ("deposit 10**20", lambda ex: ex.account("bob").deposit(10**20), E.InvalidAmountError,
     "at most 1,000,000,000,000"),
    ("deposit 1e-9", lambda ex: ex.account("bob").deposit("1e-9"), E.InvalidAmountError,
     "smallest unit"),
    ("deposit European decimal", lambda ex: ex.account("bob").deposit("2,5"),
     E.InvalidAmountError, "dot"),
    ("deposit complex", lambda ex: ex.account("bob").deposit(1j), E.InvalidAmountError,
     "a number"),
    ("withdraw 1e-9", lambda ex: ex.account("bob").withdraw(1e-9), E.InvalidAmountError,
     "smallest unit"),
    ("add margin 10**20", lambda ex: A(ex).add_margin("BTC-PERP", 10**20),
     E.InvalidAmountError, "at most"),
    ("remove margin list", lambda ex: A(ex).remove_margin("BTC-PERP", [1]),
     E.InvalidAmountError, "one number"),
    ("price 1e400", lambda ex: A(ex).buy("ETH-PERP", 1, price="1e400"), E.InvalidPriceError,
     "at most 100,000,000"),
    ("price 1e-400", lambda ex: A(ex).buy("ETH-PERP", 1, price="1e-400"), E.InvalidPriceError,
     "too small"),
    ("mark 1e21 with a short open", lambda ex: ex.set_mark("SOL-PERP", 1e21),
     E.InvalidPriceError, "at most 100,000,000"),
    ("mark None", lambda ex: ex.set_mark("ETH-PERP", None), E.InvalidPriceError, "None"),
    ("marks as a list", lambda ex: ex.set_marks([("ETH-PERP", 1_900)]), E.InvalidPriceError,
     "{symbol: price}"),
    ("funding rate 1e30", lambda ex: ex.apply_funding("ETH-PERP", 1e30), E.InvalidAmountError,
     "funding rate"),
    ("funding rate 2 (200 %)", lambda ex: ex.apply_funding("ETH-PERP", 2), E.InvalidAmountError,
     "funding rate must be at most 1"),
    ("funding rate in percent", lambda ex: ex.apply_funding("ETH-PERP", "1%"),
     E.InvalidAmountError, "0.05 for 5 %"),
    # --- names and settings ----------------------------------------------------------------
    ("symbol as a list", lambda ex: A(ex).buy(["ETH-PERP"], 1), E.UnknownSymbolError,
     "not listed"),
    ("position of None", lambda ex: A(ex).position(None), E.UnknownSymbolError, "not listed"),
    ("account of a list", lambda ex: ex.account([]), E.InvalidTraderError, "trader name"),
    ("trader name a number", lambda ex: ex.open_account(5, 10), E.InvalidTraderError,
     "non-empty text"),
    ("trader name with a colon", lambda ex: ex.open_account("a:b", 10), E.InvalidTraderError,
     "without ':'"),
    ("account mode", lambda ex: ex.open_account("carl", 10, mode="portfolio"),
     E.MarginModeError, "'cross' or 'isolated'"),
    ("rules by an unknown name", lambda ex: ml.Exchange(rules="Binanse"), E.ConfigurationError,
     "VenueRules"),
    ("contracts as text", lambda ex: ml.Exchange(contracts="ETH-PERP"), E.ConfigurationError,
     "ContractSpec"),
    ("insurance fund 10**20", lambda ex: ml.Exchange(insurance_fund=10**20),
     E.InvalidAmountError, "at most"),
    ("ADL ranking 5", lambda ex: ml.VenueRules(adl_ranking=5), E.ConfigurationError,
     "adl_ranking"),
    ("ADL ranking without an argument", lambda ex: ml.BINANCE.but(adl_ranking=lambda: 1),
     E.ConfigurationError, "one argument"),
    ("fee_in_mm not a bool", lambda ex: ml.VenueRules(fee_in_mm="yes"), E.ConfigurationError,
     "True or False"),
    ("unknown rule", lambda ex: ml.BINANCE.but(liquidation_fee=0), E.ConfigurationError,
     "no liquidation_fee"),
    ("formula side", lambda ex: ml.bankruptcy_price("up", 1, 2000, 100), E.InvalidSideError,
     "'long' or 'short'"),
    ("formula balance 1e400", lambda ex: ml.max_open_quantity("1e400", 2000, 10, ml.ETH_PERP),
     E.InvalidAmountError, "at most"),
    # --- simulation settings ---------------------------------------------------------------
    ("replay deposit NaN", lambda ex: replay(_walk(), HEDGE, np.nan), E.InvalidAmountError,
     "deposit must be a finite number"),
    ("replay deposit text", lambda ex: replay(_walk(), HEDGE, "1000"), E.InvalidAmountError,
     "deposit"),
    ("replay negative funding interval",
     lambda ex: replay(_walk(), HEDGE, 1_000, funding_rate=0.001, funding_every=-8),
     E.SimulationSettingError, "funding_every"),
    ("replay funding interval 2.5",
     lambda ex: replay(_walk(), HEDGE, 1_000, funding_rate=0.001, funding_every=2.5),
     E.SimulationSettingError, "whole number"),
    ("replay funding rate 5", lambda ex: replay(_walk(), HEDGE, 1_000, funding_rate=5,
                                                funding_every=2), E.InvalidPathError,
     "between -1 and 1"),
    ("replay funding rates too few",
     lambda ex: replay(_walk(), HEDGE, 1_000, funding_rate=[0.001] * 3, funding_every=2),
     E.InvalidPathError, "one per step needs 11"),
    ("replay negative insurance fund",
     lambda ex: replay(_walk(), HEDGE, 1_000, insurance_fund=-5), E.InvalidAmountError,
     "insurance_fund must not be negative"),
    ("replay chunk 0", lambda ex: replay(_walk(), HEDGE, 1_000, chunk=0),
     E.SimulationSettingError, "chunk"),
    ("replay leg size text", lambda ex: replay(_walk(), [Leg("ETH-PERP", "1")], 1_000),
     E.InvalidQuantityError, "size of the ETH-PERP leg"),
    ("replay leg leverage NaN", lambda ex: replay(_walk(), [Leg("ETH-PERP", 1, np.nan)], 1_000),
     E.InvalidLeverageError, "at least 1"),
    ("replay legs not Legs", lambda ex: replay(_walk(), [("ETH-PERP", 1, 10)], 1_000),
     E.InvalidPathError, "Leg(symbol, size, leverage)"),
    ("replay rules by an unknown name",
     lambda ex: replay(_walk(), HEDGE, 1_000, rules="Bybitt"), E.ConfigurationError,
     "VenueRules"),
    ("engine replay deposit NaN", lambda ex: replay_with_engine(_walk(), HEDGE, np.nan),
     E.InvalidAmountError, "deposit"),
    ("odds days inf", lambda ex: liquidation_odds(leverages=(5,), paths=10, days=math.inf),
     E.InvalidPathError, "days must be a finite number"),
    ("odds deposit NaN", lambda ex: liquidation_odds(leverages=(5,), paths=10, deposit=np.nan),
     E.InvalidAmountError, "deposit"),
    ("odds funding rate inf",
     lambda ex: liquidation_odds(leverages=(5,), paths=10, funding_rate=math.inf),
     E.InvalidPathError, "funding rate"),
    ("odds seed negative", lambda ex: liquidation_odds(leverages=(5,), paths=10, seed=-1),
     E.InvalidPathError, "seed"),
    ("odds leverages a number", lambda ex: liquidation_odds(leverages=5, paths=10),
     E.InvalidLeverageError, "list of numbers"),
    ("odds larger than memory",
     lambda ex: liquidation_odds(leverages=(5,), paths=10**9, days=3_650),
     E.SimulationTooLargeError, "B of memory"),
    ("legs for '10x'", lambda ex: legs_for("10x"), E.InvalidLeverageError, "at least 1"),
    ("Wilson interval of 0 trials", lambda ex: wilson_interval(0, 0), E.SimulationSettingError,
     "n >= 1"),
]


def _walk():
    """Two paths of 10 steps for BTC and ETH, seeded."""
    rng = np.random.default_rng(0)
    out = {}
    for symbol, s0 in (("BTC-PERP", 50_000), ("ETH-PERP", 2_000)):
        steps = np.concatenate([np.zeros((2, 1)), rng.normal(0, 0.01, (2, 10)).cumsum(1)], 1)
        out[symbol] = s0 * np.exp(steps)
    return out


HEDGE = [Leg("ETH-PERP", 2, 10), Leg("BTC-PERP", -0.04, 10)]


def _unmarked(ex):
    ex.marks.pop("SOL-PERP")  # as if SOL had just been listed
    try:
        A(ex).buy("SOL-PERP", 1)
    finally:
        ex.marks["SOL-PERP"] = D(100)


@pytest.mark.parametrize("action, error, words", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error_and_changes_nothing(ex, action, error, words):
    before = state(ex)
    with pytest.raises(error) as info:
        action(ex)
    assert isinstance(info.value, E.MarginLabError)
    assert words in str(info.value)
    assert state(ex) == before
    # and the exchange still works
    ex.account("bob").buy("ETH-PERP", "0.1")
    assert ex.ledger.total() == ex.ledger.deposited


def test_margin_removal_that_would_liquidate_is_refused():
    ex = ml.Exchange(marks={"ETH-PERP": 2000})
    a = ex.open_account("a", 1_000, mode="isolated")
    a.buy("ETH-PERP", 1, leverage=10)        # 200 margin
    a.add_margin("ETH-PERP", 300)            # 500 margin
    ex.set_mark("ETH-PERP", 1_700)           # equity 200, IM at mark 170, MM 8.5
    assert a.max_removable_margin("ETH-PERP") == 500 - 300 - 170
    before = state(ex)
    with pytest.raises(E.InsufficientMarginError, match="at most 30.00"):
        a.remove_margin("ETH-PERP", 100)     # equity 100 > MM: below IM but not liquidating
    with pytest.raises(E.WouldLiquidateError, match="would liquidate it at once"):
        a.remove_margin("ETH-PERP", 195)     # equity 5 <= MM 8.5
    assert state(ex) == before
    assert a.remove_margin("ETH-PERP", 30) == 30


def test_a_trade_far_from_the_mark_that_would_liquidate_is_refused():
    ex = ml.Exchange(marks={"ETH-PERP": 2000})
    a = ex.open_account("a", 100)
    before = state(ex)
    # buying at 2,100 when the mark is 2,000 starts 100 under water at 20x: equity below MM
    with pytest.raises(E.WouldLiquidateError, match="immediate liquidation"):
        a.buy("ETH-PERP", 1, price=2100, leverage=50)
    assert state(ex) == before


@pytest.mark.parametrize("call, error", [
    (lambda: ml.liquidation_price("long", 0, 2000, 100, ml.ETH_PERP), E.InvalidQuantityError),
    (lambda: ml.isolated_liquidation_price("long", 1, float("nan"), 100, ml.ETH_PERP),
     E.InvalidPriceError),
    (lambda: ml.isolated_liquidation_price("long", 1, 2000, -5, ml.ETH_PERP),
     E.InvalidAmountError),
    (lambda: ml.cross_liquidation_price("long", 1, 2000, math.inf, ml.ETH_PERP),
     E.InvalidAmountError),
    (lambda: ml.bankruptcy_price("long", 1, -2000, 100), E.InvalidPriceError),
    (lambda: ml.max_open_quantity(1000, 2000, 0, ml.ETH_PERP), E.InvalidLeverageError),
    (lambda: ml.max_open_quantity(1000, 2000, 101, ml.ETH_PERP), E.InvalidLeverageError),
    (lambda: ml.max_open_quantity(-1, 2000, 10, ml.ETH_PERP), E.InvalidAmountError),
    (lambda: ml.required_initial_margin(1, 2000, 500, ml.ETH_PERP), E.InvalidLeverageError),
    (lambda: ml.make_tiers([(100, "0.01", 10)]), E.ConfigurationError),
    (lambda: ml.make_tiers([(0, "0.01", 10), (0, "0.02", 5)]), E.ConfigurationError),
    (lambda: ml.make_tiers([(0, "1.5", 1)]), E.ConfigurationError),
    (lambda: ml.make_tiers([(0, "0.02", 10), (100, "0.01", 5)]), E.ConfigurationError),
    (lambda: ml.make_tiers([(0, "0.01", 10), (100, "0.02", 20)]), E.ConfigurationError),
    (lambda: ml.make_tiers([(0, "0.2", 10)]), E.ConfigurationError),
    (lambda: ml.make_tiers([]), E.ConfigurationError),
    (lambda: ml.linear_perp("X-PERP", [(0, "0.01", 10)], tick_size=0), E.ConfigurationError),
    (lambda: ml.linear_perp("X-PERP", [(0, "0.01", 10)], taker_fee=1.5),
     E.ConfigurationError),
    (lambda: ml.hyperliquid_perp("X-PERP", 0), E.ConfigurationError),
    (lambda: ml.linear_perp("X-PERP", [(0, "0.01", 10)], as_of=2025), E.ConfigurationError),
    (lambda: ml.ContractSpec("X-PERP", ml.ETH_PERP.tiers, source=None), E.ConfigurationError),
    (lambda: ml.VenueRules(as_of=2025), E.ConfigurationError),
    (lambda: ml.BINANCE.but(source=["a"]), E.ConfigurationError),
    (lambda: ml.VenueRules(mm_basis="x"), E.ConfigurationError),
    (lambda: ml.VenueRules(liquidation_fill="x"), E.ConfigurationError),
    (lambda: ml.VenueRules(loss_sharing="x"), E.ConfigurationError),
    (lambda: ml.VenueRules(adl_ranking="x"), E.ConfigurationError),
    (lambda: ml.Exchange(marks={"NOPE": 1}), E.UnknownSymbolError),
    (lambda: ml.Exchange(insurance_fund=-1), E.InvalidAmountError),
], ids=lambda c: getattr(c, "__name__", "case"))
def test_formulas_and_configuration_reject_nonsense(call, error):
    with pytest.raises(error) as info:
        call()
    assert str(info.value)


def test_formula_side_must_be_long_or_short():
    with pytest.raises(ValueError, match="'long' or 'short'"):
        ml.bankruptcy_price("up", 1, 2000, 100)


def test_readable_numbers_are_accepted():
    ex = ml.Exchange(marks={"ETH-PERP": 2000})
    a = ex.open_account("a", "1,000.50")
    a.buy("ETH-PERP", "0.5", price="2_000")
    assert a.wallet_balance == D("1000.50") - D("0.5") * 2000 * ml.ETH_PERP.taker_fee
    import numpy as np

    a.buy("ETH-PERP", np.float64(0.25), price=np.float64(2000.1))
    a.buy("ETH-PERP", np.int64(1))
    assert a.position("ETH-PERP").quantity == D("1.75")


# --- numbers of every type are read exactly ----------------------------------------------------
def _story(dep, qty, px, lev, mark, rate, margin):
    """One exchange through deposits, an isolated and a cross trade, a mark move, funding and a
    margin top-up, every number passed as given."""
    ex = ml.Exchange(marks={"ETH-PERP": px, "BTC-PERP": 50_000}, insurance_fund=dep)
    a = ex.open_account("a", deposit=dep, leverage=lev)
    a.buy("ETH-PERP", qty, price=px, leverage=lev, mode="isolated")
    a.sell("BTC-PERP", qty / 50 if not isinstance(qty, str) else "0.01", leverage=lev)
    ex.set_mark("ETH-PERP", mark)
    ex.apply_funding("ETH-PERP", rate)
    a.add_margin("ETH-PERP", margin)
    return state(ex), [e.message for e in ex.events]


PLAIN = (1_000, "0.5", 2_000, 10, "1950.5", "0.0001", "12.25")


@pytest.mark.parametrize("numbers", [
    (1_000, 0.5, 2_000.0, 10, 1950.5, 0.0001, 12.25),
    (D(1_000), D("0.5"), D(2_000), D(10), D("1950.5"), D("0.0001"), D("12.25")),
    (Fraction(1_000), Fraction(1, 2), Fraction(2_000), Fraction(10), Fraction(3901, 2),
     Fraction(1, 10_000), Fraction(49, 4)),
    (np.int64(1_000), np.float64(0.5), np.int32(2_000), np.int64(10), np.float64(1950.5),
     np.float64(0.0001), np.float64(12.25)),
    (np.float32(1_000), np.float32(0.5), np.float32(2_000), np.uint8(10), np.float32(1950.5),
     np.float32(0.0001), np.float32(12.25)),
    (np.array(1_000), np.array(0.5), np.array(2_000.0), np.array(10), np.array(1950.5),
     np.array(0.0001), np.array(12.25)),
    ("1,000", "0.5", "2_000", "10", "1_950.5", "1e-4", "12.25"),
], ids=["float", "Decimal", "Fraction", "numpy64", "numpy32", "0-d arrays", "text"])
def test_every_kind_of_number_gives_exactly_the_same_exchange(numbers):
    assert _story(*numbers) == _story(*PLAIN)


def test_a_notebook_decimal_context_changes_no_engine_result():
    reference = _crash_story()
    with localcontext() as notebook:  # what a learner may do in a notebook before using ml
        notebook.prec, notebook.rounding = 5, ROUND_UP
        notebook.traps[Inexact] = True  # any rounding in the notebook's context would raise
        changed = _crash_story()
        assert getcontext().prec == 5 and getcontext().rounding == ROUND_UP  # given back
    assert changed == reference


def _crash_story():
    """Trades, a crash with a bankrupt cross account, ADL, funding and the formulas."""
    ex = ml.Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=0)
    x = ex.open_account("x", "800.01")
    x.sell("ETH-PERP", 1, leverage=10)
    x.buy("BTC-PERP", "0.1", leverage=10)
    y = ex.open_account("y", 5_000)
    y.buy("ETH-PERP", 1, leverage=7)
    z = ex.open_account("z", 3_000, mode="isolated")
    z.sell("BTC-PERP", "0.033", leverage=3)
    ex.apply_funding("BTC-PERP", "0.000123")
    ex.set_marks({"ETH-PERP": "2333.33", "BTC-PERP": "47777.7"})
    liq = [y.liquidation_price("ETH-PERP"), z.liquidation_price("BTC-PERP"),
           ml.liquidation_price("long", "0.777", "1999.99", "333.33", ml.ETH_PERP),
           ml.bankruptcy_price("short", 3, "1234.56", "99.99"),
           ml.max_open_quantity("777.77", "1999.99", 33, ml.ETH_PERP)]
    ex.set_marks({"ETH-PERP": 6000, "BTC-PERP": 11_000})
    return state(ex), [e.message for e in ex.events], liq, [a.summary() for a in
                                                           ex.sorted_accounts()]


# --- simulation inputs of every type, and runs too large for memory ----------------------------
def test_simulation_entry_points_take_numpy_and_exact_numbers():
    plain = replay(_walk(), HEDGE, 1_000, funding_rate=0.001, funding_every=2,
                   insurance_fund=50, chunk=1)
    legs = [Leg("ETH-PERP", np.int64(2), np.float32(10)), Leg("BTC-PERP", D("-0.04"),
                                                              Fraction(10))]
    other = replay(_walk(), legs, np.float32(1_000), funding_rate=D("0.001"),
                   funding_every=np.int64(2), insurance_fund=Fraction(50), chunk=np.uint8(1))
    pd.testing.assert_frame_equal(plain.accounts, other.accounts)
    assert legs_for(Fraction(10)) == legs_for(np.int64(10)) == legs_for(10)
    a = liquidation_odds(leverages=(5, 10), paths=20, days=2, seed=3)
    b = liquidation_odds(leverages=(np.int64(5), D(10)), paths=np.int64(20), days=np.float32(2),
                         seed=np.int64(3), deposit=D(1_000), committed=Fraction(1, 2))
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_a_replay_larger_than_memory_is_refused_before_it_starts(monkeypatch):
    # 2 paths x 11 prices x 2 legs x 8 bytes x 5 = 1,760 bytes per chunk, 2 x 2 x 3 x 256 =
    # 3,072 bytes of tables: 4,832 bytes (4.7 KB); with 8,000 available, 4,000 may be used
    monkeypatch.setattr(inputs, "available_memory", lambda: 8_000)
    with pytest.raises(E.SimulationTooLargeError, match=r"about 4\.7 KB of memory"):
        replay(_walk(), HEDGE, 1_000)
    monkeypatch.setattr(inputs, "available_memory", lambda: 10_000)
    assert len(replay(_walk(), HEDGE, 1_000).accounts) == 4


def test_rules_can_be_named_by_their_preset():
    for name, preset in [("Binance", ml.BINANCE), ("bybit", ml.BYBIT),
                         ("Bybit (classic)", ml.BYBIT), (" BitMEX ", ml.BITMEX),
                         ("hyperliquid", ml.HYPERLIQUID), ("Socialized", ml.SOCIALIZED)]:
        assert ml.Exchange(rules=name).rules is preset
    by_name = replay(_walk(), HEDGE, 1_000, rules="Bybit")
    by_value = replay(_walk(), HEDGE, 1_000, rules=ml.BYBIT)
    assert by_name.accounts.equals(by_value.accounts)
