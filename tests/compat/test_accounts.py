"""Spec §2.1: the caller's token, its client and organization."""

from __future__ import annotations

from sigopt import Connection

from support.dialin import RunningServer
from support.sigopt_client import raises_api_error


def test_token_self_names_the_callers_client(conn: Connection, server: RunningServer) -> None:
    token = conn.tokens("self").fetch()

    assert token.token == server.token_a
    assert token.token_type == "client-api"
    assert token.development is False
    assert isinstance(token.client, str) and token.client.isdigit()
    assert token.to_json()["object"] == "token"


def test_token_by_its_own_value(conn: Connection, server: RunningServer) -> None:
    assert conn.tokens(server.token_a).fetch().client == conn.tokens("self").fetch().client


def test_two_tokens_belong_to_two_clients(conn: Connection, other_conn: Connection) -> None:
    assert conn.tokens("self").fetch().client != other_conn.tokens("self").fetch().client


def test_client_fetch(conn: Connection, client_id: str) -> None:
    client = conn.clients(client_id).fetch()

    assert client.id == client_id
    assert client.name == "alpha"
    assert isinstance(client.created, int)
    assert isinstance(client.organization, str)
    assert client.to_json()["object"] == "client"


def test_another_clients_client_is_not_found(conn: Connection, other_conn: Connection) -> None:
    beta = other_conn.tokens("self").fetch().client

    with raises_api_error(404):
        conn.clients(beta).fetch()


def test_organization_fetch(conn: Connection, client_id: str) -> None:
    organization_id = conn.clients(client_id).fetch().organization

    organization = conn.organizations(organization_id).fetch()

    assert organization.id == organization_id
    assert isinstance(organization.name, str) and organization.name
    assert isinstance(organization.created, int)
    assert organization.to_json()["object"] == "organization"


def test_organization_list_is_not_routed(conn: Connection) -> None:
    with raises_api_error(404):
        conn.organizations().fetch()
