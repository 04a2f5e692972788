"""Every create rule of §4.3/§4.4: each bad body names the culprit field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dialin.domain.experiments import Experiment
from dialin.domain.progress import ObservationProgress, RunProgress
from dialin.wire import parse_experiment_create, render_experiment

Body = dict[str, Any]


def base() -> Body:
    return {
        "name": "exp",
        "parameters": [
            {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
            {"name": "n", "type": "int", "bounds": {"min": 1, "max": 10}},
            {"name": "c", "type": "categorical", "categorical_values": ["a", "b"]},
        ],
    }


def ai_base() -> Body:
    return {**base(), "metrics": [{"name": "m"}]}


def with_(change: Callable[[Body], object], start: Callable[[], Body] = base) -> Body:
    body = copy.deepcopy(start())
    change(body)
    return body


def p(i: int, **fields: object) -> Callable[[Body], object]:
    return lambda b: b["parameters"][i].update(fields)


def drop(i: int, key: str) -> Callable[[Body], object]:
    return lambda b: b["parameters"][i].pop(key)


def s(**fields: object) -> Callable[[Body], object]:
    return lambda b: b.update(fields)


CORE_CASES: list[tuple[str, Body, str]] = [
    ("unknown key", with_(s(foo=1)), "foo"),
    ("legacy metric key", with_(s(metric={"name": "m"})), "metric"),
    ("missing name", with_(lambda b: b.pop("name")), "name"),
    ("null name", with_(s(name=None)), "name"),
    ("name not a string", with_(s(name=3)), "name"),
    ("empty name", with_(s(name="  ")), "name"),
    ("long name", with_(s(name="x" * 101)), "name"),
    ("control char in name", with_(s(name="a\nb")), "name"),
    ("bad type", with_(s(type="bayes")), "type"),
    ("no parameters", with_(s(parameters=[])), "parameters"),
    ("missing parameters", with_(lambda b: b.pop("parameters")), "parameters"),
    ("parameters not a list", with_(s(parameters={})), "parameters"),
    ("parameter not an object", with_(s(parameters=[3])), "parameters[0]"),
    ("parameter without name", with_(drop(0, "name")), "parameters[0].name"),
    ("parameter name too long", with_(p(0, name="p" * 101)), "parameters[0].name"),
    ("duplicate parameter", with_(p(1, name="x")), "parameters[1].name"),
    ("parameter type", with_(p(0, type="float")), "parameters[0].type"),
    ("missing type", with_(drop(0, "type")), "parameters[0].type"),
    ("missing bounds", with_(drop(0, "bounds")), "parameters[0].bounds"),
    ("bounds not object", with_(p(0, bounds=[0, 1])), "parameters[0].bounds"),
    ("bounds min type", with_(p(0, bounds={"min": "x", "max": 1})), "parameters[0].bounds.min"),
    ("bounds max missing", with_(p(0, bounds={"min": 0})), "parameters[0].bounds.max"),
    ("bounds bool", with_(p(0, bounds={"min": True, "max": 2})), "parameters[0].bounds.min"),
    (
        "int bounds fractional",
        with_(p(1, bounds={"min": 1.5, "max": 3})),
        "parameters[1].bounds.min",
    ),
    ("max < min", with_(p(0, bounds={"min": 2, "max": 1})), "parameters[0].bounds"),
    ("tiny domain", with_(p(0, bounds={"min": 1, "max": 1 + 1e-10})), "parameters[0].bounds"),
    ("categorical with bounds", with_(p(2, bounds={"min": 0, "max": 1})), "parameters[2].bounds"),
    (
        "categorical without values",
        with_(drop(2, "categorical_values")),
        "parameters[2].categorical_values",
    ),
    (
        "one categorical value",
        with_(p(2, categorical_values=["a"])),
        "parameters[2].categorical_values",
    ),
    (
        "duplicate categorical value",
        with_(p(2, categorical_values=["a", "a"])),
        "parameters[2].categorical_values[1]",
    ),
    (
        "categorical value type",
        with_(p(2, categorical_values=["a", 3])),
        "parameters[2].categorical_values[1]",
    ),
    (
        "categorical value object without name",
        with_(p(2, categorical_values=["a", {}])),
        "parameters[2].categorical_values[1].name",
    ),
    (
        "categorical value too long",
        with_(p(2, categorical_values=["a", "v" * 51])),
        "parameters[2].categorical_values[1]",
    ),
    (
        "numeric with categorical values",
        with_(p(0, categorical_values=["a", "b"])),
        "parameters[0].categorical_values",
    ),
    ("bad transformation", with_(p(0, transformation="exp")), "parameters[0].transformation"),
    ("log on int", with_(p(1, transformation="log")), "parameters[1].transformation"),
    ("log needs positive bounds", with_(p(0, transformation="log")), "parameters[0].bounds.min"),
    (
        "prior on int",
        with_(p(1, prior={"name": "normal", "mean": 2, "scale": 1})),
        "parameters[1].prior",
    ),
    (
        "prior with log",
        with_(
            p(
                0,
                bounds={"min": 1, "max": 2},
                transformation="log",
                prior={"name": "beta", "shape_a": 1, "shape_b": 1},
            )
        ),
        "parameters[0].prior",
    ),
    ("prior name", with_(p(0, prior={"name": "cauchy"})), "parameters[0].prior.name"),
    (
        "normal mean outside",
        with_(p(0, prior={"name": "normal", "mean": 5, "scale": 1})),
        "parameters[0].prior.mean",
    ),
    (
        "normal scale",
        with_(p(0, prior={"name": "normal", "mean": 0.5, "scale": 0})),
        "parameters[0].prior.scale",
    ),
    (
        "normal missing scale",
        with_(p(0, prior={"name": "normal", "mean": 0.5})),
        "parameters[0].prior.scale",
    ),
    (
        "beta shape",
        with_(p(0, prior={"name": "beta", "shape_a": 1, "shape_b": -1})),
        "parameters[0].prior.shape_b",
    ),
    (
        "grid with prior",
        with_(
            p(0, grid=[0.1, 0.2], bounds=None, prior={"name": "beta", "shape_a": 1, "shape_b": 1})
        ),
        "parameters[0].prior",
    ),
    ("grid one value", with_(p(0, grid=[0.5])), "parameters[0].grid"),
    ("grid duplicates", with_(p(0, grid=[0.5, 0.5])), "parameters[0].grid"),
    ("int grid fractional", with_(p(1, grid=[1, 2.5])), "parameters[1].grid[1]"),
    ("grid string on numeric", with_(p(1, grid=[1, "a"])), "parameters[1].grid[1]"),
    ("grid not list", with_(p(1, grid=3)), "parameters[1].grid"),
    ("grid contradicts bounds", with_(p(0, grid=[0.1, 0.2])), "parameters[0].bounds"),
    (
        "log grid non-positive",
        with_(p(0, grid=[0, 1], transformation="log", bounds=None)),
        "parameters[0].grid",
    ),
    ("categorical grid", with_(p(2, grid=["a", "z"])), "parameters[2].grid"),
    ("default type", with_(p(0, default_value="a")), "parameters[0].default_value"),
    ("int default fractional", with_(p(1, default_value=2.5)), "parameters[1].default_value"),
    ("categorical default unknown", with_(p(2, default_value="z")), "parameters[2].default_value"),
    (
        "log default",
        with_(p(0, bounds={"min": 1, "max": 2}, transformation="log", default_value=-1)),
        "parameters[0].default_value",
    ),
    ("default bool", with_(p(0, default_value=True)), "parameters[0].default_value"),
    (
        "conditions unknown conditional",
        with_(p(0, conditions={"z": "a"})),
        "parameters[0].conditions.z",
    ),
    ("conditionals not list", with_(s(conditionals={})), "conditionals"),
    (
        "conditional without values",
        with_(s(conditionals=[{"name": "k"}])),
        "conditionals[0].values",
    ),
    (
        "conditional one value",
        with_(s(conditionals=[{"name": "k", "values": ["a"]}])),
        "conditionals[0].values",
    ),
    (
        "conditional duplicate value",
        with_(s(conditionals=[{"name": "k", "values": ["a", "a"]}])),
        "conditionals[0].values[1]",
    ),
    (
        "conditional value type",
        with_(s(conditionals=[{"name": "k", "values": ["a", 1]}])),
        "conditionals[0].values[1]",
    ),
    (
        "conditional unknown key",
        with_(s(conditionals=[{"name": "k", "values": ["a", "b"], "x": 1}])),
        "conditionals[0].x",
    ),
    (
        "duplicate conditional",
        with_(
            s(
                conditionals=[
                    {"name": "k", "values": ["a", "b"]},
                    {"name": "k", "values": ["a", "b"]},
                ]
            )
        ),
        "conditionals[1].name",
    ),
    (
        "parameter named like conditional",
        with_(s(conditionals=[{"name": "x", "values": ["a", "b"]}])),
        "parameters[0].name",
    ),
    (
        "condition value unknown",
        with_(
            lambda b: (
                b.update(conditionals=[{"name": "k", "values": ["a", "b"]}]),
                b["parameters"][0].update(conditions={"k": ["z"]}),
            )
        ),
        "parameters[0].conditions.k",
    ),
    (
        "uncovered conditional value",
        with_(
            lambda b: (
                b.update(conditionals=[{"name": "k", "values": ["a", "b"]}]),
                [q.update(conditions={"k": "a"}) for q in b["parameters"]],
            )
        ),
        "conditionals",
    ),
    ("metrics empty", with_(s(metrics=[])), "metrics"),
    ("metrics not list", with_(s(metrics="m")), "metrics"),
    ("metric unknown key", with_(s(metrics=[{"name": "m", "goal": 1}])), "metrics[0].goal"),
    (
        "metric objective",
        with_(s(metrics=[{"name": "m", "objective": "up"}])),
        "metrics[0].objective",
    ),
    (
        "metric strategy",
        with_(s(metrics=[{"name": "m", "strategy": "guess"}])),
        "metrics[0].strategy",
    ),
    (
        "metric threshold type",
        with_(s(metrics=[{"name": "m", "threshold": "1"}])),
        "metrics[0].threshold",
    ),
    (
        "too many metrics",
        with_(s(metrics=[f"m{i}" for i in range(51)], observation_budget=10)),
        "metrics",
    ),
    ("three optimized", with_(s(metrics=["a", "b", "c"], observation_budget=10)), "metrics"),
    (
        "five constraints",
        with_(
            s(
                metrics=["o"]
                + [{"name": f"c{i}", "strategy": "constraint", "threshold": 1} for i in range(5)],
                observation_budget=10,
            )
        ),
        "metrics",
    ),
    ("duplicate metric", with_(s(metrics=["a", "a"], observation_budget=10)), "metrics[1].name"),
    (
        "unnamed among several",
        with_(s(metrics=[{"name": "a"}, {"objective": "minimize"}], observation_budget=10)),
        "metrics[1].name",
    ),
    ("only stored metrics", with_(s(metrics=[{"name": "a", "strategy": "store"}])), "metrics"),
    (
        "threshold with one optimized",
        with_(s(metrics=[{"name": "a", "threshold": 1}])),
        "metrics[0].threshold",
    ),
    (
        "constraint without threshold",
        with_(s(metrics=[{"name": "a", "strategy": "constraint"}], observation_budget=5)),
        "metrics[0].threshold",
    ),
    (
        "threshold on stored",
        with_(s(metrics=["a", {"name": "b", "strategy": "store", "threshold": 1}])),
        "metrics[1].threshold",
    ),
    ("budget zero", with_(s(observation_budget=0)), "observation_budget"),
    ("budget fractional", with_(s(observation_budget=2.5)), "observation_budget"),
    ("budget bool", with_(s(observation_budget=True)), "observation_budget"),
    ("budget key on core", with_(s(budget=10)), "budget"),
    ("budget with two optimized", with_(s(metrics=["a", "b"])), "observation_budget"),
    (
        "budget with constraint",
        with_(s(metrics=[{"name": "a", "strategy": "constraint", "threshold": 1}])),
        "observation_budget",
    ),
    ("budget with multisolution", with_(s(num_solutions=2)), "observation_budget"),
    (
        "num_solutions > budget",
        with_(s(num_solutions=5, observation_budget=3)),
        "observation_budget",
    ),
    ("num_solutions zero", with_(s(num_solutions=0)), "num_solutions"),
    (
        "multisolution with two optimized",
        with_(s(num_solutions=2, observation_budget=10, metrics=["a", "b"])),
        "num_solutions",
    ),
    (
        "multisolution with conditionals",
        with_(
            s(
                num_solutions=2,
                observation_budget=10,
                conditionals=[{"name": "k", "values": ["a", "b"]}],
            )
        ),
        "num_solutions",
    ),
    ("parallel_bandwidth zero", with_(s(parallel_bandwidth=0)), "parallel_bandwidth"),
    ("parallel_bandwidth string", with_(s(parallel_bandwidth="2")), "parallel_bandwidth"),
    (
        "tasks need budget",
        with_(s(tasks=[{"name": "a", "cost": 1}, {"name": "b", "cost": 0.5}])),
        "observation_budget",
    ),
    ("one task", with_(s(tasks=[{"name": "a", "cost": 1}], observation_budget=5)), "tasks"),
    (
        "task cost range",
        with_(s(tasks=[{"name": "a", "cost": 1}, {"name": "b", "cost": 0}], observation_budget=5)),
        "tasks[1].cost",
    ),
    (
        "task cost above one",
        with_(
            s(tasks=[{"name": "a", "cost": 1}, {"name": "b", "cost": 1.5}], observation_budget=5)
        ),
        "tasks[1].cost",
    ),
    (
        "no full-cost task",
        with_(
            s(tasks=[{"name": "a", "cost": 0.2}, {"name": "b", "cost": 0.5}], observation_budget=5)
        ),
        "tasks",
    ),
    (
        "duplicate task costs",
        with_(s(tasks=[{"name": "a", "cost": 1}, {"name": "b", "cost": 1}], observation_budget=5)),
        "tasks",
    ),
    (
        "duplicate task names",
        with_(
            s(tasks=[{"name": "a", "cost": 1}, {"name": "a", "cost": 0.5}], observation_budget=5)
        ),
        "tasks",
    ),
    ("task missing cost", with_(s(tasks=[{"name": "a"}], observation_budget=5)), "tasks[0].cost"),
    (
        "task unknown key",
        with_(s(tasks=[{"name": "a", "cost": 1, "z": 0}], observation_budget=5)),
        "tasks[0].z",
    ),
    (
        "tasks with two optimized",
        with_(
            s(
                tasks=[{"name": "a", "cost": 1}, {"name": "b", "cost": 0.5}],
                observation_budget=5,
                metrics=["x1", "x2"],
            )
        ),
        "tasks",
    ),
    (
        "grid with conditionals",
        with_(
            lambda b: (
                b.update(type="grid", conditionals=[{"name": "k", "values": ["a", "b"]}]),
                b["parameters"][0].update(grid=[0.1, 0.2], bounds=None),
                b["parameters"][1].update(grid=[1, 2], bounds=None),
            )
        ),
        "conditionals",
    ),
    ("grid needs grids", with_(s(type="grid")), "parameters[0].grid"),
    (
        "grid budget mismatch",
        with_(
            lambda b: (
                b.update(type="grid", observation_budget=5),
                b["parameters"][0].update(grid=[0.1, 0.2], bounds=None),
                b["parameters"][1].update(grid=[1, 2], bounds=None),
            )
        ),
        "observation_budget",
    ),
    (
        "constraint type",
        with_(
            s(
                linear_constraints=[
                    {"type": "equal", "threshold": 1, "terms": [{"name": "x", "weight": 1}]}
                ]
            )
        ),
        "linear_constraints[0].type",
    ),
    (
        "constraint threshold",
        with_(s(linear_constraints=[{"type": "less_than", "terms": [{"name": "x", "weight": 1}]}])),
        "linear_constraints[0].threshold",
    ),
    (
        "constraint no terms",
        with_(s(linear_constraints=[{"type": "less_than", "threshold": 1, "terms": []}])),
        "linear_constraints[0].terms",
    ),
    (
        "constraint zero terms only",
        with_(
            s(
                linear_constraints=[
                    {"type": "less_than", "threshold": 1, "terms": [{"name": "x", "weight": 0}]}
                ]
            )
        ),
        "linear_constraints[0].terms",
    ),
    (
        "constraint unknown param",
        with_(
            s(
                linear_constraints=[
                    {"type": "less_than", "threshold": 1, "terms": [{"name": "q", "weight": 1}]}
                ]
            )
        ),
        "linear_constraints[0].terms[0].name",
    ),
    (
        "constraint on categorical",
        with_(
            s(
                linear_constraints=[
                    {"type": "less_than", "threshold": 1, "terms": [{"name": "c", "weight": 1}]}
                ]
            )
        ),
        "linear_constraints[0].terms[0].name",
    ),
    (
        "constraint mixes types",
        with_(
            s(
                linear_constraints=[
                    {
                        "type": "less_than",
                        "threshold": 5,
                        "terms": [{"name": "x", "weight": 1}, {"name": "n", "weight": 1}],
                    }
                ]
            )
        ),
        "linear_constraints[0].terms",
    ),
    (
        "constraint repeats",
        with_(
            s(
                linear_constraints=[
                    {
                        "type": "less_than",
                        "threshold": 5,
                        "terms": [{"name": "x", "weight": 1}, {"name": "x", "weight": 2}],
                    }
                ]
            )
        ),
        "linear_constraints[0].terms[1].name",
    ),
    (
        "constraint on log",
        with_(
            lambda b: (
                b["parameters"][0].update(transformation="log", bounds={"min": 1, "max": 2}),
                b.update(
                    linear_constraints=[
                        {"type": "less_than", "threshold": 5, "terms": [{"name": "x", "weight": 1}]}
                    ]
                ),
            )
        ),
        "linear_constraints[0].terms[0].name",
    ),
    (
        "constraint on grid",
        with_(
            lambda b: (
                b["parameters"][0].update(grid=[0.1, 0.2], bounds=None),
                b.update(
                    linear_constraints=[
                        {"type": "less_than", "threshold": 5, "terms": [{"name": "x", "weight": 1}]}
                    ]
                ),
            )
        ),
        "linear_constraints[0].terms[0].name",
    ),
    (
        "infeasible constraints",
        with_(
            s(
                linear_constraints=[
                    {"type": "greater_than", "threshold": 5, "terms": [{"name": "x", "weight": 1}]}
                ]
            )
        ),
        "linear_constraints",
    ),
    (
        "infeasible integer constraints",
        with_(
            lambda b: (
                b["parameters"][1].update(bounds={"min": 1, "max": 2}),
                b.update(
                    linear_constraints=[
                        {
                            "type": "greater_than",
                            "threshold": 2.5,
                            "terms": [{"name": "n", "weight": 2}],
                        },
                        {
                            "type": "less_than",
                            "threshold": 3.5,
                            "terms": [{"name": "n", "weight": 2}],
                        },
                    ]
                ),
            )
        ),
        "linear_constraints",
    ),
    (
        "constraint term unknown key",
        with_(
            s(
                linear_constraints=[
                    {
                        "type": "less_than",
                        "threshold": 1,
                        "terms": [{"name": "x", "weight": 1, "z": 1}],
                    }
                ]
            )
        ),
        "linear_constraints[0].terms[0].z",
    ),
    ("metadata not object", with_(s(metadata=[1])), "metadata"),
    ("metadata bool value", with_(s(metadata={"a": True})), "metadata.a"),
    ("project pattern", with_(s(project="My Project")), "project"),
    ("runs_only needs project", with_(s(runs_only=True)), "project"),
    ("runs_only not bool", with_(s(runs_only="yes")), "runs_only"),
    (
        "observation_budget on runs_only",
        with_(s(runs_only=True, project="p", observation_budget=3)),
        "observation_budget",
    ),
]


@pytest.mark.parametrize(("name", "body", "field"), CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_core_create_rules(name: str, body: Body, field: str, invalid) -> None:
    invalid(lambda: parse_experiment_create(body, ai=False), field)


AI_CASES: list[tuple[str, Body, str]] = [
    ("metrics required", with_(lambda b: b.pop("metrics"), ai_base), "metrics"),
    ("metric strings", with_(s(metrics=["m"]), ai_base), "metrics[0]"),
    (
        "metric name required",
        with_(s(metrics=[{"objective": "minimize"}]), ai_base),
        "metrics[0].name",
    ),
    ("budget zero", with_(s(budget=0), ai_base), "budget"),
    ("observation_budget", with_(s(observation_budget=3), ai_base), "observation_budget"),
    ("project key", with_(s(project="p"), ai_base), "project"),
    ("runs_only key", with_(s(runs_only=True), ai_base), "runs_only"),
    ("tasks key", with_(s(tasks=[]), ai_base), "tasks"),
    (
        "budget with two optimized",
        with_(s(metrics=[{"name": "a"}, {"name": "b"}]), ai_base),
        "budget",
    ),
]


@pytest.mark.parametrize(("name", "body", "field"), AI_CASES, ids=[c[0] for c in AI_CASES])
def test_ai_create_rules(name: str, body: Body, field: str, invalid) -> None:
    invalid(lambda: parse_experiment_create(body, ai=True), field)


def test_valid_bodies_that_stretch_the_rules() -> None:
    body = with_(
        lambda b: (
            b.update(
                name="  spaced  ",
                type=None,
                metrics=["b", {"name": "a", "objective": "minimize", "object": "metric"}],
                observation_budget=30.0,
                conditionals=[{"name": "k", "values": ["on", "off"]}],
                metadata={"a": None, "b": 2.0, "c": "x"},
                parallel_bandwidth=2,
                num_solutions=None,
            ),
            b["parameters"][0].update(conditions={"k": "on"}, object="parameter", precision=None),
            b["parameters"][1].update(bounds={"min": 1.0, "max": 10.0}, default_value=3.0),
            b["parameters"][2].update(categorical_values=[{"name": "a", "enum_index": 9}, "b"]),
        )
    )
    draft = parse_experiment_create(body, ai=False)
    assert draft.name == "spaced"
    assert draft.metadata == {"b": 2.0, "c": "x"}
    d = draft.definition
    assert d.budget == 30 and isinstance(d.budget, int)
    assert [m.name for m in d.metrics] == ["b", "a"]
    n = d.parameter("n")
    assert n is not None and n.bounds is not None and n.default_value == 3
    assert isinstance(n.bounds.min, int) and isinstance(n.default_value, int)
    c = d.parameter("c")
    assert c is not None and [(v.name, v.enum_index) for v in c.categorical_values] == [
        ("a", 1),
        ("b", 2),
    ]
    x = d.parameter("x")
    assert x is not None and dict(x.conditions) == {"k": ("on",)}


def test_zero_weight_terms_are_dropped_and_terms_sorted() -> None:
    body = with_(
        lambda b: (
            b["parameters"].append({"name": "B", "type": "double", "bounds": {"min": 0, "max": 1}}),
            b.update(
                linear_constraints=[
                    {
                        "type": "less_than",
                        "threshold": 1,
                        "terms": [
                            {"name": "x", "weight": 1},
                            {"name": "B", "weight": 1},
                            {"name": "n", "weight": 0},
                        ],
                    }
                ]
            ),
        )
    )
    (constraint,) = parse_experiment_create(body, ai=False).definition.linear_constraints
    assert [t.name for t in constraint.terms] == ["B", "x"]


def test_grid_experiment_budget_and_rendering() -> None:
    body = with_(
        lambda b: (
            b.update(type="grid"),
            b["parameters"][0].update(grid=[0.5, 0.1, 0.9], bounds=None),
            b["parameters"][1].update(grid=[3, 1], bounds={"min": 1, "max": 3}),
        )
    )
    draft = parse_experiment_create(body, ai=False)
    assert draft.definition.budget == 3 * 2 * 2
    experiment = Experiment(
        id=1, client_id=1, name="g", definition=draft.definition, created=0, updated=0
    )
    rendered = render_experiment(experiment, ObservationProgress(0, 0))
    params = {p["name"]: p for p in rendered["parameters"]}  # type: ignore[union-attr,index]
    assert params["x"]["grid"] == [0.1, 0.5, 0.9]
    assert params["x"]["bounds"] == {"object": "bounds", "min": 0.1, "max": 0.9}
    assert params["n"]["grid"] == [1, 3]
    assert params["c"]["grid"] == ["a", "b"]
    assert rendered["observation_budget"] == 12


def test_round_trip_of_core_experiment() -> None:
    body = with_(
        s(
            metrics=[{"name": "m", "objective": "minimize"}, {"name": "s", "strategy": "store"}],
            tasks=[{"name": "cheap", "cost": 0.1}, {"name": "full", "cost": 1}],
            observation_budget=10,
            project="proj",
        )
    )
    draft = parse_experiment_create(body, ai=False)
    experiment = Experiment(
        id=7,
        client_id=3,
        name=draft.name,
        definition=draft.definition,
        created=5,
        updated=6,
        project=draft.project,
    )
    rendered = render_experiment(
        experiment, ObservationProgress(observation_count=0, budget_consumed=0.0)
    )
    assert (
        rendered["object"] == "experiment" and rendered["id"] == "7" and rendered["client"] == "3"
    )
    assert [p["name"] for p in rendered["parameters"]] == ["c", "n", "x"]  # type: ignore[union-attr,index]
    assert [m["name"] for m in rendered["metrics"]] == ["m", "s"]  # type: ignore[union-attr,index]
    assert [t["name"] for t in rendered["tasks"]] == ["full", "cheap"]  # type: ignore[union-attr,index]
    assert rendered["observation_budget"] == 10 and "budget" not in rendered
    assert rendered["progress"] == {
        "object": "progress",
        "observation_count": 0,
        "observation_budget_consumed": 0,
        "first_observation": None,
        "last_observation": None,
        "best_observation": None,
    }
    assert rendered["project"] == "proj" and rendered["runs_only"] is False
    # Rendered parameters parse back to the same definition.
    again = parse_experiment_create(
        {
            "name": rendered["name"],
            "parameters": rendered["parameters"],
            "metrics": rendered["metrics"],
            "tasks": rendered["tasks"],
            "observation_budget": rendered["observation_budget"],
        },
        ai=False,
    )
    assert again.definition.active_parameters == draft.definition.active_parameters


def test_ai_experiment_rendering() -> None:
    draft = parse_experiment_create(with_(s(budget=4), ai_base), ai=True)
    assert draft.runs_only and draft.project is None
    experiment = Experiment(
        id=1,
        client_id=1,
        name="a",
        definition=draft.definition,
        created=0,
        updated=0,
        runs_only=True,
        project="p",
    )
    rendered = render_experiment(
        experiment, RunProgress(finished_run_count=1, active_run_count=2, budget=4)
    )
    assert rendered["object"] == "aiexperiment" and rendered["budget"] == 4
    assert (
        "observation_budget" not in rendered
        and "tasks" not in rendered
        and "development" not in rendered
    )
    assert rendered["progress"] == {
        "object": "progress",
        "finished_run_count": 1,
        "active_run_count": 2,
        "total_run_count": 3,
        "remaining_budget": 1,
    }
