"""Lesson 13: four real incidents, replayed through the engine under a venue's rules.

Each case (:data:`CASES`) keeps the real figures as reported, dated and sourced (:data:`FACTS`,
from ``shared/reference/incidents.md``), and a **stylized replay**: scaled-down sizes,
anonymous counterparties and a stylized price path shaped on those figures (no tick data is
used). :func:`replay_case` runs a case under any venue's rules (:data:`VENUES`) and follows every
dollar through the engine's ledger::

    net result of a party = sum of the transfers it received - those it paid
                            (deposits and withdrawals, which come from and go outside, left out)

so the net results of all parties add up to exactly zero (money is conserved). The parties are
the case's traders grouped by role, the insurance fund, the backstop vault, the fee pool, the
liquidators and the counterparties (the rest of the market). :attr:`CaseResult.covered` says how
the bankruptcies were covered (insurance fund, ADL haircut, socialized loss, unrecovered) and
what the backstop vault kept and lost.

One step the engine does not take is added here: Hyperliquid's backstop vault (HLP) takes a
position over at the mark (:func:`marginlab.engine.unwinding.backstop`); it must then sell it,
and a position too large for the book sells below the mark. :func:`vault_unwinds` sells every
position the vault took over through the case's book at once, at the book's average price
``F = P (1 - s 0.005 Q P / D)`` (:func:`marginlab.engine.rulebook.book_fill_price`): the vault
pays ``s Q (P - F)`` to the counterparties, out of its depositors' money (``vault seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from ...engine import rulebook
from ...engine.errors import ConfigurationError
from ...engine.exchange import Exchange
from ...engine.money import BACKSTOP_VAULT, COUNTERPARTIES
from ...engine.rules import ALL_AT_ONCE_RULES, PRESETS, venue_rules
from .incidents import CASES, FACTS, MANGO_ATTACKER, Case

VENUES = (*PRESETS, ALL_AT_ONCE_RULES.name)
"""The rules a case can be replayed under: every preset of :mod:`marginlab.engine.rules`."""
PARTIES_AFTER = ("insurance fund", "backstop vault", "fee pool", "liquidators", "counterparties")
COVERED = ("insurance fund paid", "ADL haircut on winners", "socialized from winners",
           "unrecovered (counterparties)", "backstop vault kept", "backstop vault lost unwinding")


@dataclass
class CaseResult:
    """One replay: ``who_pays`` (net result per party, USDT, adding up to 0), ``covered`` (how
    the bankruptcies were paid for), ``path`` (one row per step, floats for display), ``adl``
    (each ADL close: who, how much, at which price and mark, what it gave up) and the engine's
    ``messages``."""

    case: str
    title: str
    venue: str
    who_pays: pd.Series
    covered: pd.Series
    path: pd.DataFrame
    adl: pd.DataFrame
    messages: list = field(default_factory=list)
    exchange: Exchange | None = None


def case(key: str) -> Case:
    """The case ``key`` (see :data:`CASES`), or a ``ConfigurationError`` naming them."""
    if key not in CASES:
        raise ConfigurationError(f"no case {key!r}; the cases are {', '.join(CASES)}")
    return CASES[key]


def replay_case(key: str, venue=None, *, fund=None) -> CaseResult:
    """Run case ``key`` under ``venue``'s rules (a name of :data:`VENUES` or a
    :class:`~marginlab.engine.rules.VenueRules`; default: the case's own venue), with the case's
    insurance fund or ``fund`` USDT, and follow the money (see the module docstring)."""
    c = case(key)
    ex = _exchange(c, venue_rules(c.venue if venue is None else venue),
                   c.fund if fund is None else fund)
    rows, adl, covered = [], [], dict.fromkeys(COVERED, Decimal(0))
    for i, step in enumerate(c.steps):
        start = len(ex.events)
        if i:
            index = None if step.index is None else {c.symbol: step.index}
            ex.set_marks({c.symbol: step.mark}, time=step.label, index=index)
        if step.action is not None:
            step.action(ex)
        lost = vault_unwinds(ex, c.symbol, ex.events.since(start))
        covered["backstop vault lost unwinding"] += lost
        events = ex.events.since(start)
        closes = _adl_rows(events, step)
        adl += closes
        covered["ADL haircut on winners"] += sum((r["given up"] for r in closes), Decimal(0))
        _add_covered(covered, events)
        rows.append(_path_row(ex, c, step, events))
    covered["backstop vault kept"] = sum((-e.amount for e in ex.events if e.kind == "backstop"
                               and e.quantity is None and e.trader), Decimal(0))
    return CaseResult(
        key, c.title, ex.rules.name, who_pays(ex, c.roles), pd.Series(covered, dtype=object),
        pd.DataFrame(rows).set_index("step"),
        pd.DataFrame(adl, columns=["trader", "closed", "price", "mark", "given up"]),
        [e.message for e in ex.events if e.kind in MESSAGE_KINDS], ex)


def _exchange(c: Case, rules, fund) -> Exchange:
    """The case's market under ``rules``: its contract, book, insurance fund, the backstop
    vault's depositors' money, and its accounts opened at the first mark."""
    ex = Exchange(contracts=[c.contract], rules=rules, insurance_fund=fund,
                  marks={c.symbol: c.steps[0].mark}, book_depth={c.symbol: c.depth})
    if c.vault_seed:
        ex.ledger.deposit(BACKSTOP_VAULT, Decimal(c.vault_seed), "backstop vault seed")
        ex.events.append("deposit", f"The backstop vault holds {c.vault_seed:,} USDT of its "
                         f"depositors' money", amount=Decimal(c.vault_seed))
    c.setup(ex)
    return ex


MESSAGE_KINDS = ("withdrawal", "liquidation", "backstop", "insurance fund", "adl",
                 "socialized loss", "unrecovered loss")


def who_pays(ex: Exchange, roles: dict) -> pd.Series:
    """Net result per party (USDT): every transfer between places, grouped by party (a trader's
    places, wallet and isolated margins, belong to its role in ``roles``), plus the unrealized
    PnL of the positions still open at the last mark, which the counterparties owe. Deposits
    and withdrawals (from and to outside) are left out, so the results add up to 0."""
    net: dict = {}
    for t in ex.ledger.transfers:
        if ex.ledger.OUTSIDE in (t.source, t.destination):
            continue  # deposits and withdrawals: money from and to outside
        for place, amount in ((t.source, -t.amount), (t.destination, t.amount)):
            party = roles[place.split(":")[0]] if ":" in place else place
            net[party] = net.get(party, Decimal(0)) + amount
    for acct in ex.sorted_accounts():  # open positions valued at the last mark, against the
        upnl = acct.unrealized_pnl     # counterparties on the other side
        net[roles[acct.trader]] = net.get(roles[acct.trader], Decimal(0)) + upnl
        net[COUNTERPARTIES] = net.get(COUNTERPARTIES, Decimal(0)) - upnl
    order = [*dict.fromkeys(roles.values()), *PARTIES_AFTER]
    return pd.Series({p: net.get(p, Decimal(0)) for p in order}, dtype=object, name="USDT")


def vault_unwinds(ex: Exchange, symbol: str, events) -> Decimal:
    """The backstop vault sells what it took over in ``events`` through the book (module
    docstring): ``s Q (P - F)`` from the vault to the counterparties. Returns the total."""
    depth, tick, total = ex.book_depth.get(symbol), ex.contract(symbol).tick_size, Decimal(0)
    for e in [e for e in events if e.kind == "backstop" and e.quantity is not None]:
        sign, q = (1 if e.quantity < 0 else -1), abs(e.quantity)
        fill = e.price if depth is None else rulebook.book_fill_price(sign, q, e.price, depth,
                                                                      tick)
        loss = ex.ledger.transfer(BACKSTOP_VAULT, COUNTERPARTIES, sign * q * (e.price - fill),
                                  f"backstop vault unwinds {e.trader}'s {symbol}")
        total += loss
        ex.events.append("backstop", f"The {BACKSTOP_VAULT} sells the {q:,f} {symbol} it took "
                         f"over through the book at an average {fill:,.2f}, {loss:,.2f} USDT "
                         f"below the mark {e.price:,.2f}: its loss", symbol=symbol,
                         amount=-loss)
    return total


def _adl_rows(events, step) -> list:
    """Each ADL close: the winner gives up |q| |mark - price| next to closing at the mark."""
    return [{"trader": e.trader, "closed": abs(e.quantity), "price": e.price, "mark": step.mark,
             "given up": abs(e.quantity) * abs(step.mark - e.price)}
            for e in events if e.kind == "adl"]


def _add_covered(covered: dict, events) -> None:
    """What the insurance fund paid, the winners gave up as a socialized loss, and nobody could
    pay (the counterparties absorb it), from the events' amounts."""
    for e in events:
        if e.kind == "insurance fund":
            covered["insurance fund paid"] += -e.amount
        elif e.kind == "socialized loss":
            covered["socialized from winners"] += -e.amount
        elif e.kind == "unrecovered loss":
            covered["unrecovered (counterparties)"] += e.amount


def _path_row(ex, c: Case, step, events) -> dict:
    hit = sorted({e.trader for e in events if e.kind in ("liquidation", "backstop")
                  and e.trader})
    adl = sorted({e.trader for e in events if e.kind == "adl"})
    return {"step": step.label, "mark": float(step.mark), "index": float(ex.index[c.symbol]),
            "liquidated": ", ".join(hit) or "-", "closed by ADL": ", ".join(adl) or "-",
            "insurance fund": float(ex.insurance_fund),
            "backstop vault": float(ex.backstop_vault)}


def compare_venues(key: str, venues=VENUES, *, fund=None) -> pd.DataFrame:
    """Who pays in case ``key`` under each of ``venues``: one row per venue, one column per
    party that is not 0 everywhere (net result, USDT, as floats for display); each row adds up
    to 0."""
    table = pd.DataFrame({v: replay_case(key, v, fund=fund).who_pays.astype(float)
                          for v in venues}).T
    table.index.name = "rules"
    return table.loc[:, (table != 0).any()]  # a party at 0 under every venue is left out


def case_summary(result: CaseResult) -> pd.DataFrame:
    """One column, USDT as floats for display: each party's net result (``who_pays``), then how
    the losses were covered (``covered``)."""
    table = pd.concat({"net result": result.who_pays.astype(float),
                       "how the losses were covered": result.covered.astype(float)})
    return table.to_frame("USDT")


def facts(key: str) -> pd.DataFrame:
    """The real figures of case ``key`` as reported (:data:`FACTS`): what, source, date."""
    case(key)
    return pd.DataFrame(FACTS[key], columns=["reported", "source", "date"])


def adl_closes(result: CaseResult) -> pd.DataFrame:
    """The ADL closes of a replay, numbers as floats for display."""
    return result.adl.astype({"closed": float, "price": float, "mark": float,
                              "given up": float})


def mango_collateral(mark="0.91") -> pd.Series:
    """Attacker B's long alone (483,000 MNGO at 0.0382, 5x, 5,000 USDT) at the pumped ``mark``:
    its unrealized profit; what Mango counted as collateral, the margin balance
    ``wallet + uPnL``, less the initial margin; and what the engine (Binance's rule) lets it
    withdraw, ``wallet + min(0, uPnL) - initial margin``."""
    c = case("mango")
    ex = Exchange(contracts=[c.contract], marks={c.symbol: c.steps[0].mark})
    q, lev, deposit = MANGO_ATTACKER["attacker B"]
    b = ex.open_account("attacker B", deposit=deposit)
    b.buy(c.symbol, q, leverage=lev)
    ex.set_mark(c.symbol, Decimal(str(mark)))
    im = b.cross_risk().initial
    return pd.Series({"unrealized profit": b.unrealized_pnl,
                      "counted as collateral, less initial margin (Mango)":
                          b.margin_balance - im,
                      "withdrawable (the engine, Binance's rule)": b.available_balance},
                     name="USDT").astype(float)


__all__ = ["CASES", "FACTS", "Case", "CaseResult", "COVERED", "VENUES", "adl_closes", "case",
           "case_summary", "compare_venues", "facts", "mango_collateral", "replay_case",
           "vault_unwinds", "who_pays"]
