"""Experiments and AI experiments: create/update bodies in (§4.3, §4.4, §5.10), experiment
objects out (§3.6, §3.8, §3.9)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from dialin.domain.asha import AshaConfig
from dialin.domain.checkpoints import KeepPolicy
from dialin.domain.drafts import UNSET, ExperimentDraft, ExperimentPatch, Maybe
from dialin.domain.experiments import (
    Experiment,
    ExperimentDefinition,
    ExperimentState,
    ExperimentType,
    Metadata,
)
from dialin.domain.metadata import check_metadata
from dialin.domain.metrics import Metric
from dialin.domain.names import check_name, invalid
from dialin.domain.observations import Observation
from dialin.domain.parameters import Conditional, Parameter
from dialin.domain.progress import ObservationProgress, RunProgress
from dialin.domain.rules import (
    build_parameter,
    check_conditionals,
    check_definition,
    check_linear_constraints,
    check_metrics,
    check_tasks,
)
from dialin.domain.training_monitor import TrainingMonitor
from dialin.wire.accounts import check_project_id
from dialin.wire.fields import (
    JsonObject,
    expect_bool,
    expect_choice,
    expect_list,
    expect_object,
    expect_positive_integer,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.metrics import (
    parse_metric_patches,
    parse_metrics,
    parse_tasks,
    render_metric,
    render_task,
)
from dialin.wire.observations import render_observation
from dialin.wire.parameters import (
    parse_conditionals,
    parse_linear_constraints,
    parse_parameter_patch,
    render_conditional,
    render_linear_constraint,
    render_parameter,
)
from dialin.wire.render import render_id, render_number, render_struct

__all__ = [
    "parse_experiment_create",
    "parse_experiment_update",
    "render_experiment",
    "render_metric_importances",
    "render_stopping_criteria",
]

EXPERIMENT_TYPES: tuple[ExperimentType, ...] = ("offline", "random", "grid")
STATES: tuple[ExperimentState, ...] = ("active", "deleted")
_SHARED_KEYS = (
    "name",
    "type",
    "metrics",
    "parameters",
    "conditionals",
    "linear_constraints",
    "metadata",
    "num_solutions",
    "parallel_bandwidth",
)
_CORE_KEYS = (*_SHARED_KEYS, "project", "observation_budget", "tasks", "runs_only", "budget")
# early_stopping is dialin's own: ASHA for the experiment's trials, kept in Experiment.extras,
# as are SigOpt's training_monitor (checkpoint limit, convergence criteria) and the checkpoint
# keep policy (checkpoint_storage: save_experiment_best, save_trial_best, save_trial_latest).
_AI_KEYS = (*_SHARED_KEYS, "budget", "early_stopping", "training_monitor", "checkpoint_storage")
_UPDATE_KEYS = (
    "name",
    "state",
    "metadata",
    "parallel_bandwidth",
    "project",
    "observation_budget",
    "budget",
    "parameters",
    "metrics",
    "no_optimize",
)
_FROZEN_KEYS = ("conditionals", "num_solutions", "tasks", "linear_constraints")


def _experiment_name(value: object) -> str:
    return check_name(expect_string(value, "name"), "name", "Experiment")


def _optional_positive(obj: JsonObject, key: str) -> int | None:
    value = obj.get(key)
    return None if value is None else expect_positive_integer(value, key)


def _budget(obj: JsonObject, runs_only: bool) -> tuple[str, int | None]:
    """(the budget key of this kind of experiment, its value); the other key is refused."""
    key, wrong = ("budget", "observation_budget") if runs_only else ("observation_budget", "budget")
    if wrong in obj:
        raise invalid(wrong, f"{wrong} is not a valid field for this experiment: use {key}")
    return key, _optional_positive(obj, key)


def parse_experiment_create(body: Mapping[str, object], *, ai: bool) -> ExperimentDraft:
    """Every create rule of §4.3 (core) or §4.4 (``ai``). The project's existence is checked by
    the caller; an AI experiment's project comes from the URL."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, _AI_KEYS if ai else _CORE_KEYS, "")
    name = _experiment_name(require(obj, "name"))
    experiment_type: ExperimentType = (
        "offline"
        if obj.get("type") is None
        else expect_choice(obj["type"], "type", EXPERIMENT_TYPES)
    )
    runs_only = ai or (
        obj.get("runs_only") is not None and expect_bool(obj["runs_only"], "runs_only")
    )
    conditionals = check_conditionals(parse_conditionals(obj.get("conditionals")))
    parameters = _create_parameters(obj.get("parameters"), experiment_type, conditionals)
    constraints = check_linear_constraints(
        parse_linear_constraints(obj.get("linear_constraints")), parameters
    )
    if ai and obj.get("metrics") is None:
        raise invalid("metrics", "AI experiments must have metrics (metrics)")
    metrics = (
        check_metrics(parse_metrics(obj["metrics"], strings=not ai), names_required=ai)
        if obj.get("metrics") is not None
        else (Metric(name=None),)
    )
    budget_key, budget = _budget(obj, runs_only)
    tasks = () if obj.get("tasks") is None else check_tasks(parse_tasks(obj["tasks"]))
    definition = check_definition(
        ExperimentDefinition(
            type=experiment_type,
            parameters=parameters,
            metrics=metrics,
            conditionals=conditionals,
            linear_constraints=constraints,
            tasks=tasks,
            budget=budget,
            num_solutions=_optional_positive(obj, "num_solutions"),
            parallel_bandwidth=_optional_positive(obj, "parallel_bandwidth"),
        ),
        budget_field=budget_key,
    )
    project = None
    if not ai and obj.get("project") is not None:
        project = check_project_id(obj["project"], "project")
    if runs_only and not ai and project is None:
        raise invalid(
            "project", "Runs-only experiments must be placed in a project: define project"
        )
    extras: dict[str, object] = {}
    if ai and obj.get("early_stopping") is not None:
        extras["early_stopping"] = _early_stopping(obj["early_stopping"], metrics)
    if ai and obj.get("training_monitor") is not None:
        objectives = {m.name: m.objective for m in metrics if m.name is not None}
        monitor = TrainingMonitor.from_json(obj["training_monitor"], objectives)
        extras["training_monitor"] = monitor.to_json()
    if ai and obj.get("checkpoint_storage") is not None:
        policy = expect_object(obj["checkpoint_storage"], "checkpoint_storage")
        keep = KeepPolicy.from_config(policy, prefix="checkpoint_storage.")
        extras["checkpoint_storage"] = keep.to_json()
    return ExperimentDraft(
        name=name,
        definition=definition,
        runs_only=runs_only,
        project=project,
        metadata=check_metadata(obj.get("metadata")),
        extras=extras,
    )


def _early_stopping(value: object, metrics: Sequence[Metric]) -> dict[str, object]:
    """``{type: asha, metric, max_length, reduction_factor?, num_rungs?, time_metric?}``; the
    metric must be one of the experiment's, and its objective sets ``smaller_is_better``."""
    body = dict(expect_object(value, "early_stopping"))
    metric = next((m for m in metrics if m.name == body.get("metric")), None)
    if metric is None:
        raise invalid(
            "early_stopping.metric", "early_stopping.metric must name an experiment metric"
        )
    body.setdefault("smaller_is_better", metric.objective == "minimize")
    return AshaConfig.from_json(body).to_json()


def _create_parameters(
    value: object, experiment_type: ExperimentType, conditionals: Sequence[Conditional]
) -> tuple[Parameter, ...]:
    if value is None:
        raise invalid("parameters", "Experiments must have at least one parameter (parameters)")
    items = expect_list(value, "parameters")
    if not items:
        raise invalid("parameters", "Experiments must have at least one parameter (parameters)")
    conditional_names = {c.name for c in conditionals}
    parameters: list[Parameter] = []
    for i, item in enumerate(items):
        field = f"parameters[{i}]"
        patch = parse_parameter_patch(item, field)
        if any(p.name == patch.name for p in parameters):
            raise invalid(f"{field}.name", f"Duplicate parameter name: {patch.name} ({field})")
        if patch.name in conditional_names:
            raise invalid(
                f"{field}.name", f"Cannot have parameter and conditional both named {patch.name}"
            )
        parameters.append(
            build_parameter(
                patch, field, experiment_type=experiment_type, conditionals=conditionals
            )
        )
    return tuple(parameters)


def parse_experiment_update(body: Mapping[str, object], *, ai: bool) -> ExperimentPatch:
    """The keys of §5.10; ``apply_experiment_patch`` judges them against the stored experiment."""
    obj = expect_object(body, "body")
    for key in _FROZEN_KEYS:
        if key in obj:
            raise invalid(key, f"{key} cannot be updated")
    reject_unknown_keys(obj, _UPDATE_KEYS, "")
    name: Maybe[str] = UNSET
    if "name" in obj:
        name = _experiment_name(require(obj, "name"))
    state: Maybe[ExperimentState] = UNSET
    if obj.get("state") is not None:
        state = expect_choice(obj["state"], "state", STATES)
    metadata: Maybe[Metadata | None] = UNSET
    if "metadata" in obj:
        metadata = check_metadata(obj["metadata"])
    parallel_bandwidth: Maybe[int | None] = UNSET
    if "parallel_bandwidth" in obj:
        parallel_bandwidth = _optional_positive(obj, "parallel_bandwidth")
    project: Maybe[str | None] = UNSET
    if "project" in obj:
        project = None if obj["project"] is None else check_project_id(obj["project"], "project")
    budget: Maybe[int | None] = UNSET
    budget_key, wrong = ("budget", "observation_budget") if ai else ("observation_budget", "budget")
    if wrong in obj:
        raise invalid(wrong, f"{wrong} is not a valid field for this experiment: use {budget_key}")
    if budget_key in obj:
        budget = _optional_positive(obj, budget_key)
    no_optimize = obj.get("no_optimize")
    return ExperimentPatch(
        name=name,
        state=state,
        metadata=metadata,
        parallel_bandwidth=parallel_bandwidth,
        project=project,
        budget=budget,
        parameters=UNSET
        if obj.get("parameters") is None
        else tuple(
            parse_parameter_patch(item, f"parameters[{i}]")
            for i, item in enumerate(expect_list(obj["parameters"], "parameters"))
        ),
        metrics=UNSET if obj.get("metrics") is None else parse_metric_patches(obj["metrics"]),
        no_optimize=False if no_optimize is None else expect_bool(no_optimize, "no_optimize"),
    )


def _render_progress(
    progress: ObservationProgress | RunProgress, definition: ExperimentDefinition
) -> dict[str, object]:
    if isinstance(progress, RunProgress):
        return {
            "object": "progress",
            "finished_run_count": progress.finished_run_count,
            "active_run_count": progress.active_run_count,
            "total_run_count": progress.total_run_count,
            "remaining_budget": progress.remaining_budget,
        }

    def observation(o: Observation | None) -> dict[str, object] | None:
        return None if o is None else render_observation(o, definition)

    return {
        "object": "progress",
        "observation_count": progress.observation_count,
        "observation_budget_consumed": render_number(progress.budget_consumed),
        "first_observation": observation(progress.first),
        "last_observation": observation(progress.last),
        "best_observation": observation(progress.best)
        if len(definition.optimized_metrics) == 1
        else None,
    }


def render_experiment(
    experiment: Experiment, progress: ObservationProgress | RunProgress
) -> dict[str, object]:
    """§3.8 for core experiments, §3.9 (``aiexperiment``) for runs-only ones."""
    definition = experiment.definition
    rendered: dict[str, object] = {
        "object": "aiexperiment" if experiment.runs_only else "experiment",
        "id": render_id(experiment.id),
        "client": render_id(experiment.client_id),
        "user": None,
        "name": experiment.name,
        "type": definition.type,
        "created": int(experiment.created),
        "updated": int(experiment.updated),
        "state": experiment.state,
        "parameters": [render_parameter(p) for p in definition.active_parameters],
        "metrics": [
            render_metric(m) for m in sorted(definition.metrics, key=lambda m: m.name or "")
        ],
        "conditionals": [render_conditional(c) for c in definition.conditionals],
        "linear_constraints": [render_linear_constraint(c) for c in definition.linear_constraints],
        "num_solutions": definition.num_solutions,
        "parallel_bandwidth": definition.parallel_bandwidth,
        "metadata": render_struct(experiment.metadata),
        "project": experiment.project,
        "progress": _render_progress(progress, definition),
        "runs_only": experiment.runs_only,
    }
    if experiment.runs_only:
        rendered["budget"] = definition.budget
        if "early_stopping" in experiment.extras:
            rendered["early_stopping"] = experiment.extras["early_stopping"]
        for key in ("training_monitor", "checkpoint_storage"):
            if key in experiment.extras:
                rendered[key] = experiment.extras[key]
    else:
        rendered["development"] = experiment.development
        rendered["observation_budget"] = definition.budget
        if definition.is_multitask:
            rendered["tasks"] = [
                render_task(t) for t in sorted(definition.tasks, key=lambda t: -t.cost)
            ]
    return rendered


def render_stopping_criteria(should_stop: bool, reasons: Sequence[str]) -> dict[str, object]:
    return {"object": "stopping_criteria", "should_stop": should_stop, "reasons": list(reasons)}


def render_metric_importances(
    metric_name: str | None, importances: Mapping[str, float | None]
) -> dict[str, object]:
    return {
        "object": "metric_importances",
        "metric": metric_name,
        # JSON has no NaN: an importance that could not be computed is null
        "importances": {
            name: value if value is not None and math.isfinite(value) else None
            for name, value in sorted(importances.items())
        },
    }
