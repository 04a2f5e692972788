"""Every operation of the served OpenAPI document, fuzzed while authenticated: never a 5xx."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from support.dialin import RunningServer, running_server

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A ``dialin server`` of its own on SQLite: fuzzing fills its database with odd objects."""
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    with running_server(f"sqlite:///{directory / 'dialin.db'}") as server:
        yield server


@pytest.fixture(scope="module")
def served_schema(fuzzed_server: RunningServer) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzzed_server.api_url}/openapi.json")


@pytest.fixture(scope="module")
def auth_header(fuzzed_server: RunningServer) -> dict[str, str]:
    basic = base64.b64encode(f"{fuzzed_server.token_a}:".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


schema = schemathesis.pytest.from_fixture("served_schema")


@pytest.mark.timeout(300)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_errors(
    case: schemathesis.Case, fuzzed_server: RunningServer, auth_header: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=fuzzed_server.api_url,
        headers=auth_header,
        checks=[not_a_server_error],
        timeout=30,
    )
