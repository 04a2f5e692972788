"""Spec §1.3: a client never sees nor changes another client's objects (404, not 403)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sigopt import Connection

from support.sigopt_client import raises_api_error


@pytest.fixture
def owned(conn: Connection, client_id: str) -> dict[str, Any]:
    """Objects of client ``alpha``: a project, an experiment in it, a suggestion, an observation."""
    project = (
        conn.clients(client_id).projects().create(id=f"own-{secrets.token_hex(4)}", name="Own")
    )
    experiment = conn.experiments().create(
        name="Private",
        project=project.id,
        parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
    )
    suggestion = conn.experiments(experiment.id).suggestions().create()
    observation = (
        conn.experiments(experiment.id).observations().create(assignments={"x": 0.5}, value=1.0)
    )
    queued = conn.experiments(experiment.id).queued_suggestions().create(assignments={"x": 0.1})
    return {
        "client": client_id,
        "project": project,
        "experiment": experiment,
        "suggestion": suggestion,
        "observation": observation,
        "queued": queued,
    }


def test_reads_are_not_found(other_conn: Connection, owned: dict[str, Any]) -> None:
    e = owned["experiment"].id
    reads = [
        lambda: other_conn.experiments(e).fetch(),
        lambda: other_conn.experiments(e).suggestions().fetch(),
        lambda: other_conn.experiments(e).suggestions(owned["suggestion"].id).fetch(),
        lambda: other_conn.experiments(e).observations().fetch(),
        lambda: other_conn.experiments(e).observations(owned["observation"].id).fetch(),
        lambda: other_conn.experiments(e).queued_suggestions().fetch(),
        lambda: other_conn.experiments(e).best_assignments().fetch(),
        lambda: other_conn.experiments(e).stopping_criteria().fetch(),
        lambda: other_conn.clients(owned["client"]).projects(owned["project"].id).fetch(),
        lambda: other_conn.clients(owned["client"]).projects().fetch(),
        lambda: other_conn.clients(owned["client"]).experiments().fetch(),
    ]
    for read in reads:
        with raises_api_error(404):
            read()


def test_lists_leave_them_out(other_conn: Connection, owned: dict[str, Any]) -> None:
    listed = other_conn.experiments().fetch(state="all")

    assert owned["experiment"].id not in {e.id for e in listed.iterate_pages()}


def test_writes_are_not_found_and_change_nothing(
    conn: Connection, other_conn: Connection, owned: dict[str, Any]
) -> None:
    e = owned["experiment"].id
    writes = [
        lambda: other_conn.experiments(e).update(name="Hijacked"),
        lambda: other_conn.experiments(e).delete(),
        lambda: other_conn.experiments(e).suggestions().create(),
        lambda: (
            other_conn.experiments(e).suggestions(owned["suggestion"].id).update(metadata={"a": 1})
        ),
        lambda: other_conn.experiments(e).suggestions(owned["suggestion"].id).delete(),
        lambda: other_conn.experiments(e).suggestions().delete(),
        lambda: (
            other_conn.experiments(e)
            .observations()
            .create(suggestion=owned["suggestion"].id, value=2.0)
        ),
        lambda: other_conn.experiments(e).observations(owned["observation"].id).update(value=3.0),
        lambda: other_conn.experiments(e).observations(owned["observation"].id).delete(),
        lambda: other_conn.experiments(e).observations().delete(),
        lambda: other_conn.experiments(e).queued_suggestions(owned["queued"].id).delete(),
        lambda: other_conn.clients(owned["client"]).projects(owned["project"].id).update(name="X"),
        lambda: other_conn.clients(owned["client"]).projects().create(id="intruder", name="X"),
        lambda: (
            other_conn.clients(owned["client"])
            .experiments()
            .create(
                name="Intruder",
                parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
            )
        ),
    ]
    for write in writes:
        with raises_api_error(404):
            write()

    experiment = conn.experiments(e).fetch()
    assert (experiment.name, experiment.state) == ("Private", "active")
    assert conn.experiments(e).suggestions(owned["suggestion"].id).fetch().to_json() == (
        owned["suggestion"].to_json()
    )
    observations = list(conn.experiments(e).observations().fetch().iterate_pages())
    assert [o.to_json() for o in observations] == [owned["observation"].to_json()]
    assert conn.experiments(e).queued_suggestions().fetch().count == 1
    assert conn.clients(owned["client"]).projects(owned["project"].id).fetch().name == "Own"


def test_own_project_id_is_free_for_another_client(
    other_conn: Connection, owned: dict[str, Any]
) -> None:
    beta = other_conn.tokens("self").fetch().client

    project = other_conn.clients(beta).projects().create(id=owned["project"].id, name="Theirs")

    assert (project.id, project.client) == (owned["project"].id, beta)
