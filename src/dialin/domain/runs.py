"""Training runs, their checkpoints and files, and how MERGE and PUT change a run (SigOpt §5.8).

A run's documents (``assignments``, ``values``, ``logs``, ...) are JSON-shaped maps the wire layer
has already checked; these rules only combine them and check what needs the whole run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

from dialin.domain.experiments import Metadata
from dialin.domain.metric_reports import MetricsReport, numeric_value
from dialin.domain.metrics import MetricValue
from dialin.domain.names import invalid

__all__ = [
    "CHECKPOINT_LIMIT",
    "DOCUMENT_FIELDS",
    "SIGOPT_SOURCE",
    "Checkpoint",
    "File",
    "RunPatch",
    "RunState",
    "TrainingRun",
    "UpdateMode",
    "apply_run_patch",
    "check_run",
    "deep_merge",
]

RunState: TypeAlias = Literal["active", "completed", "failed"]
UpdateMode: TypeAlias = Literal["merge", "put"]

CHECKPOINT_LIMIT = 200
# The source name the server writes on assignments it suggested.
SIGOPT_SOURCE = "SigOpt"

# Map-valued fields: MERGE merges them key by key, PUT replaces them.
DOCUMENT_FIELDS = (
    "assignments",
    "assignments_meta",
    "assignments_sources",
    "values",
    "metadata",
    "dev_metadata",
    "sys_metadata",
    "datasets",
    "logs",
    "model",
    "source_code",
)
# Fields that cannot be removed by a null.
_REQUIRED = ("name", "state", "project")


@dataclass(frozen=True)
class TrainingRun:
    id: int
    client_id: int
    project: str
    name: str
    created: int
    updated: int
    state: RunState = "active"
    completed: int | None = None
    experiment_id: int | None = None
    suggestion_id: int | None = None
    observation_id: int | None = None
    user_id: int | None = None
    deleted: bool = False
    favorite: bool = False
    assignments: Mapping[str, Any] = field(default_factory=dict)
    assignments_meta: Mapping[str, Any] = field(default_factory=dict)
    assignments_sources: Mapping[str, Any] = field(default_factory=dict)
    # {metric: {"value": num, "value_stddev": num | None}}
    values: Mapping[str, Any] = field(default_factory=dict)
    metadata: Metadata | None = None
    dev_metadata: Mapping[str, Any] = field(default_factory=dict)
    sys_metadata: Mapping[str, Any] = field(default_factory=dict)
    datasets: Mapping[str, Any] = field(default_factory=dict)
    logs: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] = field(default_factory=dict)
    source_code: Mapping[str, Any] = field(default_factory=dict)
    checkpoint_count: int = 0
    # ids of uploaded files, ascending
    files: tuple[int, ...] = ()

    @property
    def finished(self) -> bool:
        return self.completed is not None or self.observation_id is not None

    def metric_value(self, name: str) -> MetricValue | None:
        entry = self.values.get(name)
        if not isinstance(entry, Mapping) or entry.get("value") is None:
            return None
        return MetricValue(name, entry["value"], entry.get("value_stddev"))


@dataclass(frozen=True)
class RunPatch:
    """Checked fields of a create, PUT or MERGE body; a ``None`` removes (PUT) or deletes keys
    inside maps (MERGE)."""

    fields: Mapping[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


@dataclass(frozen=True)
class Checkpoint:
    """SigOpt's checkpoint: a validation report of the run's trial (spec trials §7.4)."""

    id: int
    training_run_id: int
    created: int
    # sorted by name
    values: tuple[MetricValue, ...]
    metadata: Metadata | None = None
    # Only on the answer to its creation: should the run stop, and by which criterion.
    should_stop: bool | None = None
    stopping_reasons: Mapping[str, bool] | None = None

    @classmethod
    def of_report(cls, report: MetricsReport) -> Checkpoint:
        extras = report.checkpoint_extras or {}
        stddevs = extras.get("value_stddev")
        stddev_of = stddevs if isinstance(stddevs, Mapping) else {}
        metadata = extras.get("metadata")
        values = [
            MetricValue(name, number, stddev_of.get(name))
            for name, value in report.metrics.items()
            if (number := numeric_value(value)) is not None and math.isfinite(number)
        ]
        return cls(
            id=report.id,
            training_run_id=report.trial_id,
            created=int(report.end_time),
            values=tuple(sorted(values, key=lambda v: v.name or "")),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else None,
        )


@dataclass(frozen=True)
class File:
    id: int
    client_id: int
    created: int
    content_length: int
    content_type: str
    # base64 of the 16-byte MD5 digest
    content_md5: str
    name: str | None = None
    filename: str | None = None
    training_run_id: int | None = None
    uploaded: bool = False


def deep_merge(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``patch`` merged into ``current``: maps recursively, a null deletes the key, anything
    else replaces it."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        elif isinstance(value, Mapping):
            merged[key] = deep_merge({}, value)
        else:
            merged[key] = value
    return merged


def _empty(name: str) -> Any:
    return None if name == "metadata" else {}


def _changed_field(run: TrainingRun, name: str, value: Any, mode: UpdateMode) -> Any:
    if name not in DOCUMENT_FIELDS:
        if value is None and name in _REQUIRED:
            raise invalid(name, f"{name} cannot be null")
        return value
    if value is None:
        return _empty(name)
    if mode == "put":
        return deep_merge({}, value)
    current = getattr(run, name) or {}
    return deep_merge(current, value)


def apply_run_patch(run: TrainingRun, patch: RunPatch, mode: UpdateMode, now: int) -> TrainingRun:
    """The run after a MERGE (maps merge recursively) or a PUT (each given field replaced)."""
    changes: dict[str, Any] = {}
    for name, value in patch.fields.items():
        changes[name] = _changed_field(run, name, value, mode)
    changed = replace(run, **changes, updated=max(run.updated, now))
    if changed.state != "active" and changed.completed is None:
        changed = replace(changed, completed=now)
    check_run(changed)
    return changed


def check_run(run: TrainingRun) -> None:
    """Rules on the whole run once a change is applied."""
    if len(run.metadata or {}) > 100:
        raise invalid("metadata", "Expected at most 100 keys in metadata")
    for key in ("assignments", "dev_metadata"):
        if len(getattr(run, key)) > 100:
            raise invalid(key, f"Expected at most 100 keys in {key}")
    for metric, entry in run.values.items():
        if not isinstance(entry, Mapping) or entry.get("value") is None:
            raise invalid(f"values.{metric}.value", f"values.{metric}.value is required")
    for name in run.assignments_meta:
        if name not in run.assignments:
            raise invalid(
                f"assignments_meta.{name}",
                f"assignments_meta.{name} names no assignment of the run",
            )
