"""Expected hypervolume improvement for two optimized metrics, in closed form, in log space.

Symbols (both metrics in model units, larger is better): the Pareto front of the eligible
observations ``p_1..p_n`` sorted by the first metric, descending (so the second ascends); a
reference point ``r`` below every point. The region the front dominates is a staircase: over
the strip ``L_i < y_1 <= U_i`` its height is ``H_i``, with

    strip 0:  (p_1,1, +inf)   height r_2
    strip i:  (p_i+1,1, p_i,1] height p_i,2    (i = 1..n-1)
    strip n:  (r_1, p_n,1]    height p_n,2

so a new point ``y`` adds ``HVI(y) = sum_i (min(y_1, U_i) - L_i)_+ (y_2 - H_i)_+``. With
independent posteriors ``Y_k ~ N(mu_k, s_k^2)`` the expectation factorises per strip:

    E[(Y_2 - H)_+]              = s_2 h((mu_2 - H) / s_2)
    E[(min(Y_1, U) - L)_+]      = s_1 (h((mu_1 - L) / s_1) - h((mu_1 - U) / s_1))

with ``h(z) = phi(z) + z Phi(z)`` (as in ``acquisition``), ``dh/dz = Phi(z)``; the derivatives of
``s h(z)`` are ``Phi(z)`` in ``mu`` and ``phi(z)`` in ``s``. EHVI is a sum of such products; its
log is taken with logsumexp over strips, and every factor is computed from ``log h`` so that
points far below the front keep a finite score and a useful gradient (as log EI does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from dialin.optimizer.acquisition import log_h
from dialin.optimizer.gp import GaussianProcess
from dialin.optimizer.pareto import non_dominated

__all__ = ["HypervolumeImprovement", "pareto_front", "reference_point"]

FloatArray = NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# the reference point sits this fraction of each metric's range below its worst value
_REFERENCE_MARGIN = 0.1
_FAR = 1e6


def pareto_front(y: FloatArray) -> FloatArray:
    """The non-dominated rows of ``y`` (``(n, 2)``, larger is better), each once, sorted by
    the first column descending (so the second ascends)."""
    front = np.unique(y[non_dominated(y)], axis=0).reshape(-1, 2)
    return front[np.argsort(-front[:, 0], kind="stable")]


def reference_point(front: FloatArray, y: FloatArray) -> FloatArray:
    """Just below the front's worst corner (its nadir), by a tenth of the front's extent in each
    metric; a front of one point takes the extent of all values ``y`` (``(n, 2)``). A far
    reference would reward stretching the front's ends towards values nobody wants."""
    source = front if front.shape[0] > 1 else y
    lo, hi = source.min(0), source.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    nadir = front.min(0) if front.shape[0] else y.min(0)
    return np.asarray(nadir - _REFERENCE_MARGIN * span, dtype=np.float64)


@dataclass(frozen=True)
class HypervolumeImprovement:
    first: GaussianProcess
    second: GaussianProcess
    lower: FloatArray  # L_i: (s,)
    upper: FloatArray  # U_i: (s,)
    height: FloatArray  # H_i: (s,)

    @staticmethod
    def over(
        first: GaussianProcess, second: GaussianProcess, front: FloatArray, ref: FloatArray
    ) -> HypervolumeImprovement:
        """The score term for models of the two metrics, the front and the reference point."""
        xs = front[:, 0]
        # Strip 0 is unbounded above; a bound far beyond any target (targets are standardised)
        # makes its h(z_u) exactly 0 without infinities in the gradient.
        upper = np.concatenate([[max([float(ref[0]), *xs]) + _FAR], xs])
        lower = np.concatenate([xs, [ref[0]]])
        height = np.concatenate([[ref[1]], front[:, 1]])
        return HypervolumeImprovement(first, second, lower, upper, height)

    def __call__(self, x: FloatArray, grad: bool) -> tuple[FloatArray, FloatArray | None]:
        if grad:
            mu1, var1, dmu1, dvar1 = self.first.predict_with_gradient(x)
            mu2, var2, dmu2, dvar2 = self.second.predict_with_gradient(x)
        else:
            (mu1, var1), (mu2, var2) = self.first.predict(x), self.second.predict(x)
        s1, s2 = np.sqrt(var1), np.sqrt(var2)
        # width factor A = s1 (h(zl) - h(zu)), height factor B = s2 h(zh); shapes (m, strips)
        zl = (mu1[:, None] - self.lower[None, :]) / s1[:, None]
        zu = (mu1[:, None] - self.upper[None, :]) / s1[:, None]
        zh = (mu2[:, None] - self.height[None, :]) / s2[:, None]
        log_hl, ratio_l = log_h(zl)
        log_hu, ratio_u = log_h(zu)
        log_hh, ratio_h = log_h(zh)
        # hu / hl in (0, 1): U > L
        shrink = np.exp(np.minimum(log_hu - log_hl, 0.0))
        log_width = np.log(s1)[:, None] + log_hl + np.log1p(-np.minimum(shrink, 1.0 - 1e-16))
        log_terms = log_width + np.log(s2)[:, None] + log_hh
        value = special.logsumexp(log_terms, axis=1)
        if not grad:
            return value, None
        weights = np.exp(log_terms - value[:, None])
        # d log A / d mu1 = (Phi(zl) - Phi(zu)) / A and d log A / d s1 = (phi(zl) - phi(zu)) / A,
        # both scaled by hl to stay finite: Phi/h is ``ratio`` and phi/h = 1 / (h/phi)
        one_minus = 1.0 - shrink
        dmu_width = (ratio_l - ratio_u * shrink) / (s1[:, None] * one_minus)
        ds_width = (_phi_over_h(zl, log_hl) - _phi_over_h(zu, log_hu) * shrink) / (
            s1[:, None] * one_minus
        )
        dmu_height = ratio_h / s2[:, None]
        ds_height = _phi_over_h(zh, log_hh) / s2[:, None]
        d_mu1 = (weights * dmu_width).sum(1)
        d_s1 = (weights * ds_width).sum(1)
        d_mu2 = (weights * dmu_height).sum(1)
        d_s2 = (weights * ds_height).sum(1)
        # ds/dx = dvar / (2 s)
        gradient = (
            d_mu1[:, None] * dmu1
            + (d_s1 / (2.0 * s1))[:, None] * dvar1
            + d_mu2[:, None] * dmu2
            + (d_s2 / (2.0 * s2))[:, None] * dvar2
        )
        return value, gradient


def _phi_over_h(z: FloatArray, log_h_z: FloatArray) -> FloatArray:
    """``phi(z) / h(z)``: finite everywhere (about ``z^2`` in the far lower tail)."""
    ratio: FloatArray = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_h_z)
    return ratio
