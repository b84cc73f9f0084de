"""Price paths for experiments: seeded random paths, crash scenarios and a checked CSV loader.

Every random function takes a ``seed`` and draws only from ``numpy.random.default_rng(seed)``,
so the same arguments always give exactly the same numbers. Arrays have one row per path and one
column per step: shape ``(paths, steps + 1)``, column 0 being the starting price ``s0``.

**Geometric Brownian motion** (``gbm``), exact log-normal steps, Z ~ N(0, 1)::

    S[t+1] = S[t] * exp((mu - sigma**2 / 2) * dt + sigma * sqrt(dt) * Z)

sigma (volatility) and mu (drift) are per year, dt is in years (default one hour, 1 / 8760).
Log returns ``log(S[t+1] / S[t])`` then have mean ``(mu - sigma**2 / 2) * dt`` and standard
deviation ``sigma * sqrt(dt)``.

**Merton jump diffusion** (``jump_diffusion``): the same step times ``exp(J1 + ... + Jn)``,
with n ~ Poisson(jump_rate * dt) jumps in the step and each Ji ~ N(jump_mean, jump_std**2),
and the drift compensated for the jumps (Merton 1976), lambda = jump_rate::

    k = E[exp(J)] - 1 = exp(jump_mean + jump_std**2 / 2) - 1
    S[t+1] = S[t] * exp((mu - sigma**2 / 2 - lambda * k) * dt + sigma * sqrt(dt) * Z
                        + J1 + ... + Jn)

so that E[S_t] = s0 * exp(mu * t), exactly as for ``gbm``: the jumps change the shape of the
distribution (fat tails), not its mean. Per unit of time the log return has variance
sigma**2 + lambda * (jump_mean**2 + jump_std**2); ``same_variance_sigma`` gives the GBM
volatility with that variance, the Gaussian control for the jumps.

**Correlated assets** (``correlated_gbm``): one GBM per asset, whose shocks are ``Z @ L.T`` with
``L @ L.T = C`` (Cholesky factor of the correlation matrix C), so that corr(Zi, Zj) = C[i, j].

**Crash** (``with_crash``): from step ``at`` prices are multiplied by ``(1 - drop) ** f`` where
f rises in equal parts from 0 to 1 over ``over`` steps (a straight line in log price).

**Scenarios** (``scenario``): a few anchor prices joined by straight lines in log price.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dateutil.parser
import numpy as np
import pandas as pd

from ..engine.errors import InvalidPathError, PriceDataError
from .inputs import (
    CORRELATED_FACTOR,
    GBM_FACTOR,
    JUMP_FACTOR,
    is_number,
    path_memory,
    positive,
    real,
    whole,
)

HOUR = 1 / (365 * 24)  # one hour, in years
MAX_JUMPS_PER_STEP = 1_000_000  # numpy's Poisson draws refuse much larger means


# ----------------------------------------------------------------------------- checks
def check_path(prices, name: str = "price path") -> np.ndarray:
    """Return ``prices`` as a new float64 array, or raise ``InvalidPathError`` if a value is
    NaN, infinite or not above zero, saying how many there are and where the first one is."""
    try:
        array = np.array(prices, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidPathError(f"{name} must be an array of numbers ({exc})") from None
    if array.size == 0:
        raise InvalidPathError(f"{name} is empty: it needs at least one price")
    axes = {1: ["step"], 2: ["path", "step"], 3: ["path", "step", "asset"]}
    axes = axes.get(array.ndim, ["index"] * array.ndim)
    for bad, what in ((~np.isfinite(array), "not finite numbers (NaN or inf)"),
                      (array <= 0, "not above zero")):
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            where = ", ".join(f"{axis} {i}" for axis, i in zip(axes, first, strict=True))
            count = int(bad.sum())
            prices = "1 price that is" if count == 1 else f"{count} prices that are"
            raise InvalidPathError(f"{name} has {prices} {what}; "
                                   f"the first is at {where or 'the only position'}: "
                                   f"{array[first]}")
    return array


# ----------------------------------------------------------------------------- random paths
def _log_steps(rng, sigma, mu, dt, shape) -> np.ndarray:
    """Log returns of GBM steps: (mu - sigma^2/2) dt + sigma sqrt(dt) Z."""
    sigma, mu, dt = np.float64(sigma), np.float64(mu), np.float64(dt)  # inf, not OverflowError
    with np.errstate(over="ignore", invalid="ignore"):
        return (mu - sigma**2 / 2) * dt + sigma * np.sqrt(dt) * rng.standard_normal(shape)


def _grow(s0, log_returns) -> np.ndarray:
    """Prices from a start price and log returns along axis 1 (column 0 is s0 exactly).

    Raises ``InvalidPathError`` if a price overflows to infinity or underflows to zero."""
    start = np.zeros_like(log_returns[:, :1])
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        prices = s0 * np.exp(np.concatenate([start, np.cumsum(log_returns, axis=1)], axis=1))
    if not ((prices > 0) & (prices < np.inf)).all():
        raise InvalidPathError(
            "these settings take prices to infinity or to zero (a float64 holds about 1e-308 to "
            "1e308): lower sigma, mu, dt, the jump sizes or the number of steps")
    return prices


def _gbm_inputs(s0, sigma, steps, paths, dt, mu, seed) -> tuple:
    """The checked common arguments of ``gbm`` and ``jump_diffusion``."""
    return (positive(s0, "s0"), real(sigma, "sigma (volatility)", 0), whole(steps, "steps"),
            whole(paths, "paths"), positive(dt, "dt"), real(mu, "mu (drift)"),
            whole(seed, "seed", 0))


def gbm(s0, sigma, steps, paths=1, dt=HOUR, mu=0.0, seed=0) -> np.ndarray:
    """Geometric Brownian motion: array of shape ``(paths, steps + 1)`` starting at ``s0``.

    ``sigma`` and ``mu`` are annual, ``dt`` is the step in years (default one hour)."""
    s0, sigma, steps, paths, dt, mu, seed = _gbm_inputs(s0, sigma, steps, paths, dt, mu, seed)
    path_memory(paths, steps, 1, GBM_FACTOR, "gbm")
    rng = np.random.default_rng(seed)
    return _grow(s0, _log_steps(rng, sigma, mu, dt, (paths, steps)))


def jump_diffusion(s0, sigma, steps, paths=1, jump_rate=12.0, jump_mean=-0.05, jump_std=0.05,
                   dt=HOUR, mu=0.0, seed=0, compensate=True) -> np.ndarray:
    """Merton jump diffusion: GBM plus sudden jumps, shape ``(paths, steps + 1)``.

    Jumps arrive ``jump_rate`` (lambda) times a year on average (default 12, about one a month);
    each multiplies the price by ``exp(N(jump_mean, jump_std**2))`` (default about -5 % +- 5 %,
    so mostly sudden drops). With ``compensate=True`` (the default) the drift of each step is
    lowered by ``lambda * k * dt``, k = exp(jump_mean + jump_std**2 / 2) - 1, so that
    E[S_t] = s0 * exp(mu * t) as without jumps: a comparison with ``gbm`` then measures the
    tails, not a downward drift. ``compensate=False`` leaves the drift as in ``gbm`` (the
    jumps then pull prices down on average). With ``jump_rate=0`` the result is exactly
    ``gbm`` with the same arguments."""
    s0, sigma, steps, paths, dt, mu, seed = _gbm_inputs(s0, sigma, steps, paths, dt, mu, seed)
    rate, mean = real(jump_rate, "jump_rate", 0), real(jump_mean, "jump_mean")
    std = real(jump_std, "jump_std", 0)
    if rate * dt > MAX_JUMPS_PER_STEP:
        raise InvalidPathError(f"jump_rate x dt is {rate * dt:g} jumps per step on average; at "
                               f"most {MAX_JUMPS_PER_STEP:,} can be drawn")
    path_memory(paths, steps, 1, JUMP_FACTOR, "jump_diffusion")
    rng = np.random.default_rng(seed)
    log_returns = _log_steps(rng, sigma, mu, dt, (paths, steps))
    if compensate and rate > 0:
        log_returns -= rate * jump_compensator(mean, std) * dt
    jumps = rng.poisson(rate * dt, (paths, steps))
    # the sum of n normal jumps is one normal with mean n * mean and variance n * std^2
    log_returns += jumps * mean + np.sqrt(jumps) * std * rng.standard_normal((paths, steps))
    return _grow(s0, log_returns)


def jump_compensator(jump_mean, jump_std) -> float:
    """k = E[exp(J)] - 1 = exp(jump_mean + jump_std**2 / 2) - 1 for J ~ N(jump_mean, jump_std**2):
    the mean relative size of one jump (about -4.8 % for the defaults -0.05 and 0.05)."""
    mean, std = real(jump_mean, "jump_mean"), real(jump_std, "jump_std", 0)
    with np.errstate(over="ignore"):  # huge jumps: inf, which _grow reports as a bad setting
        return float(np.expm1(np.float64(mean) + np.float64(std) ** 2 / 2))


def same_variance_sigma(sigma, jump_rate=12.0, jump_mean=-0.05, jump_std=0.05) -> float:
    """The GBM volatility whose log returns have the variance of the jump diffusion's:
    sqrt(sigma**2 + jump_rate * (jump_mean**2 + jump_std**2)) (a compound Poisson sum of
    N(m, s^2) jumps has variance lambda * (m^2 + s^2) per unit of time)."""
    sigma = real(sigma, "sigma (volatility)", 0)
    rate, mean = real(jump_rate, "jump_rate", 0), real(jump_mean, "jump_mean")
    std = real(jump_std, "jump_std", 0)
    return math.sqrt(sigma**2 + rate * (mean**2 + std**2))


def _correlation(corr, names: list[str]) -> np.ndarray:
    """Checked n x n correlation matrix from one number (every pair) or a matrix."""
    n = len(names)
    if is_number(corr):
        matrix = np.full((n, n), real(corr, "corr"))
        np.fill_diagonal(matrix, 1.0)
    else:
        try:
            matrix = np.array(corr, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidPathError(f"corr must be a number or an {n} x {n} matrix") from None
        if matrix.shape != (n, n):
            raise InvalidPathError(f"corr must be an {n} x {n} matrix for the assets {names}, "
                                   f"got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise InvalidPathError("corr contains NaN or infinite values")
    if (np.abs(matrix) > 1).any():
        i, j = np.argwhere(np.abs(matrix) > 1)[0]
        raise InvalidPathError(f"correlation outside [-1, 1]: corr of {names[i]} and {names[j]} "
                               f"is {matrix[i, j]}")
    if not np.allclose(np.diag(matrix), 1.0):
        raise InvalidPathError(f"the diagonal of corr must be 1 (an asset moves exactly with "
                               f"itself), got {np.diag(matrix).tolist()}")
    if not np.allclose(matrix, matrix.T, rtol=0, atol=1e-12):
        raise InvalidPathError("corr is not symmetric: corr[i][j] must equal corr[j][i]")
    smallest = np.linalg.eigvalsh(matrix).min()
    if smallest < -1e-10:
        raise InvalidPathError(f"corr is not positive semi-definite (smallest eigenvalue "
                               f"{smallest:.3g}): these correlations cannot all hold at once")
    return matrix


def correlated_gbm(s0: dict[str, float], sigma: dict[str, float], corr, steps, paths=1,
                   dt=HOUR, mu=None, seed=0) -> np.ndarray:
    """GBM for several assets with correlated shocks: shape ``(paths, steps + 1, n_assets)``.

    The assets are in the order of ``s0``'s keys, e.g. ``{"BTC-PERP": 50_000, "ETH-PERP":
    2_000}``; ``sigma`` (and ``mu`` if it is a dict) must have the same keys. ``corr`` is one
    number (the correlation of every pair) or an n x n correlation matrix. ``mu`` is None
    (no drift), one number for all assets or a dict."""
    if not isinstance(s0, dict) or not s0:
        raise InvalidPathError("s0 must be a non-empty dict such as {'BTC-PERP': 50_000}")
    names = list(s0)
    if not isinstance(sigma, dict):
        raise InvalidPathError(f"sigma must be a dict with the keys of s0: {names}")
    for label, values in (("sigma", sigma), ("mu", mu)):
        if isinstance(values, dict) and set(values) != set(names):
            raise InvalidPathError(f"{label} must have the same keys as s0: {names}; "
                                   f"got {list(values)}")
    mu = mu if isinstance(mu, dict) else dict.fromkeys(names, 0.0 if mu is None else mu)
    start = np.array([positive(s0[k], f"s0[{k!r}]") for k in names])
    vol = np.array([real(sigma[k], f"sigma[{k!r}]", 0) for k in names])
    drift = np.array([real(mu[k], f"mu[{k!r}]") for k in names])
    matrix = _correlation(corr, names)
    steps, paths = whole(steps, "steps"), whole(paths, "paths")
    dt, seed = positive(dt, "dt"), whole(seed, "seed", 0)
    path_memory(paths, steps, len(names), CORRELATED_FACTOR, "correlated_gbm")
    try:
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:  # semi-definite (e.g. corr = 1): use the eigen decomposition
        values, vectors = np.linalg.eigh(matrix)
        factor = vectors * np.sqrt(np.clip(values, 0, None))
    shocks = np.random.default_rng(seed).standard_normal((paths, steps, len(names))) @ factor.T
    with np.errstate(over="ignore", invalid="ignore"):
        log_returns = (drift - vol**2 / 2) * dt + vol * math.sqrt(dt) * shocks
    return _grow(start, log_returns)


def with_crash(path, at, drop, over=1) -> np.ndarray:
    """A copy of ``path`` (shape ``(paths, steps + 1)`` or ``(steps + 1,)``) with a crash.

    The price at step ``at + k`` is multiplied by ``(1 - drop) ** min((k + 1) / over, 1)``:
    the fall starts at step ``at``, is complete at step ``at + over - 1`` and then stays
    (``drop=0.5`` halves the price). Steps before ``at`` are unchanged."""
    array = check_path(path)
    if array.ndim not in (1, 2):
        raise InvalidPathError(f"path must have 1 or 2 dimensions, got shape {array.shape}")
    last = array.shape[-1] - 1
    at, over = whole(at, "at", 0), whole(over, "over")
    drop = real(drop, "drop", 0)
    if drop >= 1:
        raise InvalidPathError(f"drop must be below 1 (1 would be a price of zero), got {drop}")
    if at + over - 1 > last:
        raise InvalidPathError(f"a crash at step {at} over {over} steps needs steps up to "
                               f"{at + over - 1}, but the path ends at step {last}")
    done = np.clip((np.arange(last + 1) - at + 1) / over, 0, 1)
    return array * (1 - drop) ** done


def to_frame(array, names=None, start=None, freq="h") -> pd.DataFrame:
    """Tidy long table of a path array: columns ``path, step, [time,] symbol, price``.

    ``array`` has shape ``(paths, steps + 1)`` (symbol "price", or ``names[0]``) or
    ``(paths, steps + 1, n)`` (symbols ``names``, default "asset0", "asset1", ...). With
    ``start`` (a date/time, UTC if it has no time zone) a ``time`` column is added, one
    ``freq`` apart (default one hour)."""
    prices = check_path(array)
    one_asset = prices.ndim == 2
    if one_asset:
        prices = prices[:, :, None]
    if prices.ndim != 3:
        raise InvalidPathError(f"array must have 2 or 3 dimensions, got shape {prices.shape}")
    n_paths, n_steps, n_assets = prices.shape
    if names is None:
        names = ["price"] if one_asset else [f"asset{i}" for i in range(n_assets)]
    names = [names] if isinstance(names, str) else [str(name) for name in names]
    if len(names) != n_assets:
        raise InvalidPathError(f"names has {len(names)} entries but the array has {n_assets} "
                               f"asset(s)")
    step = np.tile(np.repeat(np.arange(n_steps), n_assets), n_paths)
    frame = pd.DataFrame({"path": np.repeat(np.arange(n_paths), n_steps * n_assets),
                          "step": step})
    if start is not None:
        try:
            first = pd.Timestamp(start)
            first = first.tz_localize("UTC") if first.tzinfo is None else first
            frame["time"] = pd.date_range(first, periods=n_steps, freq=freq)[step]
        except (TypeError, ValueError) as exc:
            raise InvalidPathError(f"cannot build times from start={start!r}, freq={freq!r}: "
                                   f"{exc}") from None
    frame["symbol"] = np.tile(names, n_paths * n_steps)
    frame["price"] = prices.ravel()
    return frame


# ----------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Scenario:
    """A stylized crash: anchors (hours after ``start``, BTC price, ETH price) in USD, joined by
    straight lines in log price. Rounded, widely reported daily/intraday levels: not tick data."""

    start: str  # UTC time of hour 0
    anchors: tuple[tuple[float, float, float], ...]
    description: str


_STYLIZED = (" Stylized: rounded, widely reported daily/intraday levels joined by straight lines "
             "in log price; not tick data.")

SCENARIOS: dict[str, Scenario] = {
    "covid-2020-03": Scenario("2020-03-12 00:00", (
        (0, 7_900, 195), (24, 4_900, 112), (26, 3_800, 90), (48, 5_600, 133), (72, 5_000, 130)),
        "'Black Thursday', 12-13 March 2020 (COVID-19 market panic). BTC about 7,900 USD at the "
        "end of 11 March, about 4,900 at the end of 12 March and about 3,800 early on 13 March: "
        "roughly halved within about a day. ETH about 195 to about 90, more than halved. "
        "Partial rebound to about 5,000 (BTC) and 130 (ETH) by 14 March." + _STYLIZED),
    "luna-2022-05": Scenario("2022-05-05 00:00", (
        (0, 40_000, 2_900), (24, 36_500, 2_750), (96, 34_000, 2_500), (120, 30_000, 2_250),
        (168, 29_000, 2_050), (180, 26_700, 1_800)),
        "Terra/LUNA collapse, May 2022: the UST stablecoin lost its peg and LUNA went to zero. "
        "BTC about 40,000 USD on 5 May, about 36,500 after that day's sell-off, about 34,000 at "
        "the end of 8 May, about 30,000 at the end of 9 May, about 29,000 at the end of 11 May "
        "and a low of about 26,700 on 12 May (placed at midday here). ETH about 2,900 to about "
        "1,800 over the same week." + _STYLIZED),
    "ftx-2022-11": Scenario("2022-11-06 00:00", (
        (0, 21_000, 1_600), (48, 20_500, 1_550), (72, 18_500, 1_330), (94, 15_700, 1_100)),
        "FTX collapse, 6-9 November 2022: withdrawals at FTX surged from 6 November, Binance "
        "announced and then (9 November) abandoned a rescue. BTC about 21,000 USD, about 18,500 "
        "at the end of 8 November and a low of about 15,700 late on 9 November; ETH about "
        "1,600, about 1,330, then about 1,100." + _STYLIZED),
    "may-2021": Scenario("2021-05-19 00:00", (
        (0, 43_000, 3_400), (12, 37_000, 2_700), (14, 30_000, 1_900), (24, 37_000, 2_500)),
        "19 May 2021 sell-off (China's warning on crypto, heavy liquidations of leveraged "
        "longs). BTC about 43,000 USD to an intraday low near 30,000 and back to about 37,000 "
        "by the end of the day; ETH about 3,400 to about 1,900 and back to about 2,500. The "
        "morning slide and the time of the low (14:00 UTC) are stylized." + _STYLIZED),
}


def scenario(name: str, steps_per_hour=1) -> pd.DataFrame:
    """A stylized historical crash as a table with columns ``step, time, BTC-PERP, ETH-PERP``.

    Prices follow straight lines in log price between the anchors of ``SCENARIOS[name]``
    (deterministic, no noise), ``steps_per_hour`` steps per hour (default hourly). Times are
    UTC. The scenario's description is in ``frame.attrs["description"]``."""
    if name not in SCENARIOS:
        raise InvalidPathError(f"unknown scenario {name!r}; choose one of: "
                               f"{', '.join(SCENARIOS)}")
    per_hour = whole(steps_per_hour, "steps_per_hour")
    chosen = SCENARIOS[name]
    hours, btc, eth = np.array(chosen.anchors, dtype=np.float64).T
    step = np.arange(int(hours[-1]) * per_hour + 1)
    frame = pd.DataFrame({
        "step": step,
        "time": pd.date_range(pd.Timestamp(chosen.start, tz="UTC"), periods=step.size,
                              freq=pd.Timedelta(hours=1) / per_hour),
        "BTC-PERP": np.exp(np.interp(step / per_hour, hours, np.log(btc))),
        "ETH-PERP": np.exp(np.interp(step / per_hour, hours, np.log(eth))),
    })
    frame.attrs["description"] = chosen.description
    return frame


# ----------------------------------------------------------------------------- CSV files
_MISSING = {"", "nan", "na", "n/a", "null", "none"}
_GZIP = b"\x1f\x8b"  # the first two bytes of every gzip file
_PRICE_COLUMNS = ("open", "high", "low", "close")


def load_ohlc_csv(source, time_column="timestamp") -> pd.DataFrame:
    """Read an OHLC price file (a path or an open file) and check it, row by row.

    Needed columns: ``time_column`` and ``open, high, low, close`` (any case, spaces around the
    names ignored); ``volume`` is optional. The file must be UTF-8 text (a name ending in
    ``.gz`` is decompressed). Times without a time zone are taken as UTC; a time needs its
    date: ISO times such as ``2020-03-12 14:00`` are safest. Raises ``PriceDataError`` naming
    the first problem and its row (row 1 is the first line under the header). Returns float64
    columns ``open, high, low, close[, volume]`` indexed by UTC times, in an index named
    "time".

    The stages: read the text (:func:`_read_table`), check the header (:func:`_header`), read
    the times (:func:`_times`) and the prices (:func:`_prices`), check each candle
    (:func:`_check_candles`) and the order of the times (:func:`_check_order`)."""
    if not isinstance(time_column, str) or not time_column.strip():
        raise PriceDataError(f"time_column must be a column name, got {time_column!r}")
    time_column = time_column.strip().lower()
    raw = _header(_read_table(source, time_column), time_column)
    texts = raw[time_column].str.strip()

    def row(i: int) -> str:  # "row 17 (2020-03-12 14:00)": row number and its time, as written
        return f"row {i + 1} ({texts.iloc[i]})"

    times = _times(texts, time_column)
    values = _prices(raw, row)
    _check_candles(values, row)
    _check_order(times, row)
    return values.set_index(pd.DatetimeIndex(times, name="time"))


def _read_table(source, time_column: str) -> pd.DataFrame:
    """Every cell as text, the header as the first row (so repeated names stay visible)."""
    if isinstance(source, str | os.PathLike):
        _check_file(Path(source))
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, header=None,
                           encoding="utf-8").fillna("")  # cells missing at the end of a line
    except pd.errors.EmptyDataError:
        raise PriceDataError("the file is empty: it needs a header line such as "
                             f"'{time_column},open,high,low,close' and rows of prices") from None
    except pd.errors.ParserError as exc:
        raise PriceDataError(f"the file is not a valid CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        if bytes(exc.object[:2]) == _GZIP:
            raise PriceDataError(_gzipped(source)) from None
        raise PriceDataError(f"the file is not UTF-8 text: byte {exc.object[exc.start]:#04x} at "
                             f"position {exc.start} cannot be read; save it as CSV UTF-8") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise PriceDataError(f"the file is not a valid gzip file ({exc})") from None
    except (TypeError, ValueError) as exc:  # neither a path nor an open file
        raise PriceDataError(f"source must be a file path or an open file, got {source!r} "
                             f"({exc})") from None
    except OSError as exc:
        raise PriceDataError(f"the file cannot be read: {exc}") from None


def _check_file(path: Path) -> None:
    """A file that exists, is not a folder, can be read, and is not gzip under another name."""
    if not path.exists():
        raise PriceDataError(f"no file at {str(path)!r}: check the name and the folder "
                             f"(the current folder is {os.getcwd()!r})")
    if path.is_dir():
        raise PriceDataError(f"{str(path)!r} is a folder, not a file: give the path of the CSV "
                             f"file inside it")
    try:
        with path.open("rb") as file:
            start = file.read(2)
    except OSError as exc:
        raise PriceDataError(f"the file {str(path)!r} cannot be read: {exc.strerror}") from None
    if start == _GZIP and not path.name.lower().endswith(".gz"):
        raise PriceDataError(_gzipped(path))


def _gzipped(source) -> str:
    name = f" {str(source)!r}" if isinstance(source, str | os.PathLike) else ""
    return (f"the file{name} is gzip-compressed: decompress it first (gunzip), or give it a "
            f"name ending in .gz so that it is decompressed as it is read")


def _header(raw: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """The rows under the header, with the column names stripped and in lower case; refuses
    repeated and missing columns and a file without rows."""
    names = [str(name).replace("\ufeff", "").strip().lower() for name in raw.iloc[0]]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise PriceDataError(f"column(s) appearing more than once: {', '.join(repeated)}")
    missing = [c for c in (time_column, *_PRICE_COLUMNS) if c not in names]
    if missing:
        raise PriceDataError(f"missing column(s): {', '.join(missing)}; "
                             f"the file has: {', '.join(names)}")
    if len(raw) == 1:
        raise PriceDataError("the file has a header but no rows of prices")
    rows = raw.iloc[1:].reset_index(drop=True)
    rows.columns = names
    return rows


def _times(texts: pd.Series, time_column: str) -> pd.Series:
    """UTC times; refuses an empty cell, a text that is not a date/time and a time whose date
    (or year) is missing, which would silently become today's date (or the year 1)."""
    times = pd.Series(pd.to_datetime(texts, utc=True, errors="coerce", format="mixed"))
    if times.isna().any():
        i = int(np.flatnonzero(times.isna())[0])
        what = "is empty" if texts.iloc[i] == "" else f"{texts.iloc[i]!r} is not a date/time"
        raise PriceDataError(f"row {i + 1}: {time_column} {what} (write e.g. 2020-03-12 14:00)")
    today = pd.Timestamp.now(tz="UTC").normalize()
    suspects = ((times.dt.normalize() - today).abs() <= pd.Timedelta(days=1)) | \
        (times.dt.year < 1900)
    for i in np.flatnonzero(suspects.to_numpy()):
        if _lacks_date(texts.iloc[i]):
            raise PriceDataError(f"row {i + 1}: {time_column} {texts.iloc[i]!r} has no full date "
                                 f"(day, month and year); write e.g. 2020-03-12 14:00")
    return times


def _lacks_date(text: str) -> bool:
    """True if ``text`` reads as a time whose day, month or year is filled in from elsewhere:
    read with two different default dates, it gives two different times."""
    try:
        first = dateutil.parser.parse(text, default=datetime(2001, 1, 1))
        second = dateutil.parser.parse(text, default=datetime(2002, 2, 2))
    except (ValueError, OverflowError):
        return False
    return first.date() != second.date()


def _first(mask: pd.DataFrame) -> tuple[int, str] | None:
    """(row position, column) of the first True cell, row by row, or None."""
    cells = mask.to_numpy()
    rows = np.flatnonzero(cells.any(axis=1))
    return None if rows.size == 0 else (int(rows[0]), mask.columns[cells[rows[0]].argmax()])


def _prices(raw: pd.DataFrame, row) -> pd.DataFrame:
    """The open, high, low, close (and volume) cells as float64: finite, prices above zero,
    volume not negative, none missing."""
    columns = [c for c in (*_PRICE_COLUMNS, "volume") if c in raw.columns]
    cells = raw[columns].apply(lambda column: column.str.strip())
    empty = cells.apply(lambda column: column.str.lower().isin(_MISSING))
    values = cells.mask(empty).apply(pd.to_numeric, errors="coerce").astype(np.float64)
    problems = [
        (~empty & ~np.isfinite(values), "{c} is {text!r}, not a finite number"),
        (empty, "{c} is {shown}"),
        (values[columns[:4]] <= 0, "{c} is {value}; prices must be above zero"),
        (values[columns[4:]] < 0, "{c} is {value}; volume cannot be negative"),
    ]
    for mask, message in problems:
        found = _first(mask)
        if found:
            i, c = found
            text = cells[c].iloc[i]
            raise PriceDataError(f"{row(i)}: " + message.format(
                c=c, text=text, shown=text or "empty", value=values[c].iloc[i]))
    return values


def _check_candles(values: pd.DataFrame, row) -> None:
    """low <= min(open, close) and max(open, close) <= high on every row."""
    top, bottom = values[["open", "close"]].max(axis=1), values[["open", "close"]].min(axis=1)
    wrong = (values["high"] < top) | (values["low"] > bottom)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        high, low = values["high"].iloc[i], values["low"].iloc[i]
        raise PriceDataError(f"{row(i)}: " + (
            f"high {high} is below max(open, close) = {top.iloc[i]}" if high < top.iloc[i] else
            f"low {low} is above min(open, close) = {bottom.iloc[i]}"))


def _check_order(times: pd.Series, row) -> None:
    """Every time once, in increasing order."""
    repeats = times.duplicated()
    if repeats.any():
        i = int(np.flatnonzero(repeats)[0])
        j = int(np.flatnonzero(times == times.iloc[i])[0])
        raise PriceDataError(f"{row(i)}: duplicate timestamp, the same time as {row(j)}")
    earlier = times.diff() < pd.Timedelta(0)
    if earlier.any():
        i = int(np.flatnonzero(earlier)[0])
        raise PriceDataError(f"timestamps are not in increasing order: {row(i)} comes before "
                             f"{row(i - 1)}; sort the file by time")
