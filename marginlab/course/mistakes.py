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
