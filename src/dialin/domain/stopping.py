"""SigOpt's stopping criteria: budget reached, or possible stagnation."""

from __future__ import annotations

from collections.abc import Sequence

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.observations import Observation
from dialin.domain.scoring import is_eligible

__all__ = ["stopping_reasons"]


def _pareto_front(definition: ExperimentDefinition, history: Sequence[Observation]) -> set[int]:
    metrics = definition.optimized_metrics
    points: list[tuple[int, tuple[float, ...]]] = []
    for o in history:
        if not is_eligible(definition, o):
            continue
        vals = [o.value_of(m.name) for m in metrics]
        if all(v is not None for v in vals):
            points.append(
                (o.id, tuple(m.sign * v.value for m, v in zip(metrics, vals, strict=True) if v))
            )
    front = set()
    for oid, p in points:
        dominated = any(
            all(a >= b for a, b in zip(q, p, strict=True))
            and any(a > b for a, b in zip(q, p, strict=True))
            for _, q in points
        )
        if not dominated:
            front.add(oid)
    return front


def stopping_reasons(definition: ExperimentDefinition, history: Sequence[Observation]) -> list[str]:
    """``history``: the non-deleted observations, oldest first."""
    reasons: list[str] = []
    over_budget = definition.budget is not None and len(history) > definition.budget
    if over_budget:
        reasons.append("observation_budget_reached")
    optimized = definition.optimized_metrics
    window = 5 * len(definition.active_parameters)
    if not optimized or len(history) <= window + 4:
        return reasons
    recent, earlier = history[-window:], history[:-window]
    if len(optimized) == 1:
        metric = optimized[0]

        def signed(o: Observation) -> float:
            v = o.value_of(metric.name)
            # Failed observations count as minus infinity.
            return metric.sign * v.value if v is not None and not o.failed else float("-inf")

        before = sorted((signed(o) for o in earlier), reverse=True)
        fifth_best = before[4] if len(before) >= 5 else float("-inf")
        if max(signed(o) for o in recent) <= fifth_best:
            reasons.append("possible_stagnation")
    elif over_budget and _pareto_front(definition, history) == _pareto_front(definition, earlier):
        reasons.append("possible_stagnation")
    return reasons
