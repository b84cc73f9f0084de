"""Monte Carlo odds of liquidation: intervals, theory, and the cross vs isolated claims."""

import math

import numpy as np
import pytest

from marginlab import errors, formulas
from marginlab.engine.contracts import ETH_PERP
from marginlab.engine.rules import BINANCE, HYPERLIQUID
from marginlab.simulation.montecarlo import legs_for, liquidation_odds, wilson_interval


def normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize("k, n, low, high", [
    (0, 10, 0.0, 0.2775),     # textbook values of the 95 % Wilson interval
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
    (81, 263, 0.2553, 0.3662),
])
def test_wilson_interval_matches_textbook_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-4) and hi == pytest.approx(high, abs=5e-4)


@pytest.fixture(scope="module")
def week():
    return liquidation_odds(leverages=(3, 10, 25), paths=1_500, seed=3)


def test_more_leverage_means_more_liquidations_and_isolated_is_liquidated_more(week):
    s = week.summary.set_index(["mode", "leverage"])["p liquidation"]
    for mode in ("cross", "isolated"):
        assert s[mode, 3] <= s[mode, 10] <= s[mode, 25]
    for lev in (3, 10, 25):
        assert s["isolated", lev] >= s["cross", lev]  # each ring has less behind it
    assert s["isolated", 10] > s["cross", 10] + 0.1


def test_isolated_caps_the_loss_at_the_committed_margin_and_cross_can_lose_everything(week):
    s = week.summary.set_index(["mode", "leverage"])
    committed_pct = 50  # the default: half the deposit is committed as margin
    assert (week.losses[week.losses["mode"] == "isolated"]["loss %"]
            <= committed_pct + 2).all()  # + the fees
    assert s.loc[("cross", 25), "worst loss %"] > 95
    assert s.loc[("isolated", 25), "loss p95 %"] < s.loc[("cross", 25), "loss p95 %"]


def test_every_path_that_liquidates_cross_liquidates_its_isolated_twin():
    mc = liquidation_odds(leverages=(10,), paths=400, seed=5)
    counts = mc.summary.set_index("mode")["liquidated"]
    assert counts["isolated"] >= counts["cross"] > 0
    lo, hi = mc.summary["ci low"], mc.summary["ci high"]
    assert ((lo <= mc.summary["p liquidation"]) & (mc.summary["p liquidation"] <= hi)).all()


def test_the_odds_match_the_barrier_formula_for_one_isolated_long():
    """P(min S <= B) for a GBM with log drift nu = -sigma^2 / 2 (reflection principle):
    N((b - nu T) / (sigma sqrt T)) + exp(2 nu b / sigma^2) N((b + nu T) / (sigma sqrt T)),
    b = ln(B / S0), the barrier moved by exp(-0.5826 sigma sqrt(dt)) because the price is only
    looked at every hour (Broadie, Glasserman and Kou's correction)."""
    lev, days, sigma, paths = 10, 7, 0.8, 4_000
    mc = liquidation_odds(leverages=(lev,), paths=paths, days=days, eth_share=1.0,
                          sigma={"ETH-PERP": sigma, "BTC-PERP": 0.6}, funding_rate=0, seed=11)
    [leg] = legs_for(lev, eth_share=1.0)
    barrier = float(formulas.isolated_liquidation_price(
        "long", leg.size, 2_000, leg.size * 2_000 / lev, ETH_PERP))
    t, dt = days / 365, 1 / (365 * 24)
    b = math.log(barrier / 2_000) - 0.5826 * sigma * math.sqrt(dt)  # hourly, not continuous
    nu = -sigma ** 2 / 2
    s = sigma * math.sqrt(t)
    theory = normal_cdf((b - nu * t) / s) + math.exp(2 * nu * b / sigma ** 2) * normal_cdf(
        (b + nu * t) / s)
    row = mc.summary.set_index("mode").loc["isolated"]
    se = math.sqrt(theory * (1 - theory) / paths)
    assert abs(row["p liquidation"] - theory) < 4 * se, (row["p liquidation"], theory)


def test_the_same_seed_gives_the_same_numbers_and_progress_can_be_shown(capsys):
    a = liquidation_odds(leverages=(5,), paths=50, seed=1)
    b = liquidation_odds(leverages=(5,), paths=50, seed=1, progress=True)
    assert a.summary.equals(b.summary)
    assert "Monte Carlo" in capsys.readouterr().err
    assert not liquidation_odds(leverages=(5,), paths=50, seed=2).losses.equals(a.losses)


@pytest.mark.parametrize("kw, error, words", [
    ({"leverages": ()}, errors.InvalidLeverageError, "at least one"),
    ({"leverages": (0.5,)}, errors.InvalidLeverageError, "at least 1"),
    ({"leverages": (float("nan"),)}, errors.InvalidLeverageError, "at least 1"),
    ({"leverages": (500,)}, errors.InvalidLeverageError, "at most"),
    ({"days": 0}, errors.InvalidPathError, "days"),
    ({"committed": 1.5}, errors.InvalidPathError, "committed"),
    ({"corr": 1.5}, errors.InvalidPathError, "correlation"),
    ({"paths": 0}, errors.InvalidPathError, "paths"),
])
def test_bad_settings_are_refused_clearly(kw, error, words):
    with pytest.raises(error, match=words):
        liquidation_odds(**{"paths": 10, **kw})


def test_losses_are_tidy():
    mc = liquidation_odds(leverages=(2, 20), paths=30, seed=0)
    assert list(mc.losses.columns) == ["leverage", "mode", "path", "loss %"]
    assert len(mc.losses) == 2 * 2 * 30 and np.isfinite(mc.losses["loss %"]).all()


def test_the_policy_changes_the_unwinding_not_the_odds_of_a_first_liquidation():
    # until a first liquidation nothing has closed, so every policy sees the same first breach;
    # all at once closes each liquidated bucket in one step, so its mean is between 1 and the
    # number of buckets (2 legs: cross 1, isolated up to 2); Hyperliquid's chunks with no
    # threshold close 20 % at a time, so they need more steps. With the default 1.25 % fee above
    # the 0.4-0.5 % MMR a chunk never makes the bucket compliant (E - MM drops by q P (f - MMR)),
    # so the chunks go on at the same price and pay q P f each, as the whole close would: the
    # same losses to the cent
    kw = {"leverages": (20,), "paths": 300, "days": 3, "seed": 5}
    once = liquidation_odds(rules=BINANCE.but(liquidation_policy="all_at_once"), **kw).summary
    chunks = liquidation_odds(rules=HYPERLIQUID.but(chunk_threshold=0, cooldown_steps=0),
                              **kw).summary
    assert list(once["p liquidation"]) == list(chunks["p liquidation"])
    assert once["p liquidation"].min() > 0.03  # cross 6 %, isolated 50 % here
    s = once.set_index("mode")["mean liquidation steps"]
    assert s["cross"] == 1 and 1 <= s["isolated"] <= 2
    assert (chunks["mean liquidation steps"] > once["mean liquidation steps"]).all()
    np.testing.assert_allclose(chunks["mean loss %"], once["mean loss %"], atol=1e-9)
