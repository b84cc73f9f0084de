"""Lesson 12: protocol margin engines, Hyperliquid, dYdX v4 and Drift v2 side by side.

Modelled: one ETH perpetual whose **oracle price** starts at 2,000 USDC, holding the six cross
accounts of :data:`ACCOUNTS` (four longs, two shorts), all opened at 2,000. Each protocol is one
:class:`~marginlab.engine.exchange.Exchange` with its contract (:data:`CONTRACTS`), its rules
(:data:`RULES`) and its fund (:data:`FUNDS`); the oracle then moves in one step and the engine
liquidates. Parameters as of 2025:

* **Hyperliquid** (docs, trading/margin-tiers and trading/liquidations): ETH at 25x, so
  MMR = 1 / (2 * 25) = 2 %; a position worth more than 100,000 USDC closes 20 % at a time; below
  2/3 of maintenance margin the backstop vault (HLP's liquidator) takes positions and collateral
  over; no clearance fee and no insurance fund: a negative account is auto-deleveraged.
* **dYdX v4** (dydxprotocol/v4-chain): the "Large-Cap" liquidity tier, initial margin fraction
  IMF 5 % (20x) and maintenance fraction 60 %, so MMR = 3 %; the liquidation closes the whole
  position (position block limit 100 %); the insurance fund takes min(what is left, 0.5 % of the
  notional) (``LiquidationsConfig_Default``, MaxLiquidationFeePpm 5,000) and pays a deficit it
  can cover whole; otherwise opposite positions are deleveraged at the bankruptcy price.
* **Drift v2** (drift-labs/protocol-v2): a model ETH market with ``margin_ratio_initial`` 10 %
  (10x), ``margin_ratio_maintenance`` 5 %, ``liquidator_fee`` 1 % and ``if_liquidation_fee`` 1 %
  (the values of Drift's own liquidation tests; live markets set their own), the liquidation
  margin buffer 2 %; only the shortage closes; a bankruptcy the insurance fund cannot pay is
  socialized over the market's open interest.

Simplified (and said in the lesson): no trading fees; every position is opened at its protocol's
maximum leverage, so its initial requirement is notional x IMF as dYdX and Drift define it;
liquidation orders fill at the oracle price (a deep book: no slippage, and so no spread for the
liquidator on Hyperliquid and dYdX, see :func:`dydx_fillable_price` for how far a dYdX fill may
go); the oracle is the mark; the engine's ADL queue (Binance's ranking) stands for dYdX's
pseudo-random order and Hyperliquid's ranking, and closes at the bankruptcy price (Hyperliquid
closes at the previous oracle price); one block, no cooldown beyond it.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ...engine.contracts import hyperliquid_perp, linear_perp
from ...engine.errors import ConfigurationError
from ...engine.exchange import Exchange
from ...engine.numbers import ZERO, price
from ...engine.risk import bucket_risk
from ...engine.rules import ALL_AT_ONCE, BINANCE, DRIFT, HYPERLIQUID

AS_OF = "2025"
ORACLE = Decimal(2000)
SYMBOL = "ETH-PERP"
PROTOCOLS = ("Hyperliquid", "dYdX v4", "Drift v2")
NO_FEES = {"taker_fee": 0, "maker_fee": 0}

CONTRACTS = {
    "Hyperliquid": hyperliquid_perp(SYMBOL, 25, **NO_FEES),
    "dYdX v4": linear_perp(SYMBOL, [(0, "0.03", 20)], liquidation_fee="0.005", **NO_FEES),
    "Drift v2": linear_perp(SYMBOL, [(0, "0.05", 10)], liquidation_fee="0.01",
                            liquidator_fee="0.01", **NO_FEES),
}
"""The ETH contract on each protocol (MMR 2 %, 3 %, 5 %; max leverage 25x, 20x, 10x)."""

RULES = {
    "Hyperliquid": HYPERLIQUID,
    "dYdX v4": BINANCE.but(name="dYdX v4 (model)", liquidation_policy=ALL_AT_ONCE),
    "Drift v2": DRIFT,
}
"""Hyperliquid's preset; dYdX as mark-price margin with whole-position liquidation, the fee to the
insurance fund, and deleveraging; Drift's preset (shortage only, loss
socialized over open interest)."""

FUNDS = {"Hyperliquid": 0, "dYdX v4": 1_000, "Drift v2": 1_000}
"""Insurance fund of the market (USDC). Hyperliquid has none: its backstop vault is HLP."""

SOURCES = {
    "Hyperliquid": "Hyperliquid docs: trading/liquidations",
    "dYdX v4": "dydxprotocol/v4-chain: x/clob/keeper/liquidations.go",
    "Drift v2": "drift-labs/protocol-v2: math/liquidation.rs",
}

# trader: (signed ETH size, USDC collateral); "ann" is the account the lesson follows
ACCOUNTS = {"ann": ("60", 12_500), "ben": ("8", 2_000), "cat": ("5", 1_500),
            "fay": ("10", 4_000), "dan": ("-20", 6_000), "eve": ("-50", 30_000)}
FOLLOWED = "ann"


def _price(value, what: str = "oracle price") -> Decimal:
    """An oracle price in USDC, checked by the engine and rounded to the cent."""
    return price(value, what).quantize(Decimal("0.01"))


def _protocol(name) -> str:
    """``name`` if it is one of :data:`PROTOCOLS`, else a ``ConfigurationError`` naming them."""
    if name not in PROTOCOLS:
        raise ConfigurationError(f"protocol must be one of {', '.join(map(repr, PROTOCOLS))}; "
                                 f"got {name!r}")
    return name


def market(protocol: str, *, fund=None) -> Exchange:
    """The six accounts of :data:`ACCOUNTS` on ``protocol``, each a cross account holding one
    ETH position opened at the oracle price 2,000 at the protocol's maximum leverage."""
    spec = CONTRACTS[_protocol(protocol)]
    ex = Exchange(contracts=[spec], rules=RULES[protocol], marks={SYMBOL: ORACLE},
                  insurance_fund=FUNDS[protocol] if fund is None else fund)
    for name, (size, collateral) in ACCOUNTS.items():
        acct = ex.open_account(name, deposit=collateral)
        trade = acct.buy if Decimal(size) > 0 else acct.sell
        trade(SYMBOL, abs(Decimal(size)), leverage=spec.max_leverage())
    return ex


def protocol_rules() -> pd.DataFrame:
    """One row per protocol: max leverage, initial and maintenance margin rates (from
    :data:`CONTRACTS`), who liquidates, what closes, who is paid and where a deficit goes."""
    how = {
        "Hyperliquid": ("market order to the book; backstop vault below 2/3 of MM",
                        "20 % chunks above 100,000 USDC, else all", "no fee (book spread only)",
                        "backstop vault (HLP) keeps the collateral; negative: ADL"),
        "dYdX v4": ("liquidation order filled by makers, no worse than the fillable price",
                    "the position (block limits)", "fill spread, at most 0.1 x position MM",
                    "this market's insurance fund, then deleveraging"),
        "Drift v2": ("any keeper takes the position over at the oracle, minus a fee",
                     "only the shortage (+2 % buffer)", "liquidator fee 1 % of notional",
                     "insurance fund, then socialized over open interest"),
    }
    rows = []
    for protocol in PROTOCOLS:
        spec = CONTRACTS[protocol]
        lev = spec.max_leverage()
        rows.append({"protocol": protocol, "max leverage": f"{lev:g}x",
                     "initial margin %": float(100 / lev), "maintenance margin %":
                     float(spec.mmr * 100), "who liquidates": how[protocol][0],
                     "what closes": how[protocol][1], "liquidator earns": how[protocol][2],
                     "a deficit goes to": how[protocol][3], "source (as of 2025)":
                     SOURCES[protocol]})
    return pd.DataFrame(rows).set_index("protocol")


def health_table(protocol: str, oracle) -> pd.DataFrame:
    """Every account of the market, as anyone reading the chain can compute it: its collateral
    and position (public state) valued at the ``oracle`` price with the protocol's risk
    function (:func:`marginlab.engine.risk.bucket_risk`)::

        equity (net collateral) = collateral + s * Q * (oracle - entry)
        maintenance (MMR)       = Q * oracle * MMR
        margin ratio            = maintenance / equity,   liquidatable <=> equity <= MMR

    plus each account's liquidation price. Sorted with the most endangered first (highest
    margin ratio): the order in which a liquidator bot would look. Nothing is liquidated."""
    ex, mark = market(protocol), _price(oracle)
    rows = []
    for acct in ex.sorted_accounts():
        pos = acct.position(SYMBOL)
        risk = bucket_risk(acct.wallet_balance, [pos], {SYMBOL: mark}, ex.contracts, ex.rules)
        ratio = risk.margin_ratio
        liq = acct.liquidation_price(SYMBOL)
        rows.append({"trader": acct.trader, "collateral": float(acct.wallet_balance),
                     "ETH": float(pos.size), "equity": float(risk.equity),
                     "maintenance": float(risk.maintenance),
                     "margin ratio %": float("inf") if ratio.is_infinite() else
                     float(ratio * 100),
                     "liquidation price": float(liq) if liq is not None else float("nan"),
                     "liquidatable": risk.is_liquidatable})
    table = pd.DataFrame(rows).sort_values("margin ratio %", ascending=False)
    return table.set_index("trader")


# --- one move of the oracle, liquidated by each protocol's engine ---------------------------------
def _flows(ex, start: int, place: str) -> dict:
    """Money into and out of ``place`` through the ledger since transfer ``start``, by the
    other end: ``{("out", destination): amount, ("in", source): amount}``."""
    flows: dict = {}
    for t in ex.ledger.transfers[start:]:
        if t.source == place:
            flows[("out", t.destination)] = flows.get(("out", t.destination), ZERO) + t.amount
        elif t.destination == place:
            flows[("in", t.source)] = flows.get(("in", t.source), ZERO) + t.amount
    return flows


def _market_totals(ex, start: int, events, mark: Decimal) -> dict:
    """Where the liquidations of one move sent money, market-wide (USDC, floats)."""
    fees = fund_paid = socialized = unrecovered = ZERO
    for t in ex.ledger.transfers[start:]:
        if t.destination == "insurance fund" and t.source.endswith(":wallet"):
            fees += t.amount
        elif t.source == "insurance fund":
            fund_paid += t.amount
        elif t.reason.startswith("socialized loss"):
            socialized += t.amount
        elif t.reason.startswith("unrecovered"):
            unrecovered += t.amount
    adl = sum((abs(e.quantity) * abs(e.price - mark) for e in events if e.kind == "adl"), ZERO)
    return {"to liquidators": float(ex.liquidators), "to insurance fund": float(fees),
            "insurance fund pays": float(fund_paid), "to backstop vault": float(ex.backstop_vault),
            "given up by ADL": float(adl), "socialized": float(socialized),
            "unrecovered": float(unrecovered)}


def liquidate_at(protocol: str, oracle, *, fund=None) -> dict:
    """Move the oracle from 2,000 to ``oracle`` in one step on ``protocol``'s market and let its
    engine liquidate. Returns the ``exchange``, the ``mark``, which accounts were ``liquidatable``
    at the new oracle before any liquidation, the ETH ``closed`` per trader, each trader's
    ``equity after``, the market-wide ``totals`` (:func:`_market_totals`), the ledger index
    ``start`` of the move and the engine's ``messages``."""
    ex, mark = market(protocol, fund=fund), _price(oracle)
    marks = {SYMBOL: mark}
    before = {a.trader: a.position(SYMBOL).quantity for a in ex.sorted_accounts()}
    liquidatable = {a.trader: bucket_risk(a.wallet_balance, a.cross_positions, marks,
                                          ex.contracts, ex.rules).is_liquidatable
                    for a in ex.sorted_accounts()}
    start, first = len(ex.ledger.transfers), len(ex.events)
    ex.set_mark(SYMBOL, mark)
    events = ex.events.since(first)
    closed, equity = {}, {}
    for acct in ex.sorted_accounts():
        left = acct.positions[SYMBOL].quantity if SYMBOL in acct.positions else ZERO
        closed[acct.trader] = before[acct.trader] - left
        equity[acct.trader] = acct.equity
    return {"exchange": ex, "mark": mark, "liquidatable": liquidatable, "closed": closed,
            "equity after": equity, "totals": _market_totals(ex, start, events, mark),
            "start": start,
            "messages": [e.message for e in events if e.kind not in ("mark",)]}


def _followed_row(protocol: str, oracle) -> dict:
    """What happens to :data:`FOLLOWED` on ``protocol`` when the oracle moves to ``oracle``."""
    r = liquidate_at(protocol, oracle)
    ex, mark = r["exchange"], r["mark"]
    spec = CONTRACTS[protocol]
    q, collateral = Decimal(ACCOUNTS[FOLLOWED][0]), Decimal(ACCOUNTS[FOLLOWED][1])
    equity = collateral + q * (mark - ORACLE)  # the risk function, by hand: one long
    maintenance = q * mark * spec.mmr
    flows = _flows(ex, r["start"], ex.account(FOLLOWED).wallet_place)
    deficit = max(ZERO, -equity)
    fund_pays = flows.get(("in", "insurance fund"), ZERO)
    unrecovered = sum((t.amount for t in ex.ledger.transfers[r["start"]:]
                       if t.destination == ex.account(FOLLOWED).wallet_place
                       and t.reason.startswith("unrecovered")), ZERO)
    return {"protocol": protocol, "equity": float(equity), "maintenance": float(maintenance),
            "margin ratio %": float(maintenance / equity * 100) if equity > 0 else float("inf"),
            "liquidatable": r["liquidatable"][FOLLOWED],
            "ETH closed": float(r["closed"][FOLLOWED]),
            "to liquidator": float(flows.get(("out", "liquidators"), ZERO)),
            "to insurance fund": float(flows.get(("out", "insurance fund"), ZERO)),
            "to backstop vault": float(flows.get(("out", "backstop vault"), ZERO)),
            "deficit": float(deficit), "insurance fund pays": float(fund_pays),
            "other traders pay": float(deficit - fund_pays - unrecovered),
            "unrecovered": float(unrecovered),
            f"{FOLLOWED} keeps": float(r["equity after"][FOLLOWED])}


def same_account(oracle) -> pd.DataFrame:
    """The account :data:`FOLLOWED` (long 60 ETH at 2,000 on 12,500 USDC, cross) after the
    oracle moves to ``oracle``, on each protocol: its equity and maintenance margin at the
    oracle, whether it is liquidatable, the ETH its engine closes, what the liquidator, the
    insurance fund and the backstop vault receive from it, and, when it is bankrupt (equity
    below zero), who pays the deficit: the insurance fund, other traders (deleveraged or
    socialized), or nobody (unrecovered). One row per protocol."""
    return pd.DataFrame([_followed_row(p, oracle) for p in PROTOCOLS]).set_index("protocol")


# --- dYdX: the fillable price of a liquidation order ----------------------------------------------
def dydx_fillable_price(sign: int, quantity, oracle, net_collateral, total_mmr, position_mmr,
                        *, bankruptcy_adjustment=1, spread_to_mmr="0.1") -> Decimal:
    """The worst price a dYdX v4 liquidation order accepts (``GetFillablePrice``,
    x/clob/keeper/liquidations.go; defaults BA = 1, SMMR = 0.1 from
    ``LiquidationsConfig_Default``)::

        ABR = clamp(BA * (1 - TNC / TMMR), 0, 1)
        fillable price = (PNNV - ABR * SMMR * PMMR) / PS = oracle - s * ABR * SMMR * PMMR / Q

    with TNC the subaccount's net collateral, TMMR its maintenance requirement, PMMR the
    position's and PNNV = s Q oracle, PS = s Q. At the liquidation threshold (TNC = TMMR) the
    order must fill at the oracle; the closer the account to bankruptcy, the larger the discount,
    up to SMMR x PMMR."""
    q, p = Decimal(str(quantity)), _price(oracle)
    if q <= 0:
        raise ConfigurationError(f"quantity must be above zero, got {quantity!r}")
    tnc, tmmr, pmmr = (Decimal(str(x)) for x in (net_collateral, total_mmr, position_mmr))
    abr = Decimal(str(bankruptcy_adjustment)) * (1 - tnc / tmmr)
    abr = min(Decimal(1), max(ZERO, abr))
    return p - sign * abr * Decimal(str(spread_to_mmr)) * pmmr / q


def dydx_fills(oracles=(1845, 1830, 1815, 1800, 1790)) -> pd.DataFrame:
    """For :data:`FOLLOWED` on dYdX at each oracle: net collateral TNC and maintenance TMMR
    (one position, so PMMR = TMMR), the bankruptcy price ``oracle - TNC / Q`` (dYdX's
    ``-DNNV - TNC * |DMMR| / TMMR`` for the whole position), the fillable price
    (:func:`dydx_fillable_price`), the most a liquidator filling there earns, ``Q * (oracle -
    fillable)``, and the insurance fund's side at that fill: ``min(0.5 % of the notional,
    Q * (fill - bankruptcy))`` when positive, else the fund pays the difference."""
    spec = CONTRACTS["dYdX v4"]
    q, collateral = Decimal(ACCOUNTS[FOLLOWED][0]), Decimal(ACCOUNTS[FOLLOWED][1])
    rows = []
    for oracle in oracles:
        p = _price(oracle)
        tnc, tmmr = collateral + q * (p - ORACLE), q * p * spec.mmr
        fill = dydx_fillable_price(1, q, p, tnc, tmmr, tmmr)
        bankruptcy = p - tnc / q
        surplus = q * (fill - bankruptcy)
        fund = min(q * fill * spec.liquidation_fee, surplus) if surplus > 0 else surplus
        rows.append({"oracle": float(p), "net collateral": float(tnc),
                     "maintenance": float(tmmr), "liquidatable": tnc <= tmmr,
                     "fillable price": float(fill), "bankruptcy price": float(bankruptcy),
                     "liquidator earns at most": float(q * (p - fill)),
                     "insurance fund at that fill": float(fund)})
    return pd.DataFrame(rows).set_index("oracle")


# --- Drift: only the shortage ---------------------------------------------------------------------
def drift_shortage(oracle) -> dict:
    """:data:`FOLLOWED` on Drift at ``oracle``: the margin shortage against maintenance margin
    plus the liquidation buffer, and the base Drift's formula closes to cover it
    (math/liquidation.rs, ``calculate_base_asset_amount_to_cover_margin_shortage``)::

        shortage = Q P (m + b) - equity
        base     = shortage / (P (m + b) - P f_liquidator - P f_insurance)

    (m maintenance ratio, b buffer; each ETH closed frees P (m + b) of requirement and costs
    the two fees), next to what the engine closed, the fees paid and the margin ratio after."""
    spec, rules = CONTRACTS["Drift v2"], RULES["Drift v2"]
    q, collateral = Decimal(ACCOUNTS[FOLLOWED][0]), Decimal(ACCOUNTS[FOLLOWED][1])
    p = _price(oracle)
    equity = collateral + q * (p - ORACLE)
    rate = spec.mmr + rules.shortage_buffer
    shortage = q * p * rate - equity
    base = shortage / (p * rate - p * spec.liquidator_fee - p * spec.liquidation_fee)
    r = liquidate_at("Drift v2", oracle)
    acct = r["exchange"].account(FOLLOWED)
    flows = _flows(r["exchange"], r["start"], acct.wallet_place)
    return {"oracle": p, "equity": equity, "shortage": shortage, "base by formula": base,
            "ETH closed": r["closed"][FOLLOWED],
            "to liquidator": flows.get(("out", "liquidators"), ZERO),
            "to insurance fund": flows.get(("out", "insurance fund"), ZERO),
            "margin ratio after": acct.margin_ratio, "exchange": r["exchange"]}


def followed_through(oracles=(1840, 1825, 1800, 1760)) -> pd.DataFrame:
    """:func:`same_account` at several oracle prices, the columns that differ most: one row per
    (oracle, protocol)."""
    columns = ["liquidatable", "ETH closed", "to liquidator", "to insurance fund",
               "to backstop vault", "insurance fund pays", "other traders pay",
               f"{FOLLOWED} keeps"]
    frames = {float(_price(o)): same_account(o)[columns] for o in oracles}
    return pd.concat(frames, names=["oracle"])


# --- dYdX: an isolated market with its own insurance fund -----------------------------------------
MEME = linear_perp("MEME-PERP", [(0, "0.05", 10)], tick_size="0.0001", lot_size="1",
                   liquidation_fee="0.005", **NO_FEES)
"""An isolated market on the v4-chain "Small-Cap"-like tier: IMF 10 % (10x), maintenance
fraction 50 %, so MMR 5 %."""
MEME_ACCOUNTS = {"ann/1": ("10000", 1_000), "gus": ("-6000", 2_000), "hal": ("-4000", 1_000)}
MEME_FUND = 200


def dydx_isolated_market(gap_pct: float = 15) -> pd.DataFrame:
    """dYdX v4's isolated markets, modelled as **one Exchange per market**: the ETH market of
    :func:`market` with its insurance fund, and an isolated MEME market (:data:`MEME`) with its
    own fund of :data:`MEME_FUND` USDC. ``ann`` trades ETH from her cross subaccount and MEME
    from a separate isolated subaccount ``ann/1`` (a subaccount of its own), long
    10,000 MEME at 1.00 on 1,000 USDC. MEME gaps down ``gap_pct`` %: the MEME fund pays the
    deficit if it can cover it whole, else the MEME shorts are deleveraged at the bankruptcy
    price. Rows: each place's balance (USDC) before and after; the ETH market is untouched.
    """
    eth = market("dYdX v4")
    meme = Exchange(contracts=[MEME], rules=RULES["dYdX v4"], marks={"MEME-PERP": 1},
                    insurance_fund=MEME_FUND)
    for name, (size, collateral) in MEME_ACCOUNTS.items():
        acct = meme.open_account(name, deposit=collateral)
        (acct.buy if Decimal(size) > 0 else acct.sell)("MEME-PERP", abs(Decimal(size)),
                                                      leverage=10)

    def places():
        return {"ann: cross subaccount (ETH)": eth.account("ann").equity,
                "ETH insurance fund": eth.insurance_fund,
                "ann/1: isolated subaccount (MEME)": meme.account("ann/1").equity,
                "MEME insurance fund": meme.insurance_fund,
                "MEME shorts (gus + hal)": meme.account("gus").equity
                + meme.account("hal").equity}

    before = places()
    meme.set_mark("MEME-PERP", (1 - Decimal(str(gap_pct)) / 100).quantize(Decimal("0.0001")))
    after = places()
    return pd.DataFrame({"before": {k: float(v) for k, v in before.items()},
                         "after": {k: float(v) for k, v in after.items()}})
