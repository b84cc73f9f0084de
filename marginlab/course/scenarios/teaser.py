"""Lesson 0's twins: drag ETH down, the cross pool drains while the isolated twin lives.

Modelled: both twins deposit 1,000 USDT and open the same longs at 10x on Binance's rules,
2 ETH at 2,000 and 0.01 BTC at 50,000, with a 100,000 USDT insurance fund. ETH then slides in
steps of ``step`` USDT, so liquidations happen in the order a falling market would trigger them.
Simplified: BTC does not move, no funding, every fill at the mark.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ...engine.exchange import Exchange
from ...engine.risk import bucket_risk
from .twins import MODES


def twins_after_fall(eth_price: float, *, step: float = 20.0) -> Exchange:
    """The lesson-0 twins (accounts ``"cross"`` and ``"isolated"``) after ETH slid from 2,000
    to ``eth_price``."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=100_000)
    for mode in MODES:
        acct = ex.open_account(mode, deposit=1_000, mode=mode, leverage=10)
        acct.buy("ETH-PERP", 2)
        acct.buy("BTC-PERP", "0.01")
    path = np.arange(2000 - step, eth_price, -step).tolist() + [eth_price]
    for mark in path:
        ex.set_mark("ETH-PERP", Decimal(str(round(mark, 2))))
    return ex


def ratio_past_the_liquidation_price(mode: str, *, step: float = 5.0) -> dict:
    """Why lesson 0's log shows margin ratios far above 100 % (180.5 %, 220.0 %): ETH slides in
    steps of ``step`` USDT, so the first mark the engine sees past a liquidation price is up to
    one step beyond it. The bucket holding the ETH long (``mode`` ``"cross"``: the wallet and
    both positions; ``"isolated"``: the ETH ring alone) is measured at the last mark before its
    liquidation price and at the first one past it, without liquidating::

        equity = collateral + sum of uPnL        margin ratio = MM / equity

    Near the end equity is small, so one step moves the ratio a lot. Returns floats: the
    liquidation price, both marks, and equity, maintenance margin and margin ratio (%) at each
    (``before`` and ``past``)."""
    ex = Exchange(marks={"ETH-PERP": 2000, "BTC-PERP": 50_000}, insurance_fund=100_000)
    acct = ex.open_account(mode, deposit=1_000, mode=mode, leverage=10)
    acct.buy("ETH-PERP", 2)
    acct.buy("BTC-PERP", "0.01")
    key = acct.bucket_key("ETH-PERP")
    positions = acct.bucket_positions(key)
    collateral = acct.wallet_balance if mode == "cross" else acct.isolated_margin("ETH-PERP")
    liq = acct.liquidation_price("ETH-PERP")
    steps = np.arange(2000, 0, -step)
    past = Decimal(str(round(float(steps[steps < float(liq)][0]), 2)))
    out = {"liquidation price": float(liq)}
    for name, mark in (("before", past + Decimal(str(step))), ("past", past)):
        risk = bucket_risk(collateral, positions, {"ETH-PERP": mark, "BTC-PERP": Decimal(50_000)},
                           ex.contracts, ex.rules)
        out |= {f"mark {name}": float(mark), f"equity {name}": float(risk.equity),
                f"MM {name}": float(risk.maintenance),
                f"margin ratio {name} %": float(100 * risk.maintenance / risk.equity)}
    return out
