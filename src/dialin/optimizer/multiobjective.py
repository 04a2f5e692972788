"""Two optimized metrics as one: ParEGO's augmented Chebyshev scalarisation (Knowles, 2006).

Symbols: signed values ``F`` (shape ``(n, 2)``, larger is better, ``nan`` where missing),
each column normalised to ``[0, 1]`` over its finite entries as ``f``; random weights
``w = (lam, 1 - lam)`` with ``lam ~ U(0, 1)``, drawn anew for every proposal so that a batch
spreads along the Pareto front. The scalar, to maximize, is

    s = min_k w_k f_k + rho * sum_k w_k f_k,      rho = 0.05.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["draw_weights", "scalarise"]

FloatArray = NDArray[np.float64]

_RHO = 0.05


def draw_weights(rng: np.random.Generator) -> FloatArray:
    lam = float(rng.random())
    return np.array([lam, 1.0 - lam])


def scalarise(values: FloatArray, weights: FloatArray) -> FloatArray:
    ok = np.all(np.isfinite(values), axis=1)
    out = np.full(values.shape[0], np.nan)
    if not ok.any():
        return out
    f = values[ok]
    lo, hi = f.min(0), f.max(0)
    f = (f - lo) / np.where(hi > lo, hi - lo, 1.0)
    wf = f * weights
    out[ok] = wf.min(1) + _RHO * wf.sum(1)
    return out
