"""The official ``sigopt`` 8.8.3 client against a real ``dialin server``, SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sigopt
from sigopt import Connection

from support.dialin import RunningServer
from support.sigopt_client import connect


@pytest.fixture
def server(dialin_server: RunningServer) -> RunningServer:
    return dialin_server


@pytest.fixture
def conn(server: RunningServer) -> Connection:
    """A connection of client ``alpha``."""
    return connect(server.api_url, server.token_a)


@pytest.fixture
def other_conn(server: RunningServer) -> Connection:
    """A connection of client ``beta``."""
    return connect(server.api_url, server.token_b)


@pytest.fixture
def fresh_conn(server: RunningServer) -> Connection:
    """A connection of a client created for this test alone: its lists hold only its objects."""
    return connect(server.api_url, server.new_token(f"fresh-{secrets.token_hex(4)}"))


@pytest.fixture
def client_id(conn: Connection) -> str:
    return str(conn.tokens("self").fetch().client)


@pytest.fixture
def project(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new project of client ``alpha``, made with ``sigopt.create_project``: the module-level
    API users call (``sigopt.create_run``, ``sigopt.create_experiment``) works in it."""
    monkeypatch.setattr(
        sigopt._global_factory, "_connection", connect(server.api_url, server.token_a)
    )
    project_id = f"project-{secrets.token_hex(4)}"
    sigopt.create_project(project_id)
    yield project_id
    sigopt.set_project("dialin-tests")


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """Raw HTTP as client ``alpha``: basic auth with the token as user name, no redirects."""
    with httpx.Client(
        base_url=server.api_url, auth=(server.token_a, ""), timeout=30.0, follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def anonymous_http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.api_url, timeout=30.0) as client:
        yield client


GAMMA = {"name": "gamma", "type": "double", "bounds": {"min": 0.001, "max": 1.0}}


@pytest.fixture
def make_experiment(conn: Connection) -> Callable[..., Any]:
    """Create a core experiment as client ``alpha``; defaults to one double parameter."""

    def make(**body: Any) -> Any:
        body.setdefault("name", "Classifier Accuracy")
        body.setdefault("parameters", [GAMMA])
        return conn.experiments().create(**body)

    return make


@pytest.fixture
def experiment(make_experiment: Callable[..., Any]) -> Any:
    """A fresh single-metric experiment with the double parameter ``gamma`` in [0.001, 1]."""
    return make_experiment()
