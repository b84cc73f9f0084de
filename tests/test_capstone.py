"""The capstone's stress scenarios (lesson 14, exercise 13): money conserved everywhere, bad
designs refused before anything runs, and figures derived by hand from the venues' rules."""

import time
from decimal import Decimal

import pytest

from marginlab import errors
from marginlab.course.scenarios import capstone
from marginlab.course.scenarios.capstone import ETH_TIERS, PRESET_DESIGNS, Design, score
from marginlab.course.scenarios.deleverage import crash as lesson6_crash

ALL_AT_ONCE = Design(100, ETH_TIERS, "all_at_once", 0.0125, 50_000, "adl",
                     "pnl_x_margin_ratio", "Binance")
NO_FUND_MAX_LEVERAGE = Design(max_leverage=50, insurance_fund=0)


@pytest.mark.parametrize("design", [Design(), NO_FUND_MAX_LEVERAGE, ALL_AT_ONCE,
                                    *PRESET_DESIGNS.values()],
                         ids=lambda d: f"{d.name}-{d.max_leverage}x-{d.insurance_fund}")
@pytest.mark.parametrize("key", list(capstone.stress_scenarios()))
def test_money_is_conserved_in_every_scenario(design, key):
    ex = capstone.stress_scenarios()[key].run(design)
    assert ex.ledger.total() == ex.ledger.deposited
    assert ex.insurance_fund >= 0
    assert score(design).loc[key, "money conserved"]


BAD = [
    (dict(max_leverage=60), errors.InvalidLeverageError, "beyond what the tiers allow"),
    (dict(max_leverage=0), errors.InvalidLeverageError, "at least 1"),
    (dict(max_leverage=12.5), errors.InvalidLeverageError, "whole number"),
    (dict(liquidation_policy="gentle"), errors.ConfigurationError, "unknown liquidation_policy"),
    (dict(loss_sharing="bail-in"), errors.ConfigurationError, "unknown loss_sharing"),
    (dict(adl_ranking="random"), errors.ConfigurationError, "unknown adl_ranking"),
    (dict(base="FTX"), errors.ConfigurationError, "unknown base"),
    (dict(insurance_fund=-1), errors.InvalidAmountError, "cannot start in debt"),
    (dict(insurance_fund=10**7), errors.InvalidAmountError, "venue's capital"),
    (dict(insurance_fund=float("nan")), errors.InvalidAmountError, "insurance_fund"),
    (dict(liquidation_fee=-0.01), errors.InvalidAmountError, "liquidation_fee"),
    (dict(liquidation_fee=0.5), errors.InvalidAmountError, "0.01 is 1 %"),
    (dict(tiers=((0, 0.01, 50), (100, 0.005, 25))), errors.ConfigurationError, "tiers:"),
    (dict(tiers=((0, 0.05, 50),)), errors.ConfigurationError, "above the initial margin"),
    (dict(tiers=((1000, 0.01, 50),)), errors.ConfigurationError, "start at notional 0"),
    (dict(tiers="steep"), errors.ConfigurationError, "(floor USD, maintenance rate"),
    (dict(tiers=(("0", "0.01", "10"),)), errors.InvalidLeverageError, "allows at most 10x"),
]


@pytest.mark.parametrize("changes, error, words", BAD, ids=[w for *_, w in BAD])
def test_a_bad_design_is_refused_with_a_clear_message_and_nothing_runs(changes, error, words,
                                                                       monkeypatch):
    ran = []
    for name in ("whale", "crash", "collateral", "cascade_2020"):
        monkeypatch.setattr(capstone, name, lambda d, name=name: ran.append(name))
    with pytest.raises(error) as caught:
        Design(**changes)
    assert words in str(caught.value)
    with pytest.raises(errors.ConfigurationError, match="takes a Design"):
        score("Binance")
    assert ran == []


def test_no_fund_and_max_leverage_fails_where_it_must():
    table = score(NO_FUND_MAX_LEVERAGE)
    # 87 % longs at up to 50x (40x of the deposit, 80 % committed): an 18 % gap costs a 50x ETH
    # long 0.18 * 40 = 7.2 deposits; the 13 % of shorts cannot pay that, and there is no fund
    assert table.loc["crash", "unrecovered"] > 0 and not table.loc["crash", "passes"]
    assert not table.loc["total", "passes"]
    assert table.loc["total", "fund at end"] == 0
    assert "Breaks" in table.loc["crash", "verdict"]


def test_the_whale_deficit_is_the_book_slippage_beyond_its_margin():
    """Binance ETH brackets: 1,000,000 USD sits in the tier from 1,000,000 (MMR 2 %, 25x), so
    the whale holds IM = 40,000 and cum = 10,000 * 0.0015 + 100,000 * 0.0035 + 1,000,000 * 0.01
    = 10,365. At -3 % (1,940): equity 40,000 - 500 * 60 = 10,000 > MM 500 * 1,940 * 0.02 -
    10,365 = 9,035, alive. At -3.5 % (1,930): equity 5,000 < MM 8,935, liquidated all at once
    through the book: fill = 1,930 * (1 - 0.005 * 500 * 1,930 / 150,000) = 1,867.92, a loss of
    500 * (1,930 - 1,867.92) = 31,040, i.e. 26,040 beyond the 5,000 of equity: the fund pays."""
    fill = Decimal(1930) * (1 - Decimal("0.005") * 500 * 1930 / 150_000)
    deficit = 500 * (1930 - fill.quantize(Decimal("0.01"))) - 5000
    row = score(ALL_AT_ONCE).loc["whale"]
    assert row["fund loss"] == pytest.approx(float(deficit), abs=1)
    assert row["liquidated"] == 1 and row["haircuts"] == 0 and row["passes"]


def test_a_socialized_loss_is_counted_as_a_haircut():
    # lesson 6: the whale (5 ETH, bankruptcy 1,900) at 1,840 with no fund: 5 * 60 = 300 USDT
    r = lesson6_crash(fund=0, gap_pct=8, rule="socialize")
    figures = capstone.measure(r["exchange"], 0)
    assert figures["haircuts"] == pytest.approx(300, abs=1e-6)
    assert figures["deleveraged"] == 0 and figures["liquidated"] == 1


def test_adl_haircut_is_the_distance_from_the_mark():
    # the same with ADL: the shorts are closed at 1,900 instead of 1,840, 60 USDT per ETH, 5 ETH
    r = lesson6_crash(fund=0, gap_pct=8, rule="adl")
    figures = capstone.measure(r["exchange"], 0)
    assert figures["haircuts"] == pytest.approx(300, abs=1e-6)
    assert figures["deleveraged"] >= 1


def test_a_careful_design_passes_and_the_total_row_adds_up():
    careful = Design(max_leverage=10, insurance_fund=150_000,
                     tiers=((0, 0.02, 25), (100_000, 0.04, 12), (500_000, 0.08, 6),
                            (2_000_000, 0.15, 3)))
    table = score(careful)
    assert table.loc["total", "passes"], table["verdict"].to_dict()
    rows = table.drop(index="total")
    assert table.loc["total", "fund loss"] == pytest.approx(rows["fund loss"].sum())
    assert table.loc["total", "liquidated"] == rows["liquidated"].sum()
    assert table.loc["total", "fund at end"] == rows["fund at end"].min()
    assert all(v.startswith("Holds") for v in rows["verdict"])


def test_scoring_is_deterministic_fast_and_cached():
    design = Design(max_leverage=15, insurance_fund=75_000)
    start = time.perf_counter()
    fresh = capstone.score_table(design, capstone.run_scenarios(design))
    assert time.perf_counter() - start < 5  # the whole scoring in a few seconds
    assert fresh.equals(score(design)) and score(design).equals(score(design))
    table = score(design)
    table.loc["whale", "fund loss"] = -1  # a copy: the cache is not touched
    assert score(design).equals(fresh)


def test_baselines_cover_the_four_presets():
    table = capstone.baselines()
    assert list(table.index) == ["Binance", "Bybit", "Hyperliquid", "Drift"]
    assert table.loc["Hyperliquid", "max leverage"] == 25
    assert (table["fund at start"] == capstone.PRESET_FUND).all()
    # every preset breaks somewhere: each incident hurt real venues
    assert not table["passes"].any()


def test_a_design_keeps_its_base_rules_and_changes_only_what_it_sets():
    d = Design(base="Bybit", liquidation_policy="chunks", loss_sharing="clawback")
    rules = d.rules()
    assert rules.liquidation_fill == "bankruptcy" and rules.mm_basis == "entry"
    assert rules.liquidation_policy == "chunks" and rules.loss_sharing == "clawback"
    spec = d.contracts()[0]
    assert spec.max_leverage(0) == 50 and spec.liquidation_fee == Decimal("0.01")


def test_lesson_14_quiz_takes_the_right_answers_and_hints_at_wrong_ones():
    from marginlab.course.quizzes import lesson_14

    quiz = lesson_14.check_yourself()
    names = quiz.questions[0].options
    assert quiz.answer(0, names.index("Drift"))  # the least leverage offered, 10x
    # steep tiers: 1,000,000 USD sits in the tier from 500,000 (MMR 8 %, at most 6x)
    assert quiz.answer(1, "6") and not quiz.answer(1, "50")
    assert quiz.answer(2, 0) and not quiz.answer(2, 1)
    assert quiz.answer(3, 1)  # "no": the crash at 50x on one flat tier breaks a 250,000 fund
    assert "socialized" in quiz.feedback[2].value
    assert quiz.score == "2 of 4 right"  # the last answers to 2 and 3 were the wrong ones


def test_but_changes_a_preset_and_checks_it_again():
    drift = PRESET_DESIGNS["Drift"]
    bigger = drift.but(insurance_fund=100_000)
    assert bigger.insurance_fund == 100_000 and bigger.tiers == drift.tiers
    with pytest.raises(errors.InvalidLeverageError, match="beyond what the tiers allow"):
        drift.but(max_leverage=20)  # Drift's one tier allows 10x
    with pytest.raises(errors.ConfigurationError, match="has no leverage"):
        drift.but(leverage=5)


def test_the_remembered_rows_are_a_fresh_run_and_cannot_be_changed():
    design = Design(max_leverage=12, liquidation_policy="chunks", insurance_fund=30_000)
    fresh = capstone.run_scenarios(design)
    assert capstone.scenario_rows(design) == fresh == capstone.scenario_rows(design)
    capstone.scenario_rows(design)["whale"]["fund loss"] = -1  # a copy: what is kept holds
    assert capstone.scenario_rows(design) == fresh
    table = score(design)
    for key, row in fresh.items():
        assert {k: table.loc[key, k] for k in row} == row


def test_the_bar_in_words_says_the_figures_the_scoring_uses():
    text = " ".join(capstone.describe_bar().split())
    assert "more than 5 % of what it would have held" in text  # HAIRCUT_BAR = 5.0
    assert "capped at 250,000 USDT" in text and "the same 25,000 USDT" in text
    assert "no venue publishes one" in text
