"""Lesson 14: the design app fills a Design from its controls and draws what score() says."""

import pytest
from apphelpers import sweep

from marginlab.course.scenarios.capstone import TIER_TABLES, Design, score
from marginlab.course.widgets import DesignApp


def test_the_app_scores_the_design_its_controls_describe():
    app = DesignApp()
    app.controls["max_leverage"].value = 10
    app.controls["tiers"].value = "steep"
    app.controls["fee"].value = 0.5
    app.controls["fund"].value = 120_000
    app.controls["sharing"].value = "socialize"
    design = Design(max_leverage=10, tiers=TIER_TABLES["steep"], liquidation_fee=0.005,
                    insurance_fund=120_000, loss_sharing="socialize")
    table = score(design)
    for i, key in enumerate(app.keys):
        paid = max(0.0, table.loc[key, "fund loss"])
        assert app.state[f"{key}: fund paid"] == pytest.approx(paid)
        widths = [app.bars[part][i].get_width() for part in ("fund paid", "haircuts",
                                                              "unrecovered")]
        assert widths == pytest.approx([paid, table.loc[key, "haircuts"],
                                        table.loc[key, "unrecovered"]])
        # the segments are stacked: each starts where the one before ends
        assert app.bars["haircuts"][i].get_x() == pytest.approx(paid)
        assert ("holds" if table.loc[key, "passes"] else "BREAKS") in app.labels[i].get_text()
    assert app.state["passed"] == int(table.drop(index="total")["passes"].sum())
    assert f"holds in {app.state['passed']} of 4" in app.title.get_text()
    assert list(app.fund_line.get_xdata()) == [120_000, 120_000]


def test_more_leverage_and_no_fund_breaks_more_scenarios():
    app = DesignApp()
    app.controls["max_leverage"].value = 5
    app.controls["tiers"].value = "steep"
    app.controls["fund"].value = 250_000
    careful = app.state["passed"]
    app.controls["max_leverage"].value = 50
    app.controls["tiers"].value = "flat"
    app.controls["fund"].value = 0
    assert app.state["passed"] < careful
    assert "BREAKS" in app.message.value or "Breaks" in app.message.value


def test_app_sweep():
    app = DesignApp()
    assert sweep(app, points=4) > 20
    assert app.error is None
