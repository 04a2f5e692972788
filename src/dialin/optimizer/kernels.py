"""Matérn-5/2 kernel with one lengthscale per input (ARD), and the derivatives the GP needs.

Symbols: inputs ``X`` (shape ``(n, D)``) and ``Y`` (``(m, D)``) in the unit cube, lengthscales
``ell`` (``(D,)``), signal variance ``s2``; ``u = sqrt(5) * r`` with
``r^2 = sum_d (x_d - y_d)^2 / ell_d^2``. Then

    k(x, y)            = s2 (1 + u + u^2 / 3) exp(-u)
    dk / d log ell_d   = s2 (5/3) (1 + u) exp(-u) (x_d - y_d)^2 / ell_d^2
    dk / d x_d         = -s2 (5/3) (1 + u) exp(-u) (x_d - y_d) / ell_d^2

``g = s2 (5/3) (1 + u) exp(-u)`` is the shared factor of both derivatives.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["matern52", "matern52_input_gradient", "scaled_sq_distances"]

FloatArray = NDArray[np.float64]

_SQRT5 = float(np.sqrt(5.0))


def scaled_sq_distances(x: FloatArray, y: FloatArray, ell: FloatArray) -> FloatArray:
    """``r^2`` between every row of ``x`` and of ``y``: shape ``(n, m)``."""
    xs, ys = x / ell, y / ell
    d2: FloatArray = (xs * xs).sum(1)[:, None] + (ys * ys).sum(1)[None, :] - 2.0 * xs @ ys.T
    return np.maximum(d2, 0.0)


def matern52(
    x: FloatArray, y: FloatArray, ell: FloatArray, s2: float
) -> tuple[FloatArray, FloatArray]:
    """The kernel matrix ``k`` and the derivative factor ``g``, both of shape ``(n, m)``."""
    u = _SQRT5 * np.sqrt(scaled_sq_distances(x, y, ell))
    e = s2 * np.exp(-u)
    return e * (1.0 + u + u * u / 3.0), e * (5.0 / 3.0) * (1.0 + u)


def matern52_input_gradient(
    x: FloatArray, y: FloatArray, ell: FloatArray, g: FloatArray
) -> FloatArray:
    """``dk(x_i, y_j) / dx_i``: shape ``(n, m, D)``, from the factor ``g`` of ``matern52``."""
    diff = x[:, None, :] - y[None, :, :]
    grad: FloatArray = -g[:, :, None] * diff / (ell * ell)
    return grad
