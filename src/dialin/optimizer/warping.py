"""Output warping: metric values (larger is better) to well-behaved GP targets.

For values ``v`` (shape ``(n,)``) with median ``m``, the better half keeps its scale; the worse
half is replaced by ``m + s * Phi^-1(q)``, where ``q`` is the value's mid-rank quantile among all
values and ``s`` the root-mean-square deviation of the better half above ``m``. A few terrible
values (diverged runs, penalties) then no longer squash the good region the model must
resolve, while the order of all values is kept. The result is standardised to mean 0, sd 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = ["Warped", "warp_outputs"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Warped:
    y: FloatArray
    # standard deviations in warped units: the linear better half sets the scale
    stddev_scale: float


def warp_outputs(values: FloatArray) -> Warped:
    n = values.shape[0]
    if n == 0:
        return Warped(np.zeros(0), 1.0)
    # Dividing by the largest magnitude first keeps squares of values near 1e300 finite; ranks
    # and the final standardisation do not change.
    magnitude = float(np.max(np.abs(values)))
    if not np.isfinite(magnitude) or magnitude == 0.0:
        return Warped(np.zeros(n), 1.0)
    values = values / magnitude
    m = float(np.median(values))
    good = values[values >= m]
    s = float(np.sqrt(np.mean((good - m) ** 2))) if good.size else 0.0
    if s <= 0:
        s = float(np.std(values))
    warped = values.astype(np.float64).copy()
    if s > 0:
        q = (stats.rankdata(values) - 0.5) / n
        bad = values < m
        warped[bad] = m + s * stats.norm.ppf(q[bad])
        # the worse half must stay below the median, whatever the quantiles say
        warped[bad] = np.minimum(warped[bad], m)
    sd = float(np.std(warped))
    if not np.isfinite(sd) or sd <= 1e-12 * max(1.0, abs(float(np.mean(warped)))):
        return Warped(np.zeros(n), 1.0)
    return Warped((warped - float(np.mean(warped))) / sd, 1.0 / (sd * magnitude))
