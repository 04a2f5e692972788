"""§5.10: what an experiment update may change, from the JSON body to the new experiment."""

from __future__ import annotations

from typing import Any

import pytest

from dialin.domain.experiments import Experiment
from dialin.domain.progress import RunProgress
from dialin.domain.rules import apply_experiment_patch
from dialin.wire import parse_experiment_create, parse_experiment_update, render_experiment


def make(body: dict[str, Any] | None = None, *, ai: bool = False) -> Experiment:
    base: dict[str, Any] = {
        "name": "e",
        "parameters": [
            {"name": "max_depth", "type": "int", "bounds": {"min": 2, "max": 5}},
            {
                "name": "rate",
                "type": "double",
                "bounds": {"min": 0.1, "max": 1},
                "prior": {"name": "normal", "mean": 0.5, "scale": 1},
            },
            {"name": "kind", "type": "categorical", "categorical_values": ["a", "b", "c"]},
        ],
        "metrics": [{"name": "f1"}],
        "budget" if ai else "observation_budget": 3,
        **(body or {}),
    }
    draft = parse_experiment_create(base, ai=ai)
    return Experiment(
        id=1,
        client_id=1,
        name=draft.name,
        definition=draft.definition,
        created=0,
        updated=0,
        runs_only=ai,
        project="p" if ai else None,
    )


def update(experiment: Experiment, body: dict[str, Any]) -> Experiment:
    return apply_experiment_patch(
        experiment, parse_experiment_update(body, ai=experiment.runs_only)
    )


def test_echoed_parameter_objects_update_bounds() -> None:
    """sigopt-python's integration test_experiment.py::test_update, in JSON."""
    experiment = make(ai=True)
    rendered = render_experiment(experiment, RunProgress(0, 0, 3))
    parameters = rendered["parameters"]
    assert isinstance(parameters, list)
    depth = next(p for p in parameters if p["name"] == "max_depth")
    depth["bounds"]["max"] = 100
    updated = update(
        experiment, {"name": "e-1", "parameters": parameters, "parallel_bandwidth": 2, "budget": 4}
    )
    assert updated.name == "e-1"
    assert updated.definition.budget == 4 and updated.definition.parallel_bandwidth == 2
    p = updated.definition.parameter("max_depth")
    assert p is not None and p.bounds is not None and (p.bounds.min, p.bounds.max) == (2, 100)


def test_parameter_list_semantics() -> None:
    experiment = make()
    updated = update(
        experiment,
        {
            "parameters": [
                {"name": "max_depth"},
                {"name": "kind", "categorical_values": ["c", "a", "d"], "default_value": "d"},
                {
                    "name": "new",
                    "type": "double",
                    "bounds": {"min": 0, "max": 1},
                    "default_value": 0.5,
                },
            ]
        },
    )
    d = updated.definition
    assert [p.name for p in d.active_parameters] == ["kind", "max_depth", "new"]
    assert next(p for p in d.parameters if p.name == "rate").deleted
    kind = d.parameter("kind")
    assert kind is not None
    assert [(v.name, v.enum_index, v.deleted) for v in kind.categorical_values] == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 3, False),
        ("d", 4, False),
    ]
    assert kind.active_values == ("a", "c", "d")
    revived = update(
        updated, {"parameters": [{"name": "max_depth"}, {"name": "rate", "default_value": 0.2}]}
    )
    rate = revived.definition.parameter("rate")
    assert rate is not None and rate.prior is not None
    cleared = update(
        revived, {"parameters": [{"name": "max_depth"}, {"name": "rate", "prior": None}]}
    )
    rate = cleared.definition.parameter("rate")
    assert rate is not None and rate.prior is None


def test_simple_fields() -> None:
    experiment = make()
    updated = update(
        experiment,
        {
            "state": "deleted",
            "metadata": {"a": 1},
            "project": "proj",
            "observation_budget": None,
            "no_optimize": True,
        },
    )
    assert updated.state == "deleted" and updated.metadata == {"a": 1} and updated.project == "proj"
    assert updated.definition.budget is None
    assert (
        update(updated, {"metadata": None, "project": None, "parallel_bandwidth": None}).metadata
        is None
    )
    thresholds = make({"metrics": [{"name": "a"}, {"name": "b"}], "observation_budget": 5})
    changed = update(
        thresholds,
        {
            "metrics": [
                {"name": "b", "threshold": 2, "object": "metric"},
                {"name": "a", "objective": "maximize"},
            ]
        },
    )
    assert {m.name: m.threshold for m in changed.definition.metrics} == {"a": None, "b": 2.0}


CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("conditionals frozen", {}, {"conditionals": []}, "conditionals"),
    ("num_solutions frozen", {}, {"num_solutions": 2}, "num_solutions"),
    ("tasks frozen", {}, {"tasks": []}, "tasks"),
    ("constraints frozen", {}, {"linear_constraints": []}, "linear_constraints"),
    ("unknown key", {}, {"type": "grid"}, "type"),
    ("wrong budget key", {}, {"budget": 3}, "budget"),
    ("bad state", {}, {"state": "done"}, "state"),
    ("null name", {}, {"name": None}, "name"),
    ("empty parameters", {}, {"parameters": []}, "parameters"),
    (
        "duplicate parameters",
        {},
        {"parameters": [{"name": "rate"}, {"name": "rate"}]},
        "parameters[1].name",
    ),
    (
        "new parameter without default",
        {},
        {"parameters": [{"name": "z", "type": "double", "bounds": {"min": 0, "max": 1}}]},
        "parameters[0].default_value",
    ),
    (
        "new parameter without type",
        {},
        {"parameters": [{"name": "z", "default_value": 1}]},
        "parameters[0].type",
    ),
    ("type change", {}, {"parameters": [{"name": "rate", "type": "int"}]}, "parameters[0].type"),
    (
        "transformation change",
        {},
        {"parameters": [{"name": "rate", "transformation": "log", "prior": None}]},
        "parameters[0].transformation",
    ),
    (
        "conditions change",
        {},
        {"parameters": [{"name": "rate", "conditions": {"k": "x"}}]},
        "parameters[0].conditions.k",
    ),
    (
        "one categorical left",
        {},
        {"parameters": [{"name": "kind", "categorical_values": ["a"]}]},
        "parameters[0].categorical_values",
    ),
    (
        "default on deleted value",
        {},
        {"parameters": [{"name": "kind", "categorical_values": ["a", "b"], "default_value": "c"}]},
        "parameters[0].default_value",
    ),
    (
        "default outside new bounds",
        {},
        {"parameters": [{"name": "max_depth", "bounds": {"min": 2, "max": 3}, "default_value": 5}]},
        "parameters[0].default_value",
    ),
    (
        "prior outside new bounds",
        {},
        {"parameters": [{"name": "rate", "bounds": {"min": 0.6, "max": 1}}]},
        "parameters[0].prior.mean",
    ),
    ("metric count", {}, {"metrics": [{"name": "f1"}, {"name": "g"}]}, "metrics"),
    ("metric name", {}, {"metrics": [{"name": "g"}]}, "metrics[0].name"),
    (
        "metric objective",
        {},
        {"metrics": [{"name": "f1", "objective": "minimize"}]},
        "metrics[0].objective",
    ),
    (
        "metric strategy",
        {},
        {"metrics": [{"name": "f1", "strategy": "store"}]},
        "metrics[0].strategy",
    ),
    ("threshold on sole optimized", {}, {"metrics": [{"threshold": 1}]}, "metrics[0].threshold"),
    (
        "budget for two optimized",
        {"metrics": [{"name": "a"}, {"name": "b"}]},
        {"observation_budget": 9},
        "observation_budget",
    ),
    (
        "budget for multisolution",
        {"num_solutions": 2},
        {"observation_budget": 9},
        "observation_budget",
    ),
    (
        "budget cleared but required",
        {"metrics": [{"name": "a", "strategy": "constraint", "threshold": 1}]},
        {"observation_budget": None},
        "observation_budget",
    ),
    (
        "parameters with constraints",
        {
            "linear_constraints": [
                {"type": "less_than", "threshold": 1, "terms": [{"name": "rate", "weight": 1}]}
            ]
        },
        {"parameters": [{"name": "rate"}]},
        "parameters",
    ),
    ("project pattern", {}, {"project": "Bad!"}, "project"),
]


@pytest.mark.parametrize(("name", "create", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_update_rules(
    name: str, create: dict[str, Any], body: dict[str, Any], field: str, invalid
) -> None:
    experiment = make(create)
    invalid(lambda: update(experiment, body), field)


def test_grid_parameters_cannot_change(invalid) -> None:
    grid = make(
        {
            "type": "grid",
            "observation_budget": None,
            "parameters": [
                {"name": "a", "type": "int", "grid": [1, 2]},
                {"name": "b", "type": "categorical", "categorical_values": ["x", "y"]},
            ],
        }
    )
    assert grid.definition.budget == 4
    invalid(lambda: update(grid, {"parameters": [{"name": "a"}]}), "parameters")
    invalid(lambda: update(grid, {"observation_budget": 5}), "observation_budget")


def test_ai_project_rules(invalid) -> None:
    experiment = make(ai=True)
    invalid(lambda: update(experiment, {"project": None}), "project")
    invalid(lambda: update(experiment, {"project": "other"}), "project")
    invalid(lambda: update(experiment, {"observation_budget": 3}), "observation_budget")
    assert update(experiment, {"project": "p", "budget": None}).definition.budget is None
