"""Which observations can be "best", and how good they are."""

from __future__ import annotations

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.observations import Observation

__all__ = ["is_eligible", "score"]


def is_eligible(definition: ExperimentDefinition, observation: Observation) -> bool:
    """Not failed, of the full-cost task (multitask), with every metric reported and within its
    threshold."""
    if observation.failed or observation.deleted:
        return False
    if definition.is_multitask and (observation.task is None or observation.task.cost != 1):
        return False
    for metric in definition.metrics:
        if metric.strategy == "store":
            continue
        value = observation.value_of(metric.name)
        if value is None or not metric.satisfies_threshold(value.value):
            return False
    return True


def score(definition: ExperimentDefinition, observation: Observation) -> float | None:
    """The single optimized metric's value signed so larger is better; None when the experiment
    has not exactly one optimized metric or the observation is not eligible."""
    optimized = definition.optimized_metrics
    if len(optimized) != 1 or not is_eligible(definition, observation):
        return None
    value = observation.value_of(optimized[0].name)
    return None if value is None else optimized[0].sign * value.value
