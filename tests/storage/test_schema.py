"""The server brings an empty database to the current schema and refuses ones it does not know."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from dialin.errors import SchemaMismatch
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema, head_revision


def test_empty_database_is_migrated_to_head(database: Database) -> None:
    with database.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert {"clients", "api_tokens", "experiments", "suggestions", "observations"} <= tables
    assert revision == head_revision(database)


def test_migrating_twice_changes_nothing(database: Database) -> None:
    ensure_schema(database)
    ensure_schema(database)


def test_an_unknown_revision_is_refused_with_the_way_out(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dface'"))
    with pytest.raises(SchemaMismatch, match="unknown schema"):
        ensure_schema(database)


def test_foreign_tables_are_refused(database_url: str) -> None:
    fresh = Database(database_url)
    with fresh.engine.begin() as conn:
        conn.execute(text("CREATE TABLE somebody_elses (id INTEGER)"))
    with pytest.raises(SchemaMismatch, match="unknown schema"):
        ensure_schema(fresh)
    fresh.dispose()
