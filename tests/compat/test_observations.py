"""Spec §2.4, §3.11, §4.6 and §5.4: observations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sigopt import Connection

from support.sigopt_client import first_page, raises_api_error


@pytest.fixture
def two_metric_experiment(make_experiment: Callable[..., Any]) -> Any:
    return make_experiment(
        metrics=[{"name": "recall"}, {"name": "latency", "objective": "minimize"}],
        observation_budget=20,
    )


def test_create_by_suggestion(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(suggestion=suggestion.id, values=[{"value": 0.9, "value_stddev": 0.01}])
    )

    assert observation.id.isdigit()
    assert observation.experiment == experiment.id
    assert observation.suggestion == suggestion.id
    assert observation.assignments == suggestion.assignments
    assert observation.failed is False
    assert isinstance(observation.created, int)
    (value,) = observation.values
    assert (value.value, value.value_stddev) == (0.9, 0.01)
    body = observation.to_json()
    assert body["object"] == "observation"
    assert body["values"][0]["object"] == "metric_evaluation"
    assert observation.value == 0.9


def test_create_by_assignments(conn: Connection, experiment: Any) -> None:
    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(assignments={"gamma": 0.2}, values=[{"value": 3}])
    )

    assert observation.suggestion is None
    assert dict(observation.assignments) == {"gamma": 0.2}
    assert observation.values[0].value == 3


def test_legacy_value_is_accepted(conn: Connection, experiment: Any) -> None:
    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(assignments={"gamma": 0.2}, value=1.5, value_stddev=0.5)
    )

    assert (observation.values[0].value, observation.values[0].value_stddev) == (1.5, 0.5)


def test_several_observations_on_one_suggestion(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    for value in (1.0, 2.0):
        conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, value=value)

    assert conn.experiments(experiment.id).observations().fetch().count == 2


def test_failed(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    observation = (
        conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, failed=True)
    )

    assert observation.failed is True
    assert observation.values == []
    with raises_api_error(400) as error:
        conn.experiments(experiment.id).observations().create(
            assignments={"gamma": 0.5}, failed=True, values=[{"value": 1}]
        )
    assert "fail" in error.message.lower()


def test_with_metadata(conn: Connection, experiment: Any) -> None:
    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(
            assignments={"gamma": 0.5}, value=1.0, metadata={"hostname": "w-1", "seconds": 12.5}
        )
    )

    assert dict(observation.metadata) == {"hostname": "w-1", "seconds": 12.5}


def test_neither_or_both_suggestion_and_assignments(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    with raises_api_error(400) as neither:
        conn.experiments(experiment.id).observations().create(value=1.0)
    with raises_api_error(400):
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id, assignments={"gamma": 0.5}, value=1.0
        )
    assert "suggestion" in neither.message and "assignments" in neither.message


def test_values_must_match_the_metrics(conn: Connection, two_metric_experiment: Any) -> None:
    experiment_id = two_metric_experiment.id
    with raises_api_error(400):
        conn.experiments(experiment_id).observations().create(
            assignments={"gamma": 0.5}, values=[{"name": "recall", "value": 1}]
        )
    with raises_api_error(400) as error:
        conn.experiments(experiment_id).observations().create(
            assignments={"gamma": 0.5},
            values=[{"name": "recall", "value": 1}, {"name": "speed", "value": 2}],
        )
    assert "speed" in error.message or "name" in error.message.lower()

    observation = (
        conn.experiments(experiment_id)
        .observations()
        .create(
            assignments={"gamma": 0.5},
            values=[{"name": "recall", "value": 0.7}, {"name": "latency", "value": 20}],
        )
    )
    assert [(v.name, v.value) for v in observation.values] == [("latency", 20), ("recall", 0.7)]


def test_batch(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    created = (
        conn.experiments(experiment.id)
        .observations()
        .create_batch(
            observations=[
                {"suggestion": suggestion.id, "values": [{"value": 1.0}]},
                {"assignments": {"gamma": 0.3}, "values": [{"value": 2.0}]},
                {"assignments": {"gamma": 0.4}, "failed": True},
            ]
        )
    )

    assert created.to_json()["object"] == "pagination"
    assert created.count == 3
    items = first_page(created)
    assert [o.failed for o in items] == [False, False, True]
    assert items[0].suggestion == suggestion.id
    assert conn.experiments(experiment.id).observations().fetch().count == 3


def test_empty_batch(conn: Connection, experiment: Any) -> None:
    created = conn.experiments(experiment.id).observations().create_batch(observations=[])

    assert created.count == 0
    assert first_page(created) == []


def test_fetch_one(conn: Connection, experiment: Any) -> None:
    observation = (
        conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.5}, value=1.0)
    )

    fetched = conn.experiments(experiment.id).observations(observation.id).fetch()

    assert fetched.to_json() == observation.to_json()


def test_list_newest_first_and_sorted_by_value(conn: Connection, experiment: Any) -> None:
    ids = [
        conn.experiments(experiment.id)
        .observations()
        .create(assignments={"gamma": 0.1 * (i + 1)}, value=value)
        .id
        for i, value in enumerate([3.0, 1.0, 2.0])
    ]

    newest_first = conn.experiments(experiment.id).observations().fetch()
    assert [o.id for o in newest_first.iterate_pages()] == ids[::-1]
    by_value = conn.experiments(experiment.id).observations().fetch(sort="value", ascending=True)
    assert [o.values[0].value for o in by_value.iterate_pages()] == [1.0, 2.0, 3.0]
    paged = conn.experiments(experiment.id).observations().fetch(limit=1)
    assert paged.count == 3
    assert [o.id for o in paged.iterate_pages()] == ids[::-1]


def test_update(conn: Connection, experiment: Any) -> None:
    observation = (
        conn.experiments(experiment.id)
        .observations()
        .create(assignments={"gamma": 0.5}, failed=True, metadata={"k": "v"})
    )

    valued = (
        conn.experiments(experiment.id)
        .observations(observation.id)
        .update(failed=False, values=[{"value": 4.0}])
    )
    assert valued.failed is False
    assert valued.values[0].value == 4.0
    assert dict(valued.metadata) == {"k": "v"}

    restated = (
        conn.experiments(experiment.id)
        .observations(observation.id)
        .update(values=[{"value": 5.0}], metadata=None)
    )
    assert restated.values[0].value == 5.0
    assert restated.metadata is None
    assert (
        conn.experiments(experiment.id).observations(observation.id).fetch().values[0].value == 5.0
    )


def test_delete_one_and_all(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()
    first = (
        conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, value=1.0)
    )
    conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.5}, value=2.0)

    assert conn.experiments(experiment.id).observations(first.id).delete() is None
    with raises_api_error(404):
        conn.experiments(experiment.id).observations(first.id).fetch()
    assert conn.experiments(experiment.id).observations().fetch().count == 1
    assert conn.experiments(experiment.id).suggestions(suggestion.id).fetch().state == "closed"

    conn.experiments(experiment.id).observations().delete()
    assert conn.experiments(experiment.id).observations().fetch().count == 0
    assert conn.experiments(experiment.id).fetch().progress.observation_count == 0
    assert conn.experiments(experiment.id).suggestions().fetch().count == 1


def test_progress_follows_observations(conn: Connection, experiment: Any) -> None:
    first = (
        conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.1}, value=1.0)
    )
    best = (
        conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.2}, value=9.0)
    )
    last = (
        conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.3}, value=5.0)
    )

    progress = conn.experiments(experiment.id).fetch().progress

    assert progress.observation_count == 3
    assert progress.observation_budget_consumed == 3
    assert progress.first_observation.id == first.id
    assert progress.last_observation.id == last.id
    assert progress.to_json()["best_observation"]["id"] == best.id
    assert progress.to_json()["object"] == "progress"
