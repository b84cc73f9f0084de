"""Loss sharing after the insurance fund: over open interest (Drift v2) and clawback (OKX).

Worked examples in dollars, each expected number computed here from the published rule:

* Drift: every unit of open interest of the market, long or short, pays
  |loss| / (|base_long| + |base_short|);
* OKX clawback: every trader with a net profit (realized + unrealized) gives the same
  percentage of it.

Then the promises as properties (hypothesis): shares add up exactly, nobody pays more than it
holds (or, clawback, than its profit), equal percentage / equal amount per unit among the
payers no cap binds, and the bankrupt trader pays nothing.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import marginlab as ml
from marginlab.engine import rulebook
from marginlab.engine.errors import ConfigurationError
from marginlab.engine.rules import CLAWBACK, SOCIALIZE_OPEN_INTEREST
from marginlab.engine.sharing import pro_rata_capped

D = Decimal
UNIT = D("0.00000001")  # the settlement unit
ETH, BTC = "ETH-PERP", "BTC-PERP"
# fee-free contracts with one flat tier keep the arithmetic readable
FLAT_ETH = ml.linear_perp(ETH, [(0, "0.005", 100)], taker_fee=0, maker_fee=0,
                          liquidation_fee="0.01")
FLAT_BTC = ml.linear_perp(BTC, [(0, "0.004", 125)], taker_fee=0, maker_fee=0,
                          liquidation_fee="0.01", tick_size="0.1")
OPEN_INTEREST = ml.BINANCE.but(name="Drift-style", loss_sharing=SOCIALIZE_OPEN_INTEREST)
CLAWBACK_RULES = ml.BINANCE.but(name="OKX-style", loss_sharing=CLAWBACK)
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def exchange(rules, fund=0):
    return ml.Exchange(contracts=[FLAT_ETH, FLAT_BTC], rules=rules, insurance_fund=fund,
                       marks={ETH: 2000, BTC: 50_000})


def conserved(ex) -> bool:
    return ex.ledger.total() == ex.ledger.deposited


def taken(ex) -> dict:
    out: dict = {}
    for e in ex.events.of_kind("socialized loss"):
        out[e.trader] = out.get(e.trader, D(0)) - e.amount
    return out


def bankrupt_long(ex, name="loser"):
    """An isolated 2 ETH long at 2,000, 10x: margin 2 * 2,000 / 10 = 400 USDT. At 1,700 its
    equity is 400 - 2 * 300 = -200: a 200 USDT deficit."""
    loser = ex.open_account(name, 400, mode="isolated")
    loser.buy(ETH, 2, leverage=10)
    return loser


# --- the rules as numbers ---------------------------------------------------------------------
def test_drift_loss_per_unit_of_open_interest():
    # 300 USDT over 4 BTC long and 2 BTC short: 300 / 6 = 50 USDT per BTC
    assert rulebook.loss_per_unit(D(-300), D(4), D(-2)) == 50
    assert rulebook.open_interest_shares(D(-300), [D(4), D(-2)], [D(1000), D(1000)]) == \
        [D(200), D(100)]
    # the long holds only 100: it pays 100, the short the other 200 (100 per BTC)
    assert rulebook.open_interest_shares(D(300), [D(4), D(-2)], [D(100), D(1000)]) == \
        [D(100), D(200)]


def test_clawback_is_an_equal_percentage_of_profit():
    # 200 over profits 560 and 140: 200 / 700 = 28.57 % of each
    assert rulebook.profit_shares(D(200), [D(560), D(140)], [D(1e4), D(1e4)]) == \
        [D(160), D(40)]
    # the first holds only 100: the other gives the remaining 100 (71 % of its 140)
    assert rulebook.profit_shares(D(200), [D(560), D(140)], [D(100), D(1e4)]) == \
        [D(100), D(100)]
    # nobody gives more than its profit, and a loser gives nothing
    assert rulebook.profit_shares(D(900), [D(560), D(140), D(-50)], [D(1e4)] * 3) == \
        [D(560), D(140), D(0)]


def test_the_rules_work_on_floats_and_numpy_arrays_too():
    shares = rulebook.open_interest_shares(-300.0, np.array([4.0, -2.0]), np.array([100.0, 1e3]))
    assert shares == pytest.approx([100.0, 200.0])
    assert rulebook.profit_shares(200.0, [560.0, 140.0], [100.0, 1e4]) == pytest.approx(
        [100.0, 100.0])


def test_rounded_shares_are_whole_units_adding_up_exactly():
    # 100 over three equal weights: 33.33333333 each and one unit left for the first
    shares = pro_rata_capped(D(100), [D(1)] * 3, [D(1000)] * 3)
    assert shares == [D("33.33333334"), D("33.33333333"), D("33.33333333")]
    assert sum(shares) == 100


# --- Drift: over the market's open interest -----------------------------------------------------
def test_a_deficit_is_spread_over_all_open_interest_longs_and_shorts_alike():
    ex = exchange(OPEN_INTEREST)
    bob, carol, dave = (ex.open_account(t, 10_000) for t in ("bob", "carol", "dave"))
    bob.sell(ETH, 1)
    carol.sell(ETH, 3)
    dave.buy(ETH, 1)     # a loser at 1,700, but open interest all the same
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    per_eth = D(200) / (1 + 3 + 1)   # the loser's own 2 ETH are closed: 40 USDT per ETH
    assert taken(ex) == {"bob": 1 * per_eth, "carol": 3 * per_eth, "dave": 1 * per_eth}
    assert dave.wallet_balance == 10_000 - 40
    assert not ex.events.of_kind("unrecovered loss")
    msg = ex.events.of_kind("socialized loss")[0].message
    assert msg == ("bob's ETH-PERP short (1 ETH) gives up 40.00 USDT, 40.00 USDT per ETH of open "
                   "interest, to cover a bankrupt trader's loss (spread over all open interest, "
                   "longs and shorts alike, Drift-style)")
    assert conserved(ex)


def test_the_charge_reaches_unrealized_profit_as_a_funding_payment_would():
    # Drift raises the longs' cumulative funding rate and lowers the shorts': the charge is
    # settled against the position's PnL, so a profit not yet realized pays too
    ex = exchange(OPEN_INTEREST)
    bob = ex.open_account("bob", 10_000)
    bob.sell(ETH, 1)
    erin = ex.open_account("erin", 40, mode="isolated")
    erin.sell(ETH, 1, leverage=50)    # isolated margin 2,000 / 50 = 40; +300 at 1,700
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    # 200 / 2 ETH = 100 per ETH; erin's margin holds 40, but her equity is 40 + 300 = 340
    assert taken(ex) == {"erin": D(100), "bob": D(100)}
    assert erin.isolated_margin(ETH) == 40 - 100              # below zero, backed by +300
    assert erin.equity == 340 - 100
    assert conserved(ex)


def test_a_bucket_pays_at_most_its_equity_and_the_others_cover_the_rest():
    ex = exchange(OPEN_INTEREST)
    bob = ex.open_account("bob", 10_000)
    bob.sell(ETH, 1)
    dave = ex.open_account("dave", 340)
    dave.buy(ETH, 1, leverage=100)    # at 1,700: equity 340 - 300 = 40, above MM 8.5
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    # 200 / 2 ETH = 100 per ETH, but dave's equity is 40: bob pays 200 - 40 = 160
    assert taken(ex) == {"dave": D(40), "bob": D(160)}
    dave_pays = [e for e in ex.events.of_kind("socialized loss") if e.trader == "dave"]
    assert dave_pays[0].message.endswith("; capped at its cross equity")
    assert not ex.events.of_kind("unrecovered loss")
    assert conserved(ex)


def test_a_cross_deficit_is_split_among_its_markets_by_maintenance_margin():
    ex = exchange(OPEN_INTEREST)
    alice = ex.open_account("alice", 500)
    alice.buy(ETH, 1, leverage=20)        # initial margin 100
    alice.buy(BTC, "0.1", leverage=20)    # initial margin 250
    bob, carol = ex.open_account("bob", 10_000), ex.open_account("carol", 10_000)
    bob.sell(ETH, 2)
    carol.sell(BTC, "0.5")
    ex.set_marks({ETH: 1700, BTC: 45_000})
    deficit = -(500 - 1 * 300 - D("0.1") * 5000)     # 300
    mm_eth, mm_btc = 1 * 1700 * D("0.005"), D("0.1") * 45_000 * D("0.004")   # 8.5 and 18
    shares = taken(ex)
    assert abs(shares["bob"] - deficit * mm_eth / (mm_eth + mm_btc)) <= UNIT
    assert abs(shares["carol"] - deficit * mm_btc / (mm_eth + mm_btc)) <= UNIT
    assert shares["bob"] + shares["carol"] == deficit
    assert conserved(ex)


def test_with_no_other_open_interest_the_loss_is_unrecovered():
    ex = exchange(OPEN_INTEREST)
    ex.open_account("bob", 10_000).sell(BTC, 1)    # another market pays nothing
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    assert taken(ex) == {}
    assert ex.events.of_kind("unrecovered loss")[-1].amount == 200
    assert conserved(ex)


# --- OKX: clawback in equal percentage of net profit --------------------------------------------
def test_clawback_takes_an_equal_percentage_of_realized_and_unrealized_profit():
    ex = exchange(CLAWBACK_RULES)
    bob, carol, dave = (ex.open_account(t, 10_000) for t in ("bob", "carol", "dave"))
    bob.sell(ETH, 1, price=2000)
    bob.close(ETH, price=1900)          # realized +100
    bob.sell(ETH, 1, price=2000)        # +300 at 1,700
    carol.sell(ETH, 3)                  # +900 at 1,700
    dave.buy(ETH, 1)                    # -300 at 1,700: no profit, gives nothing
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    net = {"bob": D(100 + 300), "carol": D(900)}
    pct = D(200) / (net["bob"] + net["carol"])      # 15.38 %
    shares = taken(ex)
    assert set(shares) == {"bob", "carol"}
    for trader in net:
        assert abs(shares[trader] - pct * net[trader]) <= UNIT
    assert sum(shares.values()) == 200
    assert ex.events.of_kind("socialized loss")[0].message == (
        f"bob gives up {shares['bob']:.2f} USDT, 15.4 % of bob's 400.00 USDT net profit, to cover "
        f"a bankrupt trader's loss (clawback in equal percentage of profit, OKX-style)")
    assert conserved(ex)


def test_clawback_reaches_profit_already_taken_out_of_the_market():
    ex = exchange(CLAWBACK_RULES)
    bob, carol = ex.open_account("bob", 10_000), ex.open_account("carol", 10_000)
    bob.sell(ETH, 1, price=2000)
    bob.close(ETH, price=1900)          # realized +100, no position left
    carol.sell(ETH, 1)                  # +300 at 1,700
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    assert taken(ex) == {"bob": D(200) * 100 / 400, "carol": D(200) * 300 / 400}
    assert conserved(ex)


def test_clawback_is_capped_at_what_the_account_holds():
    ex = exchange(CLAWBACK_RULES)
    bob = ex.open_account("bob", 10_000)
    bob.sell(ETH, 1)                    # +300 at 1,700
    erin = ex.open_account("erin", 50)
    erin.sell(ETH, 1, leverage=100)     # +300 at 1,700, but her wallet holds 50
    bankrupt_long(ex)
    ex.set_mark(ETH, 1700)
    # equal percentage would be 200 / 600 = 33 % (100 each): erin gives her 50, bob 150
    assert taken(ex) == {"erin": D(50), "bob": D(150)}
    erin_event = [e for e in ex.events.of_kind("socialized loss") if e.trader == "erin"][0]
    assert erin_event.message.endswith("; that is all erin's account holds")
    assert conserved(ex)


def test_a_second_clawback_counts_what_the_first_took():
    ex = exchange(CLAWBACK_RULES)
    bob = ex.open_account("bob", 10_000)
    bob.sell(ETH, 1)
    bankrupt_long(ex, "first")
    ex.set_mark(ETH, 1700)              # bob: 300 profit, gives 200 of it
    bankrupt_long(ex, "second")         # 2 ETH at 1,700, 10x: isolated margin 340
    ex.set_mark(ETH, 1400)              # deficit 2 * 300 - 340 = 260
    # bob's net profit is now 600 unrealized - 200 already given = 400: he gives 260 of it
    assert [-e.amount for e in ex.events.of_kind("socialized loss")] == [D(200), D(260)]
    assert conserved(ex)


# --- every rule: a payer is never made bankrupt ------------------------------------------------
@pytest.mark.parametrize("rules", [ml.SOCIALIZED, OPEN_INTEREST, CLAWBACK_RULES])
def test_a_payer_gives_at_most_its_equity_and_is_never_made_bankrupt(rules):
    ex = exchange(rules)
    w = ex.open_account("w", 1_000)
    w.sell(ETH, 1)                       # +300 at 1,700
    w.buy(BTC, "0.1")                    # -1,050 at 39,500
    loser = ex.open_account("loser", 800, mode="isolated")
    loser.buy(ETH, 4, leverage=10)       # margin 800; at 1,700: 800 - 4 * 300 = -400
    ex.set_marks({ETH: 1700, BTC: 39_500})
    equity = 1_000 + 300 - 1_050        # 250: less than the wallet's 1,000 and the profit's 300
    assert taken(ex) == {"w": D(equity)}
    assert ex.events.of_kind("unrecovered loss")[-1].amount == 400 - equity
    assert {e.trader for e in ex.events.of_kind("insurance fund", "unrecovered loss")} == \
        {"loser"}
    assert conserved(ex)


# --- refused ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["open_interest", "Clawback", "", None, 3])
def test_an_unknown_loss_sharing_rule_is_refused_with_the_choices(value):
    with pytest.raises(ConfigurationError) as err:
        ml.BINANCE.but(loss_sharing=value)
    for choice in ("adl", "socialize", "socialize_open_interest", "clawback"):
        assert repr(choice) in str(err.value)
    assert repr(value) in str(err.value)


# --- properties of the share rule ---------------------------------------------------------------
amounts = st.integers(0, 10**12).map(lambda n: D(n) * UNIT)        # 0 ... 10,000 USDT
payers = st.lists(st.tuples(st.integers(0, 10**6), amounts), min_size=1, max_size=6)


def rate_gap(shares, weights, caps):
    """Check the water-filling shape: every payer whose cap does not bind pays the same rate
    per unit of weight (within one unit of rounding each), and a capped payer's cap is below
    that rate. Returns the uncapped rate, or None."""
    free = [i for i, (s, w, c) in enumerate(zip(shares, weights, caps, strict=True))
            if w > 0 and s < c - 2 * UNIT]
    for i in free:
        for j in free:
            gap = abs(shares[i] / weights[i] - shares[j] / weights[j])
            assert gap <= UNIT / weights[i] + UNIT / weights[j], (i, j, shares)
    if not free:
        return None
    rate = shares[free[0]] / weights[free[0]]
    for k, (_, w, c) in enumerate(zip(shares, weights, caps, strict=True)):
        if w > 0 and k not in free:
            assert c / w <= rate + 3 * UNIT / w + UNIT / weights[free[0]], (k, shares)
    return rate


@SETTINGS
@given(total=amounts, rows=payers)
def test_shares_add_up_exactly_and_respect_every_cap(total, rows):
    weights = [D(w) for w, _ in rows]
    caps = [c for _, c in rows]
    shares = pro_rata_capped(total, weights, caps)
    payable = sum((c for w, c in zip(weights, caps, strict=True) if w > 0), D(0))
    assert sum(shares) == min(total, payable)                     # conservation, exactly
    for s, w, c in zip(shares, weights, caps, strict=True):
        assert 0 <= s <= c and (s == 0 or w > 0) and s == s.quantize(UNIT)
    rate = rate_gap(shares, weights, caps)
    if rate is not None:           # someone could pay more: the whole total was collected
        assert sum(shares) == total


@SETTINGS
@given(total=amounts, rows=payers)
def test_clawback_shares_never_exceed_profit_or_holdings(total, rows):
    profits = [D(w) - 300_000 for w, _ in rows]      # some traders at a loss
    holdings = [c for _, c in rows]
    shares = rulebook.profit_shares(total, profits, holdings)
    for s, p, h in zip(shares, profits, holdings, strict=True):
        assert 0 <= s <= max(p, 0) and s <= h
    floats = rulebook.profit_shares(float(total), [float(p) for p in profits],
                                    [float(h) for h in holdings])
    assert floats == pytest.approx([float(s) for s in shares], rel=1e-9, abs=1e-6)


@SETTINGS
@given(total=amounts, rows=payers, signs=st.lists(st.sampled_from([1, -1]), min_size=6))
def test_open_interest_shares_are_equal_per_unit_longs_and_shorts_alike(total, rows, signs):
    bases = [D(w) * s / 1000 for (w, _), s in zip(rows, signs, strict=False)]
    caps = [c for _, c in rows]
    shares = rulebook.open_interest_shares(-total, bases, caps)
    assert sum(shares) == pytest.approx(
        min(total, sum((c for b, c in zip(bases, caps, strict=True) if b), D(0))), abs=D("1e-12"))
    rate_gap(pro_rata_capped(total, [abs(b) for b in bases], caps), [abs(b) for b in bases],
             caps)
    floats = rulebook.open_interest_shares(-float(total), [float(b) for b in bases],
                                           [float(c) for c in caps])
    assert floats == pytest.approx([float(s) for s in shares], rel=1e-9, abs=1e-6)


# --- properties through the exchange --------------------------------------------------------------
crowd = st.lists(
    st.tuples(st.booleans(), st.integers(1, 40), st.sampled_from(("cross", "isolated")),
              st.integers(0, 20_000), st.integers(-300, 300)),
    min_size=1, max_size=5)


@SETTINGS
@given(rules=st.sampled_from([OPEN_INTEREST, CLAWBACK_RULES]), fund=st.integers(0, 3000),
       crash=st.integers(1200, 1790), loser_lots=st.integers(1, 400), traders=crowd)
def test_a_shared_loss_conserves_money_and_spares_the_bankrupt(rules, fund, crash, loser_lots,
                                                              traders):
    """One isolated 10x long goes bankrupt; a crowd at 1x or 2x (none of it liquidatable by a
    40 % fall alone) shares what the fund cannot pay. A payer may be left liquidatable by what
    it gives, never bankrupt."""
    ex = exchange(rules, fund)
    book = {}
    for n, (long, lots, mode, extra, past) in enumerate(traders):
        name, q = f"t{n}", D(lots) / 10
        deposit = q * 2300 + extra              # room for a past loss of up to 300 per ETH
        acct = ex.open_account(name, deposit, mode=mode)
        if past:                                    # an earlier round trip realizes past * q
            acct.buy(ETH, q, price=2000, leverage=1)
            acct.close(ETH, price=2000 + past)
        lev = 1 + n % 2
        (acct.buy if long else acct.sell)(ETH, q, leverage=lev)
        book[name] = (acct, (1 if long else -1) * q, acct.total_balance, deposit, lev)
    q_loser = D(loser_lots) / 10
    loser = ex.open_account("loser", q_loser * 200, mode="isolated")
    loser.buy(ETH, q_loser, leverage=10)
    ex.set_mark(ETH, crash)

    deficit = q_loser * (2000 - crash) - q_loser * 200
    shortfall = max(deficit - fund, D(0))
    shares = taken(ex)
    unrecovered = sum((e.amount for e in ex.events.of_kind("unrecovered loss")), D(0))
    assert conserved(ex)
    assert "loser" not in shares                                   # the bankrupt pays nothing
    assert sum(shares.values()) + unrecovered == shortfall
    assert {e.trader for e in ex.events.of_kind("insurance fund", "unrecovered loss")} <= \
        {"loser"}
    paid, weights, caps = [], [], []
    for name, (acct, size, before, deposit, lev) in book.items():
        paid.append(shares.get(name, D(0)))
        upnl = size * (crash - 2000)
        if rules is OPEN_INTEREST:     # only the position's bucket pays, up to its equity
            margin = before if acct.mode == "cross" else abs(size) * 2000 / lev
            weights.append(abs(size))
            caps.append(max(D(0), margin + upnl))
        else:                          # every bucket pays, up to its profit
            net = before - deposit + max(upnl, D(0))
            weights.append(max(net, D(0)))
            caps.append(max(D(0), min(weights[-1], before + min(upnl, D(0)))))
        assert paid[-1] <= caps[-1]
    if rate_gap(paid, weights, caps) is not None:
        assert unrecovered == 0
