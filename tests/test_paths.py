"""Price paths: reproducible random paths, crash scenarios and the checked OHLC CSV loader.

Expected numbers come from theory (log-normal moments, Poisson counts) or from the facts the
scenarios are documented to follow, never from the code under test.
"""

from __future__ import annotations

import gzip
import io
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marginlab.engine.errors import InvalidPathError, PriceDataError, SimulationTooLargeError
from marginlab.simulation import inputs
from marginlab.simulation.paths import (
    SCENARIOS,
    check_path,
    correlated_gbm,
    gbm,
    jump_compensator,
    jump_diffusion,
    load_ohlc_csv,
    same_variance_sigma,
    scenario,
    to_frame,
    with_crash,
)

HOUR = 1 / (365 * 24)
DAY = 1 / 365
TWO = {"BTC-PERP": 50_000.0, "ETH-PERP": 2_000.0}
TWO_SIGMA = {"BTC-PERP": 0.6, "ETH-PERP": 0.8}


def log_returns(paths: np.ndarray) -> np.ndarray:
    return np.diff(np.log(paths), axis=1)


# ----------------------------------------------------------------------------- gbm
def test_gbm_is_reproducible_and_seed_dependent():
    a = gbm(100, 0.8, 50, paths=3, seed=7)
    assert np.array_equal(a, gbm(100, 0.8, 50, paths=3, seed=7))
    assert not np.allclose(a, gbm(100, 0.8, 50, paths=3, seed=8))


def test_gbm_shape_dtype_and_start():
    a = gbm(123.5, 0.5, 10, paths=4)
    assert np.array_equal(a, gbm(Decimal("123.5"), Decimal("0.5"), 10, paths=4))
    assert a.shape == (4, 11) and a.dtype == np.float64
    assert (a[:, 0] == 123.5).all()
    assert gbm(1, 0.5, 1).shape == (1, 2)


def test_gbm_without_volatility_grows_at_mu():
    a = gbm(100, 0.0, 5, dt=DAY, mu=0.2)
    np.testing.assert_allclose(a[0], 100 * np.exp(0.2 * DAY * np.arange(6)), rtol=1e-12)


def test_gbm_log_return_moments_match_theory():
    sigma, mu, n_paths, steps = 0.8, 2.0, 4_000, 50
    r = log_returns(gbm(100, sigma, steps, paths=n_paths, dt=DAY, mu=mu, seed=1)).ravel()
    n = r.size
    mean, std = (mu - sigma**2 / 2) * DAY, sigma * math.sqrt(DAY)
    assert abs(r.mean() - mean) < 4 * std / math.sqrt(n)  # the -sigma^2/2 term is ~10 SE
    assert abs(r.std() - std) < 4 * std / math.sqrt(2 * n)


def test_gbm_default_step_is_one_hour():
    r = log_returns(gbm(100, 0.8, 200, paths=500, seed=2)).ravel()
    assert r.std() == pytest.approx(0.8 * math.sqrt(HOUR), rel=0.01)


# ----------------------------------------------------------------------------- jumps
def test_jump_diffusion_without_jumps_is_gbm():
    a = jump_diffusion(100, 0.7, 30, paths=3, jump_rate=0, seed=5)
    assert np.array_equal(a, gbm(100, 0.7, 30, paths=3, seed=5))


def test_jump_diffusion_is_reproducible_shape_and_start():
    a = jump_diffusion(2_000, 0.7, 30, paths=3, seed=5)
    assert a.shape == (3, 31) and (a[:, 0] == 2_000).all()
    assert np.array_equal(a, jump_diffusion(2_000, 0.7, 30, paths=3, seed=5))
    assert not np.array_equal(a, jump_diffusion(2_000, 0.7, 30, paths=3, seed=6))


def test_jump_count_is_poisson():
    # no diffusion and fixed -5 % jumps: each log return is -0.05 times the number of jumps
    rate, n_paths, steps = 12.0, 200, 2_000
    a = jump_diffusion(100, 0.0, steps, paths=n_paths, jump_rate=rate, jump_mean=-0.05,
                       jump_std=0.0, dt=DAY, seed=3, compensate=False)
    counts = -log_returns(a) / 0.05
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    lam, n = rate * DAY, counts.size
    assert abs(counts.mean() - lam) < 4 * math.sqrt(lam / n)


def test_compensated_jumps_add_the_drift_back():
    # no diffusion, fixed -5 % jumps: each step is n * (-0.05) + 12 * (1 - e^-0.05) * dt,
    # the compensator k = e^-0.05 - 1 worked out by hand from E[e^J] - 1
    rate, dt = 12.0, DAY
    plain = jump_diffusion(100, 0.0, 50, paths=20, jump_rate=rate, jump_std=0.0, dt=dt, seed=3,
                           compensate=False)
    fair = jump_diffusion(100, 0.0, 50, paths=20, jump_rate=rate, jump_std=0.0, dt=dt, seed=3)
    shift = rate * (1 - math.exp(-0.05)) * dt
    np.testing.assert_allclose(log_returns(fair) - log_returns(plain), shift, atol=1e-12)
    assert jump_compensator(-0.05, 0.05) == pytest.approx(math.exp(-0.05 + 0.00125) - 1)


def test_compensated_jump_diffusion_keeps_the_mean_price():
    # E[S_T] = s0 e^(mu T) with and without jumps; uncompensated jumps pull it down by
    # e^(lambda k T): over 30 days, 12 jumps a year of about -4.8 %, about -4.6 %
    n, steps, s0 = 20_000, 30, 100.0
    fair = jump_diffusion(s0, 0.3, steps, paths=n, dt=DAY, seed=8)[:, -1]
    plain = jump_diffusion(s0, 0.3, steps, paths=n, dt=DAY, seed=8, compensate=False)[:, -1]
    se = fair.std() / math.sqrt(n)
    assert abs(fair.mean() - s0) < 4 * se
    expected_plain = s0 * math.exp(12 * (math.exp(-0.05 + 0.05**2 / 2) - 1) * steps * DAY)
    assert plain.mean() == pytest.approx(expected_plain, abs=4 * se)
    assert plain.mean() < s0 - 3 * se


def test_same_variance_sigma_matches_the_jump_variance():
    # per year: 0.8^2 + 12 (0.05^2 + 0.05^2) = 0.64 + 0.06 = 0.70
    assert same_variance_sigma(0.8) == pytest.approx(math.sqrt(0.70))
    n, steps = 400, 2_000
    r = log_returns(jump_diffusion(100, 0.8, steps, paths=n, seed=9)).ravel()
    assert r.var() / HOUR == pytest.approx(0.70, rel=0.05)


def test_jumps_make_more_extreme_drops_than_gbm():
    sigma, n_paths, steps = 0.8, 200, 2_000
    cut = -5 * sigma * math.sqrt(HOUR)  # a 5 standard deviation hourly drop
    plain = (log_returns(gbm(100, sigma, steps, paths=n_paths, seed=4)) < cut).sum()
    jumpy = (log_returns(jump_diffusion(100, sigma, steps, paths=n_paths, seed=4)) < cut).sum()
    assert plain < 5  # about 0.1 expected for a normal distribution
    assert jumpy > 100  # about 12 * 400_000 / 8760 ~ 550 jumps, most of them below the cut


# ----------------------------------------------------------------------------- correlated
def correlation_of(paths: np.ndarray) -> float:
    r = np.diff(np.log(paths), axis=1)
    return float(np.corrcoef(r[..., 0].ravel(), r[..., 1].ravel())[0, 1])


def test_correlated_gbm_shape_order_and_start():
    a = correlated_gbm({"ETH-PERP": 2_000, "BTC-PERP": 50_000, "SOL-PERP": 100},
                       {"BTC-PERP": 0.6, "ETH-PERP": 0.8, "SOL-PERP": 1.0}, 0.5, 20, paths=3)
    assert a.shape == (3, 21, 3) and a.dtype == np.float64
    assert (a[:, 0, :] == [2_000, 50_000, 100]).all()  # in the order of s0's keys


def test_correlated_gbm_is_reproducible():
    a = correlated_gbm(TWO, TWO_SIGMA, 0.8, 20, paths=2, seed=9)
    assert np.array_equal(a, correlated_gbm(TWO, TWO_SIGMA, 0.8, 20, paths=2, seed=9))
    assert not np.allclose(a, correlated_gbm(TWO, TWO_SIGMA, 0.8, 20, paths=2, seed=10))


@pytest.mark.parametrize("rho", [0.8, 0.0, -0.5])
def test_correlation_of_log_returns(rho):
    a = correlated_gbm(TWO, TWO_SIGMA, rho, 100, paths=200, seed=11)
    assert correlation_of(a) == pytest.approx(rho, abs=0.03)


def test_each_asset_keeps_its_own_volatility():
    r = log_returns(correlated_gbm(TWO, TWO_SIGMA, 0.8, 100, paths=200, seed=12))
    assert r[..., 0].std() == pytest.approx(0.6 * math.sqrt(HOUR), rel=0.03)
    assert r[..., 1].std() == pytest.approx(0.8 * math.sqrt(HOUR), rel=0.03)


@pytest.mark.parametrize("rho", [1.0, -1.0])
def test_perfect_correlation_works(rho):
    a = correlated_gbm(TWO, TWO_SIGMA, rho, 50, paths=20, seed=13)
    assert np.isfinite(a).all() and (a > 0).all()
    assert correlation_of(a) == pytest.approx(rho, abs=1e-9)


def test_correlation_matrix_for_three_assets():
    names = {"A": 1.0, "B": 1.0, "C": 1.0}
    corr = [[1.0, 0.7, -0.3], [0.7, 1.0, 0.0], [-0.3, 0.0, 1.0]]
    r = log_returns(correlated_gbm(names, dict.fromkeys(names, 0.5), corr, 100, paths=200,
                                   seed=14))
    measured = np.corrcoef(r.reshape(-1, 3).T)
    np.testing.assert_allclose(measured, corr, atol=0.03)


def test_correlated_drift_as_dict():
    a = correlated_gbm(TWO, dict.fromkeys(TWO, 0.0), 0.3, 3, dt=DAY,
                       mu={"BTC-PERP": 0.1, "ETH-PERP": -0.2})
    np.testing.assert_allclose(a[0, 3], [50_000 * np.exp(0.3 * DAY), 2_000 * np.exp(-0.6 * DAY)])


# ----------------------------------------------------------------------------- crash
def test_with_crash_drops_exactly_and_only_from_at():
    path = gbm(100, 0.8, 30, paths=3, seed=15)
    before = path.copy()
    crashed = with_crash(path, at=10, drop=0.5, over=4)
    assert np.array_equal(path, before)  # the input is not modified
    assert np.array_equal(crashed[:, :10], path[:, :10])
    ratio = crashed / path
    np.testing.assert_allclose(ratio[:, 13:], 0.5)
    # straight line in log price: a quarter of log(0.5) per step over the 4 crash steps
    np.testing.assert_allclose(ratio[:, 10:14], np.tile(0.5 ** (np.arange(1, 5) / 4), (3, 1)))


def test_with_crash_one_step_on_a_flat_path():
    crashed = with_crash(np.full(6, 80.0), at=2, drop=0.25)
    np.testing.assert_allclose(crashed, [80, 80, 60, 60, 60, 60])


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data(), steps=st.integers(1, 40), drop=st.floats(0, 0.99))
def test_with_crash_property(data, steps, drop):
    at = data.draw(st.integers(0, steps))
    over = data.draw(st.integers(1, steps + 1 - at))
    path = gbm(50, 1.0, steps, paths=2, seed=steps)
    ratio = with_crash(path, at, drop, over) / path
    np.testing.assert_allclose(ratio[:, :at], 1.0)
    np.testing.assert_allclose(ratio[:, -1], 1 - drop, rtol=1e-12)
    assert (np.diff(ratio, axis=1) <= 1e-12).all()  # the factor never goes back up


# ----------------------------------------------------------------------------- to_frame
def test_to_frame_single_asset():
    a = gbm(100, 0.5, 4, paths=3)
    frame = to_frame(a)
    assert list(frame.columns) == ["path", "step", "symbol", "price"]
    assert len(frame) == 3 * 5 and set(frame["symbol"]) == {"price"}
    back = frame.pivot(index="path", columns="step", values="price").to_numpy()
    assert np.array_equal(back, a)


def test_to_frame_several_assets_with_time():
    a = correlated_gbm(TWO, TWO_SIGMA, 0.5, 3, paths=2)
    frame = to_frame(a, names=list(TWO), start="2024-01-01")
    assert set(frame.columns) == {"path", "step", "time", "symbol", "price"}
    assert len(frame) == 2 * 4 * 2
    row = frame[(frame.path == 1) & (frame.step == 2) & (frame.symbol == "ETH-PERP")]
    assert row["price"].item() == a[1, 2, 1]
    assert row["time"].item() == pd.Timestamp("2024-01-01 02:00", tz="UTC")


def test_to_frame_rejects_wrong_names():
    with pytest.raises(InvalidPathError, match="names has 1 entries but the array has 2"):
        to_frame(correlated_gbm(TWO, TWO_SIGMA, 0.5, 3), names=["BTC-PERP"])


# ----------------------------------------------------------------------------- scenarios
# (name, start date, BTC and ETH at the start, at the end) as documented (rounded) facts
DOCUMENTED = [
    ("covid-2020-03", "2020-03-12", (7_900, 195), (5_000, 130)),
    ("luna-2022-05", "2022-05-05", (40_000, 2_900), (26_700, 1_800)),
    ("ftx-2022-11", "2022-11-06", (21_000, 1_600), (15_700, 1_100)),
    ("may-2021", "2021-05-19", (43_000, 3_400), (37_000, 2_500)),
]


def test_every_scenario_is_documented_here():
    assert {name for name, *_ in DOCUMENTED} <= set(SCENARIOS)


@pytest.mark.parametrize(("name", "day", "first", "last"), DOCUMENTED)
def test_scenario_shape_and_anchors(name, day, first, last):
    frame = scenario(name)
    assert list(frame.columns) == ["step", "time", "BTC-PERP", "ETH-PERP"]
    assert (frame[["BTC-PERP", "ETH-PERP"]].to_numpy() > 0).all()
    assert (frame["step"] == np.arange(len(frame))).all()
    assert frame["time"].iloc[0].strftime("%Y-%m-%d") == day
    assert str(frame["time"].dt.tz) == "UTC"
    assert (frame["time"].diff().iloc[1:] == pd.Timedelta(hours=1)).all()
    start, end = frame.iloc[0], frame.iloc[-1]
    assert (start["BTC-PERP"], start["ETH-PERP"]) == pytest.approx(first, rel=0.05)
    assert (end["BTC-PERP"], end["ETH-PERP"]) == pytest.approx(last, rel=0.05)
    assert "stylized" in SCENARIOS[name].description.lower()
    assert frame.equals(scenario(name))  # deterministic


def test_covid_halves_within_a_day_and_a_half():
    frame = scenario("covid-2020-03")
    first_36h = frame[frame["step"] <= 36]
    assert first_36h["BTC-PERP"].min() < 0.55 * frame["BTC-PERP"].iloc[0]
    assert first_36h["ETH-PERP"].min() < 0.5 * frame["ETH-PERP"].iloc[0]  # more than halved
    assert frame.loc[frame["BTC-PERP"].idxmin(), "time"].day == 13
    assert frame["BTC-PERP"].min() == pytest.approx(3_800, rel=0.05)


def test_may_2021_intraday_low_and_rebound():
    frame = scenario("may-2021")
    low = frame.loc[frame["BTC-PERP"].idxmin()]
    assert low["BTC-PERP"] == pytest.approx(30_000, rel=0.05)
    assert low["time"].day == 19
    assert frame["ETH-PERP"].min() == pytest.approx(1_900, rel=0.05)
    assert frame["BTC-PERP"].iloc[-1] > 1.15 * low["BTC-PERP"]


def test_scenario_finer_steps_pass_through_the_hourly_prices():
    hourly, quarter = scenario("ftx-2022-11"), scenario("ftx-2022-11", steps_per_hour=4)
    assert len(quarter) == 4 * (len(hourly) - 1) + 1
    assert (quarter["time"].diff().iloc[1:] == pd.Timedelta(minutes=15)).all()
    np.testing.assert_allclose(quarter.iloc[::4][["BTC-PERP", "ETH-PERP"]].to_numpy(),
                               hourly[["BTC-PERP", "ETH-PERP"]].to_numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- check_path
def test_check_path_returns_a_float_copy():
    prices = [[1, 2, 3]]
    out = check_path(prices)
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 2.0, 3.0]]
    source = np.array([5.0, 6.0])
    check_path(source)[0] = 99
    assert source[0] == 5.0


def test_check_path_message_counts_and_locates():
    prices = np.full((2, 20), 10.0)
    prices[0, 12], prices[1, 3], prices[1, 4] = -1.0, 0.0, -2.0
    with pytest.raises(InvalidPathError) as info:
        check_path(prices)
    assert str(info.value) == ("price path has 3 prices that are not above zero; the first is "
                               "at path 0, step 12: -1.0")


def test_check_path_nan_and_inf():
    with pytest.raises(InvalidPathError, match=r"2 prices that are not finite.*step 1: nan"):
        check_path([1.0, float("nan"), float("inf")], name="mark prices")
    with pytest.raises(InvalidPathError, match="^mark prices"):
        check_path([1.0, float("nan")], name="mark prices")
    with pytest.raises(InvalidPathError, match="empty"):
        check_path([])


@settings(max_examples=50, deadline=None, database=None)
@given(n_paths=st.integers(1, 5), steps=st.integers(1, 30), data=st.data())
def test_check_path_finds_the_first_bad_price(n_paths, steps, data):
    prices = np.array(data.draw(st.lists(st.floats(1e-6, 1e9), min_size=n_paths * steps,
                                         max_size=n_paths * steps))).reshape(n_paths, steps)
    assert np.array_equal(check_path(prices), prices)
    p, s = data.draw(st.integers(0, n_paths - 1)), data.draw(st.integers(0, steps - 1))
    prices[p, s] = data.draw(st.sampled_from([0.0, -1.0, -1e9]))
    message = rf"has 1 price that is not above zero; the first is at path {p}, step {s}:"
    with pytest.raises(InvalidPathError, match=message):
        check_path(prices)


# ----------------------------------------------------------------------------- bad inputs
BAD_INPUTS = [
    ("s0 zero", lambda: gbm(0, 0.5, 10), r"s0 must be above zero"),
    ("s0 negative", lambda: gbm(-5, 0.5, 10), r"s0 must be above zero"),
    ("s0 NaN", lambda: gbm(float("nan"), 0.5, 10), r"s0 must be a finite number"),
    ("s0 inf", lambda: gbm(float("inf"), 0.5, 10), r"s0 must be a finite number"),
    ("s0 text", lambda: gbm("100", 0.5, 10), r"s0 must be a finite number"),
    ("sigma negative", lambda: gbm(100, -0.1, 10), r"sigma.*must not be negative"),
    ("sigma NaN", lambda: gbm(100, float("nan"), 10), r"sigma.*finite"),
    ("steps zero", lambda: gbm(100, 0.5, 0), r"steps must be a whole number of at least 1"),
    ("steps float", lambda: gbm(100, 0.5, 2.5), r"steps must be a whole number"),
    ("paths zero", lambda: gbm(100, 0.5, 10, paths=0), r"paths must be a whole number"),
    ("dt zero", lambda: gbm(100, 0.5, 10, dt=0), r"dt must be above zero"),
    ("seed negative", lambda: gbm(100, 0.5, 10, seed=-1), r"seed must be"),
    ("jump s0", lambda: jump_diffusion(-1, 0.5, 10), r"s0 must be above zero"),
    ("jump steps", lambda: jump_diffusion(100, 0.5, 0), r"steps must be"),
    ("jump rate", lambda: jump_diffusion(100, 0.5, 10, jump_rate=-1), r"jump_rate.*negative"),
    ("jump std", lambda: jump_diffusion(100, 0.5, 10, jump_std=-0.1), r"jump_std.*negative"),
    ("jump mean", lambda: jump_diffusion(100, 0.5, 10, jump_mean=math.nan), r"jump_mean"),
    ("corr above 1", lambda: correlated_gbm(TWO, TWO_SIGMA, 1.5, 10),
     r"correlation outside \[-1, 1\].*1\.5"),
    ("corr below -1", lambda: correlated_gbm(TWO, TWO_SIGMA, -1.01, 10),
     r"correlation outside \[-1, 1\]"),
    ("corr NaN", lambda: correlated_gbm(TWO, TWO_SIGMA, math.nan, 10), r"corr.*finite"),
    ("corr not symmetric", lambda: correlated_gbm(TWO, TWO_SIGMA, [[1, 0.5], [0.2, 1]], 10),
     r"not symmetric"),
    ("corr not PSD", lambda: correlated_gbm({"A": 1, "B": 1, "C": 1}, dict.fromkeys("ABC", 0.5),
                                            -0.8, 10), r"not positive semi-definite"),
    ("corr diagonal", lambda: correlated_gbm(TWO, TWO_SIGMA, [[1, 0.5], [0.5, 0.9]], 10),
     r"diagonal"),
    ("corr shape", lambda: correlated_gbm(TWO, TWO_SIGMA, [[1, 0, 0]] * 3, 10),
     r"2 x 2 matrix.*shape \(3, 3\)"),
    ("sigma keys", lambda: correlated_gbm(TWO, {"BTC-PERP": 0.5}, 0.5, 10),
     r"sigma must have the same keys as s0"),
    ("mu keys", lambda: correlated_gbm(TWO, TWO_SIGMA, 0.5, 10, mu={"X": 0.1}),
     r"mu must have the same keys"),
    ("sigma negative asset", lambda: correlated_gbm(TWO, {**TWO_SIGMA, "ETH-PERP": -1}, 0.5, 10),
     r"sigma\['ETH-PERP'\] must not be negative"),
    ("s0 asset", lambda: correlated_gbm({**TWO, "BTC-PERP": 0}, TWO_SIGMA, 0.5, 10),
     r"s0\['BTC-PERP'\] must be above zero"),
    ("s0 empty", lambda: correlated_gbm({}, {}, 0.5, 10), r"non-empty dict"),
    ("multi steps", lambda: correlated_gbm(TWO, TWO_SIGMA, 0.5, 0), r"steps must be"),
    ("crash drop 1", lambda: with_crash(np.ones(5), 1, 1.0), r"drop must be below 1"),
    ("crash drop < 0", lambda: with_crash(np.ones(5), 1, -0.1), r"drop must not be negative"),
    ("crash at < 0", lambda: with_crash(np.ones(5), -1, 0.5), r"at must be a whole number"),
    ("crash at too late", lambda: with_crash(np.ones(5), 5, 0.5), r"path ends at step 4"),
    ("crash too long", lambda: with_crash(np.ones(5), 3, 0.5, over=3), r"needs steps up to 5"),
    ("crash over 0", lambda: with_crash(np.ones(5), 1, 0.5, over=0), r"over must be"),
    ("crash bad path", lambda: with_crash([1.0, math.nan], 0, 0.5), r"not finite"),
    ("crash 3-D", lambda: with_crash(np.ones((2, 3, 2)), 0, 0.5), r"1 or 2 dimensions"),
    ("scenario name", lambda: scenario("dotcom"), r"unknown scenario 'dotcom'.*covid-2020-03"),
    ("scenario steps", lambda: scenario("may-2021", steps_per_hour=0), r"steps_per_hour"),
    ("frame bad prices", lambda: to_frame([[1.0, -1.0]]), r"not above zero"),
    ("frame 1-D", lambda: to_frame([1.0, 2.0]), r"2 or 3 dimensions"),
]


@pytest.mark.parametrize(("action", "message"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_raise_invalid_path_error(action, message):
    with pytest.raises(InvalidPathError, match=message):
        action()


# ----------------------------------------------------------------------------- CSV loader
GOOD = """timestamp,open,high,low,close,volume
2020-03-12 12:00,7900,7950,7800,7850,10
2020-03-12 13:00,7850,7860,7000,7100,25
2020-03-12 14:00,7100,7200,6500,6600,40
2020-03-12 15:00,6600,6700,6000,6200,55
"""
ROW3 = r"row 3 \(2020-03-12 14:00\): "


def load(text: str, **kwargs) -> pd.DataFrame:
    return load_ohlc_csv(io.StringIO(text), **kwargs)


def test_good_csv_loads():
    frame = load(GOOD)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert (frame.dtypes == np.float64).all()
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "time"
    assert str(frame.index.tz) == "UTC"
    assert frame.index[2] == pd.Timestamp("2020-03-12 14:00", tz="UTC")
    assert frame["close"].tolist() == [7850, 7100, 6600, 6200]


def test_csv_header_case_spaces_custom_time_column_and_no_volume(tmp_path):
    text = " Time ,OPEN, High,low ,Close\n2020-03-12T12:00+02:00,1,2,0.5,1.5\n"
    file = tmp_path / "prices.csv"
    file.write_text(text)
    frame = load_ohlc_csv(file, time_column="time")
    assert list(frame.columns) == ["open", "high", "low", "close"]
    assert frame.index[0] == pd.Timestamp("2020-03-12 10:00", tz="UTC")  # converted to UTC
    assert frame.iloc[0].tolist() == [1.0, 2.0, 0.5, 1.5]


def drop_column(text: str, index: int) -> str:
    return "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != index)
                     for line in text.splitlines()) + "\n"


BAD_CSV = [
    ("missing close", drop_column(GOOD, 4),
     r"missing column\(s\): close; the file has: timestamp, open, high, low, volume"),
    ("missing two", drop_column(drop_column(GOOD, 2), 0),
     r"missing column\(s\): timestamp, high; the file has: open, low, close, volume"),
    ("empty file", "", r"the file is empty"),
    ("only spaces", "  \n\n", r"the file is empty"),
    ("header only", "timestamp,open,high,low,close\n", r"no rows"),
    ("bad timestamp", GOOD.replace("2020-03-12 14:00", "yesterday"),
     r"row 3: timestamp 'yesterday' is not a date/time"),
    ("empty timestamp", GOOD.replace("2020-03-12 14:00", ""), r"row 3: timestamp is empty"),
    ("not a number", GOOD.replace(",6600,40", ",abc,40"), ROW3 + r"close is 'abc', not a finite"),
    ("infinite", GOOD.replace(",6500,", ",inf,"), ROW3 + r"low is 'inf', not a finite number"),
    ("empty cell", GOOD.replace(",6600,40", ",,40"), ROW3 + r"close is empty"),
    ("NaN cell", GOOD.replace(",6600,40", ",NaN,40"), ROW3 + r"close is NaN"),
    ("short line", GOOD.replace(",6600,40", ",6600"), ROW3 + r"volume is empty"),
    ("negative price", GOOD.replace(",6500,", ",-6500,"),
     ROW3 + r"low is -6500\.0; prices must be above zero"),
    ("zero price", GOOD.replace("7100,7200", "0,7200"), ROW3 + r"open is 0\.0; prices must be"),
    ("negative volume", GOOD.replace(",40\n", ",-40\n"), ROW3 + r"volume is -40\.0"),
    ("high below close", GOOD.replace(",7200,", ",6550,"),
     ROW3 + r"high 6550\.0 is below max\(open, close\) = 7100\.0"),
    ("low above open", GOOD.replace(",6500,", ",6700,"),
     ROW3 + r"low 6700\.0 is above min\(open, close\) = 6600\.0"),
    ("duplicate", GOOD.replace("2020-03-12 14:00", "2020-03-12 13:00"),
     r"row 3 \(2020-03-12 13:00\): duplicate timestamp, the same time as row 2 \(2020-03-12 "
     r"13:00\)"),
    ("unsorted", GOOD.replace("2020-03-12 14:00", "2020-03-12 12:30"),
     r"timestamps are not in increasing order: row 3 \(2020-03-12 12:30\) comes before row 2 "
     r"\(2020-03-12 13:00\)"),
    ("not a number before empty", GOOD.replace(",7850,10", ",,10").replace(",6200,", ",x,"),
     r"row 4 \(2020-03-12 15:00\): close is 'x'"),
    ("repeated column", GOOD.replace("volume", "Close"), r"more than once: close"),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in BAD_CSV],
                         ids=[case[0] for case in BAD_CSV])
def test_bad_csv_raises_price_data_error(text, message):
    with pytest.raises(PriceDataError, match=message):
        load(text)


# ----------------------------------------------------------------------------- CSV files on disk
def test_a_gz_file_is_decompressed_as_it_is_read(tmp_path):
    file = tmp_path / "prices.csv.gz"
    file.write_bytes(gzip.compress(GOOD.encode()))
    assert load_ohlc_csv(file)["close"].tolist() == [7850, 7100, 6600, 6200]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    file = tmp_path / "excel.csv"
    file.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert len(load_ohlc_csv(file)) == 4


def _written(tmp_path, name: str, data: bytes):
    file = tmp_path / name
    file.write_bytes(data)
    return file


BAD_FILES = [
    # (id, a function of tmp_path giving the source, words of the message)
    ("missing file", lambda d: d / "nope.csv", r"no file at '.*nope\.csv'"),
    ("missing file as text", lambda d: str(d / "nope.csv"), r"no file at"),
    ("a folder", lambda d: d, r"is a folder, not a file"),
    ("latin-1 text", lambda d: _written(d, "latin.csv", GOOD.replace(",10\n", ",10 \xe9\n")
                                        .encode("latin-1")),
     r"not UTF-8 text: byte 0xe9 at position \d+"),
    ("gzip named .csv", lambda d: _written(d, "prices.csv", gzip.compress(GOOD.encode())),
     r"gzip-compressed: decompress it first"),
    ("gzip in an open binary file", lambda d: io.BytesIO(gzip.compress(GOOD.encode())),
     r"gzip-compressed"),
    ("broken .gz", lambda d: _written(d, "prices.csv.gz", gzip.compress(GOOD.encode())[:30]),
     r"not a valid gzip file"),
    ("not a file at all", lambda d: 5, r"source must be a file path or an open file, got 5"),
    ("repeated column, same case", lambda d: io.StringIO(GOOD.replace("volume", "close")),
     r"more than once: close"),
    ("repeated time column", lambda d: io.StringIO(GOOD.replace("volume", "timestamp")),
     r"more than once: timestamp"),
    ("time only", lambda d: io.StringIO(GOOD.replace("2020-03-12 14:00", "14:00")),
     r"row 3: timestamp '14:00' has no full date"),
    ("time with zone only", lambda d: io.StringIO(GOOD.replace("2020-03-12 12:00", "12:00Z")),
     r"row 1: timestamp '12:00Z' has no full date"),
    ("no year", lambda d: io.StringIO(GOOD.replace("2020-03-12 13:00", "March 12 13:00")),
     r"row 2: timestamp 'March 12 13:00' has no full date"),
]


@pytest.mark.parametrize(("source", "message"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_unreadable_files_raise_price_data_error(tmp_path, source, message):
    with pytest.raises(PriceDataError, match=message):
        load_ohlc_csv(source(tmp_path))


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize("number", [np.int64(24), np.int32(24), 24])
def test_generators_take_numpy_and_exact_numbers(number):
    expected = gbm(100, 0.5, 24, paths=2, seed=3)
    same = gbm(np.float32(100), Decimal("0.5"), number, paths=np.int64(2), dt=Fraction(1, 8760),
               seed=np.uint8(3))
    np.testing.assert_allclose(same, expected, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda: gbm(100, 0.5, 10**6, paths=10**6),
    lambda: jump_diffusion(100, 0.5, 10**6, paths=10**6),
    lambda: correlated_gbm(TWO, TWO_SIGMA, 0.5, 10**6, paths=10**6),
], ids=["gbm", "jump", "correlated"])
def test_a_path_array_larger_than_memory_is_refused_before_allocating(call):
    with pytest.raises(SimulationTooLargeError, match=r"would need about [\d.,]+ TB of memory"):
        call()


def test_the_memory_estimate_uses_the_measured_factor(monkeypatch):
    # 1,000 paths of 99 steps: 1,000 x 100 x 8 bytes x 3 = 2.4 MB; 4 MB available: 2 MB usable
    monkeypatch.setattr(inputs, "available_memory", lambda: 4_000_000)
    with pytest.raises(SimulationTooLargeError, match=r"2\.3 MB .* 3\.8 MB"):
        gbm(100, 0.5, 99, paths=1_000)
    assert gbm(100, 0.5, 99, paths=800).shape == (800, 100)  # 1.92 MB fits


@pytest.mark.parametrize("call, words", [
    (lambda: gbm(100, 1e200, 10), "infinity or to zero"),
    (lambda: gbm(100, 0.5, 10, mu=1e300, dt=1), "infinity or to zero"),
    (lambda: jump_diffusion(100, 0.5, 10, jump_rate=1e300), "jumps per step"),
    (lambda: jump_diffusion(100, 0.5, 100, jump_mean=-1e5, jump_rate=1e4), "infinity or to zero"),
    (lambda: jump_diffusion(100, 0.5, 100, jump_mean=1e3, jump_rate=1e4), "infinity or to zero"),
    (lambda: correlated_gbm(TWO, {**TWO_SIGMA, "ETH-PERP": 1e200}, 0.5, 10),
     "infinity or to zero"),
    (lambda: gbm(100, True, 10), "sigma.*finite number"),
    (lambda: gbm(100, 0.5, np.array([10, 20])), "steps must be a whole number"),
])
def test_settings_that_overflow_are_refused(call, words):
    with pytest.raises(InvalidPathError, match=words):
        call()
