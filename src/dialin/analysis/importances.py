"""Parameter importances per metric, from a random forest's impurity decrease.

X: (n, d) parameters encoded as numbers (categoricals by enum index, log parameters by log),
y: (n,) the metric's values. Importances are normalised to sum to 1 per metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.observations import Observation
from dialin.domain.parameters import Parameter
from dialin.errors import NotComputable

__all__ = ["MIN_OBSERVATIONS", "importances"]

MIN_OBSERVATIONS = 3


def _encode(parameter: Parameter, value: object) -> float:
    if value is None:
        return -1.0  # inactive conditional parameter: a value no active one takes
    if parameter.type == "categorical":
        names = parameter.active_values
        return float(names.index(str(value))) if value in names else -1.0
    number = float(value)  # type: ignore[arg-type]
    return math.log(number) if parameter.is_log and number > 0 else number


def importances(
    definition: ExperimentDefinition, history: Sequence[Observation]
) -> list[tuple[str | None, dict[str, float]]]:
    parameters = definition.active_parameters
    usable = [o for o in history if not o.failed]
    if len(usable) < MIN_OBSERVATIONS:
        raise NotComputable(
            f"Metric importances need at least {MIN_OBSERVATIONS} successful observations"
        )
    X = np.array([[_encode(p, o.assignments.get(p.name)) for p in parameters] for o in usable])
    result = []
    for metric in definition.metrics:
        rows = [(i, o.value_of(metric.name)) for i, o in enumerate(usable)]
        picked = [(i, v.value) for i, v in rows if v is not None]
        if len(picked) < MIN_OBSERVATIONS:
            continue
        index = [i for i, _ in picked]
        y = np.array([v for _, v in picked])
        if np.ptp(y) == 0:
            scores = np.full(len(parameters), 1.0 / len(parameters))
        else:
            forest = RandomForestRegressor(n_estimators=64, min_samples_leaf=2, random_state=0)
            forest.fit(X[index], y)
            scores = forest.feature_importances_
        result.append(
            (metric.name, {p.name: float(s) for p, s in zip(parameters, scores, strict=True)})
        )
    if not result:
        raise NotComputable("No metric has enough values for importances yet")
    return result
