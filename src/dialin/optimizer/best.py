"""Best observations (SigOpt ``best_assignments``): one best point, a Pareto front, the points
meeting every threshold, or a diverse set of good points, by the shape of the experiment.

Eligible observations are non-failed, of a full-cost task (or no task), with a finite value for
every optimized and constraint metric, meeting every metric threshold. For ``num_solutions > 1``
the diverse subset is a greedy farthest-point selection in feature space (see ``space``) among the
top ``max(round(0.2 n), num_solutions)``, seeded by the best.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.observations import Observation
from dialin.optimizer.pareto import non_dominated
from dialin.optimizer.space import SearchSpace

__all__ = ["best_observations"]


def best_observations(
    definition: ExperimentDefinition, observations: Sequence[Observation]
) -> list[Observation]:
    scored = [m for m in definition.metrics if m.strategy != "store"]
    eligible = sorted((o for o in observations if _eligible(o, scored)), key=lambda o: o.id)
    optimized = sorted(definition.optimized_metrics, key=_name_key)
    if not optimized:
        constraints = sorted(definition.constraint_metrics, key=_name_key)
        if not constraints:
            return []
        return sorted(eligible, key=lambda o: -_score(o, constraints[0]))
    if len(optimized) >= 2:
        front = _pareto_front(eligible, optimized)
        return sorted(front, key=lambda o: -_score(o, optimized[0]))
    ranked = sorted(eligible, key=lambda o: -_score(o, optimized[0]))
    k = definition.num_solutions or 1
    if k <= 1:
        return ranked[:1]
    pool = ranked[: max(math.floor(0.2 * len(ranked) + 0.5), k)]
    return _diverse(definition, pool, k)


def _name_key(m: Metric) -> str:
    return m.name or ""


def _score(o: Observation, metric: Metric) -> float:
    v = o.value_of(metric.name)
    return -math.inf if v is None else metric.sign * v.value


def _eligible(o: Observation, scored: Sequence[Metric]) -> bool:
    if o.failed or o.deleted or (o.task is not None and o.task.cost != 1):
        return False
    for m in scored:
        v = o.value_of(m.name)
        if v is None or not math.isfinite(v.value) or not m.satisfies_threshold(v.value):
            return False
    return True


def _pareto_front(
    observations: Sequence[Observation], metrics: Sequence[Metric]
) -> list[Observation]:
    if not observations:
        return []
    y = np.array([[_score(o, m) for m in metrics] for o in observations])
    return [o for o, kept in zip(observations, non_dominated(y), strict=True) if kept]


def _diverse(
    definition: ExperimentDefinition, pool: Sequence[Observation], k: int
) -> list[Observation]:
    if len(pool) <= k:
        return list(pool)
    space = SearchSpace(definition)
    z = space.features(space.from_assignments([o.assignments for o in pool]))
    chosen = [0]
    dist = np.linalg.norm(z - z[0], axis=1)
    while len(chosen) < k:
        # argmax takes the first maximum, so ties go to the better-ranked observation
        nxt = int(np.argmax(np.where(np.isin(np.arange(len(pool)), chosen), -1.0, dist)))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(z - z[nxt], axis=1))
    return [pool[i] for i in sorted(chosen)]
