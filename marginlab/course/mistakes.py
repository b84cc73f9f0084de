"""The answers that common mistakes give, each with the hint for that mistake.

A check (:mod:`marginlab.course.check`) tries these before its generic "too high / too low"
verdict, so a forgotten fee is told about fees, a sign error about signs, a bankruptcy price
about the maintenance margin. Every wrong value is worked out here from the exercise's stated
numbers with the mistake made on purpose (Binance's rules as the exercises state them: MM =
Q x mark x MMR, taker fee 0.05 % on open); none is copied from the engine.
"""

from __future__ import annotations

from decimal import Decimal

from . import practice
from . import practice_losses as losses

D = Decimal
ETH_MMR, BTC_MMR, FEE = D("0.005"), D("0.004"), D("0.0005")

BANKRUPTCY = ("that is the bankruptcy price, where margin + uPnL reaches zero. The position is "
              "liquidated earlier, when margin + uPnL falls to the maintenance margin.")
MM_AT_ENTRY = ("you measured the maintenance margin at the entry price. Binance measures it at "
               "the mark, so at the liquidation price it is Q x (that price) x MMR.")
MM_SIGN = ("the maintenance margin is on the wrong side of the equation: at the liquidation "
           "price, margin + uPnL = +MM, whichever the side.")

# --- 1a, 1b: an isolated position, 3 ETH at 2,400, 8x (900 USDT of margin) ------------------
ISO_Q, ISO_ENTRY, ISO_MARGIN = D(3), D(2400), D(900)


def isolated_long() -> list[tuple[Decimal, str]]:
    q, ep, m, r = ISO_Q, ISO_ENTRY, ISO_MARGIN, ETH_MMR
    return [((q * ep - m) / q, BANKRUPTCY),
            ((q * ep - m + q * ep * r) / q, MM_AT_ENTRY),
            ((q * ep - m) / (q * (1 + r)), MM_SIGN),
            ((q * ep + m) / (q * (1 + r)), "that price is above the entry: it is where a *short* "
                                           "would be liquidated. A long loses when the price "
                                           "falls, so its uPnL is +Q (P - entry).")]


def isolated_short() -> list[tuple[Decimal, str]]:
    q, ep, m, r = ISO_Q, ISO_ENTRY, ISO_MARGIN, ETH_MMR
    return [((q * ep + m) / q, BANKRUPTCY),
            ((q * ep + m - q * ep * r) / q, MM_AT_ENTRY),
            ((q * ep + m) / (q * (1 - r)), MM_SIGN),
            ((q * ep - m) / (q * (1 - r)), "that price is below the entry: it is where the "
                                           "*long* would be liquidated. A short loses when the "
                                           "price rises: its uPnL is -Q (P - entry).")]


# --- 2: a cross position with others: wallet 1,500, others uPnL -150 and MM 12.5 --------------
def cross_long() -> list[tuple[Decimal, str]]:
    q, ep, w, u, mm, r = D(2), D(2000), D(1500), D(-150), D("12.5"), ETH_MMR
    return [((q * ep - w + u + mm) / (q * (1 - r)),
             "the others' uPnL has the wrong sign: a loss of 150 makes the pool smaller."),
            ((q * ep - w - u) / (q * (1 - r)),
             "the others' maintenance margin is missing: the pool must cover it too."),
            ((q * ep - w - u - mm) / (q * (1 - r)),
             "the others' maintenance margin has the wrong sign: it is needed, not added."),
            ((q * ep - w - u + mm) / q,
             "ETH's own maintenance margin is missing: the position is liquidated when the "
             "pool falls to the maintenance margin of every position, ETH's included.")]


# --- 3a, 3b: the crash twins --------------------------------------------------------------------
def _twin_numbers() -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """ETH quantity, BTC notional, opening fees, deposit: the twin as the exercise states it."""
    q = D(practice.CRASH_TWIN["ETH-PERP"])
    btc = practice.CRASH_TWIN["BTC-PERP"] * practice.START["BTC-PERP"]
    fees = (q * practice.START["ETH-PERP"] + btc) * FEE
    return q, btc, fees, D(practice.TWIN_DEPOSIT)


def _drop(wallet, btc_mm) -> Decimal:
    q, ep = D(practice.CRASH_TWIN["ETH-PERP"]), practice.START["ETH-PERP"]
    return (1 - (q * ep - wallet + btc_mm) / (q * (1 - ETH_MMR)) / ep) * 100


def largest_drop() -> list[tuple[Decimal, str]]:
    q, btc, fees, deposit = _twin_numbers()
    ep = practice.START["ETH-PERP"]
    right = _drop(deposit - fees, btc * BTC_MMR)
    ring = (1 - (q * ep - q * ep / practice.LEVERAGE) / (q * (1 - ETH_MMR)) / ep) * 100
    return [(_drop(deposit, btc * BTC_MMR), "the opening fees are missing: each opening trade "
                                            "paid 0.05 % of its notional out of the wallet."),
            (_drop(deposit - fees, 0), "the BTC position's maintenance margin is missing: BTC "
                                       "does not move, but the pool must still cover its MM."),
            (ring, "that is the fall the ETH position survives on its own 10x margin, as if it "
                   "were isolated. In cross the whole wallet backs it."),
            (right / 100, "give a percentage: 12.5 for 12.5 %, not 0.125."),
            ((1 - right / 100) * ep, "that is ETH's liquidation price; the question asks how "
                                     "many percent it falls from 2,000.")]


def twin_equity() -> list[tuple[Decimal, str]]:
    q, btc, fees, deposit = _twin_numbers()
    ep = practice.START["ETH-PERP"]
    eth_margin = q * ep / practice.LEVERAGE
    fall = q * ep * practice.largest_eth_drop_pct() / 100
    return [(deposit - eth_margin, "the opening fees are missing: both opening trades paid "
                                   "0.05 % of their notional out of the wallet."),
            (deposit - fees, "nothing was lost: the ETH ring is liquidated, and its margin "
                             "goes with it."),
            (deposit - fees - fall, "an isolated ring can lose at most its own margin: the "
                                    "rest of ETH's loss is not the account's to pay."),
            (0, "that is what the *cross* twin keeps. In isolated only the ETH ring is "
                "liquidated; the BTC ring and the wallet outside the rings stay.")]


# --- 5a, 5b: the ADL queue ----------------------------------------------------------------------
def adl_orders() -> list[tuple[list[str], str]]:
    right = practice.adl_ranking()
    return [(practice.adl_ranking_by_leverage(), "that is the order of the leverage chosen at "
             "opening; the queue uses the margin ratio *at the new mark*, on the wallet."),
            (practice.adl_ranking_by_profit(), "that is the order of profit in USDT; the score "
             "is PnL% (profit / wallet balance) times the margin ratio."),
            (right[::-1], "that is the queue upside down: the highest score goes first.")]


def adl_amounts() -> list[tuple[dict, str]]:
    queue, whale = practice.adl_ranking(), D(practice.ADL_WHALE[0])
    return [({queue[0]: whale}, "One short cannot give up more than it holds: the rest of the "
             "whale's position goes to the next in the queue."),
            ({name: whale for name in queue}, "The whale's position is closed only once: the "
             "queue shares its 5 ETH, from the top, until none is left.")]


# --- 6b: the isolated BTC leg (0.04 BTC at 50,000, 200 USDT of margin) -----------------------
def btc_leg_fall() -> list[tuple[Decimal, str]]:
    q, ep, m = practice.BTC_LONG, practice.START["BTC-PERP"], D(200)
    right = (1 - (q * ep - m) / (q * (1 - BTC_MMR)) / ep) * 100
    return [(D(10), "that is the fall to the bankruptcy price (margin + uPnL = 0); the ring is "
                    "liquidated earlier, at its maintenance margin."),
            ((1 - (q * ep - m) / (q * (1 - ETH_MMR)) / ep) * 100,
             "that uses ETH's rate; BTC-PERP's maintenance margin rate is 0.4 %."),
            (right / 100, "give a percentage: 12.5 for 12.5 %, not 0.125."),
            ((1 - right / 100) * ep, "that is BTC's liquidation price; the question asks how "
                                     "many percent the market falls.")]


# --- 8: a short gapped past its bankruptcy price (5 ETH at 2,200, 10x: 1,100 of margin) -------
LOT = D("0.001")


def _lot_above(x: Decimal, lot: Decimal = LOT) -> Decimal:
    return ((x / lot).to_integral_value(rounding="ROUND_FLOOR") + 1) * lot


def gap_bankruptcy() -> list[tuple[Decimal, str]]:
    q, ep, _ = losses.GAP_SHORT
    m = q * ep / 10
    return [((q * ep + m) / (q * (1 + ETH_MMR)), "that is the liquidation price (margin + uPnL "
             "= MM); the bankruptcy price is where margin + uPnL reaches zero."),
            (ep - m / q, "that price is below the entry: a short loses when the price rises, "
                         "so its margin runs out above the entry.")]


def gap_payment() -> list[tuple[Decimal, str]]:
    q, ep, _ = losses.GAP_SHORT
    m, mark = q * ep / 10, losses.GAP_MARK
    return [(q * (mark - ep), "that is the whole loss; the position's own margin pays first, "
                              "the fund only what is left beyond it."),
            (q * (mark - (q * ep + m) / (q * (1 + ETH_MMR))),
             "the fund covers the loss beyond the *bankruptcy* price, where the margin is gone, "
             "not beyond the liquidation price."),
            (-q * (mark - (ep + m / q)), "give what the fund pays out as a positive amount.")]


# --- 9: one to-compliance step on 1,500 ETH (3M notional: MMR 5 %, maintenance amount 70,365) -
def partial_quantity() -> list[tuple[Decimal, str]]:
    q, _, deposit = losses.PARTIAL
    p, m, f, cum = losses.PARTIAL_MARK, D("0.05"), D("0.0125"), D(70_365)
    equity = deposit - q * 2000 * FEE + q * (p - 2000)
    short = q * p * m - cum - equity
    exact = short / (p * (m - f))
    return [(_lot_above(short / (p * m)), "the liquidation fee is missing: each ETH closed also "
                                          "pays 1.25 % of its notional to the insurance fund."),
            (_lot_above(short / (p * (m + f))), "the fee has the wrong sign: it takes from the "
                                               "equity, so closing one ETH frees P (MMR - fee)."),
            (_lot_above((q * p * m - equity) / (p * (m - f))),
             "the maintenance amount (70,365 in this tier) is missing: MM = Q P MMR - amount."),
            (_lot_above((short - q * 2000 * FEE) / (p * (m - f))),
             "the opening fee is missing: 0.05 % of the 3,000,000 USDT notional left the wallet "
             "when the position opened, so the equity is that much lower."),
            (exact.quantize(D("0.001"), rounding="ROUND_FLOOR"),
             "that leaves the account just short of compliance: round *up* to the next lot."),
            (q, "that is the whole position; to compliance closes just enough.")]


# --- 10: exercise 5's gap with the loss socialized ----------------------------------------------
def socialized() -> list[tuple[dict, str]]:
    names, whale = list(practice.ADL_SHORTS), practice.ADL_WHALE
    mark = practice.ADL_GAP_MARK
    loss = D(whale[0]) * (2000 - mark)
    deficit = loss - D(whale[0]) * 2000 / whale[1]
    profit = {n: D(practice.ADL_SHORTS[n][0]) * (2000 - mark) for n in names}
    total = sum(profit.values())
    return [({n: deficit / len(names) for n in names}, "The loss is shared pro rata to each "
             "winner's profit, not in equal parts."),
            ({n: loss * profit[n] / total for n in names}, "That shares the whale's whole loss; "
             "its own margin covers the first part, only the deficit beyond it is shared.")]


# --- 11: the cascade ----------------------------------------------------------------------------
def cascade_names() -> list[tuple[list[str], str]]:
    return [(["ivan"], "that is only the shock's victim: each forced sale moves the price down "
                       "again, round after round."),
            (["ivan", "judy", "ken"], "the cascade stops sooner: work out the price after each "
                                      "round's forced selling, 1 % per 4,000 USD sold.")]


def cascade_price() -> list[tuple[Decimal, str]]:
    shocked = practice.START["ETH-PERP"] * (1 + losses.CASCADE_SHOCK)
    first = shocked * (1 - D("0.01") * 5 * shocked / losses.CASCADE_DEPTH)
    return [(shocked, "that is the shock alone: the first liquidation's forced sale moves it "
                      "further."),
            (first.quantize(D("0.01")), "one round short: the second liquidation's forced sale "
                                        "moves the price once more.")]


# --- 12: the odds -------------------------------------------------------------------------------
def _count_ending_below() -> int:
    paths, lp = losses.odds_paths(), float(losses.odds_liquidation_price())
    return int((paths[:, -1] <= lp).sum())


def odds() -> list[tuple[float, str]]:
    return [(_count_ending_below() / losses.ODDS_PATHS, "that counts the paths that *end* below "
             "the liquidation price; a path is liquidated the first time it touches it."),
            (losses.odds_probability() * 100, "give a fraction (0.25), not a percentage.")]


def odds_intervals() -> list[tuple[tuple[float, float], str]]:
    p, n, z = losses.odds_probability(), losses.ODDS_PATHS, 1.959963984540054
    half = z * (p * (1 - p) / n) ** 0.5
    return [((p - half, p + half), "that is the normal (Wald) interval p ± z √(p(1-p)/n); use "
             "Wilson's, which stays inside 0..1 and is right for few hits.")]


# --- 7: funding (lesson 11): 2 ETH long at 2,000, 20x isolated, 0.08 % per 8 h ---------------
def funding_change() -> list[tuple[Decimal, str]]:
    right = practice.funding_margin_change()
    return [(-right, "the size is right but the sign is not. With a positive rate a long pays, "
                     "so its margin shrinks: the change is negative."),
            (right * 100, "the rate is a percentage: 0.08 % is 0.0008."),
            (right / practice.FUNDING_LONG, "that is the payment on 1 ETH; funding is paid on the "
                                            "whole position (size × mark × rate).")]


def funding_price() -> list[tuple[Decimal, str]]:
    q, entry = practice.FUNDING_LONG, practice.START["ETH-PERP"]
    paid = -practice.funding_margin_change() * practice.FUNDING_AFTER
    margin = entry * q / practice.FUNDING_LEVERAGE
    def lp(m):
        return (q * entry - m) / (q * (1 - ETH_MMR))
    return [(lp(margin), "that is the liquidation price before any funding: take the payments "
                         "out of the margin first."),
            (lp(margin + paid), "the payments went the wrong way: a long paying funding has less "
                                "margin, so its liquidation price moves up, towards the mark.")]


def funding_periods() -> list[tuple[int, str]]:
    right = practice.funding_periods_to_liquidation()
    margin = practice.START["ETH-PERP"] * practice.FUNDING_LONG / practice.FUNDING_LEVERAGE
    gone = int(margin / -practice.funding_margin_change())
    at_zero = "liquidation comes at the maintenance margin, not when the margin is gone."
    return [(right - 1, "after that payment the equity is still above the maintenance margin: "
                        "round up to the payment that takes it there."),
            (gone, at_zero), (gone + 1, at_zero)]


# --- 14: a liquidator's view --------------------------------------------------------------------
def protocol_names() -> list[tuple[list[str], str]]:
    return [(losses.liquidatable_on("dYdX v4"), "those are dYdX's: Drift's maintenance margin is "
                                                "5 % of the notional at the oracle, not 3 %."),
            ([], "nobody is bankrupt yet, but liquidation starts earlier: at equity <= "
                 "maintenance margin, not at equity <= 0.")]


def drift_base() -> list[tuple[Decimal, str]]:
    q, collateral = D(60), D(12_500)
    p = losses.SHORTAGE_ORACLE
    equity = collateral + q * (p - 2000)
    with_buffer = q * p * D("0.07") - equity
    no_buffer = q * p * D("0.05") - equity
    return [(with_buffer / (p * D("0.07")), "the fees are missing: each ETH closed pays 1 % to "
                                            "the liquidator and 1 % to the insurance fund, so it "
                                            "frees P (7 % - 2 %)."),
            (no_buffer / (p * (D("0.05") - D("0.02"))), "the buffer is missing: Drift closes "
                                                         "enough to clear maintenance margin "
                                                         "plus the 2 % buffer."),
            (with_buffer / (p * D("0.07") + p * D("0.02")), "the fees have the wrong sign: they "
                                                            "take from what a close frees.")]
