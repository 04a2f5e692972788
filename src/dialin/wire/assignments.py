"""Assignments and metric values as SigOpt renders them, shared by suggestions, observations
and best assignments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import MetricValue
from dialin.domain.parameters import Value
from dialin.wire.render import render_value

__all__ = ["render_assignments", "render_metric_value", "render_values"]


def render_assignments(
    assignments: Mapping[str, Value], definition: ExperimentDefinition
) -> dict[str, object]:
    """Sorted by name; ints for int parameters. Deleted parameters keep their stored type."""
    parameters = {p.name: p for p in definition.parameters}
    return {
        name: render_value(parameters.get(name), assignments[name]) for name in sorted(assignments)
    }


def render_metric_value(value: MetricValue) -> dict[str, object]:
    return {
        "object": "metric_evaluation",
        "name": value.name,
        "value": value.value,
        "value_stddev": value.value_stddev,
    }


def render_values(values: Sequence[MetricValue]) -> list[dict[str, object]]:
    return [render_metric_value(v) for v in sorted(values, key=lambda v: v.name or "")]
