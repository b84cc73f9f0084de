"""Lesson 10: lesson 4's crash under each venue's liquidation policy, checked by hand.

Lesson 4's trader: 1,000 USDT, 600 of margin at 10x, 70 % ETH / 30 % BTC: 420 * 10 / 2,000 =
2.1 ETH and 180 * 10 / 50,000 = 0.036 BTC, taker fee 0.05 % on 4,200 + 1,800 = 6,000 of notional,
so the wallet holds 1,000 - 3 = 997 and equity is ``997 + 2.1 (P_ETH - 2,000) + 0.036 (P_BTC -
50,000)``. The 1,000,000 USDT account is the same times 1,000 (2,100 ETH, 36 BTC, wallet
997,000). Prices are read from the seeded path (an input); everything else is worked out here
from the venues' published brackets (ETH: 0.5 % to 10,000, 0.65 % to 100,000, 1 % to 1M, 2 % to
2M, 5 % to 5M; BTC: 0.4 % to 50,000, 0.5 % to 250,000, 1 % to 1M, 2.5 % to 10M) and the 1.25 %
liquidation fee.
"""

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import (
    LESSON_4_CRASH,
    rescue_case,
    rescue_search,
    unwind_crash,
    unwinding_table,
)
from marginlab.course.scenarios.unwinding import VENUES
from marginlab.course.widgets import UnwindApp

ETH_BRACKETS = [(0, 0.005), (10_000, 0.0065), (100_000, 0.01), (1_000_000, 0.02),
                (2_000_000, 0.05), (5_000_000, 0.1)]
BTC_BRACKETS = [(0, 0.004), (50_000, 0.005), (250_000, 0.01), (1_000_000, 0.025)]


def mm(notional, brackets):
    """Maintenance margin, each slice of notional at its own bracket's rate."""
    total = 0.0
    for (floor, rate), (top, _) in zip(brackets, [*brackets[1:], (float("inf"), 0)],
                                       strict=True):
        total += max(0.0, min(notional, top) - floor) * rate
    return total


def equity(prices, scale=1):
    return scale * (997 + 2.1 * (prices["ETH-PERP"] - 2000) + 0.036 * (prices["BTC-PERP"]
                                                                      - 50_000))


def at(run, step):
    return run.curve.set_index("step").loc[step]


@pytest.mark.parametrize("venue", VENUES)
def test_in_lesson_4s_crash_every_policy_closes_everything_and_the_fund_pays_the_gap(venue):
    run = unwind_crash(venue, **LESSON_4_CRASH)
    [step] = run.steps["step"][run.steps["kind"] == "liquidation"].unique()
    gone = equity(at(run, step))
    before = equity(at(run, step - 1))
    mm_before = mm(2.1 * at(run, step - 1)["ETH-PERP"], ETH_BRACKETS) \
        + mm(0.036 * at(run, step - 1)["BTC-PERP"], BTC_BRACKETS)
    assert before > mm_before and gone < 0  # one step from above maintenance to bankrupt
    row = run.row
    assert (row["ETH closed"], row["BTC closed"], row["final equity"]) == (2.1, 0.036, 0)
    assert row["insurance fund change"] == pytest.approx(gone, abs=1e-6)  # the fund pays -E
    assert row["bankrupt"] and row["backstop vault change"] == 0


def test_the_table_has_one_row_per_venue_and_the_teaching_model_first():
    table = unwinding_table(**LESSON_4_CRASH)
    assert list(table.index) == list(VENUES)
    assert table["policy"].tolist() == ["all at once", "to compliance", "tier step down",
                                        "tier step down", "chunks", "shortage only"]
    assert (table["pool kept %"] == 0).all()


def test_hyperliquids_backstop_vault_takes_what_is_left_below_two_thirds_of_mm():
    run = unwind_crash("Hyperliquid", crash_pct=30, slide=60)
    [step] = run.steps["step"].unique()
    prices = at(run, step)
    e = equity(prices)
    maintenance = 2.1 * prices["ETH-PERP"] * 0.005 + 0.036 * prices["BTC-PERP"] * 0.004
    assert 0 < e < 2 / 3 * maintenance
    assert run.row["backstop vault change"] == pytest.approx(e, abs=1e-6)
    assert run.row["insurance fund change"] == 0 and run.row["final equity"] == 0
    assert not run.row["bankrupt"]


def test_binance_closes_just_enough_of_the_large_eth_position_to_comply():
    """Where ETH's tier rate m = 5 % is above the fee f = 1.25 %, closing q frees q P (m - f):
    the smallest q in lots with q P (m - f) > MM - E."""
    run = unwind_crash("Binance", crash_pct=18, slide=40, recovery_pct=100, deposit=1_000_000)
    first = run.steps[run.steps["kind"] == "liquidation"].iloc[0]
    prices = at(run, first["step"])
    e = equity(prices, scale=1000)
    eth, btc = 2100 * prices["ETH-PERP"], 36 * prices["BTC-PERP"]
    short = mm(eth, ETH_BRACKETS) + mm(btc, BTC_BRACKETS) - e
    assert 2_000_000 < eth < 5_000_000 and short > 0
    lots = short / (prices["ETH-PERP"] * (0.05 - 0.0125)) / 0.001
    expected = (int(lots) + 1) * 0.001
    closed = 2100 - at(run, first["step"])["ETH qty"]
    assert closed == pytest.approx(expected, abs=1e-9)
    assert run.row["BTC closed"] == 0  # BTC is never touched


def test_a_small_account_is_rescued_by_no_venue_and_the_large_one_is():
    """At 1,000 USDT every tier rate (0.5 %, 0.4 %) is below the 1.25 % fee: a close costs more
    than it frees, so no policy can stop part-way."""
    found = rescue_search()
    assert found["rescued by"].iloc[0] == "no venue"
    assert "Binance" in found["rescued by"].iloc[-1]
    case = rescue_case()
    assert case["deposit"] == 1_000_000 and case["slide"] == 40
    table = unwinding_table(**case)
    teaching = table.loc[VENUES[0]]
    assert teaching["ETH closed"] == 2100 and teaching["BTC closed"] == 36
    assert table.loc["Binance", "final equity"] > teaching["final equity"]


def test_the_lessons_rescue_picture_is_the_rescue_case():
    import json
    from pathlib import Path

    lesson = Path(__file__).resolve().parents[1] / "lessons" / "10_how_venues_unwind.ipynb"
    cells = json.loads(lesson.read_text(encoding="utf-8"))["cells"]
    source = "".join("".join(c["source"]) for c in cells)
    case = rescue_case()
    assert (f"crash={case['crash_pct']}, slide={case['slide']}, leverage={case['leverage']}, "
            f"recovery={case['recovery_pct']}, deposit={case['deposit']:_}") in source


def test_app_follows_the_scenario_and_sweeps_cleanly():
    app = UnwindApp()
    assert app.state["venue ETH closed"] == 2.1 and app.state["venue final equity"] == 0
    app.controls["deposit"].value = 1_000_000
    for name, value in (("crash", 18), ("slide", 40), ("recovery", 100)):
        app.controls[name].value = value
    assert app.error is None
    assert app.state["venue pool kept %"] > app.state["teaching pool kept %"]
    assert app.venue_line.get_ydata()[0] == pytest.approx(100)
    assert "Binance" in app.alt and "teaching model" in app.alt
    app.controls["venue"].value = "Hyperliquid"
    assert app.venue_line.get_label() == "Hyperliquid"
    assert sweep(UnwindApp(), points=3) > 15


# --- lessons 4 and 8: where the fund pays, how the cascade's accounts went, who ADL can reach ---
def test_lesson_4s_fund_pays_each_twins_gap_past_the_bankruptcy_price():
    """Isolated: 420 of margin behind 2.1 ETH, bankruptcy price 2,000 - 420 / 2.1 = 1,800,
    filled at 1,793.81: the gap is 2.1 x 6.19 = 13.00. Cross: equity at the step's prices."""
    from marginlab.course.scenarios import fund_payments, replay_twins

    run = replay_twins(crash_pct=30)
    paid = fund_payments(run).set_index("trader")
    fill = run.liquidations.set_index("trader").loc["isolated", "price"]
    assert paid.loc["isolated", "fund paid"] == pytest.approx(2.1 * (1800 - fill), abs=1e-9)
    step = paid.loc["cross", "step"]
    prices = run.path.set_index("step").loc[step]
    assert paid.loc["cross", "fund paid"] == pytest.approx(-equity(prices), abs=1e-9)


def test_lesson_8s_cascade_counts_every_liquidation_once_and_adl_reaches_only_the_shorts():
    from marginlab.course.scenarios import cascade_unwinding, crowd_sides
    from marginlab.simulation import market

    result = market.cascade_twins()
    counts = cascade_unwinding(result)
    events = result.exchanges["cross"].events.of_kind("liquidation")
    assert counts.sum() == len(events) and counts["equity gone"] > counts["a venue's step"]
    sides = crowd_sides()
    assert (sides["rest of the market"] == sides["crowd longs"] - sides["crowd shorts"]).all()
    assert (sides["crowd longs"] > 2 * sides["crowd shorts"]).all()  # a mostly long crowd


@pytest.mark.parametrize("bad, words", [
    ({"crash_pct": 150}, "from 0 to below 100"), ({"crash_pct": -5}, "from 0 to below 100"),
    ({"slide": "x"}, "whole number from 1 to 120"), ({"slide": 500}, "from 1 to 120"),
    ({"recovery_pct": -50}, "from 0 to 100"), ({"venue": "Kraken"}, "rules must be"),
])
def test_a_crash_the_path_cannot_draw_is_refused_in_words(bad, words):
    from marginlab.engine.errors import MarginLabError

    venue = bad.pop("venue", "Binance")
    with pytest.raises(MarginLabError, match=words):
        unwind_crash(venue, **bad)
