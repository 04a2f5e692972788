"""``dialin token create|list|revoke``."""

from __future__ import annotations

import json

import click
from rich.table import Table

from dialin.cli.console import out
from dialin.cli.options import database_option, open_database
from dialin.services.accounts import DEFAULT_CLIENT, AccountService

__all__ = ["token"]


@click.group()
def token() -> None:
    """Create, list and revoke API tokens."""


@token.command("create")
@database_option
@click.option(
    "--client",
    "client_name",
    default=DEFAULT_CLIENT,
    show_default=True,
    help="Client (tenant) the token belongs to; a new name creates a new client.",
)
def create(db: str | None, client_name: str) -> None:
    """Print a new API token, alone on stdout."""
    database, services = open_database(db)
    issued = AccountService(*services).issue_token(client_name)
    database.dispose()
    click.echo(issued.secret)


@token.command("list")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_tokens(db: str | None, as_json: bool) -> None:
    """List tokens (never their secrets)."""
    database, services = open_database(db)
    rows = AccountService(*services).tokens()
    database.dispose()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": t.id,
                        "client": c.name,
                        "client_id": c.id,
                        "prefix": t.label,
                        "created": t.created,
                        "revoked": t.revoked,
                    }
                    for t, c in rows
                ],
                indent=2,
            )
        )
        return
    table = Table("id", "client", "starts with", "created", "state")
    for t, c in rows:
        table.add_row(
            str(t.id), c.name, f"{t.label}…", _when(t.created), "revoked" if t.revoked else "active"
        )
    out.print(table)


@token.command("revoke")
@database_option
@click.argument("token_id", type=int)
def revoke(db: str | None, token_id: int) -> None:
    """Revoke the token with id TOKEN_ID (see `dialin token list`)."""
    database, services = open_database(db)
    AccountService(*services).revoke(token_id)
    database.dispose()
    out.print(f"revoked token {token_id}")


def _when(epoch: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
