"""Local moves in the search space: candidates near good points for the acquisition search.

Both work on raw rows (see ``space``): ``perturb`` takes Gaussian steps from each of many rows,
``sample_box`` draws uniformly inside a box around one row (a trust region, see ``trust``). A
numeric step is taken in model scale (log for log parameters) and snapped back to integers or
grids (a moved integer moves at least to a neighbour); a moved discrete value is redrawn
uniformly; a parameter that a changed conditional activates gets a uniform value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.space import Column, SearchSpace, snap

__all__ = ["perturb", "sample_box"]

FloatArray = NDArray[np.float64]


def perturb(
    space: SearchSpace, rows: FloatArray, rng: np.random.Generator, scale: FloatArray
) -> FloatArray:
    """Local moves around ``rows``: each parameter changes with probability
    ``min(1, 4 / P)`` (at least one per row), numeric ones by Gaussian steps of ``scale``
    (one per row) times their range in model scale, reflected at the bounds, discrete ones
    to a random value.
    Parameters that a changed conditional activates get a uniform value."""
    n = rows.shape[0]
    out = rows.copy()
    fresh = space.from_unit(rng.random((n, space.n_raw)), use_priors=False, deactivate=False)
    p = min(1.0, 4.0 / max(1, space.n_raw))
    moved = rng.random((n, space.n_raw)) < p
    moved[np.arange(n), rng.integers(0, space.n_raw, n)] = True
    for i in range(space.n_conditionals):
        out[moved[:, i], i] = fresh[moved[:, i], i]
    for j, col in enumerate(space.columns):
        k = space.n_conditionals + j
        was_inactive = np.isnan(out[:, k])
        out[was_inactive, k] = fresh[was_inactive, k]
        m = moved[:, k] & ~was_inactive
        if col.kind == "categorical" or col.grid is not None:
            out[m, k] = fresh[m, k]
            continue
        v = out[m, k]
        scaled = np.log(np.maximum(v, 1e-300)) if col.log else v
        step = scale[m] * (col.hi - col.lo) * rng.standard_normal(v.size)
        scaled = _reflect(scaled + step, col.lo, col.hi)
        moved_to = snap(col, np.clip(np.exp(scaled), *col.natural) if col.log else scaled)
        if col.kind == "int":
            moved_to = _leave_integer(col, v, moved_to, step)
        out[m, k] = moved_to
    return space.deactivate(out)


def sample_box(
    space: SearchSpace, centre: FloatArray, half_width: FloatArray, rng: np.random.Generator, n: int
) -> FloatArray:
    """``n`` rows near the raw row ``centre``: each parameter moves with probability
    ``min(1, 20 / P)`` (at least one per row); a numeric one to a uniform value within
    ``half_width`` (per column of a raw row, a fraction of its model-scale range) of the
    centre, a discrete one to a random value."""
    rows = np.repeat(centre[None, :], n, axis=0)
    fresh = space.from_unit(rng.random((n, space.n_raw)), use_priors=False, deactivate=False)
    moved = rng.random((n, space.n_raw)) < min(1.0, 20.0 / max(1, space.n_raw))
    moved[np.arange(n), rng.integers(0, space.n_raw, n)] = True
    for i in range(space.n_conditionals):
        rows[moved[:, i], i] = fresh[moved[:, i], i]
    for j, col in enumerate(space.columns):
        k = space.n_conditionals + j
        inactive = np.isnan(rows[:, k])
        rows[inactive, k] = fresh[inactive, k]
        m = moved[:, k] & ~inactive
        if col.kind == "categorical" or col.grid is not None or not m.any():
            rows[m, k] = fresh[m, k]
            continue
        v = rows[m, k]
        scaled = np.log(np.maximum(v, 1e-300)) if col.log else v
        width = half_width[k] * (col.hi - col.lo)
        lo, hi = np.maximum(scaled - width, col.lo), np.minimum(scaled + width, col.hi)
        scaled = lo + rng.random(v.size) * (hi - lo)
        rows[m, k] = snap(col, np.clip(np.exp(scaled), *col.natural) if col.log else scaled)
    return space.deactivate(rows)


def _leave_integer(
    col: Column, v: FloatArray, moved_to: FloatArray, step: FloatArray
) -> FloatArray:
    """A small step rounds back to the integer it left, which makes the move the incumbent
    itself; such a move goes to the neighbour on the step's side instead (measured on the
    benchmark's tuning problems, 5 seeds at budget 40: regret 0.33 instead of 0.41 on
    hgb_diabetes, 0.76 instead of 0.93 on random_forest_breast_cancer, 0.72 instead of 0.82
    on mlp_wine)."""
    lo, hi = col.natural
    neighbour = np.clip(v + np.where(step >= 0, 1.0, -1.0), np.ceil(lo - 1e-9), np.floor(hi + 1e-9))
    result: FloatArray = np.where(moved_to == v, neighbour, moved_to)
    return result


def _reflect(v: FloatArray, lo: float, hi: float) -> FloatArray:
    """``v`` folded back into ``[lo, hi]`` at the bounds: clipping would pile local moves of a
    point on a bound onto the bound itself."""
    width = hi - lo
    if width <= 0:
        return np.full_like(v, lo)
    t = np.mod(v - lo, 2.0 * width)
    return lo + np.where(t > width, 2.0 * width - t, t)
