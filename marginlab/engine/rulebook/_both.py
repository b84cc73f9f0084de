"""How a rule works on both kinds of number: exact Decimals (the engine) and floats or numpy
arrays (the simulator)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..numbers import ZERO


def _param(value: Decimal, like):
    """A venue parameter (a Decimal) in the arithmetic of ``like``: exact next to a Decimal,
    a float next to anything else (an array of parameters, one per row, stays as it is)."""
    if isinstance(like, Decimal) or isinstance(value, np.ndarray):
        return value
    return float(value)


def _minimum(a, b):
    return min(a, b) if isinstance(a, Decimal) and isinstance(b, Decimal) else np.minimum(a, b)


def _positive_part(x):
    """max(x, 0)."""
    return max(x, ZERO) if isinstance(x, Decimal) else np.maximum(x, 0.0)


def _negative_part(x):
    """min(x, 0)."""
    return min(x, ZERO) if isinstance(x, Decimal) else np.minimum(x, 0.0)


def _where(condition, a, b):
    if isinstance(condition, (bool, np.bool_)) and not isinstance(a, np.ndarray) \
            and not isinstance(b, np.ndarray):
        return a if condition else b
    return np.where(condition, a, b)


def _clip(x, low, high):
    if isinstance(x, Decimal):
        return min(max(x, low), high)
    return np.clip(x, low, high)


def _at_least(x, low):
    return max(x, low) if isinstance(x, Decimal) else np.maximum(x, low)
