"""Maximizing the acquisition score over the search space.

1. Candidates: ``n_random`` uniform raw rows (inside the constraint polytope) and local
   perturbations of the incumbents (see ``moves``): a few coordinates at a time, at
   three step sizes, the trust-region-like moves that matter in high dimensions.
2. All are scored on their features; the best few distinct ones start L-BFGS-B over the
   continuous features (active double and int columns, grids and one-hot blocks held fixed), all
   starts in one stacked problem ``-sum_i score(z_i)`` so one call refines them together.
3. Refined points are decoded (ints rounded, grids snapped) and, with constraints, pulled back
   along the segment to their start until they are feasible; then rescored with the rest.

Returns raw rows ordered best first, so the caller can take the first one not taken yet.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from dialin.optimizer.constraints import Polytope
from dialin.optimizer.gp import stop_at
from dialin.optimizer.moves import perturb, sample_box
from dialin.optimizer.random import uniform_rows
from dialin.optimizer.score import Score
from dialin.optimizer.space import SearchSpace
from dialin.optimizer.trust import Region

__all__ = ["ranked_candidates"]

FloatArray = NDArray[np.float64]

_STEP_SCALES = np.array([0.01, 0.05, 0.2])
_N_STARTS = 5
_REFINE_ITERATIONS = 40
_BISECTIONS = 12
_IN_REGION = 1024
_GLOBAL_IN_REGION = 128


def ranked_candidates(
    score: Score,
    space: SearchSpace,
    polytope: Polytope,
    rng: np.random.Generator,
    incumbents: FloatArray,
    *,
    n_random: int,
    n_local: int,
    deadline: float,
    region: Region | None = None,
    keep: tuple[int, float] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Candidate raw rows (``(k, n_raw)``) and their scores, best first. With a ``region``,
    most candidates and every refinement stay inside it; a few global ones remain. With
    ``keep`` (a raw column of a categorical or conditional and a value), only candidates taking
    that value, when any do; refinement moves only numeric columns, so it keeps the value."""
    rows = [uniform_rows(space, polytope, rng, n_random if region is None else _GLOBAL_IN_REGION)]
    if region is not None:
        boxed = sample_box(space, region.centre, region.half_width, rng, _IN_REGION)
        rows.append(boxed[polytope.feasible(boxed)])
    if incumbents.shape[0] and n_local:
        base = incumbents[rng.integers(0, incumbents.shape[0], n_local)]
        scale = rng.choice(_STEP_SCALES, n_local)
        local = perturb(space, base, rng, scale)
        rows.append(local[polytope.feasible(local)])
        rows.append(incumbents)
    cands = np.vstack(rows)
    if keep is not None:
        column, value = keep
        taking = cands[:, column] == value
        if taking.any():
            cands = cands[taking]
    values, _ = score(space.features(cands))
    values = np.where(np.isfinite(values), values, -np.inf)
    order = np.argsort(-values, kind="stable")
    cands, values = cands[order], values[order]
    if time.monotonic() < deadline:
        refined = _refine(score, space, polytope, cands[:_N_STARTS], deadline, region)
        if refined.shape[0]:
            refined_values, _ = score(space.features(refined))
            cands = np.vstack([refined, cands])
            values = np.concatenate(
                [np.where(np.isfinite(refined_values), refined_values, -np.inf), values]
            )
            order = np.argsort(-values, kind="stable")
            cands, values = cands[order], values[order]
    return cands, values


def _free_mask(space: SearchSpace, rows: FloatArray) -> NDArray[np.bool_]:
    mask = np.zeros((rows.shape[0], space.n_features), dtype=bool)
    for j, (start, _, kind) in enumerate(space.feature_blocks()[space.n_conditionals :]):
        if kind in ("double", "int"):
            mask[:, start] = ~np.isnan(rows[:, space.n_conditionals + j])
    return mask


def _refine(
    score: Score,
    space: SearchSpace,
    polytope: Polytope,
    starts: FloatArray,
    deadline: float,
    region: Region | None,
) -> FloatArray:
    z0 = space.features(starts)
    free = _free_mask(space, starts)
    if not free.any():
        return np.empty((0, space.n_raw))
    shape = z0.shape

    def objective(flat: FloatArray) -> tuple[float, FloatArray]:
        z = flat.reshape(shape)
        value, grad = score(z, grad=True)
        assert grad is not None
        value = np.where(np.isfinite(value), value, -1e6)
        grad = np.where(np.isfinite(grad) & free, grad, 0.0)
        return -float(value.sum()), -grad.ravel()

    box_lo, box_hi = (0.0, 1.0) if region is None else (region.z_lo, region.z_hi)
    # starts outside the region (global candidates) keep their own unit box
    inside = np.ones(z0.shape[0], dtype=bool)
    if region is not None:
        inside = np.all((z0 >= region.z_lo - 1e-12) | ~free, axis=1) & np.all(
            (z0 <= region.z_hi + 1e-12) | ~free, axis=1
        )
    lo = np.where(free, np.where(inside[:, None], box_lo, 0.0), z0).ravel()
    hi = np.where(free, np.where(inside[:, None], box_hi, 1.0), z0).ravel()
    try:
        res = optimize.minimize(
            objective,
            z0.ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(lo, hi, strict=True)),
            options={"maxiter": _REFINE_ITERATIONS},
            callback=stop_at(deadline),
        )
        z1 = np.clip(np.asarray(res.x).reshape(shape), 0.0, 1.0)
    except (ValueError, np.linalg.LinAlgError):
        return np.empty((0, space.n_raw))
    out = space.from_features(z1)
    if polytope.active:
        out = _pull_back(space, polytope, z0, z1, out, starts)
    return out


def _pull_back(
    space: SearchSpace,
    polytope: Polytope,
    z0: FloatArray,
    z1: FloatArray,
    out: FloatArray,
    starts: FloatArray,
) -> FloatArray:
    """Moves infeasible refined rows back toward their (feasible) start by bisection."""
    bad = np.nonzero(~polytope.feasible(out))[0]
    for i in bad:
        lo_t, hi_t = 0.0, 1.0
        best = starts[i]
        for _ in range(_BISECTIONS):
            t = 0.5 * (lo_t + hi_t)
            row = space.from_features((z0[i] + t * (z1[i] - z0[i]))[None, :])
            if polytope.feasible(row)[0]:
                lo_t, best = t, row[0]
            else:
                hi_t = t
        out[i] = best
    return out
