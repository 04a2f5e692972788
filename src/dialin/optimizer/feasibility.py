"""Probability that an evaluation at ``x`` succeeds (does not fail), from past failures.

A kernel-smoothed Beta estimate: with ``s_i`` = 1 for a success and 0 for a failure at
``x_i`` (``(n, D)``) and weights ``w_i(x) = k(x, x_i) / s2`` (the objective model's Matérn
kernel as a correlation, lengthscales ``ell``),

    p(x) = (a + sum_i w_i s_i) / (a + b + sum_i w_i),

where the prior ``a, b`` has the overall success rate as its mean and a weight of two points.
Far from data ``p`` is that rate; next to a failure it drops. Smooth, with closed-form
gradient, and cheap enough to score thousands of candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.kernels import matern52, matern52_input_gradient

__all__ = ["SuccessModel"]

FloatArray = NDArray[np.float64]

_PRIOR_WEIGHT = 2.0


@dataclass(frozen=True)
class SuccessModel:
    x: FloatArray
    succeeded: FloatArray
    ell: FloatArray

    @property
    def _prior(self) -> tuple[float, float]:
        rate = (float(self.succeeded.sum()) + 1.0) / (self.succeeded.size + 2.0)
        return _PRIOR_WEIGHT * rate, _PRIOR_WEIGHT * (1.0 - rate)

    def log_probability(
        self, xq: FloatArray, grad: bool = False
    ) -> tuple[FloatArray, FloatArray | None]:
        """``log p`` at ``xq`` (``(m,)``) and its gradient (``(m, D)``) when asked."""
        a0, b0 = self._prior
        w, g = matern52(xq, self.x, self.ell, 1.0)
        num = a0 + w @ self.succeeded
        den = a0 + b0 + w.sum(1)
        value = np.log(num) - np.log(den)
        if not grad:
            return value, None
        dw = matern52_input_gradient(xq, self.x, self.ell, g)
        dnum = np.einsum("mnd,n->md", dw, self.succeeded)
        dden = dw.sum(1)
        return value, dnum / num[:, None] - dden / den[:, None]
