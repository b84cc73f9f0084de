"""Bad input gets a specific, understandable error and changes nothing."""

import math
from decimal import Decimal

import pytest

import marginlab as ml
from marginlab import errors as E

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
    """alice: cross ETH long and isolated BTC long; bob: empty; a listed SOL without positions."""
    ex = ml.Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000, "SOL-PERP": 100},
                     insurance_fund=5_000)
    alice = ex.open_account("alice", deposit=2_000)
    alice.buy("ETH-PERP", 1, leverage=10)
    alice.buy("BTC-PERP", "0.01", leverage=10, mode="isolated")
    ex.open_account("bob", deposit=500)
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
    ("duplicate account", lambda ex: ex.open_account("bob", 10), E.MarginLabError,
     "already has an account"),
    ("empty trader name", lambda ex: ex.open_account("", 10), E.MarginLabError,
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
]


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
