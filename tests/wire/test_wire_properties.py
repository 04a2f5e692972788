"""Properties: valid bodies parse and render back; junk never escapes as anything but
InvalidField (a 400, never a 500)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialin.domain.experiments import Experiment, ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, CategoricalValue, Conditional, Parameter
from dialin.domain.progress import ObservationProgress
from dialin.domain.rules import apply_experiment_patch
from dialin.errors import InvalidField
from dialin.wire import (
    merge_observation_patch,
    parse_experiment_create,
    parse_experiment_update,
    parse_json_body,
    parse_observation_batch,
    parse_observation_create,
    parse_observation_update,
    parse_page_request,
    parse_project_create,
    parse_project_update,
    parse_queued_suggestion_create,
    parse_suggestion_create,
    parse_suggestion_update,
    render_experiment,
)

KEYS = [
    "name",
    "type",
    "parameters",
    "metrics",
    "bounds",
    "min",
    "max",
    "categorical_values",
    "grid",
    "prior",
    "mean",
    "scale",
    "shape_a",
    "shape_b",
    "transformation",
    "default_value",
    "conditions",
    "conditionals",
    "values",
    "value",
    "value_stddev",
    "linear_constraints",
    "terms",
    "weight",
    "threshold",
    "tasks",
    "cost",
    "observation_budget",
    "budget",
    "num_solutions",
    "parallel_bandwidth",
    "metadata",
    "project",
    "runs_only",
    "suggestion",
    "assignments",
    "failed",
    "task",
    "no_optimize",
    "observations",
    "id",
    "deleted",
    "state",
    "objective",
    "strategy",
    "x",
    "n",
    "c",
    "k",
]
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "double",
            "int",
            "categorical",
            "log",
            "none",
            "normal",
            "beta",
            "a",
            "b",
            "x",
            "open",
            "grid",
            "less_than",
            "maximize",
            "store",
            "",
        ]
    ),
    st.text(max_size=5),
)
junk = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=3)), inner, max_size=5),
    ),
    max_leaves=15,
)
bodies = st.dictionaries(st.sampled_from(KEYS), junk, max_size=8)

DEFINITION = ExperimentDefinition(
    type="offline",
    parameters=(
        Parameter("x", "double", bounds=Bounds(0, 1), conditions={"k": ("a",)}),
        Parameter("n", "int", bounds=Bounds(1, 5)),
        Parameter(
            "c",
            "categorical",
            categorical_values=(CategoricalValue("a", 1), CategoricalValue("b", 2)),
        ),
    ),
    metrics=(Metric("m"), Metric("s", strategy="store")),
    conditionals=(Conditional("k", ("a", "b")),),
    tasks=(Task("full", 1.0), Task("half", 0.5)),
    budget=10,
)
EXPERIMENT = Experiment(id=1, client_id=1, name="e", definition=DEFINITION, created=0, updated=0)
OBSERVATION = Observation(
    id=1,
    experiment_id=1,
    assignments={"k": "b", "n": 2, "c": "a"},
    created=0,
    values=(MetricValue("m", 1.0), MetricValue("s", 2.0)),
    task=Task("full", 1.0),
)

PARSERS: list[Callable[[Any], object]] = [
    lambda b: parse_experiment_create(b, ai=False),
    lambda b: parse_experiment_create(b, ai=True),
    lambda b: apply_experiment_patch(EXPERIMENT, parse_experiment_update(b, ai=False)),
    lambda b: apply_experiment_patch(EXPERIMENT, parse_experiment_update(b, ai=True)),
    lambda b: parse_observation_create(b, DEFINITION),
    lambda b: parse_observation_batch(b, DEFINITION),
    lambda b: merge_observation_patch(
        OBSERVATION, parse_observation_update(b, DEFINITION), DEFINITION
    ),
    lambda b: parse_suggestion_create(b, DEFINITION),
    parse_suggestion_create,
    parse_suggestion_update,
    lambda b: parse_queued_suggestion_create(b, DEFINITION),
    parse_project_create,
    parse_project_update,
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_junk_raises_only_invalid_field(body: dict[str, Any]) -> None:
    # One generated body feeds every parser: generating junk costs more than parsing it.
    for parse in PARSERS:
        try:
            parse(body)
        except InvalidField as error:
            assert error.field and error.message


@settings(max_examples=100, deadline=None)
@given(raw=st.one_of(st.binary(max_size=40), junk.map(lambda v: json.dumps(v).encode())))
def test_junk_bytes_raise_only_invalid_field(raw: bytes) -> None:
    try:
        body = parse_json_body(raw, "application/json")
    except InvalidField as error:
        assert error.field == "body"
        return
    assert isinstance(body, dict)


@given(
    st.dictionaries(
        st.sampled_from(["limit", "before", "after", "sort", "ascending", "x"]), st.text(max_size=8)
    )
)
def test_junk_queries_raise_only_invalid_field(query: dict[str, str]) -> None:
    with contextlib.suppress(InvalidField):
        parse_page_request(query, sorts={"id"})


names = st.text(alphabet="abcdefghij_", min_size=1, max_size=8)


@st.composite
def parameter_bodies(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["double", "int", "categorical"]))
    if kind == "categorical":
        values = draw(
            st.lists(
                st.text(alphabet="xyz", min_size=1, max_size=4), min_size=2, max_size=4, unique=True
            )
        )
        return {"name": name, "type": kind, "categorical_values": values}
    low = draw(st.integers(-1000, 1000))
    width = draw(st.integers(1, 1000))
    body: dict[str, Any] = {"name": name, "type": kind, "bounds": {"min": low, "max": low + width}}
    if kind == "double" and low > 0 and draw(st.booleans()):
        body["transformation"] = "log"
    if draw(st.booleans()):
        body["default_value"] = low
    return body


@st.composite
def experiment_bodies(draw: st.DrawFn) -> dict[str, Any]:
    parameter_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    metric_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    body: dict[str, Any] = {
        "name": draw(st.text(alphabet="abc XYZ", min_size=1, max_size=20).filter(str.strip)),
        "parameters": [draw(parameter_bodies(n)) for n in parameter_names],
        "metrics": [
            {"name": n, "objective": draw(st.sampled_from(["maximize", "minimize"]))}
            for n in metric_names
        ],
        "metadata": draw(
            st.dictionaries(
                names, st.one_of(st.integers(-1000, 1000), st.text(max_size=5)), max_size=3
            )
        ),
    }
    if len(metric_names) > 1 or draw(st.booleans()):
        body["budget"] = draw(st.integers(1, 100))
    if draw(st.booleans()):
        body["parallel_bandwidth"] = draw(st.integers(1, 8))
    return body


@settings(max_examples=100, deadline=None)
@given(experiment_bodies())
def test_valid_ai_bodies_parse_and_round_trip(body: dict[str, Any]) -> None:
    draft = parse_experiment_create(body, ai=True)
    experiment = Experiment(
        id=1,
        client_id=1,
        name=draft.name,
        definition=draft.definition,
        created=0,
        updated=0,
        runs_only=True,
        project="p",
        metadata=draft.metadata,
    )
    rendered = render_experiment(experiment, ObservationProgress(0, 0))
    json.dumps(rendered, allow_nan=False)
    assert [p["name"] for p in rendered["parameters"]] == sorted(
        p["name"] for p in body["parameters"]
    )  # type: ignore[union-attr,index]
    again = parse_experiment_create(
        {
            k: rendered[k]
            for k in ("name", "parameters", "metrics", "budget", "parallel_bandwidth", "metadata")
        },
        ai=True,
    )
    assert again.definition.active_parameters == draft.definition.active_parameters
    assert sorted(again.definition.metrics, key=lambda m: m.name or "") == sorted(
        draft.definition.metrics, key=lambda m: m.name or ""
    )
    # Echoing the rendered parameters back as an update changes nothing.
    same = apply_experiment_patch(
        experiment, parse_experiment_update({"parameters": rendered["parameters"]}, ai=True)
    )
    assert same.definition.active_parameters == experiment.definition.active_parameters


VALID_CREATE: dict[str, Any] = {
    "name": "e",
    "parameters": [
        {
            "name": "x",
            "type": "double",
            "bounds": {"min": 0, "max": 1},
            "conditions": {"k": "a"},
            "prior": {"name": "normal", "mean": 0.5, "scale": 1},
        },
        {"name": "n", "type": "int", "bounds": {"min": 1, "max": 5}, "default_value": 2},
        {"name": "c", "type": "categorical", "categorical_values": ["a", {"name": "b"}]},
    ],
    "conditionals": [{"name": "k", "values": ["a", "b"]}],
    "metrics": [{"name": "m", "objective": "minimize"}, {"name": "s", "strategy": "store"}],
    "linear_constraints": [
        {"type": "less_than", "threshold": 9, "terms": [{"name": "n", "weight": 1}]}
    ],
    "tasks": [{"name": "full", "cost": 1}, {"name": "half", "cost": 0.5}],
    "observation_budget": 10,
    "metadata": {"a": 1},
}
VALID_OBSERVATION: dict[str, Any] = {
    "assignments": {"k": "a", "x": 0.5, "n": 2, "c": "a"},
    "values": [{"name": "m", "value": 1, "value_stddev": 0.1}, {"name": "s", "value": 2}],
    "task": {"name": "half"},
    "metadata": {"host": "h"},
}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += paths(v, (*prefix, i))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_valid_bodies_with_one_junk_value_raise_only_invalid_field(data: st.DataObject) -> None:
    assert parse_experiment_create(VALID_CREATE, ai=False).definition.is_multitask
    assert parse_observation_create(VALID_OBSERVATION, DEFINITION).task_name == "half"
    for base, parse in (
        (VALID_CREATE, lambda b: parse_experiment_create(b, ai=False)),
        (VALID_OBSERVATION, lambda b: parse_observation_create(b, DEFINITION)),
        (
            VALID_OBSERVATION,
            lambda b: merge_observation_patch(
                OBSERVATION, parse_observation_update(b, DEFINITION), DEFINITION
            ),
        ),
    ):
        path = data.draw(st.sampled_from(paths(base)[1:]))
        body = replaced(base, path, data.draw(junk))
        try:
            parse(body)
        except InvalidField as error:
            assert error.field and error.message
