"""Lesson 12: protocol margin engines. Expected values are worked out here from the protocols'
published rules (Hyperliquid docs; dydxprotocol/v4-chain; drift-labs/protocol-v2), not read
back from the code under test."""

from decimal import Decimal

import pytest

from marginlab.course.scenarios import (
    PROTOCOLS,
    drift_shortage,
    dydx_fillable_price,
    dydx_fills,
    dydx_isolated_market,
    health_table,
    liquidate_at,
    protocol_rules,
    same_account,
)
from marginlab.course.scenarios.protocols import ACCOUNTS
from marginlab.engine.errors import ConfigurationError, InvalidPriceError

# maintenance margin rate of each protocol's ETH market, from its own rule:
MMR = {"Hyperliquid": Decimal(1) / (2 * 25),          # 1 / (2 * max leverage 25)
       "dYdX v4": Decimal("0.05") * Decimal("0.6"),    # IMF 5 % x maintenance fraction 60 %
       "Drift v2": Decimal("0.05")}                    # margin_ratio_maintenance
Q, C, EP = Decimal(60), Decimal(12_500), Decimal(2000)  # ann: long 60 ETH at 2,000 on 12,500


def equity(p):
    return C + Q * (Decimal(p) - EP)


def test_the_rules_table_shows_each_protocols_rates():
    table = protocol_rules()
    assert list(table.index) == list(PROTOCOLS)
    for protocol, rate in MMR.items():
        assert table.loc[protocol, "maintenance margin %"] == pytest.approx(float(rate * 100))
    assert list(table["max leverage"]) == ["25x", "20x", "10x"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_liquidation_price_solves_equity_equals_maintenance(protocol):
    m = MMR[protocol]
    expected = (Q * EP - C) / (Q * (1 - m))  # C + Q (P - EP) = Q P m
    assert health_table(protocol, 1900).loc["ann", "liquidation price"] == \
        pytest.approx(float(expected), abs=0.01)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_public_health_is_sorted_most_endangered_first(protocol):
    table = health_table(protocol, 1830)
    ratios = list(table["margin ratio %"])
    assert ratios == sorted(ratios, reverse=True)
    for name, (size, collateral) in ACCOUNTS.items():
        s = Decimal(size)
        eq = collateral + s * (Decimal(1830) - EP)
        mm = abs(s) * 1830 * MMR[protocol]
        assert table.loc[name, "equity"] == pytest.approx(float(eq))
        assert bool(table.loc[name, "liquidatable"]) == (eq <= mm)


def test_the_same_oracle_liquidates_on_one_protocol_and_not_another():
    rows = same_account(1840)
    # 2,900 of equity against MM 2,208 (2 %), 3,312 (3 %), 5,520 (5 %)
    assert list(rows["liquidatable"]) == [False, True, True]
    assert rows.loc["dYdX v4", "ETH closed"] == 60
    fee = min(equity(1840), Q * 1840 * Decimal("0.005"))  # min(left, max liquidation fee)
    assert rows.loc["dYdX v4", "to insurance fund"] == pytest.approx(float(fee))
    assert rows.loc["dYdX v4", "ann keeps"] == pytest.approx(float(equity(1840) - fee))


def test_hyperliquid_closes_a_fifth_of_a_position_above_100000():
    rows = same_account(1825)
    assert Q * 1825 > 100_000
    assert rows.loc["Hyperliquid", "ETH closed"] == pytest.approx(float(Q * Decimal("0.2")))
    assert rows.loc["Hyperliquid", "ann keeps"] == pytest.approx(float(equity(1825)))  # no fee


def test_hyperliquid_backstop_vault_takes_the_collateral_below_two_thirds():
    mm = Q * 1800 * MMR["Hyperliquid"]
    assert 0 < equity(1800) < mm * 2 / 3
    rows = same_account(1800)
    assert rows.loc["Hyperliquid", "to backstop vault"] == pytest.approx(float(equity(1800)))
    assert rows.loc["Hyperliquid", "ann keeps"] == 0


def test_drift_closes_only_the_shortage_with_both_fees_inside():
    p, m, buffer, fees = Decimal(1880), MMR["Drift v2"], Decimal("0.02"), Decimal("0.02")
    shortage = Q * p * (m + buffer) - equity(p)
    base = shortage / (p * (m + buffer) - p * fees)  # Drift's worked formula
    r = drift_shortage(1880)
    assert r["shortage"] == shortage == Decimal(2596)
    assert r["ETH closed"] == Decimal("27.618")  # the formula's base, rounded up to a lot
    assert r["ETH closed"] - base < Decimal("0.001")
    assert r["to liquidator"] == r["to insurance fund"] == Decimal("27.618") * p / 100
    assert r["margin ratio after"] < 1


def test_a_bankruptcy_goes_where_each_protocol_sends_it():
    deficit = -equity(1760)
    assert deficit == 1900
    rows = same_account(1760)
    assert list(rows["deficit"]) == [1900.0] * 3
    assert rows.loc["Hyperliquid", "other traders pay"] == 1900  # no fund: ADL
    # dYdX: a fund that cannot cover the whole deficit does not fill: deleveraging
    assert rows.loc["dYdX v4", "insurance fund pays"] == 0
    assert rows.loc["dYdX v4", "other traders pay"] == 1900
    assert rows.loc["Drift v2", "insurance fund pays"] == 1000
    assert rows.loc["Drift v2", "other traders pay"] == 900


def test_drift_socializes_per_unit_of_open_interest_longs_and_shorts_alike():
    r = liquidate_at("Drift v2", 1760)
    others = {n: abs(Decimal(s)) for n, (s, _) in ACCOUNTS.items() if n != "ann"}
    per_unit = Decimal(900) / sum(others.values())  # |loss| / (|base long| + |base short|)
    paid = {n: Decimal(0) for n in others}
    for t in r["exchange"].ledger.transfers[r["start"]:]:
        if t.reason.startswith("socialized loss"):
            paid[t.reason.split()[-1]] += t.amount
    for name, base in others.items():
        assert paid[name] == pytest.approx(base * per_unit, abs=Decimal("0.02"))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("oracle", [1600, 1760, 1840, 2300])
def test_money_is_conserved(protocol, oracle):
    ex = liquidate_at(protocol, oracle)["exchange"]
    assert ex.ledger.total() == ex.ledger.deposited


def test_dydx_fillable_price_runs_from_the_oracle_to_the_full_spread():
    # at the threshold TNC = TMMR the order fills at the oracle
    assert dydx_fillable_price(1, 10, 2000, 600, 600, 600) == 2000
    # TNC = 0: ABR = 1, the discount is SMMR x PMMR / Q = 0.1 x 600 / 10 = 6
    assert dydx_fillable_price(1, 10, 2000, 0, 600, 600) == 1994
    assert dydx_fillable_price(-1, 10, 2000, -50, 600, 600) == 2006  # short, clamped at 1
    assert dydx_fillable_price(1, 10, 2000, 300, 600, 600) == 1997  # halfway
    table = dydx_fills(oracles=(1830,))
    tnc, tmmr = equity(1830), Q * 1830 * MMR["dYdX v4"]
    fill = 1830 - (1 - tnc / tmmr) * Decimal("0.1") * tmmr / Q
    assert table.loc[1830.0, "fillable price"] == pytest.approx(float(fill))
    assert table.loc[1830.0, "liquidator earns at most"] == pytest.approx(float(Q * (1830 - fill)))


def test_a_dydx_isolated_market_keeps_its_loss_to_itself():
    small = dydx_isolated_market(11)  # deficit 10,000 x 0.11 - 1,000 = 100 < fund 200
    big = dydx_isolated_market(15)    # deficit 500 > 200: the MEME shorts are deleveraged
    for table in (small, big):
        for place in ("ann: cross subaccount (ETH)", "ETH insurance fund"):
            assert table.loc[place, "before"] == table.loc[place, "after"]
        assert table.loc["ann/1: isolated subaccount (MEME)", "after"] == 0
    assert small.loc["MEME insurance fund", "after"] == 100
    assert big.loc["MEME insurance fund", "after"] == 200
    # the shorts earn 10,000 x 0.15 = 1,500 at the mark but give up the 500 deficit
    assert big.loc["MEME shorts (gus + hal)", "after"] == 3000 + 1500 - 500


@pytest.mark.parametrize("call, error", [
    (lambda: health_table("Binance", 1800), ConfigurationError),
    (lambda: liquidate_at("dYdX v4", -5), InvalidPriceError),
    (lambda: same_account("a lot"), InvalidPriceError),
    (lambda: dydx_fillable_price(1, 0, 2000, 1, 1, 1), ConfigurationError),
])
def test_bad_input_says_what_is_wrong(call, error):
    with pytest.raises(error) as info:
        call()
    assert len(str(info.value)) > 20


def test_the_lessons_quiz_accepts_the_right_answers_and_hints_at_wrong_ones():
    from marginlab.course.quizzes import lesson_12

    quiz = lesson_12.check_yourself()
    # at 1,835 (a price the lesson does not print) equity 12,500 - 60 x 165 = 2,600 is above
    # 60 x 1,835 x 2 % = 2,202 and below 3 % (3,303) and 5 % (5,505)
    assert quiz.questions[0].options[quiz.questions[0].answer] == "dYdX v4 and Drift v2"
    assert quiz.answer(1, "550.5") is True  # min(2,600, 0.5 % x 60 x 1,835)
    assert quiz.answer(1, "2,600") is False
    # at 1,870: shortage 60 x 1,870 x 7 % - (12,500 - 60 x 130) = 7,854 - 4,700 = 3,154;
    # base = 3,154 / (1,870 x 5 %) = 33.7326..., the engine closes 33.733 (a lot above)
    assert quiz.answer(3, "33.733") is True
    assert quiz.answer(3, "60") is False
    # at 1,810 (the lesson prints 1,800): equity 12,500 - 60 x 190 = 1,100, below 2/3 of
    # 60 x 1,810 x 2 % = 2,172 (1,448): a backstop liquidation, the vault takes the 1,100
    assert "1,100 USDC" in quiz.questions[2].prompt
    assert "backstop vault" in quiz.questions[2].options[quiz.questions[2].answer]
    assert quiz.answer(2, 0) is False and "2/3" in quiz.feedback[2].value
    for i, q in enumerate(quiz.questions):
        if hasattr(q, "options"):
            assert quiz.answer(i, q.answer) is True
            wrong = (q.answer + 1) % len(q.options)
            assert quiz.answer(i, wrong) is False
            assert "Not quite" in quiz.feedback[i].value
