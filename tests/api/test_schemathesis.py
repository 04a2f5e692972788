"""Every operation of the served OpenAPI document, fuzzed while authenticated: never a 5xx."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from support.dialin import RunningServer, running_server

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A ``dialin server`` of its own on SQLite: fuzzing fills its database with odd objects."""
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    with running_server(f"sqlite:///{directory / 'dialin.db'}") as server:
        yield server


def fuzz(operation: schemathesis.APIOperation, server: RunningServer) -> None:
    """Valid and invalid requests for one operation; raises on the first 5xx (not shrunk)."""
    basic = base64.b64encode(f"{server.token_a}:".encode()).decode()
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=cases)
    def no_server_error(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=server.api_url,
            headers={"Authorization": f"Basic {basic}"},
            checks=[not_a_server_error],
            timeout=30,
        )

    no_server_error()


@pytest.mark.timeout(300)
def test_no_server_errors(fuzzed_server: RunningServer) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_server.api_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"

    failures = []
    for operation in operations:
        try:
            fuzz(operation, fuzzed_server)
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label}: {failure}")

    assert not failures, "\n\n".join(failures)
