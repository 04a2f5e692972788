"""Checkpoints of training runs: create bodies in (§4.9), ``checkpoint`` objects out (§3.15)."""

from __future__ import annotations

from collections.abc import Mapping

from dialin.domain.metadata import check_metadata
from dialin.domain.metrics import MetricValue
from dialin.domain.names import invalid
from dialin.domain.runs import Checkpoint
from dialin.wire.assignments import render_values
from dialin.wire.fields import (
    child,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.render import render_id, render_struct

__all__ = ["CHECKPOINT_METADATA_MAX_KEYS", "parse_checkpoint_create", "render_checkpoint"]

CHECKPOINT_METADATA_MAX_KEYS = 5


def _value(item: object, field: str) -> MetricValue:
    entry = expect_object(item, field)
    reject_unknown_keys(entry, ("name", "object", "value", "value_stddev"), field)
    name = expect_string(require(entry, "name", field), child(field, "name"))
    value = expect_number(require(entry, "value", field), child(field, "value"))
    stddev = entry.get("value_stddev")
    if stddev is not None:
        stddev = expect_number(stddev, child(field, "value_stddev"))
        if stddev < 0:
            raise invalid(child(field, "value_stddev"), "value_stddev must not be negative")
    return MetricValue(name, value, stddev)


def parse_checkpoint_create(
    body: Mapping[str, object],
) -> tuple[tuple[MetricValue, ...], dict[str, float | int | str] | None]:
    """(values sorted by name, metadata) of a new checkpoint."""
    reject_unknown_keys(body, ("metadata", "values"))
    items = expect_list(require(body, "values"), "values")
    values = [_value(item, f"values[{i}]") for i, item in enumerate(items)]
    seen: set[str | None] = set()
    for i, value in enumerate(values):
        if value.name in seen:
            raise invalid(f"values[{i}].name", f"Duplicate checkpoint value {value.name!r}")
        seen.add(value.name)
    metadata = check_metadata(
        body.get("metadata"), "metadata", max_keys=CHECKPOINT_METADATA_MAX_KEYS
    )
    return tuple(sorted(values, key=lambda v: v.name or "")), metadata


def render_checkpoint(checkpoint: Checkpoint) -> dict[str, object]:
    rendered: dict[str, object] = {
        "object": "checkpoint",
        "id": render_id(checkpoint.id),
        "training_run": render_id(checkpoint.training_run_id),
        "created": int(checkpoint.created),
        "values": render_values(checkpoint.values),
        "metadata": render_struct(checkpoint.metadata),
    }
    # dialin decision (trials §7.4): the answer to a creation carries the stop advice.
    if checkpoint.should_stop is not None:
        rendered["should_stop"] = checkpoint.should_stop
        rendered["stopping_reasons"] = dict(checkpoint.stopping_reasons or {})
    return rendered
