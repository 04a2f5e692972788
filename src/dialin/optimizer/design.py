"""Space-filling design: a seeded, scrambled Sobol sequence walked one point per suggestion.

Point ``i`` of the design is Sobol point ``i`` (dimension ``n_raw``, plus one for the task in
multitask experiments) mapped through ``SearchSpace.from_unit`` with priors; where it falls
outside the constraint polytope its constrained columns are redrawn by a hit-and-run chain seeded
by the experiment seed alone, so point ``i`` is the same however many points are asked for.
``i`` starts at ``#observations + #pending``, so consecutive calls keep filling the space.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from dialin.optimizer.constraints import Polytope
from dialin.optimizer.duplicates import Candidate, TakenPoints, pick_fresh
from dialin.optimizer.random import fill_with_random, make_feasible
from dialin.optimizer.space import SearchSpace

__all__ = ["design_rows", "propose_design"]

FloatArray = NDArray[np.float64]

_MIN_POINTS = 64
# Past this many points the design repeats its start; a GP has long taken over by then.
_MAX_POINTS = 1 << 14


def design_rows(
    space: SearchSpace, polytope: Polytope, seed: int, n: int, n_tasks: int
) -> tuple[FloatArray, NDArray[np.int64]]:
    """The first ``n`` design points as raw rows, and each point's task index."""
    d = space.n_raw + (1 if n_tasks else 0)
    with warnings.catch_warnings():
        # Sobol warns unless n is a power of two; the balance it wants matters little here.
        warnings.simplefilter("ignore")
        unit = qmc.Sobol(d, scramble=True, rng=np.random.default_rng([seed, 7919])).random(n)
    rows = space.from_unit(unit[:, : space.n_raw], use_priors=True)
    rows = make_feasible(rows, polytope, np.random.default_rng([seed, 104729]))
    tasks = np.floor(unit[:, -1] * n_tasks).astype(np.int64) if n_tasks else np.zeros(n, np.int64)
    return rows, np.minimum(tasks, max(n_tasks - 1, 0))


def propose_design(
    space: SearchSpace,
    polytope: Polytope,
    seed: int,
    index: int,
    tasks: Sequence[str],
    taken: TakenPoints,
    count: int,
    rng: np.random.Generator,
) -> list[Candidate]:
    n = _MIN_POINTS
    while n < min(2 * (index + count), _MAX_POINTS):
        n *= 2
    rows, task_index = design_rows(space, polytope, seed, n, len(tasks))
    start = index % n

    def stream() -> Iterator[Candidate]:
        for k in [*range(start, n), *range(start)]:
            yield rows[k], (tasks[int(task_index[k])] if tasks else None)

    chosen = pick_fresh(stream(), taken, count)
    return fill_with_random(chosen, space, polytope, rng, tasks, taken, count)
