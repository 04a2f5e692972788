"""Fixtures every suite may use: SQLite and PostgreSQL database URLs, a running ``dialin server``.

PostgreSQL comes from ``DIALIN_TEST_POSTGRES_URL`` or a throwaway cluster started once per
session. Without either, PostgreSQL tests are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.dialin import RunningServer, running_server
from support.postgres import PostgresUnavailable, database, postgres_server_url


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'dialin.db'}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server (database ``postgres``) the tests may create databases on."""
    try:
        with postgres_server_url() as url:
            yield url
    except PostgresUnavailable as unavailable:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {unavailable}")
        pytest.skip(f"PostgreSQL unavailable: {unavailable}")


@pytest.fixture
def postgres_database_url(postgres_server: str) -> Iterator[str]:
    """URL of a new empty PostgreSQL database, dropped after the test."""
    with database(postgres_server) as url:
        yield url


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    """URL of a new SQLite database file (not created yet)."""
    return sqlite_url(tmp_path)


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind a test runs against: ``sqlite`` or ``postgres``."""
    return str(request.param)


@pytest.fixture(scope="session")
def dialin_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningServer]:
    """A ``dialin server`` subprocess on an empty database of ``backend``, with two clients.

    One server per backend for the whole session; tests keep apart by creating their own
    experiments, or their own clients with ``RunningServer.new_token``. PostgreSQL runs four
    API processes, as deployments do.
    """
    if backend == "sqlite":
        with running_server(sqlite_url(tmp_path_factory.mktemp("sqlite"))) as server:
            yield server
        return
    server_url: str = request.getfixturevalue("postgres_server")
    with database(server_url) as url, running_server(url, workers=4) as server:
        yield server
