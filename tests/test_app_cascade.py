"""Lesson 8: the cascade app follows the market model's stated law, and its key claim holds.

The law (lesson 8 and :mod:`marginlab.simulation.market`): round 0 moves ETH by the shock; each
next round moves every price by ``-1 % x N / depth``, N the USD of forced selling of the round
before, rounded to the tick. Worked by hand for the default crowd (ETH -15 %, depth 30,000):
ETH 2,000 -> 1,700.00 in round 0; 12 cross liquidations sell 176,500 USD of BTC there, so
round 1 moves BTC by -176,500 / 30,000 % = -5.883 %: 50,000 -> 47,058.3.
"""

import pytest
from apphelpers import sweep

from marginlab.course.scenarios import cascade_after_shock
from marginlab.course.widgets import CascadeApp

START = {"ETH-PERP": 2_000.0, "BTC-PERP": 50_000.0}
TICK = {"ETH-PERP": 0.01, "BTC-PERP": 0.1}


@pytest.fixture(scope="module")
def app():
    return CascadeApp()


def prices(app, mode, symbol):
    """The app's price path (round by round) for one crowd and coin, from its ``move %``."""
    return [START[symbol] * (1 + m / 100) for m in app.state[f"{mode} {symbol} move %"]]


def test_round_0_is_the_shock_and_the_first_cascade_round_is_the_hand_worked_one(app):
    assert prices(app, "cross", "ETH-PERP")[0] == pytest.approx(1_700.00)
    assert prices(app, "cross", "BTC-PERP")[0] == pytest.approx(50_000)
    assert prices(app, "cross", "BTC-PERP")[1] == pytest.approx(
        round(50_000 * (1 - 0.01 * 176_500 / 30_000), 1))
    assert prices(app, "cross", "BTC-PERP")[1] == pytest.approx(47_058.3)


@pytest.mark.parametrize("shock, depth_k", [(-15.0, 30), (-25.0, 10), (-8.0, 150)])
def test_every_round_moves_prices_by_the_forced_selling_over_the_depth(app, shock, depth_k):
    app.controls["shock"].value, app.controls["depth"].value = shock, depth_k
    result = cascade_after_shock(shock, depth_k)  # for the forced selling of each round
    for mode in ("cross", "isolated"):
        table = result[mode]
        for symbol in ("ETH-PERP", "BTC-PERP"):
            path = prices(app, mode, symbol)
            forced = list(table[table["symbol"] == symbol]["forced sell notional"])
            assert path[0] == pytest.approx(START[symbol] * (1 + shock / 100)
                                            if symbol == "ETH-PERP" else START[symbol])
            for r in range(1, len(path)):
                law = path[r - 1] * (1 - 0.01 * forced[r - 1] / (1_000 * depth_k))
                assert abs(path[r] - law) <= TICK[symbol] + 1e-9, (mode, symbol, r)
            assert forced[-1] == 0  # the cascade stops at a round that forces nothing
    app.controls["shock"].value, app.controls["depth"].value = -15.0, 30


def test_cross_margin_spreads_an_eth_crash_to_btc_and_isolated_does_not(app):
    for shock in (-30.0, -15.0, -5.0):
        app.controls["shock"].value = shock
        st = app.state
        assert st["isolated BTC-PERP final move %"] == 0  # no BTC holder is forced to sell
        assert st["isolated BTC-only liquidated"] == 0
        assert st["cross BTC-only liquidated"] <= 10  # a quarter of the 40 hold BTC only
    app.controls["shock"].value = -15.0
    st = app.state
    assert st["cross BTC-PERP final move %"] < -5
    assert st["cross BTC-only liquidated"] > 0


def test_a_deeper_market_cascades_less(app):
    app.controls["depth"].value = 150
    deep = app.state["cross BTC-PERP final move %"]
    app.controls["depth"].value = 10
    thin = app.state["cross BTC-PERP final move %"]
    app.controls["depth"].value = 30
    assert thin < deep


def test_bars_and_lines_follow_the_state(app):
    for mode in ("cross", "isolated"):
        x, y = app.lines[mode, "ETH-PERP"].get_data()
        assert list(y) == pytest.approx(app.state[f"{mode} ETH-PERP move %"])
        heights = [b.get_height() for b in app.bars[mode]]
        assert heights == [app.state[f"{mode} ETH holders liquidated"],
                           app.state[f"{mode} BTC-only liquidated"]]
        assert sum(heights) == app.state[f"{mode} liquidated"] <= 40


def test_sweep(app):
    assert sweep(app, points=5) > 10
