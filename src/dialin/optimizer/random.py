"""Uniform random search: log-uniform for log parameters, uniform integers, uniform over active
categorical values, grid members and conditional values, uniform inside the constraint polytope.

``uniform_rows`` returns raw rows (shape ``(n, n_raw)``, see ``space``); rows outside the polytope
get their constrained columns redrawn by hit-and-run, which keeps the mixture uniform over it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.constraints import Polytope
from dialin.optimizer.duplicates import Candidate, TakenPoints, pick_fresh
from dialin.optimizer.space import SearchSpace

__all__ = ["fill_with_random", "propose_random", "random_candidates", "uniform_rows"]

FloatArray = NDArray[np.float64]

_BATCH = 64
_MAX_BATCHES = 16


def uniform_rows(
    space: SearchSpace,
    polytope: Polytope,
    rng: np.random.Generator,
    n: int,
    *,
    use_priors: bool = False,
) -> FloatArray:
    rows = space.from_unit(rng.random((n, space.n_raw)), use_priors=use_priors)
    return make_feasible(rows, polytope, rng)


def make_feasible(rows: FloatArray, polytope: Polytope, rng: np.random.Generator) -> FloatArray:
    if not polytope.active:
        return rows
    bad = np.nonzero(~polytope.feasible(rows))[0]
    if bad.size:
        rows[np.ix_(bad, polytope.cols)] = polytope.sample(rng, bad.size)
    return rows


def random_candidates(
    space: SearchSpace,
    polytope: Polytope,
    rng: np.random.Generator,
    tasks: Sequence[str],
    *,
    use_priors: bool = False,
) -> Iterator[Candidate]:
    """A finite stream of random candidates: enough to find fresh points unless the space is
    nearly exhausted."""
    for _ in range(_MAX_BATCHES):
        rows = uniform_rows(space, polytope, rng, _BATCH, use_priors=use_priors)
        names = rng.choice(np.array(tasks, dtype=object), _BATCH) if tasks else [None] * _BATCH
        yield from zip(rows, names, strict=True)


def fill_with_random(
    chosen: list[Candidate],
    space: SearchSpace,
    polytope: Polytope,
    rng: np.random.Generator,
    tasks: Sequence[str],
    taken: TakenPoints,
    count: int,
) -> list[Candidate]:
    """Tops ``chosen`` up to ``count`` with fresh random points, then (space exhausted) with
    repeats, so that the caller always gets ``count`` valid points."""
    missing = count - len(chosen)
    if missing > 0:
        chosen = chosen + pick_fresh(random_candidates(space, polytope, rng, tasks), taken, missing)
    while len(chosen) < count:
        row = uniform_rows(space, polytope, rng, 1)[0]
        chosen.append((row, str(rng.choice(np.array(tasks, dtype=object))) if tasks else None))
    return chosen


def propose_random(
    space: SearchSpace,
    polytope: Polytope,
    rng: np.random.Generator,
    tasks: Sequence[str],
    taken: TakenPoints,
    count: int,
) -> list[Candidate]:
    return fill_with_random([], space, polytope, rng, tasks, taken, count)
