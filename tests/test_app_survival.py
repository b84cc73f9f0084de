"""Lesson 7: how far each mode survives, checked against the engine."""

import pytest
from apphelpers import sweep

import marginlab as ml
from marginlab.course.scenarios import open_twin, survival
from marginlab.course.widgets import SurvivalApp


@pytest.mark.parametrize("mode", ["cross", "isolated"])
@pytest.mark.parametrize("leverage", [3, 10, 25])
def test_the_survival_distance_is_where_the_engine_liquidates(mode, leverage):
    fall = survival(mode, deposit=1_000, leverage=leverage, committed_pct=60)["fall %"]
    for delta, liquidated in ((-0.1, False), (0.1, True)):
        ex = open_twin(mode, deposit=1_000, leverage=leverage, committed_pct=60)
        mark = round(2000 * (1 - (fall + delta) / 100), 2)
        ex.set_mark("ETH-PERP", mark)
        assert ("ETH-PERP" not in ex.account(mode).positions) is liquidated


def test_cross_survives_further_but_loses_more_when_it_goes():
    cross, iso = survival("cross"), survival("isolated")
    assert cross["fall %"] > iso["fall %"]
    assert cross["lost"] > iso["lost"]
    assert cross["closed"] == "ETH, BTC" and iso["closed"] == "ETH"


def test_sizing_with_max_open_quantity_is_affordable():
    for lev in (2, 10, 50):
        q = ml.max_open_quantity(1_000, 2_000, lev, ml.ETH_PERP)
        ex = ml.Exchange(marks={"ETH-PERP": 2000})
        ex.open_account("a", 1_000).buy("ETH-PERP", q, leverage=lev)  # must not raise
        with pytest.raises(ml.errors.InsufficientMarginError):
            ex.open_account("b", 1_000).buy("ETH-PERP", q + ml.ETH_PERP.lot_size, leverage=lev)


def test_app_sweep_and_bars():
    app = SurvivalApp()
    assert sweep(app, points=7) > 15
    assert app.fall_bars[0].get_width() == pytest.approx(
        app.state["cross first liquidation fall %"])
    app.controls["leverage"].value = 1
    assert app.fall_text[1].get_text() == "never"
