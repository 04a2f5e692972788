"""A refused request leaves every stored object as it was (one transaction per request)."""

from __future__ import annotations

from typing import Any

from sigopt import Connection

from support.sigopt_client import raises_api_error


def test_bad_batch_stores_no_observation(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()
    conn.experiments(experiment.id).observations().create(assignments={"gamma": 0.1}, value=1.0)

    with raises_api_error(400):
        conn.experiments(experiment.id).observations().create_batch(
            observations=[
                {"suggestion": suggestion.id, "values": [{"value": 2.0}]},
                {"assignments": {"gamma": 0.3}, "values": [{"value": 3.0}]},
                {"assignments": {"no_such_parameter": 0.3}, "values": [{"value": 4.0}]},
            ]
        )

    assert conn.experiments(experiment.id).observations().fetch().count == 1
    assert conn.experiments(experiment.id).fetch().progress.observation_count == 1
    assert conn.experiments(experiment.id).suggestions(suggestion.id).fetch().state == "open"


def test_bad_experiment_update_changes_nothing(conn: Connection, experiment: Any) -> None:
    with raises_api_error(400):
        conn.experiments(experiment.id).update(name="Renamed", parallel_bandwidth=-1)

    fetched = conn.experiments(experiment.id).fetch()
    assert fetched.name == experiment.name
    assert fetched.parallel_bandwidth == experiment.parallel_bandwidth


def test_bad_observation_keeps_the_suggestion_open(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    with raises_api_error(400):
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id, values=[{"value": 1.0, "bogus": 1}]
        )

    assert conn.experiments(experiment.id).suggestions(suggestion.id).fetch().state == "open"
    assert conn.experiments(experiment.id).observations().fetch().count == 0


def test_bad_experiment_is_not_stored(fresh_conn: Connection) -> None:
    with raises_api_error(400):
        fresh_conn.experiments().create(
            name="Half valid",
            parameters=[
                {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
                {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
            ],
        )

    assert fresh_conn.experiments().fetch(state="all").count == 0
