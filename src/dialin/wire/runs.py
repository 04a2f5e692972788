"""Training runs: create, PUT and MERGE bodies in (§4.8), ``training_run`` objects out (§3.14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from dialin.domain.metadata import check_metadata, show
from dialin.domain.names import check_name, invalid
from dialin.domain.paging import Page
from dialin.domain.runs import SIGOPT_SOURCE, RunPatch, TrainingRun
from dialin.wire.fields import (
    JsonObject,
    child,
    expect_bool,
    expect_choice,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    require,
)
from dialin.wire.pagination import render_page
from dialin.wire.render import render_id, render_number, render_struct

__all__ = [
    "MAX_BATCH_RUNS",
    "BodyMode",
    "parse_run_batch",
    "parse_run_body",
    "render_run_page",
    "render_training_run",
]

BodyMode: TypeAlias = Literal["create", "put", "merge"]

MAX_BATCH_RUNS = 10000
LOG_CONTENT_MAX_LENGTH = 1124
SOURCE_MAX_LENGTH = 30
_FEATURE_SCORES_MAX_KEYS = 50
_KEYS = (
    "assignments",
    "assignments_meta",
    "assignments_sources",
    "datasets",
    "deleted",
    "dev_metadata",
    "favorite",
    "logs",
    "metadata",
    "model",
    "name",
    "project",
    "source_code",
    "state",
    "sys_metadata",
    "values",
)
_STATES = ("active", "completed", "failed")


def _reject_unknown(obj: JsonObject, allowed: tuple[str, ...], parent: str) -> None:
    unknown = sorted(k for k in obj if k not in allowed)
    if unknown:
        shown = ", ".join(f"`{k}`" for k in unknown)
        raise invalid(child(parent, unknown[0]), f"Unknown parameters: {{{shown}}}")


def _nullable_entries(
    value: object, field: str, keep_nulls: bool
) -> list[tuple[str, str, object | None]]:
    """(key, path, item) of a JSON object; null items survive only where they delete (MERGE)."""
    obj = expect_object(value, field)
    return [
        (key, child(field, key), item)
        for key, item in obj.items()
        if item is not None or keep_nulls
    ]


def _flat(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    checked: dict[str, Any] = dict(check_metadata(value, field) or {})
    if keep_nulls:
        assert isinstance(value, Mapping)
        checked.update({k: None for k, v in value.items() if v is None})
    return checked


def _optional_string(obj: JsonObject, key: str, field: str) -> str | None:
    value = obj.get(key)
    return None if value is None else expect_string(value, child(field, key))


def _values(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for metric, path, item in _nullable_entries(value, field, keep_nulls):
        if item is None:
            result[metric] = None
            continue
        entry = expect_object(item, path)
        _reject_unknown(entry, ("name", "object", "value", "value_stddev"), path)
        number = expect_number(require(entry, "value", path), child(path, "value"))
        stddev = entry.get("value_stddev")
        result[metric] = {
            "value": number,
            "value_stddev": None
            if stddev is None
            else expect_number(stddev, child(path, "value_stddev")),
        }
    return result


def _logs(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for stream, path, item in _nullable_entries(value, field, keep_nulls):
        if item is None:
            result[stream] = None
            continue
        entry = expect_object(item, path)
        _reject_unknown(entry, ("content", "object"), path)
        content = _optional_string(entry, "content", path) or ""
        # The client already sends head and tail of long logs; keep the same bound here.
        result[stream] = {"content": content[:LOG_CONTENT_MAX_LENGTH]}
    return result


def _datasets(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, path, item in _nullable_entries(value, field, keep_nulls):
        if item is not None:
            _reject_unknown(expect_object(item, path), ("object",), path)
        result[name] = None if item is None else {}
    return result


def _model(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    obj = expect_object(value, field)
    _reject_unknown(obj, ("object", "type"), field)
    kind = _optional_string(obj, "type", field)
    return {"type": kind} if kind is not None or (keep_nulls and "type" in obj) else {}


def _source_code(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    obj = expect_object(value, field)
    _reject_unknown(obj, ("content", "hash", "object"), field)
    result: dict[str, Any] = {}
    for key in ("content", "hash"):
        text = _optional_string(obj, key, field)
        if text is not None or (keep_nulls and key in obj):
            result[key] = text
    return result


def _source_name(value: object, field: str) -> str:
    name = expect_string(value, field)
    if not name or len(name) > SOURCE_MAX_LENGTH:
        raise invalid(field, f"{field} must have 1 to {SOURCE_MAX_LENGTH} characters")
    return name


def _assignments_meta(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, path, item in _nullable_entries(value, field, keep_nulls):
        if item is None:
            result[name] = None
            continue
        entry = expect_object(item, path)
        _reject_unknown(entry, ("object", "source"), path)
        source = _source_name(require(entry, "source", path), child(path, "source"))
        if source == SIGOPT_SOURCE:
            raise invalid(child(path, "source"), f"The source {SIGOPT_SOURCE} is reserved")
        result[name] = {"source": source}
    return result


def _assignments_sources(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for source, path, item in _nullable_entries(value, field, keep_nulls):
        _source_name(source, path)
        if item is None:
            result[source] = None
            continue
        entry = expect_object(item, path)
        _reject_unknown(entry, ("default_show", "object", "sort"), path)
        result[source] = {
            "sort": expect_number(require(entry, "sort", path), child(path, "sort")),
            "default_show": expect_bool(
                require(entry, "default_show", path), child(path, "default_show")
            ),
        }
    return result


def _sys_metadata(value: object, field: str, keep_nulls: bool) -> dict[str, Any]:
    obj = dict(expect_object(value, field))
    if len(obj) > 100:
        raise invalid(field, f"Expected at most 100 keys in {field}")
    importances = obj.get("feature_importances")
    if importances is not None:
        path = child(field, "feature_importances")
        entry = expect_object(importances, path)
        _reject_unknown(entry, ("scores", "type"), path)
        scores = expect_object(require(entry, "scores", path), child(path, "scores"))
        if len(scores) > _FEATURE_SCORES_MAX_KEYS:
            raise invalid(
                child(path, "scores"), f"Expected at most {_FEATURE_SCORES_MAX_KEYS} scores"
            )
        for feature, score in scores.items():
            if len(feature) > 100:
                raise invalid(child(path, "scores"), f"Feature name too long: {show(feature)}")
            expect_number(score, child(child(path, "scores"), feature))
        kind = expect_string(require(entry, "type", path), child(path, "type"))
        if len(kind) > 100:
            raise invalid(child(path, "type"), "feature_importances.type is too long")
    if not keep_nulls:
        obj = {k: v for k, v in obj.items() if v is not None}
    return obj


_DOCUMENTS = {
    "assignments": _flat,
    "metadata": _flat,
    "dev_metadata": _flat,
    "values": _values,
    "logs": _logs,
    "datasets": _datasets,
    "model": _model,
    "source_code": _source_code,
    "assignments_meta": _assignments_meta,
    "assignments_sources": _assignments_sources,
    "sys_metadata": _sys_metadata,
}


def _name(value: object, field: str) -> str:
    return check_name(expect_string(value, field), field, "Training run", max_length=10_000)


def parse_run_body(body: Mapping[str, object], mode: BodyMode, parent: str = "") -> RunPatch:
    """The checked fields of a run body; ``create`` needs ``name`` and refuses ``project``."""
    obj = expect_object(body, parent or "body")
    _reject_unknown(obj, _KEYS, parent)
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        path = child(parent, key)
        if value is None:
            if key in ("name", "state", "project", "deleted", "favorite"):
                raise invalid(path, f"{path} cannot be null")
            if mode == "put":
                fields[key] = None
            continue
        if key == "name":
            fields[key] = _name(value, path)
        elif key == "state":
            fields[key] = expect_choice(value, path, _STATES)
        elif key == "project":
            if mode == "create":
                raise invalid(path, "Unknown parameters: {`project`} (the URL names the project)")
            fields[key] = expect_string(value, path)
        elif key in ("deleted", "favorite"):
            fields[key] = expect_bool(value, path)
        else:
            fields[key] = _DOCUMENTS[key](value, path, mode == "merge")
    if mode == "create" and "name" not in fields:
        raise invalid(
            child(parent, "name"), f"Missing required json key 'name' ({parent or 'name'})"
        )
    return RunPatch(fields)


def parse_run_batch(body: Mapping[str, object]) -> list[RunPatch]:
    _reject_unknown(body, ("fields", "runs"), "")
    runs = expect_list(require(body, "runs"), "runs")
    if len(runs) > MAX_BATCH_RUNS:
        raise invalid("runs", f"At most {MAX_BATCH_RUNS} runs per batch, got {len(runs)}")
    return [
        parse_run_body(expect_object(item, f"runs[{i}]"), "create", f"runs[{i}]")
        for i, item in enumerate(runs)
    ]


def render_training_run(run: TrainingRun) -> dict[str, object]:
    return {
        "object": "training_run",
        "id": render_id(run.id),
        "client": render_id(run.client_id),
        "user": render_id(run.user_id),
        "experiment": render_id(run.experiment_id),
        "suggestion": render_id(run.suggestion_id),
        "observation": render_id(run.observation_id),
        "project": run.project,
        "name": run.name,
        "state": run.state,
        "created": int(run.created),
        "updated": int(run.updated),
        "completed": None if run.completed is None else int(run.completed),
        "finished": run.finished,
        "deleted": run.deleted,
        "favorite": run.favorite,
        "assignments": render_struct(run.assignments) or {},
        "assignments_meta": {
            name: {"object": "assignments_meta", "source": meta["source"]}
            for name, meta in sorted(run.assignments_meta.items())
        },
        "assignments_sources": {
            name: {
                "object": "assignments_sources",
                "sort": render_number(source["sort"]),
                "default_show": source["default_show"],
            }
            for name, source in sorted(run.assignments_sources.items())
        },
        "values": {
            name: {
                "object": "metric_evaluation",
                "name": name,
                "value": entry["value"],
                "value_stddev": entry.get("value_stddev"),
            }
            for name, entry in sorted(run.values.items())
        },
        "metadata": render_struct(run.metadata),
        "dev_metadata": render_struct(run.dev_metadata) or {},
        "sys_metadata": dict(run.sys_metadata),
        "datasets": {name: {"object": "dataset"} for name in sorted(run.datasets)},
        "logs": {
            stream: {"object": "log", "content": log.get("content")}
            for stream, log in sorted(run.logs.items())
        },
        "model": {"object": "model", "type": run.model.get("type")},
        "source_code": {
            "object": "source_code",
            "content": run.source_code.get("content"),
            "hash": run.source_code.get("hash"),
        },
        "checkpoint_count": run.checkpoint_count,
        "files": [str(f) for f in run.files],
        "tags": [],
    }


def render_run_page(found: Page[TrainingRun]) -> dict[str, object]:
    """A run list, with the map keys its runs define (``defined_fields``, unused by the client)."""
    page = render_page([render_training_run(r) for r in found.items], found)
    keys = sorted(
        {
            f"{kind}.{key}"
            for r in found.items
            for kind in ("assignments", "metadata", "values")
            for key in (getattr(r, kind) or {})
        }
    )
    page["defined_fields"] = [{"object": "field", "key": k} for k in keys]
    return page
