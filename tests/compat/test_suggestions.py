"""Spec §2.4, §3.10, §4.7, §5.2 and §5.3: suggestions."""

from __future__ import annotations

from typing import Any

from sigopt import Connection

from support.sigopt_client import first_page, raises_api_error


def open_ids(conn: Connection, experiment: Any) -> set[str]:
    return {
        s.id
        for s in conn.experiments(experiment.id).suggestions().fetch(state="open").iterate_pages()
    }


def test_create_returns_an_open_suggestion(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    assert suggestion.id.isdigit()
    assert suggestion.experiment == experiment.id
    assert suggestion.state == "open"
    assert isinstance(suggestion.created, int)
    assert 0.001 <= suggestion.assignments["gamma"] <= 1.0
    body = suggestion.to_json()
    assert body["object"] == "suggestion"
    assert body["deleted"] is False
    assert "task" not in body


def test_create_with_metadata_and_assignments(conn: Connection, experiment: Any) -> None:
    suggestion = (
        conn.experiments(experiment.id)
        .suggestions()
        .create(assignments={"gamma": 0.5}, metadata={"instance_id": "i-1", "ip": None})
    )

    assert dict(suggestion.assignments) == {"gamma": 0.5}
    assert dict(suggestion.metadata) == {"instance_id": "i-1"}


def test_explicit_assignments_out_of_bounds_are_accepted(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create(assignments={"gamma": 5.0})

    assert dict(suggestion.assignments) == {"gamma": 5.0}


def test_explicit_assignments_with_unknown_parameter(conn: Connection, experiment: Any) -> None:
    with raises_api_error(400) as error:
        conn.experiments(experiment.id).suggestions().create(assignments={"gamma": 0.5, "beta": 1})

    assert "beta" in error.message


def test_fetch_one(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()

    assert conn.experiments(experiment.id).suggestions(suggestion.id).fetch().to_json() == (
        suggestion.to_json()
    )


def test_observation_closes_it(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create()
    assert open_ids(conn, experiment) == {suggestion.id}

    conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, value=1.0)

    assert conn.experiments(experiment.id).suggestions(suggestion.id).fetch().state == "closed"
    assert open_ids(conn, experiment) == set()


def test_more_open_suggestions_than_bandwidth(conn: Connection, experiment: Any) -> None:
    made = [conn.experiments(experiment.id).suggestions().create() for _ in range(3)]

    assert open_ids(conn, experiment) == {s.id for s in made}
    assert len({s.assignments["gamma"] for s in made}) == 3
    counted = conn.experiments(experiment.id).suggestions().fetch(state="open", limit=0)
    assert counted.count == 3
    assert first_page(counted) == []


def test_list_pages_and_filters(conn: Connection, experiment: Any) -> None:
    made = [conn.experiments(experiment.id).suggestions().create() for _ in range(5)]
    conn.experiments(experiment.id).observations().create(suggestion=made[0].id, value=1.0)

    page = conn.experiments(experiment.id).suggestions().fetch(limit=2)
    assert page.count == 5
    assert len(first_page(page)) == 2
    assert [s.id for s in page.iterate_pages()] == [s.id for s in made][::-1]
    assert conn.experiments(experiment.id).suggestions().fetch(state="open").count == 4
    chosen = conn.experiments(experiment.id).suggestions().fetch(id=f"{made[1].id},{made[3].id}")
    assert {s.id for s in chosen.iterate_pages()} == {made[1].id, made[3].id}


def test_unknown_state_is_rejected(conn: Connection, experiment: Any) -> None:
    with raises_api_error(400) as error:
        conn.experiments(experiment.id).suggestions().fetch(state="closed")

    assert "state" in error.message.lower()


def test_update_metadata(conn: Connection, experiment: Any) -> None:
    suggestion = conn.experiments(experiment.id).suggestions().create(metadata={"a": 1})

    updated = (
        conn.experiments(experiment.id).suggestions(suggestion.id).update(metadata={"host": "w1"})
    )
    assert dict(updated.metadata) == {"host": "w1"}
    assert updated.assignments == suggestion.assignments

    kept = conn.experiments(experiment.id).suggestions(suggestion.id).update()
    assert dict(kept.metadata) == {"host": "w1"}

    cleared = conn.experiments(experiment.id).suggestions(suggestion.id).update(metadata=None)
    assert cleared.metadata is None


def test_delete_one(conn: Connection, experiment: Any) -> None:
    kept = conn.experiments(experiment.id).suggestions().create()
    gone = conn.experiments(experiment.id).suggestions().create()

    assert conn.experiments(experiment.id).suggestions(gone.id).delete() is None

    with raises_api_error(404):
        conn.experiments(experiment.id).suggestions(gone.id).fetch()
    assert open_ids(conn, experiment) == {kept.id}
    with raises_api_error(400):
        conn.experiments(experiment.id).observations().create(suggestion=gone.id, value=1.0)
    deleted = conn.experiments(experiment.id).suggestions().fetch(deleted=True)
    assert [s.id for s in deleted.iterate_pages()] == [gone.id]
    assert first_page(deleted)[0].to_json()["deleted"] is True


def test_delete_open_only(conn: Connection, experiment: Any) -> None:
    closed = conn.experiments(experiment.id).suggestions().create()
    conn.experiments(experiment.id).observations().create(suggestion=closed.id, value=1.0)
    for _ in range(2):
        conn.experiments(experiment.id).suggestions().create()

    conn.experiments(experiment.id).suggestions().delete(state="open")

    assert open_ids(conn, experiment) == set()
    remaining = conn.experiments(experiment.id).suggestions().fetch()
    assert [s.id for s in remaining.iterate_pages()] == [closed.id]


def test_delete_all(conn: Connection, experiment: Any) -> None:
    closed = conn.experiments(experiment.id).suggestions().create()
    conn.experiments(experiment.id).observations().create(suggestion=closed.id, value=1.0)
    conn.experiments(experiment.id).suggestions().create()

    conn.experiments(experiment.id).suggestions().delete()

    assert conn.experiments(experiment.id).suggestions().fetch().count == 0
    assert conn.experiments(experiment.id).observations().fetch().count == 1


def test_suggestion_of_another_experiment_is_not_found(
    conn: Connection, experiment: Any, make_experiment: Any
) -> None:
    other = make_experiment()
    suggestion = conn.experiments(other.id).suggestions().create()

    with raises_api_error(404):
        conn.experiments(experiment.id).suggestions(suggestion.id).fetch()
