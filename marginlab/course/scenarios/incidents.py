"""The four incidents of lesson 13: the real figures (:data:`FACTS`, as reported, dated, with
their sources) and each stylized replay's set-up (:data:`CASES`), run by
:func:`marginlab.course.scenarios.cases.replay`.

Stylized, in every case: sizes scaled down (about 1:1,000 where a size is reported), a price
path of a few steps shaped on the reported figures (no tick data), anonymous counterparties
("short 1", "long A", ...), one market, no funding. Only the venue's rules change between
replays; the contract (tiers, fees), the book depth and the seeds stay the case's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ...engine.contracts import BTC_PERP, ETH_PERP, hyperliquid_perp, linear_perp

D = Decimal


@dataclass(frozen=True)
class Step:
    """One step of the path: its label, the mark (and the index, if it differs), and what a
    trader does right after the move (``action(ex)``)."""

    label: str
    mark: Decimal
    index: Decimal | None = None
    action: Callable | None = None


@dataclass(frozen=True)
class Case:
    title: str
    date: str
    venue: str  # the rules of the venue where it happened (a preset's name)
    contract: object
    steps: tuple
    setup: Callable  # opens the accounts at the first step's mark
    roles: dict  # trader -> party
    fund: int = 0
    vault_seed: int = 0
    depth: int | None = None  # book depth, USD per 1 % move

    @property
    def symbol(self) -> str:
        return self.contract.symbol


def _open(ex, traders: dict, side: str, mode: str = "cross") -> None:
    """``traders``: {name: (quantity, leverage, deposit)}, each opening ``side`` at the mark."""
    for name, (q, lev, dep) in traders.items():
        acct = ex.open_account(name, deposit=dep, mode=mode)
        getattr(acct, side)(ex.contract(next(iter(ex.contracts))).symbol, q, leverage=lev)


# --- 1. Hyperliquid, ETH 50x whale, 12 March 2025 ----------------------------------------------
WHALE = {"whale": ("160", 50, 6_400)}  # 160 ETH at 50x: about 1:1,000 of a ~$300M position
WHALE_SHORTS = {"short 1": ("60", 10, 12_000), "short 2": ("50", 10, 10_000),
                "short 3": ("40", 10, 8_000)}


def _whale_takes_profit_out(ex) -> None:
    """Hyperliquid then let a trader withdraw unrealized profit down to the initial margin
    (since March 2025 a withdrawal must leave max(initial margin, 10 % of the notional)); the
    engine, like Binance, never lets unrealized profit be withdrawn. Same account: realize the
    profit, reopen the same 160 ETH at 50x, withdraw everything above the initial margin."""
    whale = ex.account("whale")
    whale.close("ETH-PERP")
    whale.buy("ETH-PERP", WHALE["whale"][0], leverage=50)
    whale.withdraw(whale.available_balance)
    _open(ex, WHALE_SHORTS, "sell")  # the other side of the new long


# the contract as it was that day: ETH at 50x (MMR 1 %), cut to 25x after this liquidation
WHALE_ETH = hyperliquid_perp("ETH-PERP", 50, taker_fee=ETH_PERP.taker_fee,
                             maker_fee=ETH_PERP.maker_fee, as_of="before 12 March 2025",
                             source="Hyperliquid docs, trading/margin-tiers (ETH 50x until the "
                                    "whale liquidation of 12 March 2025)")

ETH_WHALE = Case(
    title="Hyperliquid ETH 50x whale", date="12 March 2025", venue="Hyperliquid",
    contract=WHALE_ETH,
    steps=(Step("whale opens 160 ETH at 50x", D(1848)),
           Step("ETH 1,900: profit out, 50x kept", D(1900), action=_whale_takes_profit_out),
           Step("ETH 1,872: liquidated", D(1872))),
    setup=lambda ex: _open(ex, WHALE, "buy"),
    roles={"whale": "the whale", **dict.fromkeys(WHALE_SHORTS, "shorts (winners)")},
    fund=2_000, vault_seed=20_000, depth=80_000)


# --- 2. 10 October 2025: ADL at scale --------------------------------------------------------
OCT_ETH = hyperliquid_perp("ETH-PERP", 25, taker_fee=ETH_PERP.taker_fee,
                           maker_fee=ETH_PERP.maker_fee)  # ETH 25x since March 2025
OCT_LONGS = {"long A": ("10", 25, 1_700), "long B": ("20", 20, 4_200),
             "long C": ("30", 15, 8_200), "long D": ("5", 5, 4_100)}
OCT_SHORTS = {"short A": ("25", 5, 20_500), "short B": ("20", 20, 4_100),
              "short C": ("20", 10, 8_100)}

OCTOBER_10 = Case(
    title="10 October 2025: auto-deleveraging at scale", date="10 October 2025",
    venue="Hyperliquid", contract=OCT_ETH,
    steps=(Step("20:50 tariff headline", D(4000)), Step("21:00", D(3880)),
           Step("21:10", D(3700)), Step("21:15 peak minute", D(3420)),
           Step("21:30", D(3560)), Step("22:00", D(3680))),
    setup=lambda ex: (_open(ex, OCT_LONGS, "buy"), _open(ex, OCT_SHORTS, "sell")),
    roles={**dict.fromkeys(OCT_LONGS, "longs"), **dict.fromkeys(OCT_SHORTS, "shorts (winners)")},
    fund=500, vault_seed=20_000, depth=150_000)


# --- 3. Mango Markets, 11 October 2022 ---------------------------------------------------------
MNGO_PERP = linear_perp("MNGO-PERP", [(0, "0.05", 10)], tick_size="0.0001", lot_size="1")
MANGO_ATTACKER = {"attacker A": ("483000", 5, 5_000), "attacker B": ("483000", 5, 5_000)}


def _attacker_cashes_out(ex) -> None:
    """Account B takes what it can: closes its long at the mark if it still holds it, then
    withdraws its available balance (the engine's rule: no unrealized profit)."""
    b = ex.account("attacker B")
    if b.positions:
        b.close("MNGO-PERP")
    if b.available_balance > 0:
        b.withdraw(b.available_balance)


def _mango_setup(ex) -> None:
    a, b = (ex.open_account(n, deposit=dep) for n, (_, _, dep) in MANGO_ATTACKER.items())
    a.sell("MNGO-PERP", MANGO_ATTACKER["attacker A"][0], leverage=5)
    b.buy("MNGO-PERP", MANGO_ATTACKER["attacker B"][0], leverage=5)


MANGO = Case(
    title="Mango Markets: unrealized profit as collateral", date="11 October 2022",
    venue="Socialized loss", contract=MNGO_PERP,  # Mango is no preset: see MANGO's note
    steps=(Step("A sells B 483,000 MNGO", D("0.0382")),
           Step("oracle pumped to 0.91", D("0.91"), index=D("0.91"),
                action=_attacker_cashes_out),
           Step("price falls back", D("0.03"))),
    setup=_mango_setup, roles=dict.fromkeys(MANGO_ATTACKER, "the attacker"),
    fund=50_000, vault_seed=20_000, depth=None)
"""Mango Markets is not one of the presets, and no preset lends against unrealized profit. The
replay starts under socialized loss, the preset under which it ends as Mango did: the loss
sharing takes only what the winners hold, so the attacker's unrealized profit escapes it and is
cashed out at the top, and the rest of the market pays. Under ADL the attacker's own long is
closed at the bankrupt short's price, and the attack nets nothing."""


# --- 4. Black Thursday, 12-13 March 2020 ---------------------------------------------------------
BT_LONGS = {"long 1": ("2", 100, 200), "long 2": ("1", 25, 400), "long 3": ("3", 10, 2_500),
            "long 4": ("2", 5, 3_300), "long 5": ("1", 3, 2_700)}
BT_SHORTS = {"short 1": ("4", 5, 7_000), "short 2": ("3", 20, 1_400),
             "short 3": ("2", 10, 1_700)}

BLACK_THURSDAY = Case(
    title="Black Thursday: BitMEX and the insurance fund", date="12-13 March 2020",
    venue="BitMEX", contract=BTC_PERP,
    steps=(Step("12 Mar 00:00", D(7900)), Step("12 Mar 06:00", D(7600)),
           Step("12 Mar 12:00", D(7200)), Step("12 Mar 15:00", D(6700)),
           Step("12 Mar 18:00", D(6100)), Step("12 Mar 23:00", D(5600)),
           Step("13 Mar 02:00", D(4000)), Step("13 Mar 12:00", D(5200))),
    setup=lambda ex: (_open(ex, BT_LONGS, "buy", "isolated"), _open(ex, BT_SHORTS, "sell")),
    roles={**dict.fromkeys(BT_LONGS, "longs"), **dict.fromkeys(BT_SHORTS, "shorts (winners)")},
    fund=10_000, vault_seed=20_000, depth=50_000)


CASES = {"eth-whale": ETH_WHALE, "october-10": OCTOBER_10, "mango": MANGO,
         "black-thursday": BLACK_THURSDAY}
"""The cases by key, in the lesson's order."""


AMBERDATA = ("https://blog.amberdata.io/how-3.21b-vanished-in-60-seconds-october-2025-crypto-"
             "crash-explained-through-7-charts")
BITMEX_BLOG = "https://blog.bitmex.com/bitmex-insurance-fund-your-questions-answered/"

FACTS = {
    "eth-whale": [
        ("A trader opened a huge ETH long, withdrew margin down to the minimum and was "
         "liquidated; the backstop vault (HLP) lost about $4M while the trader kept about $1.8M "
         "of profit", "Foresight News, https://followin.io/en/feed/16823567 (quoting Hyperliquid)",
         "12 March 2025"),
        ("Hyperliquid then cut maximum leverage to BTC 40x and ETH 25x and required more margin "
         "to withdraw", "Hyperliquid on X, https://x.com/HyperliquidX/status/1900199063880171578; "
         "Foresight News, https://followin.io/en/feed/16823567", "March 2025"),
    ],
    "october-10": [
        ("$19.1B liquidated across about 1.6M traders in 24 h (Hyperliquid $10.3B, Bybit "
         "$4.65B, Binance $2.41B), about 87 % longs", "Coinglass, via Blockscope "
         "Research \"Beyond the Candle: The Crypto Apocalypse of October 10\", "
         "https://research.blockscope.co/the-october-crash", "10-11 October 2025"),
        ("$6.93B liquidated between 20:50 and 21:30 UTC, $3.21B in the peak minute 21:15 UTC",
         "Amberdata, \"How $3.21B vanished in 60 seconds\", " + AMBERDATA, "10 October 2025"),
        ("Hyperliquid's first cross-margin ADL in over two years: about $2.1B of positions "
         "auto-deleveraged in 12 minutes", "arXiv 2512.01112 v3, https://arxiv.org/abs/2512.01112v3",
         "10 October 2025"),
        ("$45.0-51.7M of excess haircuts on about $653.6M of positions",
         "arXiv 2512.01112 v3 (16 Feb 2026), https://arxiv.org/abs/2512.01112v3",
         "10 October 2025"),
    ],
    "mango": [
        ("About $10M moved MNGO from $0.038 to $0.91; the inflated unrealized profit was used "
         "as cross collateral to borrow about $114-116M",
         "Solidus Labs, \"The Mango Markets exploit: an order book analysis\", "
         "https://www.soliduslabs.com/post/mango-hack", "11 October 2022"),
    ],
    "black-thursday": [
        ("BitMEX liquidations about $876M and $798M on the two days; its insurance fund's "
         "largest one-day drop 2,606 XBT; no ADL", "BitMEX blog, \"BitMEX insurance fund: "
         "your questions answered\", " + BITMEX_BLOG, "12-13 March 2020"),
        ("MakerDAO the same days: $8.32M of ETH sold for zero-DAI bids, 5.67M DAI of bad debt",
         "BitMEX blog (same post), " + BITMEX_BLOG, "12-13 March 2020"),
    ],
}
"""Per case: (what was reported, source, date). Quoted as reported; totals differ by method."""
