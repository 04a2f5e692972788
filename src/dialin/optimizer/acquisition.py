"""Acquisition functions on GP posteriors, in log space, with gradients.

Symbols: posterior mean ``mu`` and variance ``var`` (shape ``(m,)``), incumbent ``best``;
``sigma = sqrt(var)``, ``z = (mu - best) / sigma``. Expected improvement is
``EI = sigma h(z)`` with ``h(z) = phi(z) + z Phi(z)``; we return
``log EI = log sigma + log h(z)``, computed without underflow for very negative ``z`` through
the scaled complementary error function (``Phi(z) / phi(z) = sqrt(pi/2) erfcx(-z / sqrt 2)``),
as in "Unexpected improvements to expected improvement" (Ament et al., 2023). Its derivative is
``d log h / dz = Phi(z) / h(z)``.

``log_pof`` is the log probability that a Gaussian ``N(mu, var)`` exceeds a threshold.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = ["log_ei", "log_h", "log_pof"]

FloatArray = NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF_PI = math.sqrt(math.pi / 2)
_SQRT2 = math.sqrt(2.0)
# below this z the asymptotic form of log h is exact to double precision
_Z_ASYMPTOTIC = -1e4


def log_h(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``log h(z)`` and its derivative ``Phi(z) / h(z)``."""
    value = np.empty_like(z)
    slope = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    h = special.ndtr(zu) * zu + np.exp(-0.5 * zu * zu - _LOG_SQRT_2PI)
    value[upper] = np.log(h)
    slope[upper] = special.ndtr(zu) / h
    mid = (~upper) & (z >= _Z_ASYMPTOTIC)
    zm = z[mid]
    ratio = _SQRT_HALF_PI * special.erfcx(-zm / _SQRT2)  # Phi / phi
    tail = 1.0 + zm * ratio  # h / phi, in (0, 1)
    tail = np.maximum(tail, 1e-300)
    value[mid] = -0.5 * zm * zm - _LOG_SQRT_2PI + np.log(tail)
    slope[mid] = ratio / tail
    low = z < _Z_ASYMPTOTIC
    zl = z[low]
    value[low] = -0.5 * zl * zl - _LOG_SQRT_2PI - 2.0 * np.log(-zl)
    slope[low] = -zl - 2.0 / zl
    return value, slope


def log_ei(
    mu: FloatArray,
    var: FloatArray,
    best: float,
    dmu: FloatArray | None = None,
    dvar: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """``log EI`` (shape ``(m,)``) and, given ``dmu, dvar`` (``(m, D)``), its gradient."""
    sigma = np.sqrt(var)
    z = (mu - best) / sigma
    log_hz, dlog_hz = log_h(z)
    value = np.log(sigma) + log_hz
    if dmu is None or dvar is None:
        return value, None
    dsigma = dvar / (2.0 * sigma[:, None])
    dz = (dmu - z[:, None] * dsigma) / sigma[:, None]
    return value, dsigma / sigma[:, None] + dlog_hz[:, None] * dz


def log_pof(
    mu: FloatArray,
    var: FloatArray,
    threshold: float,
    dmu: FloatArray | None = None,
    dvar: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """``log P(f >= threshold)`` and its gradient, as in ``log_ei``."""
    sigma = np.sqrt(var)
    z = (mu - threshold) / sigma
    value = special.log_ndtr(z)
    if dmu is None or dvar is None:
        return value, None
    # d log Phi(z) / dz = phi(z) / Phi(z), stable through the same erfcx ratio for z < 0
    inv_mills = np.where(
        z < 0,
        1.0 / (_SQRT_HALF_PI * special.erfcx(-z / _SQRT2)),
        np.exp(-0.5 * z * z - _LOG_SQRT_2PI - special.log_ndtr(z)),
    )
    dsigma = dvar / (2.0 * sigma[:, None])
    dz = (dmu - z[:, None] * dsigma) / sigma[:, None]
    return value, inv_mills[:, None] * dz
