"""Measured metric values and tasks of observations (SigOpt §4.6)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import MetricValue, Task
from dialin.domain.names import invalid

__all__ = ["check_task", "check_values"]


def check_values(
    definition: ExperimentDefinition, values: Sequence[MetricValue], field: str = "values"
) -> tuple[MetricValue, ...]:
    """One value per metric (stored metrics included), sorted by metric name.

    A single unnamed value takes the single metric's name.
    """
    metrics = definition.metrics
    if len(values) != len(metrics):
        raise invalid(
            field,
            f"The number of observation values ({field}: {len(values)}) and experiment metrics"
            f" ({len(metrics)}) must be equal.",
        )
    checked: list[MetricValue] = []
    names = {m.name for m in metrics}
    seen: set[str | None] = set()
    for i, value in enumerate(values):
        path = f"{field}[{i}]"
        if not math.isfinite(value.value):
            raise invalid(f"{path}.value", f"{path}.value must be a finite number")
        if value.value_stddev is not None and not (
            math.isfinite(value.value_stddev) and value.value_stddev >= 0
        ):
            raise invalid(
                f"{path}.value_stddev", f"{path}.value_stddev must be a non-negative number"
            )
        if value.name is None and len(metrics) == 1:
            value = replace(value, name=metrics[0].name)
        elif value.name is None:
            raise invalid(
                f"{path}.name",
                f"{path}.name is required: experiments with several metrics need named values",
            )
        if value.name not in names:
            raise invalid(
                f"{path}.name", f"{path}.name: {value.name!r} is not a metric of this experiment"
            )
        if value.name in seen:
            raise invalid(f"{path}.name", f"Duplicate value for metric {value.name} in {field}")
        seen.add(value.name)
        checked.append(value)
    return tuple(sorted(checked, key=lambda v: v.name or ""))


def check_task(
    definition: ExperimentDefinition, task_name: str | None, field: str = "task"
) -> Task | None:
    """The task named ``task_name``; required for multitask experiments, forbidden otherwise."""
    if not definition.is_multitask:
        if task_name is not None:
            raise invalid(field, f"Only multitask experiments should have a task ({field})")
        return None
    if task_name is None:
        raise invalid(field, f"A task ({field}) is required for multitask experiments")
    task = definition.task(task_name)
    if task is None:
        known = ", ".join(t.name for t in definition.tasks)
        raise invalid(
            field, f"Unknown task {task_name!r} ({field}); the experiment's tasks are: {known}"
        )
    return task
