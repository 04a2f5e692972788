"""``dialin db upgrade``."""

from __future__ import annotations

import click

from dialin.cli.console import out
from dialin.cli.options import database_option
from dialin.settings import Settings
from dialin.storage.db import Database
from dialin.storage.schema import head_revision, upgrade

__all__ = ["db"]


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@database_option
def upgrade_command(db: str | None) -> None:
    """Bring the database to this release's schema."""
    database = Database(db or Settings().database_url, pool_size=1)
    upgrade(database)
    out.print(f"database at schema revision {head_revision(database)}")
    database.dispose()
