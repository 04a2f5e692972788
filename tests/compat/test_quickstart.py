"""The README quickstart: ``dialin server`` on an empty database prints a working token once."""

from __future__ import annotations

import re

from support.dialin import server_process
from support.sigopt_client import connect

EXPORT_TOKEN = re.compile(r"^\s*export SIGOPT_API_TOKEN=(\S+)\s*$", re.MULTILINE)


def test_first_start_prints_the_default_token_once(sqlite_database_url: str) -> None:
    with server_process(sqlite_database_url) as (api_url, _, log_dir):
        first_output = (log_dir / "stdout.log").read_text()
    with server_process(sqlite_database_url) as (_, _, log_dir):
        second_output = (log_dir / "stdout.log").read_text()

    assert 'dialin: created client "default"; its API token is shown once:' in first_output
    assert f"export SIGOPT_API_URL={api_url}" in first_output
    (token,) = EXPORT_TOKEN.findall(first_output)
    assert "SIGOPT_API_TOKEN" not in second_output
    with server_process(sqlite_database_url) as (api_url, _, _):
        conn = connect(api_url, token)
        assert conn.clients(conn.tokens("self").fetch().client).fetch().name == "default"
