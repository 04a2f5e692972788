from __future__ import annotations

import sys
from typing import Any

import pytest

from dialin.domain.drafts import ObservationDraft
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, Conditional, Parameter
from dialin.wire import (
    merge_observation_patch,
    parse_observation_batch,
    parse_observation_create,
    parse_observation_update,
    render_best_assignments,
    render_observation,
)

SINGLE = ExperimentDefinition(
    type="offline",
    parameters=(
        Parameter("x", "double", bounds=Bounds(0, 1)),
        Parameter("n", "int", bounds=Bounds(1, 5)),
        Parameter("l", "double", bounds=Bounds(1, 10), transformation="log"),
    ),
    metrics=(Metric("m"),),
)
MULTI = ExperimentDefinition(
    type="offline",
    parameters=(Parameter("x", "double", bounds=Bounds(0, 1)),),
    metrics=(Metric("b"), Metric("a"), Metric("s", strategy="store")),
    budget=10,
)
MULTITASK = ExperimentDefinition(
    type="offline",
    parameters=(Parameter("x", "double", bounds=Bounds(0, 1)),),
    tasks=(Task("cheap", 0.1), Task("full", 1.0)),
    budget=10,
)
POINT = {"x": 0.5, "n": 2, "l": 3}


def obs(**body: Any) -> dict[str, Any]:
    return {"assignments": dict(POINT), "values": [{"value": 1.0}], **body}


CASES: list[tuple[str, ExperimentDefinition, dict[str, Any], str]] = [
    ("unknown key", SINGLE, obs(foo=1), "foo"),
    ("both sources", SINGLE, obs(suggestion=1), "assignments"),
    ("no source", SINGLE, {"values": [{"value": 1}]}, "suggestion"),
    ("null suggestion only", SINGLE, {"suggestion": None, "values": [{"value": 1}]}, "suggestion"),
    ("suggestion zero", SINGLE, {"suggestion": 0, "values": [{"value": 1}]}, "suggestion"),
    ("suggestion junk", SINGLE, {"suggestion": "abc", "values": [{"value": 1}]}, "suggestion"),
    ("failed with values", SINGLE, obs(failed=True), "values"),
    ("no values", SINGLE, {"assignments": POINT}, "values"),
    ("empty values", SINGLE, obs(values=[]), "values"),
    ("failed not bool", SINGLE, obs(failed="yes"), "failed"),
    ("value missing", SINGLE, obs(values=[{"name": "m"}]), "values[0].value"),
    ("value null", SINGLE, obs(values=[{"value": None}]), "values[0].value"),
    ("value string", SINGLE, obs(values=[{"value": "1"}]), "values[0].value"),
    (
        "negative stddev",
        SINGLE,
        obs(values=[{"value": 1, "value_stddev": -1}]),
        "values[0].value_stddev",
    ),
    ("value item unknown key", SINGLE, obs(values=[{"value": 1, "foo": 2}]), "values[0].foo"),
    ("values not list", SINGLE, obs(values={"value": 1}), "values"),
    ("wrong metric name", SINGLE, obs(values=[{"name": "z", "value": 1}]), "values[0].name"),
    ("too many values", SINGLE, obs(values=[{"value": 1}, {"value": 2}]), "values"),
    (
        "stored metric missing",
        MULTI,
        {
            "assignments": {"x": 0.1},
            "values": [{"name": "a", "value": 1}, {"name": "b", "value": 1}],
        },
        "values",
    ),
    (
        "unnamed multi",
        MULTI,
        {
            "assignments": {"x": 0.1},
            "values": [{"value": 1}, {"name": "b", "value": 1}, {"name": "s", "value": 1}],
        },
        "values[0].name",
    ),
    (
        "duplicate names",
        MULTI,
        {
            "assignments": {"x": 0.1},
            "values": [
                {"name": "a", "value": 1},
                {"name": "a", "value": 1},
                {"name": "s", "value": 1},
            ],
        },
        "values[1].name",
    ),
    ("legacy with values", SINGLE, obs(value=1), "value"),
    ("legacy stddev with values", SINGLE, obs(value_stddev=1), "value_stddev"),
    ("legacy multi-metric", MULTI, {"assignments": {"x": 0.1}, "value": 1}, "value"),
    ("legacy stddev alone", SINGLE, {"assignments": POINT, "value_stddev": 1}, "value"),
    ("missing parameter", SINGLE, obs(assignments={"x": 0.5, "n": 2}), "assignments.l"),
    ("unknown parameter", SINGLE, obs(assignments={**POINT, "q": 1}), "assignments.q"),
    ("int not integral", SINGLE, obs(assignments={**POINT, "n": 2.5}), "assignments.n"),
    ("double as string", SINGLE, obs(assignments={**POINT, "x": "0.5"}), "assignments.x"),
    ("log non-positive", SINGLE, obs(assignments={**POINT, "l": 0}), "assignments.l"),
    ("assignments not object", SINGLE, obs(assignments=[1]), "assignments"),
    ("task on non-multitask", SINGLE, obs(task="cheap"), "task"),
    ("task required", MULTITASK, {"assignments": {"x": 0.5}, "values": [{"value": 1}]}, "task"),
    (
        "unknown task",
        MULTITASK,
        {"assignments": {"x": 0.5}, "values": [{"value": 1}], "task": "zzz"},
        "task",
    ),
    (
        "task with suggestion",
        MULTITASK,
        {"suggestion": "3", "values": [{"value": 1}], "task": "cheap"},
        "task",
    ),
    ("metadata junk", SINGLE, obs(metadata={"a": [1]}), "metadata.a"),
    ("no_optimize junk", SINGLE, obs(no_optimize="x"), "no_optimize"),
]


@pytest.mark.parametrize(("name", "definition", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_observation_create_rules(
    name: str, definition: ExperimentDefinition, body: dict[str, Any], field: str, invalid
) -> None:
    invalid(lambda: parse_observation_create(body, definition), field)


@pytest.mark.parametrize(
    "value", [0.0, 5.1, sys.float_info.max, sys.float_info.min, -sys.float_info.max]
)
def test_extreme_values_and_out_of_bounds_points_are_accepted(value: float) -> None:
    draft = parse_observation_create(
        {
            "assignments": {"x": 7.5, "n": 99.0, "l": 1000},
            "values": [{"value": value}],
            "suggestion": None,
        },
        SINGLE,
    )
    assert draft.assignments == {"x": 7.5, "n": 99, "l": 1000.0}
    assert isinstance(draft.assignments["n"], int)  # type: ignore[index]
    assert draft.values == (MetricValue("m", value, None),)


def test_observation_shapes() -> None:
    assert parse_observation_create(
        {"suggestion": "12", "values": [{"value": 1, "value_stddev": None}]}, SINGLE
    ) == ObservationDraft(suggestion_id=12, values=(MetricValue("m", 1.0),))
    legacy = parse_observation_create({"suggestion": 3, "value": 2, "value_stddev": 0.5}, SINGLE)
    assert legacy.values == (MetricValue("m", 2.0, 0.5),)
    failed = parse_observation_create(
        {"suggestion": 3, "failed": True, "metadata": {"k": None}}, SINGLE
    )
    assert failed.failed and failed.values == () and failed.metadata == {}
    multi = parse_observation_create(
        {
            "assignments": {"x": 0.1},
            "values": [
                {"name": "s", "value": 3},
                {"name": "b", "value": 1},
                {"name": "a", "value": 2},
            ],
        },
        MULTI,
    )
    assert [v.name for v in multi.values] == ["a", "b", "s"]
    task = parse_observation_create(
        {"assignments": {"x": 0.5}, "values": [{"value": 1}], "task": {"name": "cheap"}}, MULTITASK
    )
    assert task.task_name == "cheap"


def test_batch(invalid) -> None:
    drafts, no_optimize = parse_observation_batch(
        {"observations": [obs(), obs(no_optimize=True)]}, SINGLE
    )
    assert len(drafts) == 2 and no_optimize is False
    assert parse_observation_batch({"observations": []}, SINGLE) == ([], False)
    assert parse_observation_batch({"observations": [], "no_optimize": True}, SINGLE)[1] is True
    invalid(
        lambda: parse_observation_batch({"observations": [obs(), obs(values=[])]}, SINGLE),
        "observations[1].values",
    )
    invalid(
        lambda: parse_observation_batch({"observations": [obs(), 3]}, SINGLE), "observations[1]"
    )
    invalid(lambda: parse_observation_batch({}, SINGLE), "observations")
    invalid(
        lambda: parse_observation_batch({"observations": [obs()] * 2501}, SINGLE), "observations"
    )
    invalid(lambda: parse_observation_batch({"observations": [], "x": 1}, SINGLE), "x")


STORED = Observation(
    id=5,
    experiment_id=2,
    assignments={"x": 0.5, "n": 2, "l": 3.0},
    created=100,
    values=(MetricValue("m", 1.0, 0.1),),
    suggestion_id=None,
)


def merged(
    body: dict[str, Any], stored: Observation = STORED, definition: ExperimentDefinition = SINGLE
) -> ObservationDraft:
    return merge_observation_patch(stored, parse_observation_update(body, definition), definition)


def test_observation_update_merges() -> None:
    assert merged({}).values == STORED.values
    assert merged({"values": [{"value_stddev": 0.3}]}).values == (MetricValue("m", 1.0, 0.3),)
    assert merged({"values": [{"value": 4}]}).values == (MetricValue("m", 4.0, 0.1),)
    assert merged({"value": 4}).values == (MetricValue("m", 4.0, 0.1),)
    failed = merged({"failed": True})
    assert failed.failed and failed.values == ()
    back = merged({"failed": False, "values": [{"value": 2}]}, stored=merged_as_failed())
    assert not back.failed and back.values == (MetricValue("m", 2.0, None),)
    moved = merged({"suggestion": "9"})
    assert moved.suggestion_id == 9 and moved.assignments is None
    assert merged({"metadata": {"a": 1}}).metadata == {"a": 1}
    assert merged({"assignments": {"x": 0.1, "n": 1, "l": 2}}).assignments == {
        "x": 0.1,
        "n": 1,
        "l": 2.0,
    }


def merged_as_failed() -> Observation:
    return Observation(
        id=5, experiment_id=2, assignments=STORED.assignments, created=1, failed=True
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"failed": True, "values": [{"value": 1}]}, "values"),
        ({"failed": False}, "values"),
        ({"values": None}, "values"),
        ({"suggestion": None, "assignments": None}, "suggestion"),
        ({"suggestion": 1, "assignments": {"x": 0.1, "n": 1, "l": 2}}, "suggestion"),
        ({"assignments": {"x": 0.1}}, "assignments.l"),
        ({"task": "cheap"}, "task"),
        ({"bogus": 1}, "bogus"),
        ({"values": [{"name": "zz", "value": 1}]}, "values"),
    ],
)
def test_observation_update_rules(body: dict[str, Any], field: str, invalid) -> None:
    stored = merged_as_failed() if body.get("failed") is False else STORED
    invalid(lambda: merged(body, stored=stored), field)


def test_render_observation_and_best_assignments() -> None:
    rendered = render_observation(STORED, SINGLE)
    assert rendered == {
        "object": "observation",
        "id": "5",
        "experiment": "2",
        "suggestion": None,
        "assignments": {"l": 3.0, "n": 2, "x": 0.5},
        "values": [{"object": "metric_evaluation", "name": "m", "value": 1.0, "value_stddev": 0.1}],
        "failed": False,
        "created": 100,
        "metadata": None,
        "value": 1.0,
        "value_stddev": 0.1,
    }
    multi = Observation(
        id=1,
        experiment_id=1,
        assignments={"x": 0.2},
        created=1,
        values=(MetricValue("a", 1), MetricValue("b", 2)),
    )
    assert "value" not in render_observation(multi, MULTI)
    task_obs = Observation(
        id=1,
        experiment_id=1,
        assignments={"x": 0.2},
        created=1,
        values=(MetricValue(None, 1),),
        task=Task("cheap", 0.1),
    )
    assert render_observation(task_obs, MULTITASK)["task"] == {
        "object": "task",
        "name": "cheap",
        "cost": 0.1,
    }
    assert render_observation(task_obs, SINGLE).get("task") is None
    best = render_best_assignments(task_obs, MULTITASK)
    assert best["object"] == "best_assignments" and best["task"] == "cheap" and best["id"] == "1"


def test_conditional_assignments() -> None:
    definition = ExperimentDefinition(
        type="offline",
        parameters=(
            Parameter("a", "double", bounds=Bounds(0, 1), conditions={"k": ("on",)}),
            Parameter("b", "double", bounds=Bounds(0, 1)),
        ),
        conditionals=(Conditional("k", ("on", "off")),),
    )
    ok = parse_observation_create(
        {"assignments": {"k": "off", "b": 0.1, "a": None}, "values": [{"value": 1}]}, definition
    )
    assert ok.assignments == {"k": "off", "b": 0.1}
