"""Pareto dominance among rows of metric values (larger is better in every column)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["non_dominated"]


def non_dominated(y: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which rows of ``y`` (``(n, k)``) no other row dominates: at least as good in every
    column and better in one. Equal rows are all kept. One row at a time, so memory stays
    ``O(n k)`` for histories of thousands of observations."""
    keep = np.ones(y.shape[0], dtype=bool)
    for i in range(y.shape[0]):
        keep[i] = not np.any(np.all(y >= y[i], axis=1) & np.any(y > y[i], axis=1))
    return keep
