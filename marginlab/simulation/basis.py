"""Index and mark paths: a basis shock on the mark that fades, and the funding it sets.

The index I_t is the spot price; the mark is the index plus a basis (:mod:`marginlab.rulebook`,
"mark, index and funding"). Here the basis opens at step ``at`` as a fraction ``basis`` of the
index and halves every ``h`` steps (:func:`marginlab.rulebook.decayed_basis`)::

    b_t = basis * 2^(-(t - at) / h)  for t >= at,  0 before
    M_t = I_t + I_t b_t                                   (so the premium (M_t - I_t) / I_t = b_t)

Funding every ``k`` steps is paid at the rate the premium of the ``k`` steps since the last
payment sets (:func:`marginlab.rulebook.funding_rate` of the time-weighted
:func:`marginlab.rulebook.average_premium`), the very rule the exchange applies in
``apply_funding(symbol)``. :func:`premium_funding` returns one rate per step, the form
``replay(prices=mark, ..., funding_rate=rates, funding_every=k)`` reads (the replay prices are
the marks: liquidation and margin use the mark).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import rulebook
from ..engine.errors import InvalidPathError, SimulationSettingError
from .inputs import funding_interval, positive, real, whole
from .paths import HOUR, check_path, gbm


def _path(values, name: str) -> np.ndarray:
    """A checked path of shape ``(steps + 1,)`` or ``(paths, steps + 1)``."""
    array = check_path(values, name)
    if array.ndim not in (1, 2):
        raise InvalidPathError(f"{name} must have shape (steps + 1,) or (paths, steps + 1), "
                               f"got shape {array.shape}")
    return array


def mark_from_index(index, basis, half_life_steps, at=0) -> np.ndarray:
    """The mark paths of ``index`` (shape ``(paths, steps + 1)`` or ``(steps + 1,)``) with a
    basis of ``basis`` (a fraction of the index, above -1 and below 1: -0.05 puts the mark 5 %
    under the index) opening at step ``at`` and halving every ``half_life_steps`` steps (see
    the module docstring)."""
    prices = _path(index, "index path")
    b0 = real(basis, "basis (a fraction of the index, -0.05 is 5 % under it)")
    if not -1 < b0 < 1:
        raise InvalidPathError(f"basis must be above -1 and below 1 (a fraction of the index: "
                               f"-0.05 is 5 % under it), got {basis!r}")
    h = positive(half_life_steps, "half_life_steps (steps for the basis to halve)")
    width = prices.shape[-1]
    start = whole(at, "at (the step the basis opens)", 0)
    if start >= width:
        raise InvalidPathError(f"at must be a step of the path, 0 to {width - 1}, got {at!r}")
    t = np.arange(width, dtype=float)
    b = np.where(t >= start, rulebook.decayed_basis(b0, np.maximum(t - start, 0.0), h), 0.0)
    return rulebook.mark_price(prices, prices * b)


def _funding_settings(interest, clamp, cap) -> tuple[float, float, float]:
    """The interest rate (-1 to 1), the dampener (0 to 1) and the cap (above 0, at most 1), as
    rates per funding interval."""
    i = real(interest, "interest (a rate per funding interval)", error=SimulationSettingError)
    c = real(clamp, "clamp (the dampener around the interest rate)", 0, SimulationSettingError)
    k = real(cap, "cap (the largest funding rate)", error=SimulationSettingError)
    if not -1 <= i <= 1 or c > 1 or not 0 < k <= 1:
        raise SimulationSettingError(
            f"interest must be from -1 to 1, clamp from 0 to 1 and cap above 0 and at most 1, "
            f"as rates per funding interval (0.0001 is 0.01 %); got interest {interest!r}, "
            f"clamp {clamp!r}, cap {cap!r}")
    return i, c, k


def premium_funding(index, mark, every_steps, interest=0.0001, clamp=0.0005,
                    cap=0.02) -> np.ndarray:
    """Funding rates from the premium, one per step (0 between payments), same shape as the
    paths: at step ``t = k, 2k, ...`` (``k = every_steps``) the rate
    ``clamp(P + clamp(I - P, -c, c), -cap, cap)`` of the time-weighted average P of the premiums
    ``(M_s - I_s) / I_s`` of steps ``t - k + 1 .. t`` (the samples since the last payment).

    The defaults are a contract's (:class:`marginlab.ContractSpec`: interest 0.01 %, dampener
    0.05 %, cap 2 %). One path's rates are what ``replay(..., funding_rate=rates,
    funding_every=every_steps)`` takes."""
    i, c, k = _funding_settings(interest, clamp, cap)
    spot, marks = _path(index, "index path"), _path(mark, "mark path")
    if spot.shape != marks.shape:
        raise InvalidPathError(f"the index and mark paths must have one shape, got {spot.shape} "
                               f"and {marks.shape}")
    every = funding_interval(every_steps)
    if every is None:
        raise SimulationSettingError("every_steps must be a whole number of steps of at least 1")
    samples = rulebook.premium(marks, spot)
    n = (samples.shape[-1] - 1) // every
    rates = np.zeros_like(samples)
    if n:
        windows = samples[..., 1:1 + n * every].reshape(*samples.shape[:-1], n, every)
        paid = rulebook.funding_rate(rulebook.average_premium(windows), i, c, k)
        rates[..., every:n * every + 1:every] = paid
    return rates


@dataclass(frozen=True)
class BasisShock:
    """One index path, its mark with a basis shock, and the funding rates the premium sets
    (paid every ``every`` steps): arrays of shape ``(steps + 1,)``."""

    index: np.ndarray
    mark: np.ndarray
    funding: np.ndarray
    every: int

    def to_frame(self) -> pd.DataFrame:
        """step, index, mark, premium (M - I) / I, funding rate (0 between payments)."""
        return pd.DataFrame({"step": np.arange(len(self.index)), "index": self.index,
                             "mark": self.mark,
                             "premium": rulebook.premium(self.mark, self.index),
                             "funding rate": self.funding})


def basis_shock(s0=2_000.0, sigma=0.3, steps=48, basis=-0.06, at=24, half_life_steps=6,
                every=8, interest=0.0001, clamp=0.0005, cap=0.02, dt=HOUR,
                seed=0) -> BasisShock:
    """A seeded GBM index path (``sigma`` a year, hourly steps) whose mark opens a basis of
    ``basis`` at step ``at`` that halves every ``half_life_steps``, and the funding the premium
    sets every ``every`` steps: "liquidated by the mark while the index barely moved". Replay
    positions on ``shock.mark`` with ``funding_rate=shock.funding, funding_every=shock.every``.
    """
    index = gbm(s0, sigma, steps, paths=1, dt=dt, seed=seed)[0]
    mark = mark_from_index(index, basis, half_life_steps, at)
    funding = premium_funding(index, mark, every, interest, clamp, cap)
    return BasisShock(index, mark, funding, funding_interval(every))
