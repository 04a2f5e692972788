"""From observations to fitted GP models, one per modelled metric, with cached hyperparameters.

Symbols: ``rows`` (shape ``(n, n_raw)``) and features ``x`` (``(n, F)``, see ``space``) of the
observations, plus for multitask experiments one more feature column ``t`` in ``[0, 1]``
(``1 + log(cost) / -log(min cost)``: the full-cost task is 1). For one metric ``v`` (``(n,)``,
``nan`` where absent or failed) signed so that larger is better, and ``value_stddev`` ``sd``.

A model of the objective warps its targets (see ``warping``); a model of a constraint metric is
only standardised, so that its threshold maps to model units linearly. Beyond ``MAX_POINTS``
observations a model sees the best quarter and a seeded random rest: posterior cost is
``O(n^2)`` per candidate and the fit ``O(n^3)``.

The cache maps a model slot to ``{"fingerprint", "theta"}``: an unchanged training set reuses
``theta`` as is; a changed one warm-starts the MAP fit from it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.observations import Observation
from dialin.optimizer.gp import GaussianProcess, fit_gp
from dialin.optimizer.space import SearchSpace
from dialin.optimizer.warping import warp_outputs

__all__ = [
    "History",
    "MetricModel",
    "encode_history",
    "fit_metric_model",
    "lengthscale_ceilings",
    "task_feature",
]

FloatArray = NDArray[np.float64]

MAX_POINTS = 256
_NUMERIC_CEILING = 1.0


@dataclass(frozen=True)
class History:
    rows: FloatArray
    x: FloatArray
    failed: NDArray[np.bool_]
    full_cost: NDArray[np.bool_]
    # the longest lengthscale each feature of ``x`` may take (see ``lengthscale_ceilings``)
    ell_ceiling: FloatArray


def task_feature(definition: ExperimentDefinition, cost: float) -> float:
    costs = [t.cost for t in definition.tasks if t.cost > 0]
    low = min(costs) if costs else 1.0
    if low >= 1.0:
        return 1.0
    return float(np.clip(1.0 + math.log(max(cost, low)) / -math.log(low), 0.0, 1.0))


def encode_history(
    space: SearchSpace, observations: Sequence[Observation], rows: FloatArray
) -> History:
    """``rows`` are the observations' raw rows (``space.from_assignments``)."""
    definition = space.definition
    x = space.features(rows)
    costs = np.array([1.0 if o.task is None else o.task.cost for o in observations])
    if definition.is_multitask:
        t = np.array([task_feature(definition, c) for c in costs])
        x = np.hstack([x, t[:, None]])
    failed = np.array([o.failed for o in observations], dtype=bool)
    return History(rows, x, failed, costs >= 1.0, lengthscale_ceilings(space))


def lengthscale_ceilings(space: SearchSpace) -> FloatArray:
    """The longest lengthscale per model feature: a numeric parameter's range (1 in unit
    scale), as SigOpt bounds it; one-hot and task features are not bounded.

    Good points that all share a value of a parameter (often a bound, where an earlier EI
    step left them) do not show what moving it would do, and the fit then makes the parameter
    irrelevant: lengthscales of 4 to 6 unit ranges, a flat EI along it, and every later point
    keeps the shared value. On Hartmann-6, 6 of 10 seeds stalled so, near -3.13 with a
    parameter pinned at 0. On the benchmark's 25 problems (10 seeds), geometric mean regret
    0.057 instead of 0.085 at 40 evaluations and 0.258 instead of 0.305 at 20; with four
    workers 0.087 instead of 0.108 at 40. Bounding one-hot features too lost categorical_table
    (regret 0.049 instead of 0.000 at 40): the model could no longer take two categories
    as alike."""
    ceiling = np.full(space.n_features + (1 if space.definition.is_multitask else 0), np.inf)
    for start, stop, kind in space.feature_blocks():
        if kind in ("double", "int", "grid"):
            ceiling[start:stop] = _NUMERIC_CEILING
    return ceiling


def metric_values(
    observations: Sequence[Observation], name: str | None, sign: float
) -> tuple[FloatArray, FloatArray]:
    """Signed values and their stddevs (0 when not given); ``nan`` values where unusable."""
    values = np.full(len(observations), np.nan)
    sds = np.zeros(len(observations))
    for i, o in enumerate(observations):
        v = None if o.failed else o.value_of(name)
        if v is not None and math.isfinite(v.value):
            values[i] = sign * v.value
            if v.value_stddev is not None and math.isfinite(v.value_stddev):
                sds[i] = abs(v.value_stddev)
    return values, sds


@dataclass(frozen=True)
class MetricModel:
    gp: GaussianProcess
    # raw (signed) value -> model units, exact for unwarped models
    offset: float
    scale: float
    warped: bool
    # training targets in model units, and which training rows they are
    y: FloatArray
    rows: NDArray[np.int64]

    def to_model_units(self, value: float) -> float:
        return (value - self.offset) / self.scale


def fit_metric_model(
    history: History,
    values: FloatArray,
    stddevs: FloatArray,
    *,
    warp: bool,
    slot: str,
    cache: MutableMapping[str, Any] | None,
    rng: np.random.Generator,
    deadline: float,
) -> MetricModel | None:
    """A GP on the rows where ``values`` is finite, or None with fewer than two such rows."""
    x = history.x
    usable = np.nonzero(np.isfinite(values))[0]
    if usable.size < 2:
        return None
    usable = _subsample(usable, values, rng)
    v = values[usable]
    if warp:
        warped = warp_outputs(v)
        y, sd_scale = warped.y, warped.stddev_scale
        offset, scale = _location_scale(v)
    else:
        offset, scale = _location_scale(v)
        y, sd_scale = (v - offset) / scale, 1.0 / scale
    extra = (stddevs[usable] * sd_scale) ** 2
    xs = x[usable]
    fingerprint = hashlib.sha1(b"".join(a.tobytes() for a in (xs, y, extra))).hexdigest()
    entry = cache.get(slot) if cache is not None else None
    theta = None
    if isinstance(entry, dict) and isinstance(entry.get("theta"), list):
        theta = np.asarray(entry["theta"], dtype=np.float64)
    if (
        theta is not None
        and entry is not None
        and entry.get("fingerprint") == fingerprint
        and theta.size == xs.shape[1] + 2
    ):
        gp = GaussianProcess.from_theta(xs, y, extra, theta)
    else:
        gp = fit_gp(
            xs,
            y,
            extra,
            warm_start=theta,
            rng=rng,
            deadline=deadline,
            ell_ceiling=history.ell_ceiling,
        )
    if cache is not None:
        cache[slot] = {"fingerprint": fingerprint, "theta": [float(t) for t in gp.theta]}
    return MetricModel(gp, offset, scale, warp, y, usable)


def _location_scale(v: FloatArray) -> tuple[float, float]:
    # scaled by the largest magnitude first so that the variance of huge values stays finite
    magnitude = float(np.max(np.abs(v)))
    if not math.isfinite(magnitude) or magnitude == 0.0:
        return 0.0, 1.0
    offset = float(np.mean(v / magnitude)) * magnitude
    scale = float(np.std(v / magnitude)) * magnitude
    if not math.isfinite(scale) or scale <= 1e-12 * max(abs(offset), 1e-300):
        return offset, max(magnitude, 1e-300)
    return offset, scale


def _subsample(
    usable: NDArray[np.int64], values: FloatArray, rng: np.random.Generator
) -> NDArray[np.int64]:
    if usable.size <= MAX_POINTS:
        return usable
    order = usable[np.argsort(-values[usable], kind="stable")]
    keep = MAX_POINTS // 4
    rest = rng.choice(order[keep:], MAX_POINTS - keep, replace=False)
    return np.sort(np.concatenate([order[:keep], rest]))
