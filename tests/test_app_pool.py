"""Lesson 4: the cross pool drains, the isolated twin keeps what was not at risk."""

import pytest
from apphelpers import sweep

from marginlab.course.widgets.pool import PoolApp, pool, price_path, replay_twins


def final(run, mode):
    return run.pools[run.pools["mode"] == mode].iloc[-1]


def test_price_path_is_seeded_and_falls_by_the_crash():
    a, b = price_path(30, seed=3), price_path(30, seed=3)
    assert a.equals(b)
    assert not a.equals(price_path(30, seed=4))
    flat = price_path(0, seed=3)
    ratio = a["ETH-PERP"].iloc[-1] / flat["ETH-PERP"].iloc[-1]
    assert ratio == pytest.approx(0.70, abs=0.002)  # same noise, 30 % lower after the slide


def test_a_big_crash_drains_the_cross_pool_and_takes_btc_with_it():
    run = replay_twins(crash_pct=40)
    cross, iso = final(run, "cross"), final(run, "isolated")
    assert cross.positions == 0 and cross.equity < 1
    assert iso.positions == 1  # BTC survives in the isolated twin
    assert set(run.exchange.account("isolated").positions) == {"BTC-PERP"}
    cross_liq = run.liquidations[run.liquidations.trader == "cross"]
    assert set(cross_liq.symbol) == {"ETH-PERP", "BTC-PERP"}
    assert cross_liq.step.nunique() == 1  # both closed in the same liquidation


def test_a_small_crash_kills_isolated_eth_but_cross_survives():
    run = replay_twins(crash_pct=10)
    assert final(run, "cross").positions == 2
    iso_liq = run.liquidations[run.liquidations.trader == "isolated"]
    assert list(iso_liq.symbol) == ["ETH-PERP"]


@pytest.mark.parametrize("crash", [0, 10, 25, 60])
def test_pool_adds_up_and_money_is_conserved(crash):
    run = replay_twins(crash_pct=crash)
    ex = run.exchange
    assert ex.ledger.total() == ex.ledger.deposited
    for mode in ("cross", "isolated"):
        acct = ex.account(mode)
        p = pool(acct)
        assert p["used"] + p["free"] == pytest.approx(float(acct.equity), abs=1e-9)
        assert p["used"] >= 0 and p["free"] >= 0
    rows = run.pools
    assert (rows.used + rows.free - rows.equity).abs().max() < 1e-9


def test_app_follows_the_replay_and_survives_every_setting():
    app = PoolApp()
    assert sweep(app, points=7) > 20
    app.controls["crash"].value = 40
    assert app.state["cross positions left"] == 0
    assert app.state["isolated positions left"] == 1
    art = app.art["cross"]
    assert art["equity"].get_ydata()[-1] == pytest.approx(app.state["cross final equity"])
    assert sum(m.get_visible() for m in art["marks"]) == 1
    assert "liquidated" in app.message.value


def test_show_one_twin_fades_the_other_without_a_new_figure():
    app = PoolApp()
    fig = app.fig
    app.controls["show"].value = "cross"
    assert app.art["isolated"]["used"].get_alpha() < 0.1
    assert app.art["cross"]["used"].get_alpha() > 0.5
    assert app.fig is fig
