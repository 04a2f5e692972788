"""Suggestions and queued suggestions: request bodies in (§4.7), objects out (§3.10, §3.12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from dialin.domain.drafts import UNSET, Maybe, QueuedSuggestionDraft, SuggestionDraft
from dialin.domain.experiments import ExperimentDefinition, Metadata
from dialin.domain.metadata import check_metadata, show
from dialin.domain.names import invalid
from dialin.domain.parameters import Value
from dialin.domain.rules import check_assignments, check_task
from dialin.domain.suggestions import QueuedSuggestion, Suggestion
from dialin.wire.assignments import render_assignments
from dialin.wire.fields import (
    child,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.metrics import render_task
from dialin.wire.render import render_id, render_struct

__all__ = [
    "parse_assignments",
    "parse_queued_suggestion_create",
    "parse_state_filter",
    "parse_suggestion_create",
    "parse_suggestion_id",
    "parse_suggestion_update",
    "parse_task_name",
    "render_queued_suggestion",
    "render_suggestion",
]


def parse_suggestion_id(value: object, field: str = "suggestion") -> int:
    """A suggestion id as a JSON integer or a string of digits (ids render as strings)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type id")
        number = int(value)
    else:
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type id")
    if number <= 0 or number > 2**63 - 1:
        raise invalid(field, f"No suggestion: {show(value)} ({field})")
    return number


def parse_task_name(value: object, field: str = "task") -> str | None:
    """A task by name: ``"cheap"`` or ``{"name": "cheap"}`` (echoed task objects included)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    obj = expect_object(value, field)
    reject_unknown_keys(obj, ("name", "cost", "object"), field)
    return expect_string(require(obj, "name", field), child(field, "name"))


def parse_assignments(value: object, field: str = "assignments") -> dict[str, Value]:
    """Shape only: an object of numbers and strings; null entries are dropped (SigOpt renders
    unsatisfied conditional parameters as null)."""
    result: dict[str, Value] = {}
    for name, item in expect_object(value, field).items():
        if item is None:
            continue
        result[name] = item if isinstance(item, str) else expect_number(item, child(field, name))
    return result


def _checked(
    assignments: Mapping[str, Value] | None,
    task_name: str | None,
    definition: ExperimentDefinition | None,
) -> Mapping[str, Value] | None:
    if definition is None:
        return assignments
    if definition.is_multitask and (assignments is None) != (task_name is None):
        culprit = "task" if task_name is None else "assignments"
        raise invalid(
            culprit,
            f"Multitask experiments need both assignments and task, or neither ({culprit})",
        )
    if task_name is not None:
        check_task(definition, task_name)
    if assignments is None:
        return None
    return check_assignments(definition, assignments)


def parse_suggestion_create(
    body: Mapping[str, object], definition: ExperimentDefinition | None = None
) -> SuggestionDraft:
    """Shape-checked; with ``definition`` the assignments and task are validated too."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("metadata", "assignments", "task"), "")
    raw = obj.get("assignments")
    assignments = None if raw is None else parse_assignments(raw)
    task_name = parse_task_name(obj.get("task"))
    return SuggestionDraft(
        assignments=_checked(assignments, task_name, definition),
        task_name=task_name,
        metadata=check_metadata(obj.get("metadata")),
    )


def parse_suggestion_update(body: Mapping[str, object]) -> Maybe[Metadata | None]:
    """PUT takes only ``metadata``: null clears it, absent keeps it."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("metadata",), "")
    if "metadata" not in obj:
        return UNSET
    return check_metadata(obj["metadata"])


def parse_queued_suggestion_create(
    body: Mapping[str, object], definition: ExperimentDefinition | None = None
) -> QueuedSuggestionDraft:
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("assignments", "task"), "")
    assignments = parse_assignments(require(obj, "assignments"))
    task_name = parse_task_name(obj.get("task"))
    if definition is not None:
        if definition.is_multitask or task_name is not None:
            check_task(definition, task_name)
        assignments = check_assignments(definition, assignments)
    return QueuedSuggestionDraft(assignments=assignments, task_name=task_name)


def parse_state_filter(raw: str | None) -> Literal["open"] | None:
    if raw is None:
        return None
    if raw != "open":
        raise invalid("state", f"Unrecognized state {show(raw)} (if provided, must be open)")
    return "open"


def render_suggestion(s: Suggestion, definition: ExperimentDefinition) -> dict[str, object]:
    rendered: dict[str, object] = {
        "object": "suggestion",
        "id": render_id(s.id),
        "experiment": render_id(s.experiment_id),
        "assignments": render_assignments(s.assignments, definition),
        "state": s.state,
        "deleted": s.deleted,
        "created": int(s.created),
        "metadata": render_struct(s.metadata),
    }
    if definition.is_multitask and s.task is not None:
        rendered["task"] = render_task(s.task)
    return rendered


def render_queued_suggestion(
    q: QueuedSuggestion, definition: ExperimentDefinition
) -> dict[str, object]:
    rendered: dict[str, object] = {
        "object": "queued_suggestion",
        "id": render_id(q.id),
        "experiment": render_id(q.experiment_id),
        "assignments": render_assignments(q.assignments, definition),
        "created": int(q.created),
    }
    if definition.is_multitask and q.task is not None:
        rendered["task"] = render_task(q.task)
    return rendered
