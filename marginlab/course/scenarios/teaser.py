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
