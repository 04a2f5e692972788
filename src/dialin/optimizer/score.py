"""The acquisition score the optimizer maximizes: a sum of log terms over candidate features.

For features ``z`` (shape ``(m, F)``, see ``space``; multitask models get the full-cost task
column ``t = 1`` appended) the score is

    log EI(objective)            when an incumbent exists (the best feasible model target);
                                 with two optimized metrics, log EHVI over the front of the
                                 feasible observations instead (see ``hypervolume``)
    + sum_c log P(c >= tau_c)    per thresholded metric ``c`` (constraint metrics; thresholds
                                 of optimized metrics with two objectives)
    + log p_success              when some evaluations failed (see ``feasibility``)
    + sum_j log(1 - exp(-|z - s_j|^2 / (2 r^2)))
                                 repulsion from solutions ``s_j`` already found, for
                                 experiments that want several diverse solutions

Without an objective ("search" experiments) or without a feasible incumbent, the EI term is
dropped; a search experiment adds the mean log posterior sd of its constraint models so that it
keeps spreading over the feasible region instead of piling onto its safest point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.acquisition import log_ei, log_pof
from dialin.optimizer.feasibility import SuccessModel
from dialin.optimizer.gp import GaussianProcess
from dialin.optimizer.hypervolume import HypervolumeImprovement

__all__ = ["Repulsion", "Score", "ThresholdModel"]

FloatArray = NDArray[np.float64]
Term = Callable[
    [FloatArray, FloatArray, FloatArray | None, FloatArray | None],
    tuple[FloatArray, FloatArray | None],
]


@dataclass(frozen=True)
class ThresholdModel:
    gp: GaussianProcess
    threshold: float  # model units


@dataclass(frozen=True)
class Repulsion:
    centres: FloatArray  # (k, F) features of the solutions to keep away from
    radius: float

    def __call__(self, z: FloatArray, grad: bool) -> tuple[FloatArray, FloatArray | None]:
        diff = z[:, None, :] - self.centres[None, :, :]
        q = (diff * diff).sum(-1) / (2.0 * self.radius**2)
        near = np.exp(-q)
        value = np.log1p(-np.minimum(near, 1.0 - 1e-12)).sum(1)
        if not grad:
            return value, None
        weight = near / np.maximum(1.0 - near, 1e-12) / self.radius**2
        return value, (weight[:, :, None] * diff).sum(1)


@dataclass(frozen=True)
class Score:
    objective: GaussianProcess | None
    incumbent: float | None
    thresholds: Sequence[ThresholdModel]
    success: SuccessModel | None
    task_column: bool
    repulsion: Repulsion | None = None
    # two optimized metrics: expected hypervolume improvement replaces EI
    hypervolume: HypervolumeImprovement | None = None

    def __call__(self, z: FloatArray, grad: bool = False) -> tuple[FloatArray, FloatArray | None]:
        x = np.hstack([z, np.ones((z.shape[0], 1))]) if self.task_column else z
        total = np.zeros(x.shape[0])
        total_grad = np.zeros_like(x) if grad else None
        parts: list[tuple[FloatArray, FloatArray | None]] = []
        if self.hypervolume is not None:
            parts.append(self.hypervolume(x, grad))
        elif self.objective is not None and self.incumbent is not None:
            best = self.incumbent
            parts.append(
                _on(self.objective, x, grad, lambda m, v, dm, dv: log_ei(m, v, best, dm, dv))
            )
        for t in self.thresholds:
            parts.append(_on(t.gp, x, grad, _pof_term(t.threshold)))
        if self.objective is None and self.thresholds:
            spreads = [_on(t.gp, x, grad, _log_sd) for t in self.thresholds]
            k = float(len(spreads))
            parts.extend((v / k, None if g is None else g / k) for v, g in spreads)
        if self.success is not None:
            parts.append(self.success.log_probability(x, grad))
        if self.repulsion is not None:
            value, g = self.repulsion(z, grad)
            if g is not None and self.task_column:
                g = np.hstack([g, np.zeros((g.shape[0], 1))])
            parts.append((value, g))
        for value, g in parts:
            total += value
            if total_grad is not None and g is not None:
                total_grad += g
        if total_grad is not None and self.task_column:
            total_grad = total_grad[:, :-1]
        return total, total_grad


def _pof_term(threshold: float) -> Term:
    def term(
        m: FloatArray, v: FloatArray, dm: FloatArray | None, dv: FloatArray | None
    ) -> tuple[FloatArray, FloatArray | None]:
        return log_pof(m, v, threshold, dm, dv)

    return term


def _log_sd(
    m: FloatArray, v: FloatArray, dm: FloatArray | None, dv: FloatArray | None
) -> tuple[FloatArray, FloatArray | None]:
    return 0.5 * np.log(v), None if dv is None else 0.5 * dv / v[:, None]


def _on(
    gp: GaussianProcess, x: FloatArray, grad: bool, term: Term
) -> tuple[FloatArray, FloatArray | None]:
    if grad:
        m, v, dm, dv = gp.predict_with_gradient(x)
        value, g = term(m, v, dm, dv)
        return np.asarray(value), g
    m, v = gp.predict(x)
    value, _ = term(m, v, None, None)
    return np.asarray(value), None
