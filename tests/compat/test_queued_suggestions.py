"""Spec §2.4, §3.12 and §5.2: queued suggestions are served first, oldest first."""

from __future__ import annotations

from typing import Any

from sigopt import Connection

from support.sigopt_client import raises_api_error


def test_create_fetch_and_list(conn: Connection, experiment: Any) -> None:
    queued = (
        conn.experiments(experiment.id).queued_suggestions().create(assignments={"gamma": 0.25})
    )

    assert queued.id.isdigit()
    assert queued.experiment == experiment.id
    assert dict(queued.assignments) == {"gamma": 0.25}
    assert isinstance(queued.created, int)
    assert queued.to_json()["object"] == "queued_suggestion"
    assert conn.experiments(experiment.id).queued_suggestions(queued.id).fetch().to_json() == (
        queued.to_json()
    )
    listed = conn.experiments(experiment.id).queued_suggestions().fetch()
    assert listed.count == 1
    assert [q.id for q in listed.iterate_pages()] == [queued.id]


def test_served_fifo_before_the_optimizer(conn: Connection, experiment: Any) -> None:
    for gamma in (0.1, 0.2, 0.1):
        conn.experiments(experiment.id).queued_suggestions().create(assignments={"gamma": gamma})

    served = [conn.experiments(experiment.id).suggestions().create() for _ in range(4)]

    assert [s.assignments["gamma"] for s in served[:3]] == [0.1, 0.2, 0.1]
    assert served[3].assignments["gamma"] not in (0.1, 0.2)
    assert conn.experiments(experiment.id).queued_suggestions().fetch().count == 0


def test_delete_one(conn: Connection, experiment: Any) -> None:
    gone = conn.experiments(experiment.id).queued_suggestions().create(assignments={"gamma": 0.3})
    kept = conn.experiments(experiment.id).queued_suggestions().create(assignments={"gamma": 0.4})

    assert conn.experiments(experiment.id).queued_suggestions(gone.id).delete() is None

    listed = conn.experiments(experiment.id).queued_suggestions().fetch()
    assert [q.id for q in listed.iterate_pages()] == [kept.id]
    with raises_api_error(404):
        conn.experiments(experiment.id).queued_suggestions(gone.id).fetch()
    assert dict(conn.experiments(experiment.id).suggestions().create().assignments) == {
        "gamma": 0.4
    }


def test_invalid_assignments_are_rejected(conn: Connection, experiment: Any) -> None:
    with raises_api_error(400) as error:
        conn.experiments(experiment.id).queued_suggestions().create(assignments={"delta": 1})

    assert "delta" in error.message or "gamma" in error.message
    assert conn.experiments(experiment.id).queued_suggestions().fetch().count == 0
