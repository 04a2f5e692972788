"""A TuRBO-style trust region (Eriksson et al., 2019), recomputed from the history each call.

Symbols: signed objective values ``v`` (shape ``(n,)``, larger is better, in observation order,
``nan`` for failures), ``n0`` points of initial design, ``d`` numeric dimensions. Replaying the
history after the design: an improvement of the best by more than ``1e-3 |best|`` is a success,
anything else a failure; three successes in a row double the side length ``L`` (at most 1.6),
``max(4, d)`` failures in a row halve it; below ``2^-7`` it restarts at 0.8. The region is the
box around the incumbent with per-dimension half-widths ``L w_i / 2`` in unit (feature) scale,
``w`` the GP lengthscales divided by their geometric mean, so the box is long where the
function is smooth.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["half_widths", "trust_length"]

FloatArray = NDArray[np.float64]

_INITIAL = 0.8
_MAX = 1.6
_MIN = 0.5**7
_SUCCESSES = 3


def trust_length(values: FloatArray, n_initial: int, dims: int) -> float:
    finite = np.isfinite(values)
    if not finite[:n_initial].any():
        return _INITIAL
    best = float(np.max(values[:n_initial][finite[:n_initial]]))
    length, wins, losses = _INITIAL, 0, 0
    patience = max(4, dims)
    for v in values[n_initial:]:
        if math.isfinite(v) and v > best + 1e-3 * abs(best):
            wins, losses = wins + 1, 0
        else:
            wins, losses = 0, losses + 1
        if math.isfinite(v):
            best = max(best, float(v))
        if wins == _SUCCESSES:
            length, wins = min(2.0 * length, _MAX), 0
        elif losses == patience:
            length, losses = length / 2.0, 0
        if length < _MIN:
            length = _INITIAL
    return length


def half_widths(lengthscales: FloatArray, length: float) -> FloatArray:
    """Half side lengths of the box per numeric feature, shape ``(k,)``."""
    ell = np.maximum(lengthscales, 1e-6)
    w = ell / math.exp(float(np.mean(np.log(ell))))
    return np.asarray(0.5 * length * np.clip(w, 0.1, 10.0), dtype=np.float64)
