"""Which categorical or conditional value a stalled search has neglected.

A GP shares what it learns across the values of a categorical: one or two poor early results
of a value, against many good ones of another, make the model sure the value is poor
everywhere, and EI never goes back. Where the best results tie (accuracy over a few hundred
samples has a few hundred possible values), EI then spends the rest of the budget on the
plateau of the favoured value: tuning an SVM on scikit-learn's digits, 54 of 80 evaluations
scored the same accuracy with a polynomial kernel, while the RBF kernel, tried twice, holds
the better ones. So, on such a plateau (the best value reached three times or more, and not
improved for a while), every third proposal is made within the least tried value, if it has
had far less than its share of the points. Without the plateau the rule cost more than it
gave: searches that polish an optimum, or whose values never tie, lost evaluations to
values the model rightly held poor.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.space import SearchSpace

__all__ = ["neglected_value"]

FloatArray = NDArray[np.float64]

# evaluations without a strict improvement of the best value before the search counts as stalled
_STALLED_AFTER = 8
_EVERY = 3
# observations sharing the best value exactly: a plateau, not the slow polish of an optimum
_PLATEAU_TIES = 3
# a value is neglected below this fraction of an even share of the points where it can be set
_FAIR_SHARE = 1 / 3


def neglected_value(
    space: SearchSpace, rows: FloatArray, values: FloatArray, index: int
) -> tuple[int, float] | None:
    """A raw column and its value for the next proposal to take, or None. ``rows``: raw rows of
    the observations and pending points; ``values``: the observations' objective, larger is
    better, ``nan`` where failed; ``index``: the proposal's place in the experiment."""
    if (
        index % _EVERY != 0
        or _since_improvement(values) < _STALLED_AFTER
        or _ties_at_best(values) < _PLATEAU_TIES
    ):
        return None
    worst: tuple[float, int, float] | None = None
    for column in map(int, np.flatnonzero(space.nominal_columns())):
        active = rows[:, column]
        active = active[~np.isnan(active)]
        k = _n_values(space, column)
        if active.size == 0 or k < 2:
            continue
        counts = np.bincount(active.astype(np.int64), minlength=k)[:k]
        value = int(np.argmin(counts))
        ratio = counts[value] / (active.size / k)
        if ratio < _FAIR_SHARE and (worst is None or ratio < worst[0]):
            worst = (float(ratio), column, float(value))
    return None if worst is None else (worst[1], worst[2])


def _since_improvement(values: FloatArray) -> int:
    """Evaluations after the one that first reached the best value (all of them if none did)."""
    finite = np.isfinite(values)
    if not finite.any():
        return values.size
    best = int(np.argmax(np.where(finite, values, -np.inf)))
    return values.size - 1 - best


def _ties_at_best(values: FloatArray) -> int:
    finite = values[np.isfinite(values)]
    return int(np.sum(finite == finite.max())) if finite.size else 0


def _n_values(space: SearchSpace, column: int) -> int:
    if column < space.n_conditionals:
        return len(space.conditionals[column][1])
    return len(space.columns[column - space.n_conditionals].choices)
