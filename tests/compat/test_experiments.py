"""Spec §2.3, §3.8, §4.3, §5.6 and §5.10: core experiments."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
from sigopt import Connection

from support.sigopt_client import first_page, raises_api_error

Make = Callable[..., Any]


def test_create_double_parameter(make_experiment: Make, client_id: str) -> None:
    experiment = make_experiment(name="Classifier Accuracy")

    assert experiment.id.isdigit()
    assert experiment.name == "Classifier Accuracy"
    assert experiment.client == client_id
    assert experiment.type == "offline"
    assert experiment.state == "active"
    assert experiment.development is False
    assert isinstance(experiment.created, int) and isinstance(experiment.updated, int)
    (gamma,) = experiment.parameters
    assert gamma.name == "gamma"
    assert gamma.type == "double"
    assert (gamma.bounds.min, gamma.bounds.max) == (0.001, 1.0)
    assert gamma.categorical_values is None
    assert gamma.transformation is None
    assert dict(gamma.conditions) == {}
    (metric,) = experiment.metrics
    assert (metric.name, metric.objective, metric.strategy) == (None, "maximize", "optimize")
    assert experiment.conditionals == []
    assert experiment.linear_constraints == []
    assert experiment.progress.observation_count == 0
    body = experiment.to_json()
    assert body["object"] == "experiment"
    assert body["runs_only"] is False
    assert "tasks" not in body


def test_create_every_parameter_kind(make_experiment: Make) -> None:
    experiment = make_experiment(
        parameters=[
            {
                "name": "lr",
                "type": "double",
                "bounds": {"min": 1e-5, "max": 1.0},
                "transformation": "log",
            },
            {"name": "layers", "type": "int", "bounds": {"min": 1, "max": 8}},
            {
                "name": "activation",
                "type": "categorical",
                "categorical_values": ["relu", {"name": "tanh"}, "gelu"],
            },
            {"name": "batch", "type": "int", "grid": [64, 16, 32]},
            {
                "name": "dropout",
                "type": "double",
                "bounds": {"min": 0.0, "max": 0.5},
                "prior": {"name": "normal", "mean": 0.2, "scale": 0.1},
                "default_value": 0.1,
            },
        ],
        metrics=[{"name": "accuracy", "objective": "maximize"}],
    )

    by_name = {p.name: p for p in experiment.parameters}
    assert [p.name for p in experiment.parameters] == sorted(by_name)
    assert by_name["lr"].transformation == "log"
    assert (by_name["layers"].bounds.min, by_name["layers"].bounds.max) == (1, 8)
    assert [(v.name, v.enum_index) for v in by_name["activation"].categorical_values] == [
        ("relu", 1),
        ("tanh", 2),
        ("gelu", 3),
    ]
    assert by_name["activation"].bounds is None
    assert by_name["batch"].grid == [16, 32, 64]
    assert (by_name["batch"].bounds.min, by_name["batch"].bounds.max) == (16, 64)
    prior = by_name["dropout"].prior
    assert (prior.name, prior.mean, prior.scale) == ("normal", 0.2, 0.1)
    assert by_name["dropout"].default_value == 0.1
    raw = {p["name"]: p for p in experiment.to_json()["parameters"]}
    assert all(p["object"] == "parameter" for p in raw.values())
    assert raw["activation"]["categorical_values"][0]["object"] == "categorical_value"
    assert raw["lr"]["bounds"]["object"] == "bounds"
    assert raw["dropout"]["prior"]["object"] == "normal_prior"


def test_create_grid_experiment(make_experiment: Make, conn: Connection) -> None:
    experiment = make_experiment(
        type="grid",
        parameters=[
            {"name": "a", "type": "int", "grid": [1, 2, 3]},
            {"name": "b", "type": "categorical", "categorical_values": ["x", "y"]},
        ],
    )

    assert experiment.type == "grid"
    assert experiment.observation_budget == 6
    seen = []
    for _ in range(6):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        seen.append((suggestion.assignments["a"], suggestion.assignments["b"]))
        conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, value=1.0)
    assert sorted(seen) == sorted((a, b) for a in (1, 2, 3) for b in ("x", "y"))


def test_create_with_conditionals(make_experiment: Make, conn: Connection) -> None:
    experiment = make_experiment(
        conditionals=[{"name": "model", "values": ["svm", "tree"]}],
        parameters=[
            {
                "name": "c",
                "type": "double",
                "bounds": {"min": 0.1, "max": 10},
                "conditions": {"model": "svm"},
            },
            {
                "name": "depth",
                "type": "int",
                "bounds": {"min": 1, "max": 10},
                "conditions": {"model": ["tree"]},
            },
        ],
    )

    (conditional,) = experiment.conditionals
    assert (conditional.name, conditional.values) == ("model", ["svm", "tree"])
    assert experiment.to_json()["conditionals"][0]["object"] == "conditional"
    by_name = {p.name: p for p in experiment.parameters}
    assert dict(by_name["c"].conditions) == {"model": ["svm"]}
    suggestion = conn.experiments(experiment.id).suggestions().create()
    chosen = suggestion.assignments["model"]
    assert chosen in ("svm", "tree")
    active = "c" if chosen == "svm" else "depth"
    inactive = "depth" if chosen == "svm" else "c"
    assert suggestion.assignments.get(active) is not None
    assert suggestion.assignments.get(inactive) is None


def test_create_with_linear_constraints(make_experiment: Make, conn: Connection) -> None:
    experiment = make_experiment(
        parameters=[
            {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
            {"name": "y", "type": "double", "bounds": {"min": 0, "max": 1}},
        ],
        linear_constraints=[
            {
                "type": "less_than",
                "threshold": 1.0,
                "terms": [{"name": "y", "weight": 1}, {"name": "x", "weight": 1}],
            }
        ],
    )

    (constraint,) = experiment.linear_constraints
    assert constraint.type == "less_than"
    assert constraint.threshold == 1.0
    assert [(t.name, t.weight) for t in constraint.terms] == [("x", 1), ("y", 1)]
    body = experiment.to_json()["linear_constraints"][0]
    assert body["object"] == "linear_constraint"
    assert body["terms"][0]["object"] == "constraint_term"
    for _ in range(3):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        assert suggestion.assignments["x"] + suggestion.assignments["y"] <= 1.0 + 1e-9


def test_create_multimetric(make_experiment: Make) -> None:
    experiment = make_experiment(
        metrics=[
            {"name": "recall", "objective": "maximize"},
            {"name": "latency", "objective": "minimize"},
            {"name": "size", "strategy": "store"},
        ],
        observation_budget=30,
    )

    assert [(m.name, m.objective, m.strategy) for m in experiment.metrics] == [
        ("latency", "minimize", "optimize"),
        ("recall", "maximize", "optimize"),
        ("size", "maximize", "store"),
    ]
    assert experiment.observation_budget == 30
    assert all(m["object"] == "metric" for m in experiment.to_json()["metrics"])


def test_two_optimized_metrics_need_a_budget(conn: Connection) -> None:
    with raises_api_error(400) as error:
        conn.experiments().create(
            name="No budget",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
            metrics=[{"name": "a"}, {"name": "b"}],
        )

    assert "observation_budget" in error.message


def test_create_multitask(make_experiment: Make, conn: Connection) -> None:
    experiment = make_experiment(
        tasks=[{"name": "cheap", "cost": 0.1}, {"name": "full", "cost": 1.0}],
        observation_budget=20,
    )

    assert [(t.name, t.cost) for t in experiment.tasks] == [("full", 1.0), ("cheap", 0.1)]
    suggestion = conn.experiments(experiment.id).suggestions().create()
    assert suggestion.task.name in ("cheap", "full")
    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(suggestion=suggestion.id, values=[{"value": 0.5}])
    )
    assert observation.task.name == suggestion.task.name


def test_create_through_the_client_path(conn: Connection, client_id: str) -> None:
    experiment = (
        conn.clients(client_id)
        .experiments()
        .create(
            name="Via client",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
        )
    )

    assert experiment.client == client_id
    assert experiment.id in {
        e.id for e in conn.clients(client_id).experiments().fetch().iterate_pages()
    }


def test_invalid_bounds_name_the_field(conn: Connection) -> None:
    with raises_api_error(400) as error:
        conn.experiments().create(
            name="Bad bounds",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 2, "max": 1}}],
        )

    assert "bounds" in error.message or "max" in error.message


def test_unknown_top_level_key_is_rejected(conn: Connection) -> None:
    with raises_api_error(400) as error:
        conn.experiments().create(
            name="Typo",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
            paralell_bandwidth=2,
        )

    assert "paralell_bandwidth" in error.message


def test_fetch_returns_what_create_returned(experiment: Any, conn: Connection) -> None:
    fetched = conn.experiments(experiment.id).fetch()

    assert fetched.to_json() == experiment.to_json()


def test_unknown_experiment_is_not_found(conn: Connection) -> None:
    with raises_api_error(404):
        conn.experiments(999_999_999).fetch()


def test_list_pages_newest_first(fresh_conn: Connection) -> None:
    parameters = [{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}]
    ids = [
        fresh_conn.experiments().create(name=f"E{i}", parameters=parameters).id for i in range(5)
    ]

    counted = fresh_conn.experiments().fetch(limit=0)
    assert counted.count == 5
    assert first_page(counted) == []

    page = fresh_conn.experiments().fetch(limit=2)
    assert page.count == 5
    assert [e.id for e in first_page(page)] == ids[::-1][:2]
    assert page.paging.before is not None
    assert [e.id for e in page.iterate_pages()] == ids[::-1]
    ascending = fresh_conn.experiments().fetch(ascending=True, limit=3)
    assert [e.id for e in ascending.iterate_pages()] == ids


def test_list_by_state(fresh_conn: Connection) -> None:
    parameters = [{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}]
    kept = fresh_conn.experiments().create(name="Kept", parameters=parameters)
    gone = fresh_conn.experiments().create(name="Gone", parameters=parameters)
    fresh_conn.experiments(gone.id).delete()

    def listed(state: str | None) -> set[str]:
        return {e.id for e in fresh_conn.experiments().fetch(state=state).iterate_pages()}

    assert listed(None) == {kept.id}
    assert listed("active") == {kept.id}
    assert listed("deleted") == {gone.id}
    assert listed("all") == {kept.id, gone.id}


def test_update_name_metadata_and_bandwidth(experiment: Any, conn: Connection) -> None:
    updated = conn.experiments(experiment.id).update(
        name="Renamed", metadata={"owner": "ana", "n": 2}, parallel_bandwidth=4
    )

    assert updated.name == "Renamed"
    assert dict(updated.metadata) == {"owner": "ana", "n": 2}
    assert updated.parallel_bandwidth == 4
    assert updated.updated >= experiment.updated
    assert conn.experiments(experiment.id).fetch().name == "Renamed"

    reset = conn.experiments(experiment.id).update(metadata=None, parallel_bandwidth=None)
    assert reset.metadata is None
    assert reset.parallel_bandwidth is None


def test_update_with_parameters_echoed_back(make_experiment: Make, conn: Connection) -> None:
    experiment = make_experiment(
        parameters=[
            {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
            {"name": "c", "type": "categorical", "categorical_values": ["a", "b", "c"]},
        ],
    )
    fetched = conn.experiments(experiment.id).fetch()

    updated = conn.experiments(experiment.id).update(parameters=fetched.parameters)

    assert [p.to_json() for p in updated.parameters] == [p.to_json() for p in fetched.parameters]


def test_update_bounds_through_parameters(experiment: Any, conn: Connection) -> None:
    (gamma,) = experiment.to_json()["parameters"]
    gamma["bounds"] = {"min": 0.01, "max": 2.0}

    updated = conn.experiments(experiment.id).update(parameters=[gamma])

    assert (updated.parameters[0].bounds.min, updated.parameters[0].bounds.max) == (0.01, 2.0)


def test_update_of_fixed_field_is_rejected(experiment: Any, conn: Connection) -> None:
    with raises_api_error(400) as error:
        conn.experiments(experiment.id).update(conditionals=[])

    assert "conditionals" in error.message


def test_delete_and_restore(experiment: Any, conn: Connection) -> None:
    assert conn.experiments(experiment.id).delete() is None
    deleted = conn.experiments(experiment.id).fetch()
    assert deleted.state == "deleted"

    conn.experiments(experiment.id).delete()
    assert conn.experiments(experiment.id).fetch().state == "deleted"
    with raises_api_error(400):
        conn.experiments(experiment.id).suggestions().create()

    restored = conn.experiments(experiment.id).update(state="active")
    assert restored.state == "active"
    assert conn.experiments(experiment.id).suggestions().create().state == "open"


def test_runs_only_experiment_redirects_to_aiexperiment(
    conn: Connection, client_id: str, http: httpx.Client
) -> None:
    project = (
        conn.clients(client_id)
        .projects()
        .create(id=f"redirect-{secrets.token_hex(4)}", name="Redirect")
    )
    ai = (
        conn.clients(client_id)
        .projects(project.id)
        .aiexperiments()
        .create(
            name="AI",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
            metrics=[{"name": "accuracy"}],
            budget=5,
        )
    )

    redirect = http.get(f"/v1/experiments/{ai.id}")
    assert redirect.status_code == 301
    assert redirect.headers["location"].endswith(f"/v1/aiexperiments/{ai.id}")
    fetched = conn.experiments(ai.id).fetch()

    assert fetched.id == ai.id
    assert fetched.to_json()["object"] == "aiexperiment"
    assert fetched.to_json()["runs_only"] is True
