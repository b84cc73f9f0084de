"""Lesson 9: the Monte Carlo app against closed forms, and isolated is riskier.

* The 95 % interval is Wilson's, for k liquidated paths out of n = 600 (written out below).
* An isolated ring at leverage L opened at P0 with margin P0 Q / L is liquidated when the price
  reaches ``P0 (1 - 1/L) / (1 - MMR)`` (less a little more as funding eats the margin). For a
  GBM with volatility s and no drift, the chance that the minimum over T reaches a barrier
  b = ln(level / P0) is (reflection principle, log-drift -s^2/2)::

      P = N((b + s^2 T / 2) / (s sqrt T)) + exp(-b) N((b - s^2 T / 2) / (s sqrt T))

  with b lowered by 0.5826 s sqrt(dt) for hourly monitoring (Broadie, Glasserman and Kou,
  1997). The isolated twin is liquidated when its ETH ring or its BTC ring is, so its chance
  lies between the larger of the two and their sum; the app's share of 600 paths must land
  there, within three standard errors.
"""

import math
from statistics import NormalDist

import numpy as np
import pytest
from apphelpers import sweep

from marginlab.course.scenarios import LEVERAGES, PATHS
from marginlab.course.widgets import OddsApp

Z = 1.959963984540054
MMR = {"ETH-PERP": 0.005, "BTC-PERP": 0.004}
FUNDING = 0.0001 * 3  # per day: 0.01 % every 8 hours


@pytest.fixture(scope="module")
def app():
    return OddsApp()


def wilson(k, n):
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def reach(sigma, days, level):
    """Chance that a driftless GBM's hourly minimum over ``days`` reaches ``level`` x start."""
    t, cdf = days / 365, NormalDist().cdf
    b = math.log(level) - 0.5826 * sigma * math.sqrt(1 / 8760)
    s = sigma * math.sqrt(t)
    return cdf((b + sigma**2 * t / 2) / s) + math.exp(-b) * cdf((b - sigma**2 * t / 2) / s)


def isolated_bounds(leverage, vol, days):
    """(lowest, highest) chance in % that the isolated twin is liquidated within ``days``."""
    sigmas = {"ETH-PERP": vol / 100, "BTC-PERP": 0.75 * vol / 100}
    early = [reach(sigmas[s], days, (1 - 1 / leverage) / (1 - MMR[s])) for s in sigmas]
    late = [reach(sigmas[s], days, (1 - 1 / leverage + FUNDING * days) / (1 - MMR[s]))
            for s in sigmas]
    return 100 * max(early), 100 * min(1.0, sum(late))


def test_the_intervals_are_wilson_intervals_of_a_whole_number_of_paths(app):
    for mode in ("cross", "isolated"):
        for p, low, high in zip(app.state[f"{mode} p %"], app.state[f"{mode} low %"],
                                app.state[f"{mode} high %"], strict=True):
            k = p / 100 * PATHS
            assert k == pytest.approx(round(k), abs=1e-9)  # k of the 600 paths
            lo, hi = wilson(round(k), PATHS)
            assert (low, high) == pytest.approx((100 * lo, 100 * hi), abs=1e-9)


@pytest.mark.parametrize("vol, days", [(80, 7), (40, 7), (120, 7), (80, 30)])
def test_the_isolated_odds_agree_with_the_reflection_principle(app, vol, days):
    app.controls["vol"].value, app.controls["days"].value = vol, days
    for leverage, p in zip(LEVERAGES, app.state["isolated p %"], strict=True):
        low, high = isolated_bounds(leverage, vol, days)
        noise = 300 * math.sqrt(0.25 / PATHS)  # three standard errors at worst, in %
        assert low - noise <= p <= high + noise, (leverage, low, p, high)
    app.controls["vol"].value, app.controls["days"].value = 80, 7


def test_at_2x_nobody_is_liquidated_in_a_week(app):
    # ETH must fall to 2,000 * 0.5 / 0.995: a chance of about 1e-9 in a week at 80 % a year
    assert isolated_bounds(2, 80, 7)[1] < 1e-6
    assert app.state["isolated p %"][0] == app.state["cross p %"][0] == 0


def test_isolated_is_liquidated_at_least_as_often_at_every_leverage(app):
    for vol in (40, 120):
        app.controls["vol"].value = vol
        cross, iso = (np.array(app.state[f"{m} p %"]) for m in ("cross", "isolated"))
        assert (iso >= cross).all() and len(iso) == len(LEVERAGES)
        assert np.all(np.diff(iso) >= -2)  # rises with leverage (up to sampling noise)
    app.controls["vol"].value = 80


def test_artists_follow_the_state(app):
    app.controls["leverage"].value = 20
    for mode in ("cross", "isolated"):
        assert list(app.lines[mode].get_ydata()) == app.state[f"{mode} p %"]
        heights = [b.get_height() for b in app.bars[mode]]
        assert heights == app.state[f"{mode} histogram %"]
        assert sum(heights) == pytest.approx(100)
        assert app.state[f"{mode} liquidated %"] == app.state[f"{mode} p %"][
            LEVERAGES.index(20)]
    assert list(app.marker.get_xdata()) == [20, 20]


def test_sweep(app):
    assert sweep(app, points=3) > 10
