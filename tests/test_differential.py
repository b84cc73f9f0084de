"""Differential test: the vectorized replay (float, numpy) and the event engine (exact Decimal)
must tell the same story on any scenario, because both call the same rules
(marginlab/engine/rulebook.py).

Hypothesis draws scenarios over every preset, 1 to 3 legs (long and short, each its own
leverage, legs in any order), both margin modes, random walks with one-step gaps that can hit
every symbol at the same step (same-step liquidations), funding of both signs (up to 2 % a
period, or a different rate every step), and an insurance fund that is often empty. The two must
agree on every bucket's liquidation step and, within 1e-9 relative, on the final equity, the
liquidation fees, the deficit, what the insurance fund paid, the fund and the unrecovered loss.

CI runs ``MARGINLAB_DIFFERENTIAL_EXAMPLES`` scenarios (default 600, about 20 s); a longer run::

    MARGINLAB_DIFFERENTIAL_EXAMPLES=20000 python -m pytest -q -p no:cacheprovider \\
        tests/test_differential.py --hypothesis-show-statistics
"""

import os
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import marginlab as ml
from marginlab import errors
from marginlab.simulation.replay import Leg, replay, replay_with_engine

EXAMPLES = int(os.environ.get("MARGINLAB_DIFFERENTIAL_EXAMPLES", "600"))
START = {"ETH-PERP": 2_000.0, "BTC-PERP": 50_000.0, "SOL-PERP": 100.0}
LOTS = {"ETH-PERP": (1_000, 20_000), "BTC-PERP": (50, 800), "SOL-PERP": (2_000, 40_000)}
LEVERAGES = [1, 2, 3, 5, 10, 20, 25, 50, 75]
MONEY = ["final equity", "liquidation fees", "deficit", "insurance fund paid", "unrecovered",
         "insurance fund"]


@st.composite
def legs(draw):
    """1 to 3 legs on distinct symbols, in any order, each long or short at its own leverage
    (any leverage the contract's tier allows at that notional)."""
    symbols = draw(st.permutations(list(START)))[:draw(st.integers(1, 3))]
    out = []
    for symbol in symbols:
        spec = ml.DEFAULT_CONTRACTS[symbol]
        size = draw(st.integers(*LOTS[symbol])) * spec.lot_size
        allowed = spec.max_leverage(size * Decimal(str(START[symbol])))
        leverage = draw(st.sampled_from([lev for lev in LEVERAGES if lev <= allowed]))
        sign = draw(st.sampled_from([1, -1]))
        out.append(Leg(symbol, float(sign * size), leverage))
    return out


@st.composite
def paths(draw, n_steps, chosen):
    """Seeded log-normal walks for every symbol, plus up to three gaps: at one step each symbol
    jumps by its own factor, or every symbol jumps against the leg held on it (a crash that
    liquidates several buckets in the same step)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_paths = draw(st.integers(1, 3))
    log = {s: rng.normal(0, draw(st.sampled_from([0.003, 0.01, 0.03])), (n_paths, n_steps))
           for s in START}
    side = {leg.symbol: np.sign(leg.size) for leg in chosen}
    for _ in range(draw(st.integers(0, 3))):
        step = draw(st.integers(0, n_steps - 1))
        against = draw(st.booleans())
        for s in START:
            move = draw(st.floats(0.02, 0.5)) * -side.get(s, 1) if against \
                else draw(st.floats(-0.45, 0.45))
            log[s][:, step] += np.log1p(move)
    return {s: p0 * np.exp(np.concatenate([np.zeros((n_paths, 1)), log[s].cumsum(axis=1)], 1))
            for s, p0 in START.items()}


@st.composite
def funding(draw, n_steps):
    """No funding; one rate (either sign, up to 2 % a period) every few steps; or a different
    rate of either sign every step."""
    kind = draw(st.sampled_from(["none", "fixed", "every step"]))
    if kind == "none":
        return {}
    if kind == "fixed":
        rate = draw(st.sampled_from([0.0001, 0.003, 0.02])) * draw(st.sampled_from([1, -1]))
        return {"funding_rate": rate, "funding_every": draw(st.integers(1, 8))}
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rates = rng.normal(0, draw(st.sampled_from([0.001, 0.01])), n_steps + 1)
    return {"funding_rate": rates, "funding_every": 1}


@st.composite
def scenarios(draw):
    n_steps = draw(st.integers(2, 30))
    chosen = draw(legs())
    notional = sum(abs(leg.size) * START[leg.symbol] for leg in chosen)
    # the order costs are below notional * (1/L + 0.2 %): leave some room, not always much
    need = sum(abs(leg.size) * START[leg.symbol] * (1 / leg.leverage + 0.002) for leg in chosen)
    deposit = round(need * draw(st.floats(1.02, 3.0)), 2)
    kw = {"rules": draw(st.sampled_from(list(ml.PRESETS.values()))),
          "insurance_fund": draw(st.sampled_from([0, 0, 0, 25, 1_000_000])),
          **draw(funding(n_steps))}
    return draw(paths(n_steps, chosen)), chosen, deposit, notional, kw


def compare(fast, slow, scale: float, fund_scale: float) -> None:
    """The two replays agree: per bucket liquidation steps exactly, money within 1e-9 relative
    (of the money at stake, deposit plus notional; of the fund for the fund's columns)."""
    keys = ["path", "mode", "bucket"]
    bf = fast.buckets.sort_values(keys).reset_index(drop=True)
    bs = slow.buckets.sort_values(keys).reset_index(drop=True)
    assert list(bf["bucket"]) == list(bs["bucket"])
    assert list(bf["liquidation step"]) == list(bs["liquidation step"]), (bf, bs)
    a = fast.accounts.sort_values(["path", "mode"]).reset_index(drop=True)
    b = slow.accounts.sort_values(["path", "mode"]).reset_index(drop=True)
    assert list(a["first liquidation"]) == list(b["first liquidation"])
    for column in MONEY:
        tol = 1e-9 * (fund_scale if column == "insurance fund" else scale)
        np.testing.assert_allclose(a[column], b[column], rtol=1e-9, atol=tol, err_msg=column)


def describe(fast) -> None:
    """Label the scenario for --hypothesis-show-statistics."""
    b = fast.buckets[fast.buckets["liquidation step"] >= 0]
    if b.empty:
        event("no liquidation")
        return
    event("liquidated")
    same = b[b["mode"] == "isolated"].groupby("path")["liquidation step"]
    if (same.size() > same.nunique()).any():
        event("isolated buckets liquidated in the same step")
    if (fast.accounts["deficit"] > 0).any():
        event("bankrupt bucket")
    if (fast.accounts["unrecovered"] > 0).any():
        event("unrecovered loss")


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_the_replay_and_the_engine_agree_on_any_scenario(scenario):
    prices, chosen, deposit, notional, kw = scenario
    fast = replay(prices, chosen, deposit, **kw)
    slow = replay_with_engine(prices, chosen, deposit, **kw)
    describe(fast)
    compare(fast, slow, deposit + notional, deposit + notional + kw["insurance_fund"])


# --- the two divergences measured in issue 10, now regression tests -----------------------------
GAP = {"ETH-PERP": np.array([[2_000.0, 1_700.0]]), "BTC-PERP": np.array([[50_000.0, 54_790.0]])}


@pytest.mark.parametrize("order", [1, -1], ids=["ETH first", "BTC first"])
@pytest.mark.parametrize("run", [replay, replay_with_engine], ids=["replay", "engine"])
def test_isolated_buckets_liquidated_in_one_step_settle_in_the_engines_order(run, order):
    # isolated ETH long 1 @ 10x (margin 200) and BTC short 0.01 @ 10x (margin 50), fund empty.
    # ETH 2,000 -> 1,700: equity 200 - 300 = -100, bankrupt by 100.
    # BTC 50,000 -> 54,790: equity 50 - 47.90 = 2.10 <= MM 547.90 * 0.4 % = 2.19, liquidated;
    # its fee min(2.10, 547.90 * 1.25 %) = 2.10 goes to the fund.
    # The engine settles BTC before ETH (isolated buckets by symbol): the fund takes 2.10, then
    # pays 2.10 of ETH's 100 deficit, 97.90 unrecovered, fund 0.00 (before: the replay settled in
    # leg order, fund 2.10 and unrecovered 100.00).
    legs_ = [Leg("ETH-PERP", 1, 10), Leg("BTC-PERP", -0.01, 10)][::order]
    a = run(GAP, legs_, 1_000, insurance_fund=0, modes=("isolated",)).accounts.iloc[0]
    assert a["liquidation fees"] == pytest.approx(2.10, abs=1e-9)
    assert a["deficit"] == pytest.approx(100.00, abs=1e-9)
    assert a["insurance fund paid"] == pytest.approx(2.10, abs=1e-9)
    assert a["unrecovered"] == pytest.approx(97.90, abs=1e-9)
    assert a["insurance fund"] == pytest.approx(0.00, abs=1e-9)
    # 1,000 - fees to open (2,000 + 500) * 0.05 % - both margins, 250: both buckets are lost
    assert a["final equity"] == pytest.approx(1_000 - 1.25 - 250, abs=1e-9)
    assert a["first liquidation"] == 1


@pytest.mark.parametrize("brackets", [[(0, 0, 100)], [(0, "0.004", 125), (50_000, 0, 100)]])
def test_a_zero_percent_tier_is_refused(brackets):
    # before: accepted; the vectorized replay liquidated such a position (0 <= 0), the engine
    # never did (MM = 0 means nothing to maintain)
    with pytest.raises(errors.ConfigurationError, match="rate of 0 would never liquidate"):
        ml.linear_perp("ZERO-PERP", brackets)
