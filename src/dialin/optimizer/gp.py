"""Gaussian-process regression with a Matérn-5/2 ARD kernel, fitted by MAP under priors.

Symbols: inputs ``X`` (shape ``(n, D)``, unit cube), standardised targets ``y`` (``(n,)``),
known extra noise variances ``e`` (``(n,)``, from ``value_stddev``), hyperparameters
``theta = [log ell_1..log ell_D, log s2, log sn2]`` (``(D + 2,)``): lengthscales, signal and
noise variance. ``K = k(X, X) + diag(sn2 + e)``, ``L`` its lower Cholesky factor, ``c`` a
constant prior mean, ``alpha = K^-1 (y - c)``. Posterior of the latent function at ``x``:
``mean = c + k(x, X) alpha``, ``var = s2 - k(x, X) K^-1 k(X, x)``. Hyperparameters are fitted
with ``c = 0``; ``with_prior_mean`` sets ``c`` afterwards without refitting.

Priors (MAP): ``ell_d ~ LogNormal(sqrt(2) + log(D) / 2, 3)``, the dimension-scaled lengthscale
prior of "vanilla BO" (Hvarfner et al., 2024), which keeps high-dimensional models smooth until
data says otherwise; ``log s2 ~ N(0, 1)``; ``sn2 ~ LogNormal(-4, 1)`` (small but learnable).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, optimize

from dialin.optimizer.kernels import matern52, matern52_input_gradient

__all__ = ["GaussianProcess", "fit_gp", "stop_at"]

FloatArray = NDArray[np.float64]

_LOG_ELL_BOUNDS = (math.log(5e-3), math.log(1e2))
_LOG_S2_BOUNDS = (math.log(1e-2), math.log(1e2))
_LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(2.0))
_LOG_S2_PRIOR = (0.0, 1.0)
_LOG_NOISE_PRIOR = (-4.0, 1.0)
_JITTERS = (0.0, 1e-6, 1e-4, 1e-2)
_FIT_MAX = 128
_FEW_POINTS = 60
_SQRT5 = math.sqrt(5.0)


def _ell_prior(d: int) -> tuple[float, float]:
    return math.sqrt(2.0) + 0.5 * math.log(max(d, 1)), math.sqrt(3.0)


@dataclass(frozen=True)
class GaussianProcess:
    x: FloatArray
    y: FloatArray
    extra_noise: FloatArray
    theta: FloatArray
    chol: FloatArray
    alpha: FloatArray
    prior_mean: float = 0.0

    @property
    def ell(self) -> FloatArray:
        return np.exp(self.theta[:-2])

    @property
    def signal(self) -> float:
        return float(np.exp(self.theta[-2]))

    @property
    def noise(self) -> float:
        return float(np.exp(self.theta[-1]))

    def predict(self, xq: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Latent mean and variance at ``xq`` (``(m, D)``): two arrays of shape ``(m,)``."""
        k, _ = matern52(xq, self.x, self.ell, self.signal)
        v = linalg.solve_triangular(self.chol, k.T, lower=True, check_finite=False)
        var = np.maximum(self.signal - (v * v).sum(0), 1e-12)
        return self.prior_mean + k @ self.alpha, var

    def predict_with_gradient(
        self, xq: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Mean, variance and their gradients at ``xq``: ``(m,)``, ``(m,)``, ``(m, D)`` twice."""
        k, g = matern52(xq, self.x, self.ell, self.signal)
        v = linalg.solve_triangular(self.chol, k.T, lower=True, check_finite=False)
        beta = linalg.solve_triangular(self.chol.T, v, lower=False, check_finite=False)
        dk = matern52_input_gradient(xq, self.x, self.ell, g)
        var = self.signal - (v * v).sum(0)
        dvar = -2.0 * np.einsum("mnd,nm->md", dk, beta)
        floor = var < 1e-12
        dvar[floor] = 0.0
        mean = self.prior_mean + k @ self.alpha
        return mean, np.maximum(var, 1e-12), np.einsum("mnd,n->md", dk, self.alpha), dvar

    @staticmethod
    def from_theta(
        x: FloatArray, y: FloatArray, extra_noise: FloatArray, theta: FloatArray
    ) -> GaussianProcess:
        return _build(x, y, extra_noise, theta)

    def condition_on(self, x_new: FloatArray, y_new: FloatArray) -> GaussianProcess:
        """The same model (same hyperparameters) with extra noise-free-ish observations added:
        used for fantasies of pending points."""
        x = np.vstack([self.x, x_new])
        y = np.concatenate([self.y, y_new])
        extra = np.concatenate([self.extra_noise, np.zeros(len(y_new))])
        return _build(x, y, extra, self.theta, self.prior_mean)

    def with_prior_mean(self, c: float) -> GaussianProcess:
        alpha = linalg.cho_solve((self.chol, True), self.y - c, check_finite=False)
        return replace(self, alpha=alpha, prior_mean=c)


def _build(
    x: FloatArray, y: FloatArray, extra: FloatArray, theta: FloatArray, prior_mean: float = 0.0
) -> GaussianProcess:
    d = x.shape[1]
    ell, s2, sn2 = np.exp(theta[:d]), float(np.exp(theta[d])), float(np.exp(theta[d + 1]))
    k, _ = matern52(x, x, ell, s2)
    chol = _cholesky(k, sn2 + extra, s2)
    alpha = linalg.cho_solve((chol, True), y - prior_mean, check_finite=False)
    return GaussianProcess(x, y, extra, theta, chol, alpha, prior_mean)


def _cholesky(k: FloatArray, diag: FloatArray, s2: float) -> FloatArray:
    # Escalating jitter: near-duplicate inputs with tiny noise make K numerically singular.
    for jitter in _JITTERS:
        try:
            return np.asarray(
                linalg.cholesky(k + np.diag(diag + jitter * s2), lower=True, check_finite=False),
                dtype=np.float64,
            )
        except linalg.LinAlgError:
            continue
    return np.asarray(np.diag(np.sqrt(np.diag(k) + diag + s2)), dtype=np.float64)


def _neg_log_ell_prior(log_ell: FloatArray) -> tuple[float, FloatArray]:
    mu, sd = _ell_prior(log_ell.size)
    value = float(((log_ell - mu) ** 2).sum()) / (2 * sd * sd) + float(log_ell.sum())
    return value, (log_ell - mu) / (sd * sd) + 1.0


def _neg_log_posterior(
    theta: FloatArray, sq_diffs: FloatArray, y: FloatArray, extra: FloatArray
) -> tuple[float, FloatArray]:
    """Negative log posterior and gradient; ``sq_diffs[i, j, d] = (x_id - x_jd)^2``."""
    n, _, d = sq_diffs.shape
    inv_ell2 = np.exp(-2.0 * theta[:d])
    s2, sn2 = float(np.exp(theta[d])), float(np.exp(theta[d + 1]))
    u = _SQRT5 * np.sqrt(np.maximum(sq_diffs @ inv_ell2, 0.0))
    e = s2 * np.exp(-u)
    k = e * (1.0 + u + u * u / 3.0)
    g = e * (5.0 / 3.0) * (1.0 + u)
    kk = k.copy()
    kk[np.diag_indices(n)] += sn2 + extra + 1e-9 * s2
    try:
        chol = linalg.cholesky(kk, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = linalg.cho_solve((chol, True), y, check_finite=False)
    nll = (
        0.5 * float(y @ alpha)
        + float(np.log(np.diag(chol)).sum())
        + 0.5 * n * math.log(2 * math.pi)
    )
    inv, info = linalg.lapack.dpotri(chol, lower=1)
    if info != 0:
        return 1e10, np.zeros_like(theta)
    inv = np.tril(inv) + np.tril(inv, -1).T
    w = np.outer(alpha, alpha) - inv
    grad = np.empty_like(theta)
    grad[:d] = -0.5 * np.tensordot(w * g, sq_diffs, axes=([0, 1], [0, 1])) * inv_ell2
    grad[d] = -0.5 * float((w * k).sum())
    grad[d + 1] = -0.5 * sn2 * float(np.trace(w))
    # Log-normal densities in ell and sn2 themselves (as in BoTorch), hence the "+ theta"
    # Jacobian terms: their modes sit at exp(mu - sd^2), i.e. ell ~ 0.3..1 for D = 2..20.
    prior, prior_grad = _neg_log_ell_prior(theta[:d])
    grad[:d] += prior_grad
    m_s2, sd_s2 = _LOG_S2_PRIOR
    prior += float(theta[d] - m_s2) ** 2 / (2 * sd_s2 * sd_s2)
    grad[d] += (theta[d] - m_s2) / (sd_s2 * sd_s2)
    m_n, sd_n = _LOG_NOISE_PRIOR
    prior += float(theta[d + 1] - m_n) ** 2 / (2 * sd_n * sd_n) + float(theta[d + 1])
    grad[d + 1] += (theta[d + 1] - m_n) / (sd_n * sd_n) + 1.0
    value = nll + prior
    if not math.isfinite(value) or not np.all(np.isfinite(grad)):
        return 1e10, np.zeros_like(theta)
    return value, grad


def fit_gp(
    x: FloatArray,
    y: FloatArray,
    extra_noise: FloatArray | None = None,
    *,
    warm_start: FloatArray | None = None,
    rng: np.random.Generator | None = None,
    deadline: float = math.inf,
    ell_ceiling: FloatArray | None = None,
) -> GaussianProcess:
    """MAP fit by L-BFGS-B from a warm start, or from the prior mode and a random draw.
    ``ell_ceiling`` (``(D,)``, ``inf`` for none) bounds each lengthscale from above."""
    n, d = x.shape
    extra = np.zeros(n) if extra_noise is None else extra_noise
    mu, sd = _ell_prior(d)
    ell_lo, ell_hi = _LOG_ELL_BOUNDS
    ell_bounds = [(ell_lo, ell_hi)] * d
    if ell_ceiling is not None:
        tops = np.log(np.clip(ell_ceiling, math.exp(ell_lo), math.exp(ell_hi)))
        ell_bounds = [(ell_lo, float(top)) for top in tops]
    bounds = [*ell_bounds, _LOG_S2_BOUNDS, _LOG_NOISE_BOUNDS]
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    mode = np.concatenate(
        [
            np.full(d, mu - sd * sd),
            [_LOG_S2_PRIOR[0], _LOG_NOISE_PRIOR[0] - _LOG_NOISE_PRIOR[1] ** 2],
        ]
    )
    # Restarts guard against poor local optima, which matter with little data; with much data
    # the posterior is peaked and a warm start from the last fit lands in the same basin.
    warm = warm_start is not None and warm_start.shape == mode.shape
    starts = [np.clip(warm_start, lo, hi)] if warm and warm_start is not None else []
    if not warm or n <= _FEW_POINTS:
        starts.append(mode)
    if not warm and n <= _FEW_POINTS and rng is not None:
        starts.append(np.concatenate([mode[:d] + rng.standard_normal(d), mode[d:]]))
    fit_rows = _fit_subset(y, rng)
    xf = x[fit_rows]
    sq_diffs = (xf[:, None, :] - xf[None, :, :]) ** 2
    best_theta, best_value = np.clip(starts[0], lo, hi), math.inf
    for i, start in enumerate(starts):
        if i > 0 and time.monotonic() > deadline:
            break
        res = optimize.minimize(
            _neg_log_posterior,
            np.clip(start, lo, hi),
            args=(sq_diffs, y[fit_rows], extra[fit_rows]),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            # hyperparameters need no more precision than this: the posterior barely moves
            options={"maxiter": 50 if warm else 100, "ftol": 1e-7, "gtol": 1e-4},
            callback=stop_at(deadline),
        )
        if math.isfinite(float(res.fun)) and float(res.fun) < best_value:
            best_theta, best_value = np.asarray(res.x, dtype=np.float64), float(res.fun)
    return _build(x, y, extra, best_theta)


def stop_at(deadline: float) -> Callable[[Any], None]:
    """An optimizer callback ending the run (with its best point so far) past ``deadline``."""

    def check(_: Any) -> None:
        if time.monotonic() > deadline:
            raise StopIteration

    return check


def _fit_subset(y: FloatArray, rng: np.random.Generator | None) -> NDArray[np.int64]:
    """Rows to fit hyperparameters on: all of them up to a size, else the best quarter and a
    random rest. The fit costs O(n^3) per step; hyperparameters settle long before n does."""
    n = y.shape[0]
    if n <= _FIT_MAX:
        return np.arange(n)
    order = np.argsort(-y, kind="stable")
    top = order[: _FIT_MAX // 4]
    rest = order[_FIT_MAX // 4 :]
    picker = rng if rng is not None else np.random.default_rng(0)
    chosen = picker.choice(rest, _FIT_MAX - top.size, replace=False)
    return np.sort(np.concatenate([top, chosen]))
