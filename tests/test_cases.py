"""Lesson 13: the real cases replayed through the engine. Figures derived by hand from the
venues' formulas; money conserved in every replay, under every venue's rules."""

from decimal import Decimal as D

import pytest

from marginlab import errors
from marginlab.course.scenarios import CASES, FACTS, compare_venues, mango_collateral, replay_case
from marginlab.course.scenarios.cases import VENUES, case_summary

FEE = D("0.0005")  # the taker fee of every case's contract


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("key", list(CASES))
def test_money_is_conserved_in_every_replay(key, venue):
    r = replay_case(key, venue)
    ledger = r.exchange.ledger
    assert ledger.total() == ledger.deposited
    assert sum(r.who_pays) == 0  # every party's gain is another's loss
    for acct in r.exchange.sorted_accounts():  # negative balance protection
        assert acct.total_balance >= 0 or acct.positions


def test_the_whale_keeps_its_profit_and_the_vault_pays_the_book():
    r = replay_case("eth-whale")  # Hyperliquid's rules
    q, fees = D(160), D(160) * (D(1848) + 2 * D(1900)) * FEE
    im = q * 1900 / 50  # all the whale left in: the initial margin at 50x
    assert r.who_pays["the whale"] == q * (1900 - 1848) - fees - im  # 1,788.16
    assert r.who_pays["the whale"] == D("1788.16")
    kept = im - q * (1900 - 1872)  # the equity the vault takes over at 1,872: 1,600
    notional = q * 1872
    slippage = D("0.005") * notional * notional / 80_000  # s Q (P - F), linear book
    assert r.covered["backstop vault kept"] == kept == 1600
    assert r.covered["backstop vault lost unwinding"] == slippage
    assert r.who_pays["backstop vault"] == kept - slippage  # about -4,007: HLP's ~$4M loss
    assert r.who_pays["insurance fund"] == 0 and r.adl.empty


def test_the_same_whale_under_bankruptcy_price_rules_costs_the_shorts_an_adl():
    r = replay_case("eth-whale", "BitMEX")
    assert r.who_pays["backstop vault"] == 0
    assert r.covered["ADL haircut on winners"] > 0
    assert list(r.adl.trader)  # winners closed
    assert (r.adl["given up"] == r.adl.closed * (r.adl.mark - r.adl.price).abs()).all()


def test_october_10_adl_closes_the_top_short_at_the_bankrupt_long_s_price():
    r = replay_case("october-10")
    # long B: 20 ETH at 4,000, 4,200 deposited, opening fee 20 * 4,000 * 0.05 % = 40; at 3,700
    # its equity is 4,160 - 20 * 300 = -1,840: bankrupt, the 500 fund cannot pay, so ADL at
    # P_b = 3,700 + 1,840 / 20 = 3,792
    first = r.adl.iloc[0]
    assert first.price == D(3792) and first.closed == 20 and first.mark == 3700
    assert first["given up"] == 20 * 92
    assert r.covered["ADL haircut on winners"] == r.adl["given up"].sum()
    assert r.path.loc["21:10", "closed by ADL"] != "-"


def test_mango_attack_nets_nothing_when_adl_reaches_the_attacker_s_own_long():
    r = replay_case("mango", "Binance")
    opening_fees = 2 * D(483_000) * D("0.0382") * FEE
    assert r.who_pays["the attacker"] == -opening_fees
    assert list(r.adl.trader) == ["attacker B"]


def test_mango_under_socialized_loss_the_unrealized_profit_escapes():
    r = replay_case("mango", "Socialized loss")
    q, entry, top = D(483_000), D("0.0382"), D("0.91")
    balance = 5_000 - q * entry * FEE  # what B holds: its unrealized profit is not money yet
    deficit = q * (top - entry) - balance  # attacker A's loss beyond its balance
    assert r.covered["insurance fund paid"] == 50_000
    assert r.covered["socialized from winners"] == balance
    assert r.covered["unrecovered (counterparties)"] == deficit - 50_000 - balance
    assert r.who_pays["the attacker"] > 400_000


def test_mango_counted_unrealized_profit_the_engine_does_not():
    c = mango_collateral()
    q = D(483_000)
    profit = q * (D("0.91") - D("0.0382"))
    assert c["unrealized profit"] == pytest.approx(float(profit))
    wallet, im = 5_000 - q * D("0.0382") * FEE, q * D("0.91") / 5
    assert c["counted as collateral, less initial margin (Mango)"] == pytest.approx(
        float(wallet + profit - im))
    assert c["withdrawable (the engine, Binance's rule)"] == 0


def test_black_thursday_the_fund_pays_long_5_s_gap_and_no_one_is_adl_ed():
    r = replay_case("black-thursday", "Binance")
    # long 5: 1 BTC at 7,900, 3x isolated: margin 7,900 / 3; at 4,000 the book (50,000 USD per
    # 1 %) fills 1 BTC at 4,000 (1 - 0.005 * 4,000 / 50,000) = 3,998.40
    margin = (D(7900) / 3).quantize(D("0.00000001"))
    paid = [e for e in r.exchange.events if e.kind == "insurance fund" and e.trader == "long 5"]
    assert -paid[0].amount == (7900 - D("3998.40")) - margin
    assert r.adl.empty
    assert r.who_pays["insurance fund"] < 0  # the fund paid more than it earned


def test_an_empty_fund_turns_black_thursday_into_adl():
    assert replay_case("black-thursday", "BitMEX").adl.empty
    r = replay_case("black-thursday", "BitMEX", fund=0)
    assert not r.adl.empty and r.covered["insurance fund paid"] == 0


def test_compare_venues_has_one_row_per_venue_adding_up_to_zero():
    table = compare_venues("eth-whale")
    assert list(table.index) == list(VENUES)
    assert table.sum(axis=1).abs().max() < 1e-6
    assert table.loc["Hyperliquid", "backstop vault"] < 0
    assert (table.drop("Hyperliquid")["backstop vault"] == 0).all()
    assert "liquidators" not in table  # 0 under every venue: left out


def test_summary_and_facts():
    s = case_summary(replay_case("eth-whale"))
    assert set(s.index.get_level_values(0)) == {"net result", "how the losses were covered"}
    assert s.loc["net result", "USDT"].sum() == pytest.approx(0, abs=1e-6)
    assert not s.isna().any().any()
    assert set(FACTS) == set(CASES)
    assert all(len(f) == 3 for facts in FACTS.values() for f in facts)
    # every reported figure names its source with a full address a learner can open
    assert all("https://" in source for facts in FACTS.values() for _, source, _ in facts)


@pytest.mark.parametrize("call, error", [
    (lambda: replay_case("ftx"), errors.ConfigurationError),
    (lambda: replay_case("mango", "Kraken"), errors.ConfigurationError),
    (lambda: replay_case("mango", fund=-5), errors.InvalidAmountError),
])
def test_bad_input_gets_a_readable_error(call, error):
    with pytest.raises(error, match=r"\w"):
        call()
    assert replay_case("mango").who_pays["insurance fund"] <= 0  # nothing left changed


def test_check_yourself_takes_the_right_answers_and_hints_at_wrong_ones():
    from marginlab.course.quizzes import lesson_13

    quiz = lesson_13.check_yourself()
    notional = D(160) * 1872
    assert quiz.answer(0, 1) is True  # the backstop vault
    # the lesson shows the loss on the 80,000 book; the quiz asks for a book twice as deep
    assert quiz.answer(1, float(D("0.005") * notional * notional / 160_000)) is True
    assert quiz.answer(1, float(D("0.005") * notional * notional / 80_000)) is False
    assert quiz.answer(1, 4_000) is False
    assert [quiz.answer(i, 0) for i in (2, 3, 4)] == [True, True, True]
    assert quiz.answer(0, 0) is False and "withdrew" in quiz.feedback[0].value


def test_facts_and_adl_closes_read_as_tables():
    from marginlab.course.scenarios import adl_closes, facts

    assert list(facts("mango").columns) == ["reported", "source", "date"]
    closes = adl_closes(replay_case("october-10"))
    assert closes.loc[0, "price"] == 3792.0
    with pytest.raises(errors.ConfigurationError):
        facts("luna")


def test_black_thursday_gaps_bankrupt_every_long_but_the_25x_one():
    # lesson 13's prose: longs 1, 3, 4, 5 are bankrupt at the step that liquidates them; long 2
    # (1 BTC at 7,900, 25x, 400 USDT) is not: at 7,600 its equity 400 - 300 - fee is positive.
    # Its fill above the bankruptcy price (7,900 - 400 / 1 = 7,500, less the fee) pays the fund a
    # little, so the fund paid more than it lost.
    r = replay_case("black-thursday")
    gone = {m.split("'")[0] for m in r.messages if "equity was gone" in m}
    assert gone == {"long 1", "long 3", "long 4", "long 5"}
    assert any(m.startswith("long 2's") and "liquidated" in m for m in r.messages)
    assert r.covered["insurance fund paid"] > -r.who_pays["insurance fund"] > 0
    assert r.adl.empty
