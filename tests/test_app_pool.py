"""Lesson 4: the cross pool drains, the isolated twin keeps what was not at risk.

The twins deposit 1,000 USDT and commit 60 % of it at 10x, 70 % of that to ETH, on Binance's
rules (taker fee 0.05 %), at ETH 2,000 and BTC 50,000. By hand:

    ETH margin 0.6 * 0.7 * 1,000 = 420  ->  420 * 10 / 2,000  = 2.1 ETH     (notional 4,200)
    BTC margin 0.6 * 0.3 * 1,000 = 180  ->  180 * 10 / 50,000 = 0.036 BTC   (notional 1,800)
    opening fees 0.0005 * (4,200 + 1,800) = 3.00    ->  equity 997.00
    used 420 + 180 = 600 (the initial margin), free 997 - 600 = 397
"""

import numpy as np
import pytest
from apphelpers import sweep

from marginlab.course.scenarios import pool_split, price_path, replay_twins
from marginlab.course.widgets import PoolApp

ETH_Q, BTC_Q, FEES = 2.1, 0.036, 3.0
ETH_MARGIN, BTC_MARGIN = 420.0, 180.0


def final(run, mode):
    return run.pools[run.pools["mode"] == mode].iloc[-1]


def test_price_path_is_seeded_and_falls_by_the_crash():
    a, b = price_path(30, seed=3), price_path(30, seed=3)
    assert a.equals(b)
    assert not a.equals(price_path(30, seed=4))
    flat = price_path(0, seed=3)
    ratio = a["ETH-PERP"].iloc[-1] / flat["ETH-PERP"].iloc[-1]
    assert ratio == pytest.approx(0.70, abs=0.002)  # same noise, 30 % lower after the slide


def test_the_pools_at_the_start_are_the_hand_worked_ones():
    run = replay_twins(crash_pct=0)
    start = run.pools[run.pools.step == 0].set_index("mode")
    for mode in ("cross", "isolated"):
        assert start.loc[mode, "equity"] == pytest.approx(1_000 - FEES, abs=1e-9)
        assert start.loc[mode, "used"] == pytest.approx(ETH_MARGIN + BTC_MARGIN, abs=1e-9)
        assert start.loc[mode, "free"] == pytest.approx(1_000 - FEES - 600, abs=1e-9)
        assert start.loc[mode, "positions"] == 2


@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_without_a_liquidation_equity_is_the_deposit_less_fees_plus_the_price_moves(mode):
    # no crash: nothing is liquidated, and at every step
    # equity = 997 + 2.1 (ETH - 2,000) + 0.036 (BTC - 50,000), in both modes
    run = replay_twins(crash_pct=0)
    assert run.liquidations.empty
    eth, btc = run.path["ETH-PERP"].to_numpy(), run.path["BTC-PERP"].to_numpy()
    expected = 1_000 - FEES + ETH_Q * (eth - 2_000) + BTC_Q * (btc - 50_000)
    pools = run.pools[run.pools["mode"] == mode]
    assert np.allclose(pools["equity"].to_numpy(), expected, atol=1e-6)
    if mode == "isolated":  # each ring holds its margin + uPnL; the free balance never moves
        rings = ETH_MARGIN + ETH_Q * (eth - 2_000) + BTC_MARGIN + BTC_Q * (btc - 50_000)
        assert np.allclose(pools["used"].to_numpy(), rings, atol=1e-6)
        assert np.allclose(pools["free"].to_numpy(), 1_000 - FEES - 600, atol=1e-9)
    else:  # cross: the initial margin at the mark is in use, the rest is free
        initial = (ETH_Q * eth + BTC_Q * btc) / 10
        assert np.allclose(pools["used"].to_numpy(), initial, atol=1e-6)


def test_a_big_crash_drains_the_cross_pool_and_takes_btc_with_it():
    run = replay_twins(crash_pct=40)
    cross, iso = final(run, "cross"), final(run, "isolated")
    assert cross.positions == 0 and cross.equity < 1
    assert set(run.exchange.account("isolated").positions) == {"BTC-PERP"}
    cross_liq = run.liquidations[run.liquidations.trader == "cross"]
    assert set(cross_liq.symbol) == {"ETH-PERP", "BTC-PERP"}
    assert cross_liq.step.nunique() == 1  # both closed in the same liquidation
    # the isolated twin lost exactly its ETH margin: 1,000 - 3 - 420 + BTC's uPnL at the end
    btc_end = run.path["BTC-PERP"].iloc[-1]
    assert iso.equity == pytest.approx(1_000 - FEES - ETH_MARGIN + BTC_Q * (btc_end - 50_000),
                                       abs=1e-6)
    assert iso.free == pytest.approx(1_000 - FEES - 600, abs=1e-9)


def test_a_small_crash_kills_isolated_eth_but_cross_survives():
    run = replay_twins(crash_pct=10)
    assert final(run, "cross").positions == 2
    iso_liq = run.liquidations[run.liquidations.trader == "isolated"]
    assert list(iso_liq.symbol) == ["ETH-PERP"]


@pytest.mark.parametrize("crash", [0, 10, 25, 60])
def test_money_is_conserved_and_no_part_of_a_pool_is_negative(crash):
    run = replay_twins(crash_pct=crash)
    ex = run.exchange
    assert ex.ledger.total() == ex.ledger.deposited
    for mode in ("cross", "isolated"):
        acct = ex.account(mode)
        p = pool_split(acct)
        assert p["equity"] == pytest.approx(float(acct.equity), abs=1e-9)  # the engine's
        assert p["used"] >= 0 and p["free"] >= 0
    assert (run.pools[["used", "free"]] >= 0).all().all()


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


def test_a_setting_seen_before_shows_what_a_fresh_replay_gives():
    """Dragging back to a crash already shown reuses its replay: the picture must still be
    the engine's answer for those controls, as a replay from scratch gives it."""
    app = PoolApp()
    for crash in (20, 45, 20):
        app.controls["crash"].value = crash
    fresh = replay_twins(crash_pct=20, leverage=10, eth_share=0.7)
    for mode in ("cross", "isolated"):
        pools = fresh.pools[fresh.pools["mode"] == mode]
        assert app.state[f"{mode} final equity"] == float(pools["equity"].iloc[-1])
        assert list(app.series[mode]["used"]) == list(pools["used"])
        assert app.state[f"{mode} liquidations"] == int((fresh.liquidations["trader"]
                                                         == mode).sum())
    assert app.run is not fresh  # it did come from the cache
