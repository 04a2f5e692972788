"""Training-run bodies (§4.8) and the MERGE/PUT rules (§5.8): junk only ever raises InvalidField,
valid patches apply and render, and each rule names its field."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialin.domain.runs import RunPatch, TrainingRun, apply_run_patch, deep_merge
from dialin.errors import InvalidField
from dialin.wire import encode_marker
from dialin.wire.checkpoints import parse_checkpoint_create
from dialin.wire.files import parse_file_create
from dialin.wire.run_filters import parse_checkpoint_page, parse_run_filters, parse_run_page
from dialin.wire.runs import parse_run_batch, parse_run_body, render_training_run

KEYS = ["name", "state", "assignments", "values", "value", "metadata", "logs", "content",
        "datasets", "model", "type", "source_code", "assignments_meta", "source",
        "assignments_sources", "sort", "default_show", "sys_metadata", "favorite", "deleted",
        "project", "runs", "field", "operator"]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)
bodies = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5)
RUN = TrainingRun(id=1, client_id=1, project="p", name="r", created=10, updated=10)


@settings(max_examples=300, deadline=None)
@given(bodies, st.sampled_from(["create", "put", "merge"]))
def test_junk_run_bodies_only_raise_invalid_field(body: dict[str, Any], mode: Any) -> None:
    with contextlib.suppress(InvalidField):
        patch = parse_run_body(body, mode)
        changed = apply_run_patch(RUN, patch, "put" if mode == "create" else mode, 20)
        rendered = render_training_run(changed)
        assert isinstance(rendered["assignments"], dict)


@settings(max_examples=200, deadline=None)
@given(bodies)
def test_junk_checkpoints_files_filters_and_batches_only_raise_invalid_field(
    body: dict[str, Any],
) -> None:
    for parse in (parse_checkpoint_create, parse_file_create, parse_run_batch):
        with contextlib.suppress(InvalidField):
            parse(body)
    with contextlib.suppress(InvalidField):
        parse_run_filters(str(body.get("field")))


def test_merge_deep_merges_and_null_deletes() -> None:
    current = {"a": {"x": 1, "y": 2}, "b": 1}
    assert deep_merge(current, {"a": {"y": None, "z": 3}, "c": [1]}) == {
        "a": {"x": 1, "z": 3},
        "b": 1,
        "c": [1],
    }
    assert deep_merge(current, {}) == current


def test_put_replaces_whole_fields_and_finishing_sets_completed_once() -> None:
    run = apply_run_patch(RUN, parse_run_body({"metadata": {"a": 1, "b": 2}}, "merge"), "merge", 11)
    run = apply_run_patch(run, parse_run_body({"metadata": {"c": 3}}, "put"), "put", 12)
    assert run.metadata == {"c": 3} and run.updated == 12
    done = apply_run_patch(run, RunPatch({"state": "completed"}), "merge", 13)
    failed = apply_run_patch(done, RunPatch({"state": "failed"}), "merge", 14)
    assert (done.completed, failed.completed, failed.finished) == (13, 13, True)


@pytest.mark.parametrize(
    ("body", "mode", "field"),
    [
        ({}, "create", "name"),
        ({"name": "r", "project": "p"}, "create", "project"),
        ({"name": None}, "merge", "name"),
        ({"state": "paused"}, "put", "state"),
        ({"values": {"m": {"value_stddev": 1}}}, "merge", "values.m.value"),
        ({"values": {"m": {"value": "high"}}}, "merge", "values.m.value"),
        ({"assignments_meta": {"x": {"source": "SigOpt"}}}, "merge", "assignments_meta.x.source"),
        ({"assignments_sources": {"s": {"sort": 1}}}, "merge",
         "assignments_sources.s.default_show"),
        ({"logs": {"out": {"content": 5}}}, "merge", "logs.out.content"),
        ({"metadata": {"k": True}}, "merge", "metadata.k"),
        ({"sys_metadata": {"feature_importances": {"type": "x"}}}, "merge",
         "sys_metadata.feature_importances.scores"),
        ({"observation": "1"}, "put", "observation"),
    ],
)  # fmt: skip
def test_run_rules_name_their_field(body: dict[str, Any], mode: Any, field: str) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_run_body(body, mode)
    assert caught.value.field == field, caught.value.message


def test_assignments_meta_must_name_an_assignment() -> None:
    patch = parse_run_body({"assignments_meta": {"x": {"source": "grid"}}}, "merge")
    with pytest.raises(InvalidField) as caught:
        apply_run_patch(RUN, patch, "merge", 11)
    assert caught.value.field == "assignments_meta.x"


def test_logs_are_truncated() -> None:
    patch = parse_run_body({"logs": {"stdout": {"content": "x" * 5000}}}, "merge")
    assert len(patch.fields["logs"]["stdout"]["content"]) == 1124


@pytest.mark.parametrize("marker", [["a", None, 1], [1, None], [None, None, "x"], [True, None, 1]])
def test_run_markers_of_another_shape_are_refused(marker: list[Any]) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_run_page({"before": encode_marker(tuple(marker))})
    assert caught.value.field == "before"
    with pytest.raises(InvalidField):
        parse_checkpoint_page({"after": encode_marker(("x",))})
