"""Observations: request bodies in (§4.6), observation and best-assignment objects out (§3.11,
§3.13)."""

from __future__ import annotations

from collections.abc import Mapping

from dialin.domain.drafts import UNSET, Maybe, ObservationDraft, ObservationPatch, ValuePatch
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metadata import check_metadata
from dialin.domain.metrics import MetricValue
from dialin.domain.names import invalid
from dialin.domain.observations import Observation
from dialin.domain.parameters import Assignments
from dialin.domain.rules import check_assignments, check_task, check_values
from dialin.wire.assignments import render_assignments, render_values
from dialin.wire.fields import (
    JsonObject,
    child,
    expect_bool,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
)
from dialin.wire.metrics import render_task
from dialin.wire.render import render_id, render_struct
from dialin.wire.suggestions import parse_suggestion_id, parse_task_name

__all__ = [
    "MAX_BATCH_OBSERVATIONS",
    "batch_is_dry_run",
    "merge_observation_patch",
    "parse_observation_batch",
    "parse_observation_create",
    "parse_observation_update",
    "render_best_assignments",
    "render_observation",
]

MAX_BATCH_OBSERVATIONS = 2500
_KEYS = (
    "suggestion",
    "assignments",
    "values",
    "failed",
    "metadata",
    "task",
    "no_optimize",
    # legacy single-metric shape, accepted by dialin (not by the reference server)
    "value",
    "value_stddev",
)
_VALUE_KEYS = ("name", "value", "value_stddev", "object")


def _legacy_value(
    obj: JsonObject, prefix: str, definition: ExperimentDefinition
) -> tuple[object, object] | None:
    """Top-level ``value``/``value_stddev``: only for single-metric experiments, never with
    ``values``."""
    value, stddev = obj.get("value"), obj.get("value_stddev")
    if value is None and stddev is None:
        return None
    culprit = child(prefix, "value" if value is not None else "value_stddev")
    if obj.get("values") is not None:
        raise invalid(
            culprit, f"{culprit} cannot be combined with values: give value_stddev inside values"
        )
    if len(definition.metrics) != 1:
        raise invalid(
            culprit, f"{culprit} is only accepted for single-metric experiments: use values"
        )
    return value, stddev


def _stddev(value: object, field: str) -> float | None:
    if value is None:
        return None
    number = float(expect_number(value, field))
    if number < 0:
        raise invalid(field, f"Invalid value for {field}: {number} - must be at least 0")
    return number


def _parse_values(value: object, field: str) -> tuple[MetricValue, ...]:
    values: list[MetricValue] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = expect_object(item, path)
        reject_unknown_keys(obj, _VALUE_KEYS, path)
        raw = obj.get("value")
        if raw is None:
            raise invalid(child(path, "value"), f"Missing required json key 'value' in {path}")
        name = obj.get("name")
        values.append(
            MetricValue(
                name=None if name is None else expect_string(name, child(path, "name")),
                value=float(expect_number(raw, child(path, "value"))),
                value_stddev=_stddev(obj.get("value_stddev"), child(path, "value_stddev")),
            )
        )
    return tuple(values)


def _parse_observation(
    body: Mapping[str, object], definition: ExperimentDefinition, prefix: str
) -> ObservationDraft:
    obj = expect_object(body, prefix or "body")
    reject_unknown_keys(obj, _KEYS, prefix)
    suggestion = obj.get("suggestion")
    assignments = obj.get("assignments")
    if (suggestion is None) == (assignments is None):
        culprit = child(prefix, "suggestion" if suggestion is None else "assignments")
        raise invalid(culprit, f"Must provide exactly one of suggestion, assignments ({culprit})")
    failed = obj.get("failed")
    failed = False if failed is None else expect_bool(failed, child(prefix, "failed"))
    legacy = _legacy_value(obj, prefix, definition)
    values: tuple[MetricValue, ...] = ()
    if obj.get("values") is not None:
        values = _parse_values(obj["values"], child(prefix, "values"))
    elif legacy is not None:
        value, stddev = legacy
        if value is None:
            raise invalid(
                child(prefix, "value"), f"Missing {child(prefix, 'value')} for value_stddev"
            )
        values = (
            MetricValue(
                name=None,
                value=float(expect_number(value, child(prefix, "value"))),
                value_stddev=_stddev(stddev, child(prefix, "value_stddev")),
            ),
        )
    values_field = child(prefix, "values")
    if failed and values:
        raise invalid(
            values_field, f"Cannot provide values ({values_field}) if observation has failed"
        )
    if not failed:
        if not values:
            raise invalid(
                values_field,
                f"Missing required json key {values_field!r}: observations that have not failed"
                " need values",
            )
        values = check_values(definition, values, values_field)
    task_field = child(prefix, "task")
    task_name = parse_task_name(obj.get("task"), task_field)
    checked: dict[str, float | int | str] | None = None
    suggestion_id: int | None = None
    if suggestion is not None:
        suggestion_id = parse_suggestion_id(suggestion, child(prefix, "suggestion"))
        if task_name is not None:
            if not definition.is_multitask:
                check_task(definition, task_name, task_field)
            raise invalid(
                task_field, f"Cannot provide {task_field} with a suggestion: its task is used"
            )
    else:
        assignments_field = child(prefix, "assignments")
        checked = check_assignments(
            definition, expect_object(assignments, assignments_field), assignments_field
        )
        if definition.is_multitask or task_name is not None:
            check_task(definition, task_name, task_field)
    no_optimize = obj.get("no_optimize")
    return ObservationDraft(
        suggestion_id=suggestion_id,
        assignments=checked,
        values=values,
        failed=failed,
        metadata=check_metadata(obj.get("metadata"), child(prefix, "metadata")),
        task_name=task_name,
        no_optimize=False
        if no_optimize is None
        else expect_bool(no_optimize, child(prefix, "no_optimize")),
    )


def parse_observation_create(
    body: Mapping[str, object], definition: ExperimentDefinition
) -> ObservationDraft:
    """Validated against ``definition``: assignments, values and task. Whether the suggestion
    exists is the caller's business."""
    return _parse_observation(body, definition, "")


def parse_observation_batch(
    body: Mapping[str, object], definition: ExperimentDefinition
) -> tuple[list[ObservationDraft], bool]:
    """(drafts, no_optimize); one bad item rejects the whole batch."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("observations", "no_optimize", "dry_run"), "")
    raw = obj.get("observations")
    if raw is None:
        raise invalid("observations", "Missing required json key 'observations'")
    items = expect_list(raw, "observations")
    if len(items) > MAX_BATCH_OBSERVATIONS:
        raise invalid(
            "observations",
            f"You cannot upload more than {MAX_BATCH_OBSERVATIONS} observations at once"
            " (observations); split them into several calls",
        )
    drafts = [
        _parse_observation(
            expect_object(item, f"observations[{i}]"), definition, f"observations[{i}]"
        )
        for i, item in enumerate(items)
    ]
    no_optimize = obj.get("no_optimize")
    flag = False if no_optimize is None else expect_bool(no_optimize, "no_optimize")
    # The reference skips the refit as well when every item asks for it.
    return drafts, flag or (bool(drafts) and all(d.no_optimize for d in drafts))


def batch_is_dry_run(body: Mapping[str, object]) -> bool:
    """``dry_run: true`` on a batch: validate and answer, store nothing."""
    raw = body.get("dry_run")
    return False if raw is None else expect_bool(raw, "dry_run")


def _parse_value_patches(value: object, field: str) -> tuple[ValuePatch, ...]:
    patches: list[ValuePatch] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = expect_object(item, path)
        reject_unknown_keys(obj, _VALUE_KEYS, path)
        name = obj.get("name")
        raw = obj.get("value")
        stddev: Maybe[float | None] = UNSET
        if "value_stddev" in obj:
            stddev = _stddev(obj["value_stddev"], child(path, "value_stddev"))
        patches.append(
            ValuePatch(
                name=None if name is None else expect_string(name, child(path, "name")),
                value=UNSET if raw is None else float(expect_number(raw, child(path, "value"))),
                value_stddev=stddev,
            )
        )
    return tuple(patches)


def parse_observation_update(
    body: Mapping[str, object], definition: ExperimentDefinition
) -> ObservationPatch:
    """Partial: absent keys keep the stored data; ``merge_observation_patch`` re-checks."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, _KEYS, "")
    suggestion: Maybe[int | None] = UNSET
    if "suggestion" in obj:
        raw = obj["suggestion"]
        suggestion = None if raw is None else parse_suggestion_id(raw, "suggestion")
    assignments: Maybe[Assignments | None] = UNSET
    if "assignments" in obj:
        raw = obj["assignments"]
        assignments = (
            None
            if raw is None
            else check_assignments(definition, expect_object(raw, "assignments"), "assignments")
        )
    values: Maybe[tuple[ValuePatch, ...] | None] = UNSET
    if "values" in obj:
        values = None if obj["values"] is None else _parse_value_patches(obj["values"], "values")
    legacy = _legacy_value(obj, "", definition)
    if legacy is not None:
        value, stddev = legacy
        values = (
            ValuePatch(
                name=None,
                value=UNSET if value is None else float(expect_number(value, "value")),
                value_stddev=_stddev(stddev, "value_stddev") if "value_stddev" in obj else UNSET,
            ),
        )
    failed: Maybe[bool] = UNSET
    if obj.get("failed") is not None:
        failed = expect_bool(obj["failed"], "failed")
    task: Maybe[str | None] = UNSET
    if "task" in obj:
        task = parse_task_name(obj["task"], "task")
        if task is not None:
            check_task(definition, task)
        elif not definition.is_multitask:
            raise invalid("task", "Only multitask experiments should have a task (task)")
    metadata = UNSET if "metadata" not in obj else check_metadata(obj["metadata"])
    no_optimize = obj.get("no_optimize")
    return ObservationPatch(
        suggestion_id=suggestion,
        assignments=assignments,
        values=values,
        failed=failed,
        metadata=metadata,
        task_name=task,
        no_optimize=False if no_optimize is None else expect_bool(no_optimize, "no_optimize"),
    )


def merge_observation_patch(
    observation: Observation, patch: ObservationPatch, definition: ExperimentDefinition
) -> ObservationDraft:
    """The observation after a PUT, re-checked as a whole (failed xor values, one of
    suggestion/assignments, task)."""
    suggestion_id, assignments = _merged_source(observation, patch)
    task_name: str | None = observation.task.name if observation.task is not None else None
    if patch.task_name is not UNSET:
        if suggestion_id is not None and patch.suggestion_id is not UNSET:
            raise invalid("task", "Cannot provide task when changing the suggestion (task)")
        task_name = patch.task_name
    if suggestion_id is None and definition.is_multitask:
        check_task(definition, task_name)
    failed = observation.failed if patch.failed is UNSET else patch.failed
    values = _merged_values(observation, patch, definition, failed)
    if failed and values:
        raise invalid("values", "Cannot provide values (values) if observation has failed")
    if not failed:
        if not values:
            raise invalid(
                "values", "Observations must either have values or failed == true (values)"
            )
        values = check_values(definition, values)
    return ObservationDraft(
        suggestion_id=suggestion_id,
        assignments=assignments,
        values=values,
        failed=failed,
        metadata=observation.metadata if patch.metadata is UNSET else patch.metadata,
        task_name=task_name,
        no_optimize=patch.no_optimize,
    )


def _merged_source(
    observation: Observation, patch: ObservationPatch
) -> tuple[int | None, Assignments | None]:
    suggestion_id = observation.suggestion_id
    assignments: Assignments | None = observation.assignments if suggestion_id is None else None
    if patch.suggestion_id is not UNSET and patch.assignments is not UNSET:
        suggestion_id, assignments = patch.suggestion_id, patch.assignments
    elif patch.suggestion_id is not UNSET:
        # naming a suggestion replaces explicit assignments; null keeps the stored point
        suggestion_id = patch.suggestion_id
        assignments = observation.assignments if suggestion_id is None else None
    elif patch.assignments is not UNSET:
        assignments = patch.assignments
        suggestion_id = None if assignments is not None else suggestion_id
    if (suggestion_id is None) == (assignments is None):
        raise invalid(
            "suggestion", "Must provide exactly one of suggestion, assignments (suggestion)"
        )
    return suggestion_id, assignments


def _merged_values(
    observation: Observation,
    patch: ObservationPatch,
    definition: ExperimentDefinition,
    failed: bool,
) -> tuple[MetricValue, ...]:
    if patch.values is UNSET:
        # Marking an observation failed drops its values; the reverse needs new values.
        return () if failed else observation.values
    if patch.values is None:
        return ()
    single = definition.metrics[0].name if len(definition.metrics) == 1 else None
    merged = {v.name: v for v in observation.values}
    for i, entry in enumerate(patch.values):
        path = f"values[{i}]"
        name = entry.name if entry.name is not None or len(definition.metrics) != 1 else single
        stored = merged.get(name)
        if isinstance(entry.value, float):
            value = entry.value
        elif stored is not None:
            value = stored.value
        else:
            raise invalid(f"{path}.value", f"Missing required json key 'value' in {path}")
        stddev = entry.value_stddev
        if stddev is UNSET:
            stddev = stored.value_stddev if stored is not None else None
        merged[name] = MetricValue(name=name, value=value, value_stddev=stddev)
    return tuple(merged.values())


def render_observation(o: Observation, definition: ExperimentDefinition) -> dict[str, object]:
    rendered: dict[str, object] = {
        "object": "observation",
        "id": render_id(o.id),
        "experiment": render_id(o.experiment_id),
        "suggestion": render_id(o.suggestion_id),
        "assignments": render_assignments(o.assignments, definition),
        "values": render_values(o.values),
        "failed": o.failed,
        "created": int(o.created),
        "metadata": _metadata(o),
    }
    if definition.is_multitask and o.task is not None:
        rendered["task"] = render_task(o.task)
    if len(definition.metrics) == 1:
        # dialin decision: legacy code reads observation.value
        first = o.values[0] if o.values else None
        rendered["value"] = first.value if first is not None else None
        rendered["value_stddev"] = first.value_stddev if first is not None else None
    return rendered


def _metadata(o: Observation) -> dict[str, object] | None:
    return render_struct(o.metadata)


def render_best_assignments(o: Observation, definition: ExperimentDefinition) -> dict[str, object]:
    rendered: dict[str, object] = {
        "object": "best_assignments",
        "id": render_id(o.id),
        "assignments": render_assignments(o.assignments, definition),
        "values": render_values(o.values),
        "metadata": _metadata(o),
    }
    if definition.is_multitask and o.task is not None:
        # SigOpt quirk: the task name, not a task object
        rendered["task"] = o.task.name
    return rendered
