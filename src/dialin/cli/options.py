"""Options and wiring shared by the commands that open the database directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from dialin.services.ports import Clock, UnitOfWork
from dialin.settings import Settings
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema
from dialin.storage.store import SqlUnitOfWork

__all__ = ["database_option", "open_database"]

F = TypeVar("F", bound=Callable[..., Any])


def database_option(command: F) -> F:
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="URL",
        help="Database URL [default: $DIALIN_DATABASE_URL or sqlite:///./dialin.db].",
    )(command)


def open_database(url: str | None) -> tuple[Database, tuple[UnitOfWork, Clock]]:
    database = Database(url or Settings().database_url, pool_size=2)
    ensure_schema(database)
    return database, (SqlUnitOfWork(database), lambda: int(time.time()))
