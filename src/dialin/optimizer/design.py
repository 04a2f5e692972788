"""Space-filling design: greedy maximin over the history, from scrambled Sobol candidates.

Each call draws ``N`` scrambled Sobol points (seeded by the call's seed), maps them to raw rows
through ``SearchSpace.from_unit`` with priors (moving points outside the constraint polytope
inside), and picks, one at a time, among the first ``10 (n + 1)`` candidates (``n`` points
placed so far) the one farthest from every observed, pending and already picked point.
Distances are Euclidean in unit-sample space (``SearchSpace.to_unit``), where a prior's mass is
spread evenly, so the design fills the space as the prior weighs it; a coordinate inactive on
one side only counts as a difference of 1/2, and so does any change of a categorical or
conditional value: their values have no order, and by their unit-sample positions the first
and last value would be the farthest apart and the design would favour them. Nothing depends
on one sequence running across calls, so a seed that changes per suggestion, or a history that
came from elsewhere, still gets a space-filling design. With no history and default values
given, the first point is the defaults (parameters without one at their centre).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from dialin.optimizer.constraints import Polytope
from dialin.optimizer.duplicates import Candidate, TakenPoints, pick_fresh
from dialin.optimizer.random import fill_with_random, make_feasible
from dialin.optimizer.space import SearchSpace

__all__ = ["propose_design"]

FloatArray = NDArray[np.float64]

_N_CANDIDATES = 256
_INACTIVE_GAP = 0.5
_CANDIDATES_PER_POINT = 10
_PLACED_CHUNK = 256


def propose_design(
    space: SearchSpace,
    polytope: Polytope,
    seed: int,
    history_rows: FloatArray,
    tasks: Sequence[str],
    taken: TakenPoints,
    count: int,
    rng: np.random.Generator,
) -> list[Candidate]:
    """``count`` design points, each with a task drawn from ``tasks`` (none when empty)."""
    with warnings.catch_warnings():
        # Sobol warns unless n is a power of two; 256 is one.
        warnings.simplefilter("ignore")
        unit = qmc.Sobol(
            space.n_raw, scramble=True, rng=np.random.default_rng([seed, 7919])
        ).random(_N_CANDIDATES)
    cands = make_feasible(
        space.from_unit(unit, use_priors=True), polytope, np.random.default_rng([seed, 104729])
    )
    if history_rows.shape[0] == 0 and _has_defaults(space):
        centre = space.centre()[None, :]
        if polytope.feasible(centre)[0]:
            cands = np.vstack([centre, cands])
    chosen: list[Candidate] = []
    n_placed = history_rows.shape[0]
    cand_u = space.to_unit(cands)
    nominal = space.nominal_columns()
    gaps = _min_distances(cand_u, space.to_unit(history_rows), nominal)
    if n_placed == 0 and cands.shape[0] > _N_CANDIDATES:
        gaps[0] = np.inf  # the defaults go first
    for _ in range(count):
        # Mitchell's best candidate: the farthest of the first few unused Sobol points. Taking
        # the farthest of all would favour the boundary, where nothing lies beyond.
        pool = min(cands.shape[0], _CANDIDATES_PER_POINT * (n_placed + 1))
        order = np.argsort(-gaps[:pool], kind="stable")
        task = str(rng.choice(np.array(tasks, dtype=object))) if tasks else None
        picked = pick_fresh(((cands[i], task) for i in order), taken, 1)
        if not picked:
            break
        chosen.extend(picked)
        n_placed += 1
        picked_u = space.to_unit(picked[0][0][None, :])
        gaps = np.minimum(gaps, _min_distances(cand_u, picked_u, nominal))
    return fill_with_random(chosen, space, polytope, rng, tasks, taken, count)


def _has_defaults(space: SearchSpace) -> bool:
    return any(p.default_value is not None for p in space.definition.active_parameters)


def _min_distances(
    cand_u: FloatArray, placed_u: FloatArray, nominal: NDArray[np.bool_]
) -> FloatArray:
    """Distance from each candidate to its nearest placed point (``inf`` with none placed)."""
    out = np.full(cand_u.shape[0], np.inf)
    for start in range(0, placed_u.shape[0], _PLACED_CHUNK):
        chunk = placed_u[start : start + _PLACED_CHUNK]
        a, b = cand_u[:, None, :], chunk[None, :, :]
        both_inactive = np.isnan(a) & np.isnan(b)
        apart = np.where(nominal & (a != b), _INACTIVE_GAP, a - b)
        diff = np.where(both_inactive, 0.0, np.where(np.isnan(a - b), _INACTIVE_GAP, apart))
        out = np.minimum(out, np.sqrt((diff * diff).sum(axis=2)).min(axis=1))
    return out
