"""Spec §3.13, §5.5 and §5.6: best assignments, stopping criteria, metric importances."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sigopt import Connection
from sigopt.exception import ApiException
from sigopt.ratelimit import failed_status_rate_limit

from support.sigopt_client import first_page


def test_best_assignments_single_metric(conn: Connection, experiment: Any) -> None:
    assert conn.experiments(experiment.id).best_assignments().fetch().count == 0
    for gamma, value in [(0.1, 1.0), (0.2, 7.0), (0.3, 3.0)]:
        conn.experiments(experiment.id).observations().create(
            assignments={"gamma": gamma}, value=value, metadata={"g": gamma}
        )
    conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.4}, failed=True)

    best = conn.experiments(experiment.id).best_assignments().fetch()

    assert best.to_json()["object"] == "pagination"
    assert best.count == 1
    (item,) = first_page(best)
    assert dict(item.assignments) == {"gamma": 0.2}
    assert item.values[0].value == 7.0
    assert item.to_json()["object"] == "best_assignments"
    assert item.to_json()["metadata"] == {"g": 0.2}


def test_best_assignments_minimize(make_experiment: Callable[..., Any], conn: Connection) -> None:
    experiment = make_experiment(metrics=[{"name": "loss", "objective": "minimize"}])
    for gamma, value in [(0.1, 1.0), (0.2, 0.5), (0.3, 3.0)]:
        conn.experiments(experiment.id).observations().create(
            assignments={"gamma": gamma}, values=[{"name": "loss", "value": value}]
        )

    (item,) = first_page(conn.experiments(experiment.id).best_assignments().fetch())

    assert dict(item.assignments) == {"gamma": 0.2}


def test_best_assignments_pareto_for_two_metrics(
    make_experiment: Callable[..., Any], conn: Connection
) -> None:
    experiment = make_experiment(
        metrics=[{"name": "accuracy"}, {"name": "cost", "objective": "minimize"}],
        observation_budget=20,
    )
    points = {0.1: (0.9, 10.0), 0.2: (0.8, 5.0), 0.3: (0.7, 7.0), 0.4: (0.6, 1.0)}
    for gamma, (accuracy, cost) in points.items():
        conn.experiments(experiment.id).observations().create(
            assignments={"gamma": gamma},
            values=[{"name": "accuracy", "value": accuracy}, {"name": "cost", "value": cost}],
        )

    best = conn.experiments(experiment.id).best_assignments().fetch()

    assert best.count == 3
    assert [item.assignments["gamma"] for item in first_page(best)] == [0.1, 0.2, 0.4]


def test_stopping_criteria_by_budget(make_experiment: Callable[..., Any], conn: Connection) -> None:
    experiment = make_experiment(observation_budget=2)

    criteria = conn.experiments(experiment.id).stopping_criteria().fetch()
    assert criteria.should_stop is False
    assert criteria.reasons == []
    assert criteria.to_json()["object"] == "stopping_criteria"

    for gamma in (0.1, 0.2, 0.3):
        conn.experiments(experiment.id).observations().create(assignments={"gamma": gamma}, value=1)
    criteria = conn.experiments(experiment.id).stopping_criteria().fetch()
    assert criteria.should_stop is True
    assert "observation_budget_reached" in criteria.reasons


def test_metric_importances_or_not_yet_computable(conn: Connection, experiment: Any) -> None:
    try:
        importances = conn.experiments(experiment.id).metric_importances().fetch()
    except ApiException as refused:
        failed_status_rate_limit.clear()
        assert refused.status_code == 422
        return
    for item in first_page(importances):
        assert item.to_json()["object"] == "metric_importances"
        assert set(item.importances) <= {"gamma"}


def test_metric_importances_after_observations(conn: Connection, experiment: Any) -> None:
    for i in range(12):
        gamma = 0.05 + 0.08 * i
        conn.experiments(experiment.id).observations().create(
            assignments={"gamma": gamma}, value=-((gamma - 0.5) ** 2)
        )

    try:
        importances = conn.experiments(experiment.id).metric_importances().fetch()
    except ApiException as refused:
        failed_status_rate_limit.clear()
        assert refused.status_code == 422
        return
    (item,) = first_page(importances)
    assert item.to_json()["object"] == "metric_importances"
    assert set(item.importances) == {"gamma"}
