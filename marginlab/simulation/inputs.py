"""Checking the settings of a simulation before any work or allocation starts.

Each public entry point of the simulation calls one ``check_...`` function on its first line;
they are built from small checks (:func:`real`, :func:`whole`, :func:`positive_amount`,
:func:`chunk_size`, :func:`funding_interval`, :func:`funding_rates`, ...) that raise a specific
:class:`~marginlab.errors.MarginLabError` naming the setting and what it must be. Numbers may be
ints, floats, :class:`~decimal.Decimal`, :class:`~fractions.Fraction`, numpy scalars or 0-d
arrays; text and ``True``/``False`` are refused (the arrays of a simulation are float arrays).

**Memory.** A run that would take more than :data:`MEMORY_SHARE` of the memory available now
(``MemAvailable`` in ``/proc/meminfo``, else ``os.sysconf``) is refused with
:class:`~marginlab.errors.SimulationTooLargeError` before anything is allocated. The estimate is
``8 bytes x cells x factor``, each factor being the peak memory measured with ``tracemalloc``
divided by ``8 x cells`` (numpy 2.4, rounded up; the estimate is within a factor of about 2)::

    gbm               paths x (steps + 1)               x GBM_FACTOR        = 3
    jump_diffusion    paths x (steps + 1)               x JUMP_FACTOR       = 5
    correlated_gbm    paths x (steps + 1) x assets      x CORRELATED_FACTOR = 4
    replay            chunk x (steps + 1) x legs        x REPLAY_FACTOR     = 5
                      + paths x (steps + 1) x modes     x EQUITY_FACTOR     = 2  (keep_equity)
                      + TABLE_BYTES = 256 per path, mode and bucket (the result tables)
    liquidation_odds  paths x (steps + 1) x 2 assets    x ODDS_FACTOR       = 6
                      + the replay's tables
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import is_dataclass, replace
from decimal import Decimal

import numpy as np

from ..engine.book import read_depths
from ..engine.contracts import ContractSpec
from ..engine.errors import (
    ConfigurationError,
    InvalidAmountError,
    InvalidLeverageError,
    InvalidPathError,
    InvalidQuantityError,
    SimulationSettingError,
    SimulationTooLargeError,
)
from ..engine.numbers import MAX_AMOUNT, MAX_LEVERAGE, MAX_QUANTITY, MAX_RATE
from ..engine.rules import venue_rules

MEMORY_SHARE = 0.5
GBM_FACTOR, JUMP_FACTOR, CORRELATED_FACTOR = 3, 5, 4
REPLAY_FACTOR, EQUITY_FACTOR, ODDS_FACTOR = 5, 2, 6
TABLE_BYTES = 256
HOURS_PER_DAY = 24


# --- single numbers ------------------------------------------------------------------------------
def _plain(value):
    """A numpy scalar or 0-d array as a Python number; anything else unchanged."""
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () \
            and value.dtype.kind in "iuf":
        return value.item()
    return value


def is_number(value) -> bool:
    """A real number that is not True/False or text: int, float, Decimal, Fraction, numpy."""
    value = _plain(value)
    return isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool)


def real(value, name: str, minimum: float | None = None, error=InvalidPathError) -> float:
    """``value`` as a float; a finite number, at least ``minimum`` if given."""
    value = _plain(value)
    if not is_number(value) or not math.isfinite(value):
        raise error(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        limit = "not be negative" if minimum == 0 else f"be at least {minimum}"
        raise error(f"{name} must {limit}, got {value!r}")
    return float(value)


def positive(value, name: str, error=InvalidPathError) -> float:
    """A finite number above zero, as a float."""
    if real(value, name, error=error) <= 0:
        raise error(f"{name} must be above zero, got {_plain(value)!r}")
    return float(value)


def whole(value, name: str, minimum: int = 1, error=InvalidPathError) -> int:
    """A whole number (int or numpy integer) of at least ``minimum``."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise error(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def share(value, name: str, zero_allowed: bool = True) -> float:
    """A fraction in [0, 1] (or (0, 1] without ``zero_allowed``)."""
    x = real(value, name)
    if not (0 <= x <= 1) or (x == 0 and not zero_allowed):
        interval = "[0, 1]" if zero_allowed else "(0, 1]"
        raise InvalidPathError(f"{name} must be in {interval}, got {_plain(value)!r}")
    return x


def positive_amount(value, name: str = "deposit") -> float:
    """A money amount above zero and at most the engine's ``MAX_AMOUNT`` USDT."""
    x = real(value, name, error=InvalidAmountError)
    if x <= 0:
        raise InvalidAmountError(f"{name} must be above zero, got {_plain(value)!r}")
    return amount(x, name)


def amount(value, name: str) -> float:
    """A money amount of zero or more, at most the engine's ``MAX_AMOUNT`` USDT."""
    x = real(value, name, 0, error=InvalidAmountError)
    if x > MAX_AMOUNT:
        raise InvalidAmountError(f"{name} must be at most {MAX_AMOUNT:,f} USDT, got {x!r}")
    return x


def leverage_value(value, name: str = "leverage") -> float:
    """A leverage from 1 to the engine's ``MAX_LEVERAGE``."""
    x = _plain(value)
    if not is_number(x) or not math.isfinite(x) or x < 1:
        raise InvalidLeverageError(f"{name} must be a number of at least 1, got {x!r}")
    if x > MAX_LEVERAGE:
        raise InvalidLeverageError(f"{name} must be at most {MAX_LEVERAGE}x, got {x!r}")
    if isinstance(x, numbers.Integral) or (isinstance(x, Decimal | numbers.Rational)
                                           and x == int(x)):
        return int(x)  # 10, np.int64(10), Decimal(10) and Fraction(10) all read as 10
    return float(x)


def chunk_size(value) -> int:
    """How many paths are replayed at once: a whole number of at least 1."""
    return whole(value, "chunk", 1, SimulationSettingError)


def steps(value, name: str = "steps") -> int:
    """A number of steps: a whole number of at least 1."""
    return whole(value, name, 1)


def duration(value) -> float:
    """A duration in days: finite and long enough for one hourly step."""
    d = positive(value, "days")
    if round(d * HOURS_PER_DAY) < 1:
        raise InvalidPathError(f"days must be at least 1/48 (one hourly step), got {value!r}")
    return d


def funding_interval(value) -> int | None:
    """Funding every ``value`` steps: None or 0 (no funding), or a whole number of steps >= 1."""
    if value is None or (is_number(value) and _plain(value) == 0):
        return None
    return whole(value, "funding_every (steps between funding payments)", 1,
                 SimulationSettingError)


def funding_rates(value, n_steps: int | None = None):
    """One rate for every payment, or one per step (``n_steps + 1`` of them): finite numbers
    between -MAX_RATE and MAX_RATE (1 = 100 % per payment)."""
    if is_number(value):
        rates = np.array([real(value, "the funding rate")])
    else:
        try:
            rates = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise InvalidPathError(f"the funding rate must be a number or one number per step, "
                                   f"got {value!r}") from None
        if rates.ndim != 1:
            raise InvalidPathError(f"the funding rate must be a number or a 1-D array with one "
                                   f"rate per step, got shape {rates.shape}")
        if n_steps is not None and len(rates) < n_steps + 1:
            raise InvalidPathError(f"the funding rate has {len(rates)} values; one per step "
                                   f"needs {n_steps + 1} (steps 0 to {n_steps})")
    if not np.isfinite(rates).all():
        raise InvalidPathError("the funding rate must be a finite number")
    if (np.abs(rates) > float(MAX_RATE)).any():
        raise InvalidPathError(f"the funding rate must be between -{MAX_RATE} and {MAX_RATE} per "
                               f"payment (0.0001 is 0.01 %), got {value!r}")
    return value


# --- memory --------------------------------------------------------------------------------------
def available_memory() -> int | None:
    """Bytes of memory available now (None if the system does not say)."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1024 or unit == "PB":
            return f"{n_bytes:,.0f} {unit}" if unit == "bytes" else f"{n_bytes:,.1f} {unit}"
        n_bytes /= 1024
    return ""  # not reached


def memory(n_bytes: float, what: str) -> None:
    """Refuse ``what`` if it needs more than :data:`MEMORY_SHARE` of the memory available."""
    free = available_memory()
    if free is not None and n_bytes > MEMORY_SHARE * free:
        raise SimulationTooLargeError(
            f"{what} would need about {_size(n_bytes)} of memory, more than "
            f"{MEMORY_SHARE:.0%} of the {_size(free)} this machine has available; "
            f"ask for fewer paths or steps")


def path_memory(paths: int, n_steps: int, assets: int, factor: float, what: str) -> None:
    """Refuse generating ``paths`` paths of ``n_steps`` steps if they would not fit."""
    memory(8 * factor * paths * (n_steps + 1) * assets,
           f"{what} with {paths:,} paths of {n_steps:,} steps")


# --- the entry points --------------------------------------------------------------------------
def _shape(prices, symbols) -> tuple[int, int] | None:
    """(paths, steps + 1) of replay prices, when it can be read without copying."""
    try:
        first = next(iter(prices.values())) if isinstance(prices, dict) else prices
        shape = np.shape(first)
    except (StopIteration, TypeError, ValueError, AttributeError):
        return None
    if len(shape) == 1 and isinstance(prices, dict):
        return 1, shape[0]
    return (shape[0], shape[1]) if len(shape) >= 2 else None


def _legs(legs) -> list:
    """Legs with plain float sizes and leverages (what the replay reads with ``str``)."""
    if isinstance(legs, str) or not hasattr(legs, "__iter__"):
        raise InvalidPathError(f"legs must be a list of Leg(symbol, size, leverage), "
                               f"got {legs!r}")
    out = []
    for leg in legs:
        if not is_dataclass(leg) or not all(hasattr(leg, a) for a in ("symbol", "size",
                                                                        "leverage")):
            raise InvalidPathError(f"each leg must be a Leg(symbol, size, leverage), got {leg!r}")
        if not isinstance(leg.symbol, str):
            raise InvalidPathError(f"a leg's symbol must be text such as 'ETH-PERP', "
                                   f"got {leg.symbol!r}")
        size = real(leg.size, f"the size of the {leg.symbol} leg", error=InvalidQuantityError)
        if abs(size) > MAX_QUANTITY:
            raise InvalidQuantityError(f"the size of the {leg.symbol} leg must be at most "
                                       f"{MAX_QUANTITY:,f}, got {leg.size!r}")
        lev = leverage_value(leg.leverage, f"the {leg.symbol} leg's leverage")
        out.append(replace(leg, size=size, leverage=lev))
    return out


def _contracts(contracts) -> None:
    if contracts is None:
        return
    specs = contracts.values() if isinstance(contracts, dict) else contracts
    try:
        specs = list(specs)
    except TypeError:
        specs = [contracts]
    if not all(isinstance(c, ContractSpec) for c in specs):
        raise ConfigurationError(f"contracts must be ContractSpecs (e.g. ml.ETH_PERP), a list "
                                 f"or a dict of them, got {contracts!r}")


def check_replay(prices, legs, deposit, symbols=None, contracts=None, rules=None,
                 funding_rate=0.0, funding_every=None, insurance_fund=0.0, modes=None,
                 keep_equity=False, chunk=1_000, **others) -> list:
    """Check the arguments of ``replay`` and ``replay_with_engine``; return the legs with plain
    float sizes and leverages. Refuses a run that would not fit in memory."""
    legs = _legs(legs)
    positive_amount(deposit, "deposit")
    amount(insurance_fund, "insurance_fund")
    every = funding_interval(funding_every)
    shape = _shape(prices, symbols)
    funding_rates(funding_rate, None if shape is None or not every else shape[1] - 1)
    _contracts(contracts)
    if rules is not None:
        venue_rules(rules)
    block = chunk_size(chunk)
    if shape is not None:
        n_paths, width = shape
        n_modes = len(modes) if isinstance(modes, list | tuple) else 2  # never consume it
        n_legs = max(1, len(legs))
        need = 8 * REPLAY_FACTOR * min(block, n_paths) * width * n_legs
        need += 8 * EQUITY_FACTOR * n_paths * width * n_modes if keep_equity else 0
        need += TABLE_BYTES * n_paths * n_modes * (n_legs + 1)
        memory(need, f"replaying {n_paths:,} paths of {width - 1:,} steps with {n_legs} leg(s)")
    return legs


def book_depths(given, symbols) -> dict:
    """``{symbol: depth}`` from a replay's ``book_depth`` (None or a dict ``{symbol: USD per
    1 % move}``), each symbol one of ``symbols`` and each depth checked as the exchange checks
    it (:func:`marginlab.engine.book.read_depths`)."""
    def symbol_of(symbol):
        if symbol not in symbols:
            raise InvalidPathError(f"book_depth names {symbol!r}, which has no price path; the "
                                   f"paths are for {', '.join(map(str, symbols))}")
        return symbol
    return read_depths(given, symbol_of)


def check_odds(leverages=None, paths=2_000, days=7, sigma=None, corr=0.8, deposit=1_000,
               committed=0.5, eth_share=0.6, funding_rate=0.0001, seed=0, **others):
    """Check the arguments of ``liquidation_odds``; return ``(leverages, days, deposit)`` as
    plain numbers. Refuses a run that would not fit in memory."""
    if isinstance(leverages, str) or not hasattr(leverages, "__iter__"):
        raise InvalidLeverageError(f"leverages must be a list of numbers, got {leverages!r}")
    levs = [leverage_value(lev) for lev in leverages]
    if not levs:
        raise InvalidLeverageError("give at least one leverage")
    n_paths = whole(paths, "paths")
    n_days = duration(days)
    n_steps = max(1, round(n_days * HOURS_PER_DAY))
    if sigma is not None and not isinstance(sigma, dict):
        raise InvalidPathError(f"sigma must be None or a dict such as {{'ETH-PERP': 0.8, "
                               f"'BTC-PERP': 0.6}}, got {sigma!r}")
    money = positive_amount(deposit, "deposit")
    share(committed, "committed", zero_allowed=False)
    share(eth_share, "eth_share")
    funding_rates(funding_rate)
    whole(seed, "seed", 0)
    memory(8 * ODDS_FACTOR * n_paths * (n_steps + 1) * 2
           + TABLE_BYTES * n_paths * 2 * 3 * len(levs),
           f"{len(levs)} leverage(s) x {n_paths:,} paths of {n_steps:,} hourly steps")
    return levs, n_days, money


def check_legs_for(leverage=10, deposit=1_000, committed=0.5, eth_share=0.6, start=None,
                   **others) -> tuple:
    """Check the arguments of ``legs_for``; return ``(leverage, deposit, committed,
    eth_share)`` as plain numbers."""
    lev = leverage_value(leverage)
    if start is not None:
        if not isinstance(start, dict) or not {"ETH-PERP", "BTC-PERP"} <= set(start):
            raise InvalidPathError(f"start must be a dict with ETH-PERP and BTC-PERP prices, "
                                   f"got {start!r}")
        for symbol in ("ETH-PERP", "BTC-PERP"):
            positive(start[symbol], f"start[{symbol!r}]")
    return (lev, positive_amount(deposit), share(committed, "committed", zero_allowed=False),
            share(eth_share, "eth_share"))


def check_counts(k, n, z=1.959963984540054, **others) -> None:
    """Check the arguments of ``wilson_interval``: 0 <= k <= n, n >= 1, z > 0 (finite)."""
    try:
        k_, n_ = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise SimulationSettingError(f"k and n must be counts (numbers), got {k!r} and "
                                     f"{n!r}") from None
    if not (np.isfinite(k_).all() and np.isfinite(n_).all()):
        raise SimulationSettingError("k and n must be finite counts")
    if (n_ < 1).any() or (k_ < 0).any() or (k_ > n_).any():
        raise SimulationSettingError(f"counts must have n >= 1 and 0 <= k <= n, got k={k!r}, "
                                     f"n={n!r}")
    positive(z, "z", SimulationSettingError)
