"""The dashboard's analysis JSON: column-wise, so thousands of points stay a small answer."""

from __future__ import annotations

from collections.abc import Sequence

from dialin.analysis.history import Field, HistorySample, Reporter, metric_label
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.names import invalid
from dialin.domain.observations import Observation
from dialin.wire.query import parse_int

__all__ = ["MAX_POINTS_DEFAULT", "parse_max_points", "render_history"]

MAX_POINTS_DEFAULT = 2000
_MAX_POINTS_RANGE = (10, 20000)


def parse_max_points(raw: str | None) -> int:
    number = parse_int("max_points", raw, MAX_POINTS_DEFAULT)
    assert number is not None
    low, high = _MAX_POINTS_RANGE
    if not low <= number <= high:
        raise invalid("max_points", f"max_points must be between {low} and {high}")
    return number


def _column(
    definition: ExperimentDefinition, field: Field, observations: Sequence[Observation]
) -> list[object]:
    if field.kind == "parameter":
        return [o.assignments.get(field.name) for o in observations]
    if field.kind == "metric":
        metric = next(m for m in definition.metrics if metric_label(m) == field.name)
        values = (o.value_of(metric.name) for o in observations)
        return [None if v is None else v.value for v in values]
    return [(o.metadata or {}).get(field.name) for o in observations]


def _reporter(reporter: Reporter) -> dict[str, object]:
    return {
        "key": reporter.key,
        "value": reporter.value,
        "last_reported": reporter.last_reported,
        "observation_count": reporter.observation_count,
        "failed_count": reporter.failed_count,
    }


def render_history(
    definition: ExperimentDefinition, sample: HistorySample, reporters: Sequence[Reporter]
) -> dict[str, object]:
    observations = sample.observations
    plan = sample.plan
    return {
        "object": "analysis",
        "observation_count": plan.total,
        "failed_count": plan.failed_total,
        "sampled": plan.sampled,
        "point_count": len(observations),
        "fields": [
            {"key": f.key, "kind": f.kind, "name": f.name, "type": f.type} for f in sample.fields
        ],
        "points": {
            "number": list(plan.numbers),
            "id": [str(o.id) for o in observations],
            "created": [o.created for o in observations],
            "failed": [o.failed for o in observations],
            "values": {f.key: _column(definition, f, observations) for f in sample.fields},
        },
        "best_so_far": {
            name: {"number": [n for n, _ in steps], "value": [v for _, v in steps]}
            for name, steps in plan.best_so_far.items()
        },
        "reporters": [_reporter(r) for r in reporters],
    }
