"""``dialin server``: the API (and dashboard) in one or several processes."""

from __future__ import annotations

import os

import click

from dialin.api.access_log import log_config
from dialin.cli.console import err, out
from dialin.cli.options import database_option, open_database
from dialin.services.accounts import AccountService
from dialin.settings import Settings

__all__ = ["server"]


@click.command()
@database_option
@click.option("--host", default=None, help="Interface to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [default: 8080].")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="API processes; several need PostgreSQL to scale (SQLite serializes writes).",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def server(
    db: str | None, host: str | None, port: int | None, workers: int | None, log_level: str
) -> None:
    """Serve the SigOpt-compatible API on http://HOST:PORT/v1."""
    import uvicorn

    settings = Settings()
    url = db or settings.database_url
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    # Migrate and bootstrap here, once, before any worker process starts.
    database, services = open_database(url)
    issued = AccountService(*services).bootstrap()
    database.dispose()
    if issued is not None:
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        out.print(f'dialin: created client "{issued.client.name}"; its API token is shown once:')
        out.print(f"  export SIGOPT_API_URL=http://{shown_host}:{port}")
        out.print(f"  export SIGOPT_API_TOKEN={issued.secret}")
    err.print(
        f"dialin: serving on http://{host}:{port} ({workers} process(es)), database {_safe(url)}"
    )
    os.environ["DIALIN_DATABASE_URL"] = url
    uvicorn.run(
        "dialin.api.factory:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config(),
        server_header=False,
    )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
