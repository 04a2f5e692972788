"""Bringing a database to the schema this release expects, or refusing one we do not know."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from dialin.errors import SchemaMismatch
from dialin.storage.db import Database

__all__ = ["ensure_schema", "head_revision", "upgrade"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def _config(database: Database) -> Config:
    config = Config(str(_MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def head_revision(database: Database) -> str:
    head = ScriptDirectory.from_config(_config(database)).get_current_head()
    assert head is not None
    return head


def _current_revision(database: Database) -> tuple[str | None, bool]:
    with database.engine.connect() as conn:
        empty = not inspect(conn).get_table_names()
        return MigrationContext.configure(conn).get_current_revision(), empty


def upgrade(database: Database) -> None:
    config = _config(database)
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def ensure_schema(database: Database) -> None:
    """Migrate an empty database; accept one at head; refuse anything else with the fix."""
    current, empty = _current_revision(database)
    head = head_revision(database)
    if current == head:
        return
    if current is None and empty:
        upgrade(database)
        return
    known = {s.revision for s in ScriptDirectory.from_config(_config(database)).walk_revisions()}
    if current in known:
        raise SchemaMismatch(
            f"The database is at schema revision {current}, this dialin needs {head}. "
            f"Upgrade it with: dialin db upgrade --db '{_redacted(database.url)}'"
        )
    raise SchemaMismatch(
        f"The database has an unknown schema (revision {current or 'none'}, tables present): "
        "it was not made by this dialin or by a newer release. Point --db at an empty "
        "database, or upgrade dialin."
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
