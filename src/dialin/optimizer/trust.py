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
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.gp import GaussianProcess
from dialin.optimizer.space import SearchSpace

__all__ = ["HIGH_DIMENSIONS", "Region", "half_widths", "trust_length", "trust_region"]

FloatArray = NDArray[np.float64]

_INITIAL = 0.8
_MAX = 1.6
_MIN = 0.5**7
_SUCCESSES = 3
# from this many continuous parameters on, candidates concentrate in a trust region: there
# EI's global candidates are mostly far corners of high variance
HIGH_DIMENSIONS = 8


@dataclass(frozen=True)
class Region:
    """A trust region: a raw row, half-widths per raw column (fractions of the model-scale
    range), and the same box in feature space, ``(F,)`` each."""

    centre: FloatArray
    half_width: FloatArray
    z_lo: FloatArray
    z_hi: FloatArray


def trust_region(
    space: SearchSpace,
    gp: GaussianProcess,
    centre: FloatArray,
    values: FloatArray | None,
    n_initial: int,
) -> Region | None:
    """The region around the incumbent raw row ``centre``; None below ``HIGH_DIMENSIONS``."""
    numeric = [
        (space.n_conditionals + j, start)
        for j, (start, _, kind) in enumerate(space.feature_blocks()[space.n_conditionals :])
        if kind in ("double", "int")
    ]
    if len(numeric) < HIGH_DIMENSIONS or values is None:
        return None
    length = trust_length(values, n_initial, len(numeric))
    widths = half_widths(gp.ell[[f for _, f in numeric]], length)
    half_width = np.zeros(space.n_raw)
    z_lo, z_hi = np.zeros(space.n_features), np.ones(space.n_features)
    zc = space.features(centre[None, :])[0]
    for (raw, feature), w in zip(numeric, widths, strict=True):
        half_width[raw] = w
        z_lo[feature], z_hi[feature] = max(0.0, zc[feature] - w), min(1.0, zc[feature] + w)
    return Region(centre, half_width, z_lo, z_hi)


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
