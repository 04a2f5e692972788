"""Spec §2.2 and §4.11: projects of a client."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sigopt import Connection

from support.sigopt_client import first_page, raises_api_error


def new_project_id() -> str:
    return f"proj-{secrets.token_hex(4)}"


@pytest.fixture
def project(conn: Connection, client_id: str) -> Any:
    return conn.clients(client_id).projects().create(id=new_project_id(), name="Project One")


def test_create_returns_the_project(conn: Connection, client_id: str) -> None:
    project_id = new_project_id()

    project = (
        conn.clients(client_id)
        .projects()
        .create(id=project_id, name="My Project", metadata={"team": "vision", "level": 3})
    )

    assert project.id == project_id
    assert project.name == "My Project"
    assert project.client == client_id
    assert dict(project.metadata) == {"team": "vision", "level": 3}
    assert isinstance(project.created, int) and isinstance(project.updated, int)
    body = project.to_json()
    assert body["object"] == "project"
    assert body["experiment_count"] == 0
    assert body["training_run_count"] == 0
    assert body["deleted"] is False


def test_fetch_returns_what_create_returned(conn: Connection, client_id: str, project: Any) -> None:
    fetched = conn.clients(client_id).projects(project.id).fetch()

    assert fetched.to_json() == project.to_json()


def test_duplicate_id_is_a_conflict(conn: Connection, client_id: str, project: Any) -> None:
    with raises_api_error(409) as error:
        conn.clients(client_id).projects().create(id=project.id, name="Again")

    assert project.id in error.message


def test_unknown_project_is_not_found(conn: Connection, client_id: str) -> None:
    with raises_api_error(404):
        conn.clients(client_id).projects("no-such-project").fetch()


@pytest.mark.parametrize("bad_id", ["Upper", "with space", "x" * 33, ""])
def test_invalid_id_is_rejected(conn: Connection, client_id: str, bad_id: str) -> None:
    with raises_api_error(400):
        conn.clients(client_id).projects().create(id=bad_id, name="Bad")


def test_update_name_and_clear_metadata(conn: Connection, client_id: str) -> None:
    project_id = new_project_id()
    conn.clients(client_id).projects().create(id=project_id, name="Old", metadata={"k": "v"})

    renamed = conn.clients(client_id).projects(project_id).update(name="New")
    assert renamed.name == "New"
    assert dict(renamed.metadata) == {"k": "v"}

    cleared = conn.clients(client_id).projects(project_id).update(metadata=None)
    assert cleared.metadata is None
    assert conn.clients(client_id).projects(project_id).fetch().name == "New"


def test_list_counts_and_pages(fresh_conn: Connection) -> None:
    client = fresh_conn.tokens("self").fetch().client
    created = {
        fresh_conn.clients(client).projects().create(id=new_project_id(), name=f"P{i}").id
        for i in range(3)
    }

    counted = fresh_conn.clients(client).projects().fetch(limit=0)
    assert counted.count == 3
    assert first_page(counted) == []

    listed = fresh_conn.clients(client).projects().fetch(limit=2)
    assert listed.count == 3
    assert len(first_page(listed)) == 2
    assert {p.id for p in listed.iterate_pages()} == created


def test_project_experiments(conn: Connection, client_id: str, project: Any) -> None:
    inside = conn.experiments().create(
        name="In project",
        project=project.id,
        parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
    )
    conn.experiments().create(
        name="Elsewhere",
        parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
    )

    listed = conn.clients(client_id).projects(project.id).experiments().fetch()

    assert [e.id for e in listed.iterate_pages()] == [inside.id]
    assert inside.project == project.id
    assert conn.clients(client_id).projects(project.id).fetch().to_json()["experiment_count"] == 1


def test_experiment_with_unknown_project_is_rejected(conn: Connection) -> None:
    with raises_api_error(400) as error:
        conn.experiments().create(
            name="Lost",
            project="no-such-project",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
        )

    assert "project" in error.message.lower()
