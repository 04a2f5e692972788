"""What an experiment update may change (SigOpt §5.10), applied to a stored experiment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dialin.domain.definition_rules import check_definition, check_metrics
from dialin.domain.drafts import UNSET, ExperimentPatch, MetricPatch, ParameterPatch
from dialin.domain.experiments import Experiment, ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.names import invalid
from dialin.domain.parameter_rules import build_parameter
from dialin.domain.parameters import Parameter

__all__ = ["apply_experiment_patch"]


def apply_experiment_patch(experiment: Experiment, patch: ExperimentPatch) -> Experiment:
    """The experiment after ``patch``; InvalidField when the patch breaks an update rule.

    ``updated`` is left alone: the caller owns the clock.
    """
    definition = experiment.definition
    budget_field = "budget" if experiment.runs_only else "observation_budget"
    if patch.budget is not UNSET:
        reason = _budget_frozen_reason(definition)
        if reason:
            raise invalid(budget_field, f"{budget_field} cannot be updated for {reason}")
        definition = replace(definition, budget=patch.budget)
    if patch.parallel_bandwidth is not UNSET:
        definition = replace(definition, parallel_bandwidth=patch.parallel_bandwidth)
    if patch.parameters is not UNSET:
        definition = replace(
            definition, parameters=_updated_parameters(definition, patch.parameters)
        )
    if patch.metrics is not UNSET:
        definition = replace(
            definition, metrics=_updated_metrics(definition.metrics, patch.metrics)
        )
    if definition is not experiment.definition:
        definition = check_definition(definition, budget_field=budget_field)
    result = replace(experiment, definition=definition)
    if patch.name is not UNSET:
        result = replace(result, name=patch.name)
    if patch.state is not UNSET:
        result = replace(result, state=patch.state)
    if patch.metadata is not UNSET:
        result = replace(result, metadata=patch.metadata)
    if patch.project is not UNSET:
        if experiment.runs_only and patch.project is None:
            raise invalid("project", "This experiment cannot be removed from its project")
        if experiment.runs_only and patch.project != experiment.project:
            raise invalid("project", "This experiment's project cannot be changed")
        result = replace(result, project=patch.project)
    return result


def _budget_frozen_reason(definition: ExperimentDefinition) -> str | None:
    if definition.type == "grid":
        return "experiments of type grid"
    if len(definition.optimized_metrics) > 1:
        return "experiments with more than one optimized metric"
    if (definition.num_solutions or 1) > 1:
        return "experiments with more than one solution"
    return None


def _updated_parameters(
    definition: ExperimentDefinition, patches: Sequence[ParameterPatch]
) -> tuple[Parameter, ...]:
    if definition.type == "grid":
        raise invalid("parameters", "Parameters cannot be updated for experiments of type grid")
    if definition.linear_constraints:
        raise invalid(
            "parameters", "Parameters cannot be updated for experiments with linear constraints"
        )
    if not patches:
        raise invalid("parameters", "Experiments must have at least one parameter")
    stored = {p.name: p for p in definition.parameters}
    conditional_names = {c.name for c in definition.conditionals}
    updated: dict[str, Parameter] = {}
    for i, patch in enumerate(patches):
        field = f"parameters[{i}]"
        if patch.name in updated:
            raise invalid(f"{field}.name", f"Duplicate parameter name: {patch.name} ({field})")
        if patch.name in conditional_names:
            raise invalid(
                f"{field}.name", f"Cannot have parameter and conditional both named {patch.name}"
            )
        updated[patch.name] = build_parameter(
            patch,
            field,
            experiment_type=definition.type,
            conditionals=definition.conditionals,
            stored=stored.get(patch.name),
            updating=True,
        )
    omitted = tuple(
        replace(p, deleted=True) for p in definition.parameters if p.name not in updated
    )
    return tuple(updated.values()) + omitted


def _updated_metrics(
    stored: Sequence[Metric], patches: Sequence[MetricPatch]
) -> tuple[Metric, ...]:
    if len(patches) != len(stored):
        raise invalid("metrics", "Changing the number of metrics is forbidden (metrics)")
    by_name = {m.name: m for m in stored}
    result: list[Metric] = []
    for i, patch in enumerate(patches):
        field = f"metrics[{i}]"
        if patch.name is UNSET:
            if len(stored) > 1:
                raise invalid(
                    f"{field}.name",
                    f"{field}.name must be given in experiments with more than one metric",
                )
            name = stored[0].name
        else:
            name = patch.name
        metric = by_name.get(name)
        if metric is None:
            raise invalid(f"{field}.name", f"Changing the name of a metric is forbidden ({field})")
        if patch.objective is not UNSET and patch.objective != metric.objective:
            raise invalid(
                f"{field}.objective", f"Changing the objective of a metric is forbidden ({field})"
            )
        if patch.strategy is not UNSET and patch.strategy != metric.strategy:
            raise invalid(
                f"{field}.strategy", f"Changing the strategy of a metric is forbidden ({field})"
            )
        if patch.threshold is not UNSET:
            metric = replace(metric, threshold=patch.threshold)
        result.append(metric)
    if len({m.name for m in result}) != len(result):
        raise invalid("metrics", "Each metric must be given once (metrics)")
    # Re-check threshold rules on the result, in the stored order.
    updated = {m.name: m for m in result}
    return check_metrics([updated[m.name] for m in stored])
