"""The server ``dialin run`` and ``optimize`` talk to: the one configured in the environment,
else ``dialin server`` started in this process on ``./dialin.db`` for as long as they run.

Both cases are the same HTTP API to the orchestrator and to the models; only here does the CLI
wire storage and the app together, as ``dialin server`` does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialin.client.context import token_from
from dialin.errors import DialinError

if TYPE_CHECKING:
    import uvicorn

__all__ = ["ApiConnection", "api_connection"]

_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
LOCAL_CLIENT = "default"


@dataclass(frozen=True)
class ApiConnection:
    api_url: str
    token: str
    # The server lives only as long as this command: links to it are dead afterwards.
    embedded: bool


def configured_url(env: Mapping[str, str]) -> str | None:
    return env.get("DIALIN_API_URL") or env.get("SIGOPT_API_URL") or None


@contextmanager
def api_connection(env: Mapping[str, str]) -> Iterator[ApiConnection]:
    url = configured_url(env)
    if url is None:
        with embedded_server() as connection:
            yield connection
        return
    token = token_from(env)
    if not token:
        raise DialinError(
            f"no API token for {url}: set DIALIN_API_TOKEN or SIGOPT_API_TOKEN"
            " (or unset the URL to use a server of this process)"
        )
    yield ApiConnection(url.rstrip("/"), token, embedded=False)


@contextmanager
def embedded_server() -> Iterator[ApiConnection]:
    import uvicorn

    from dialin.api.app import create_app
    from dialin.cli.console import err
    from dialin.cli.options import open_database
    from dialin.services.accounts import AccountService
    from dialin.settings import Settings

    settings = Settings()
    database, services = open_database(settings.database_url)
    accounts = AccountService(*services)
    # A token of the default client, so `dialin server` later shows these experiments.
    issued = accounts.issue_token(LOCAL_CLIENT)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            log_level="warning",
            access_log=False,
            lifespan="on",
            server_header=False,
        )
    )
    # Not the main thread, so uvicorn leaves our signal handlers alone.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="dialin-server", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        api_url = f"http://127.0.0.1:{port}"
        err.print(
            f"dialin: no server configured (DIALIN_API_URL); serving on {api_url} for this"
            f" command, database {settings.database_url}",
            markup=False,
        )
        yield ApiConnection(api_url, issued.secret, embedded=True)
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        listener.close()
        accounts.revoke(issued.token.id)
        database.dispose()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise DialinError("the dialin server of this command did not start")
        # uvicorn sets a plain flag once it listens: nothing to wait on but time.
        time.sleep(0.02)
