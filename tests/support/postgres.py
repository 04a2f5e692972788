"""PostgreSQL for tests: the server named by ``DIALIN_TEST_POSTGRES_URL`` or a throwaway cluster.

The throwaway cluster lives in a temporary directory, trusts every local connection and listens
on a free port of 127.0.0.1. ``initdb`` refuses to run as root, so under root the binaries run as
the OS user ``postgres`` and the directory belongs to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from support.network import free_port

__all__ = [
    "PostgresUnavailable",
    "database",
    "postgres_bin_dir",
    "postgres_server_url",
    "throwaway_cluster",
]

URL_ENV = "DIALIN_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    """No server URL was given and no PostgreSQL binaries were found."""


def postgres_bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def _as_cluster_owner(command: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", "postgres", "--", *command]


def _chown_to_cluster_owner(path: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


def _run(command: Sequence[str]) -> None:
    result = subprocess.run(
        _as_cluster_owner(command), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a fresh cluster, yield its server URL (database ``postgres``), stop and remove it."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("no PostgreSQL binaries (initdb, pg_ctl) found")
    root = Path(tempfile.mkdtemp(prefix="dialin-pg-"))
    _chown_to_cluster_owner(root)
    data_dir = root / "data"
    port = free_port()
    _run([str(bin_dir / "initdb"), "--auth=trust", "--username=postgres", "-D", str(data_dir)])
    server_options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    _run(
        [
            pg_ctl,
            "-D",
            str(data_dir),
            "-l",
            str(root / "server.log"),
            "-o",
            server_options,
            "-w",
            "-t",
            "60",
            "start",
        ]
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server_url() -> Iterator[str]:
    """The server URL from ``DIALIN_TEST_POSTGRES_URL`` if set, else a throwaway cluster's."""
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    with throwaway_cluster() as url:
        yield url


def _libpq_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def database(server_url: str) -> Iterator[str]:
    """Create an empty database ``dialin_<random>`` on the server, yield its URL, drop it."""
    name = f"dialin_{secrets.token_hex(6)}"
    admin = _libpq_conninfo(server_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
