"""A migrated database of each backend, and the services wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dialin.services.container import Services
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema
from dialin.storage.store import SqlUnitOfWork


@dataclass
class Clock:
    now: int = 1_700_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_database_url"))
    return str(request.getfixturevalue("postgres_database_url"))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url, pool_size=20)
    ensure_schema(db)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(database: Database, clock: Clock) -> Services:
    return Services.build(SqlUnitOfWork(database), clock)
