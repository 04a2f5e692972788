"""The migrated schema is exactly what the tables declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dialin.storage.db import Database
from dialin.storage.tables import Base


def test_migrations_build_the_declared_schema(database: Database) -> None:
    with database.engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []
