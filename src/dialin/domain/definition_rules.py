"""Rules that tie the parts of an experiment definition together: metrics, tasks, budgets,
conditionals coverage, multisolution."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, Task
from dialin.domain.names import check_name, invalid
from dialin.domain.parameters import Conditional, Parameter

__all__ = [
    "MAX_CONSTRAINT_METRICS",
    "MAX_METRICS",
    "MAX_OPTIMIZED_METRICS",
    "check_definition",
    "check_metrics",
    "check_tasks",
    "grid_size",
]

MAX_METRICS = 50
MAX_OPTIMIZED_METRICS = 2
MAX_CONSTRAINT_METRICS = 4
# Coverage of conditional combinations is a search; past this many steps we give up.
_COVERAGE_SEARCH_LIMIT = 200_000


def check_metrics(
    metrics: Sequence[Metric], field: str = "metrics", *, names_required: bool = False
) -> tuple[Metric, ...]:
    if not metrics:
        raise invalid(field, f"The {field} list must contain a metric")
    if len(metrics) > MAX_METRICS:
        raise invalid(field, f"Cannot have more than {MAX_METRICS} metrics ({field})")
    optimized = [m for m in metrics if m.strategy == "optimize"]
    if len(optimized) > MAX_OPTIMIZED_METRICS:
        raise invalid(
            field,
            f"Experiments must have at most {MAX_OPTIMIZED_METRICS} optimized metrics ({field})",
        )
    if len([m for m in metrics if m.strategy == "constraint"]) > MAX_CONSTRAINT_METRICS:
        raise invalid(
            field,
            f"Experiments must have at most {MAX_CONSTRAINT_METRICS} constraint metrics ({field})",
        )
    checked: list[Metric] = []
    seen: set[str | None] = set()
    for i, metric in enumerate(metrics):
        path = f"{field}[{i}]"
        name = metric.name
        if name is None:
            if names_required or len(metrics) > 1:
                raise invalid(
                    f"{path}.name",
                    f"Metric {path} must have a name (only a sole metric may be unnamed)",
                )
        else:
            name = check_name(name, f"{path}.name", "Metric")
        if name in seen:
            raise invalid(f"{path}.name", f"Duplicate metric name {name} in {field}")
        seen.add(name)
        _check_threshold(metric, path, len(optimized))
        checked.append(replace(metric, name=name))
    if not any(m.strategy in ("optimize", "constraint") for m in checked):
        raise invalid(field, f"Experiments must have optimized or constraint metrics ({field})")
    return tuple(checked)


def _check_threshold(metric: Metric, path: str, optimized_count: int) -> None:
    has = metric.threshold is not None
    if metric.strategy == "optimize" and optimized_count == 1 and has:
        raise invalid(
            f"{path}.threshold",
            f"Thresholds ({path}.threshold) are only supported for experiments with more than one"
            " optimized metric; try strategy constraint instead",
        )
    if metric.strategy == "constraint" and not has:
        raise invalid(
            f"{path}.threshold",
            f"Constraint metrics must have the threshold field defined ({path})",
        )
    if metric.strategy == "store" and has:
        raise invalid(
            f"{path}.threshold",
            f"Thresholds ({path}.threshold) cannot be specified on stored metrics",
        )


def check_tasks(tasks: Sequence[Task], field: str = "tasks") -> tuple[Task, ...]:
    checked: list[Task] = []
    for i, task in enumerate(tasks):
        name = check_name(task.name, f"{field}[{i}].name", "Task")
        if not 0 < task.cost <= 1:
            raise invalid(
                f"{field}[{i}].cost",
                f"Task costs ({field}[{i}].cost) must be positive and less than or equal to 1",
            )
        checked.append(Task(name=name, cost=float(task.cost)))
    if len(checked) < 2:
        raise invalid(field, f"Multitask experiments need at least 2 tasks ({field})")
    if len({t.name for t in checked}) != len(checked):
        raise invalid(field, f"All task names in {field} must be distinct")
    if len({t.cost for t in checked}) != len(checked):
        raise invalid(field, f"All task costs in {field} must be distinct")
    if not any(t.cost == 1 for t in checked):
        raise invalid(field, f"Exactly one task in {field} must have cost 1")
    return tuple(checked)


def grid_size(parameters: Sequence[Parameter]) -> int:
    return math.prod(len(p.grid or ()) for p in parameters if not p.deleted)


def check_definition(
    definition: ExperimentDefinition, *, budget_field: str = "observation_budget"
) -> ExperimentDefinition:
    """The definition with a grid experiment's budget computed; InvalidField if the parts
    contradict each other."""
    optimized = len(definition.optimized_metrics)
    has_constraint_metrics = bool(definition.constraint_metrics)
    multisolution = (definition.num_solutions or 1) > 1
    if definition.type == "grid":
        if definition.conditionals:
            raise invalid("conditionals", "Grid search experiments do not support conditionals")
        computed = grid_size(definition.parameters)
        if definition.budget is not None and definition.budget != computed:
            raise invalid(
                budget_field,
                f"The specified {budget_field} of {definition.budget} does not match the"
                f" computed budget of {computed}",
            )
        definition = replace(definition, budget=computed)
    elif definition.budget is None:
        if optimized > 1:
            _budget_required(budget_field, "more than one optimized metric")
        if has_constraint_metrics:
            _budget_required(budget_field, "constraint metrics")
        if multisolution:
            _budget_required(budget_field, "more than one solution")
        if definition.tasks:
            _budget_required(budget_field, "tasks (multitask)")
    if multisolution:
        if definition.conditionals:
            raise invalid(
                "num_solutions", "Conditional experiments cannot be multisolution (num_solutions)"
            )
        budget, wanted = definition.budget, definition.num_solutions
        if budget is not None and wanted is not None and wanted > budget:
            raise invalid(budget_field, f"{budget_field} needs to be at least num_solutions")
        if optimized != 1:
            raise invalid(
                "num_solutions",
                "Multisolution experiments (num_solutions) require exactly one optimized metric",
            )
    if definition.tasks:
        if optimized > 1:
            raise invalid("tasks", "Experiments cannot have both tasks and two optimized metrics")
        if has_constraint_metrics:
            raise invalid("tasks", "Experiments cannot have both tasks and constraint metrics")
        if multisolution:
            raise invalid("tasks", "Multisolution experiments cannot have tasks")
    _check_conditional_coverage(definition.conditionals, definition.parameters)
    return definition


def _budget_required(budget_field: str, reason: str) -> None:
    raise invalid(budget_field, f"{budget_field} is required for an experiment with {reason}")


def _check_conditional_coverage(
    conditionals: Sequence[Conditional], parameters: Sequence[Parameter]
) -> None:
    """Every combination of conditional values must leave at least one parameter active.

    Depth-first over the conditionals, tracking the parameters still compatible with the partial
    combination: a compatible parameter whose conditions are all decided covers every completion,
    and an empty compatible set is an uncovered combination.
    """
    if not conditionals:
        return
    live = [p for p in parameters if not p.deleted]
    steps = 0

    def covered(depth: int, compatible: list[Parameter]) -> bool:
        nonlocal steps
        steps += 1
        if steps > _COVERAGE_SEARCH_LIMIT:
            raise invalid("conditionals", "Too many combinations of conditionals to check")
        decided = {c.name for c in conditionals[:depth]}
        if any(set(p.conditions) <= decided for p in compatible):
            return True
        if not compatible or depth == len(conditionals):
            return False
        conditional = conditionals[depth]
        for value in conditional.values:
            narrowed = [
                p
                for p in compatible
                if conditional.name not in p.conditions or value in p.conditions[conditional.name]
            ]
            if not covered(depth + 1, narrowed):
                return False
        return True

    if not covered(0, live):
        raise invalid(
            "conditionals", "Need at least one parameter that satisfies each conditional value"
        )
