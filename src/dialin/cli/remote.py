"""Options of the commands that talk to a running dialin server over HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from dialin.client.context import api_url_from, token_from
from dialin.client.http import ApiClient

__all__ = ["api_options", "client_from", "json_option", "print_json"]

F = TypeVar("F", bound=Callable[..., Any])


def api_options(command: F) -> F:
    command = click.option(
        "--token",
        "token",
        default=None,
        metavar="TOKEN",
        help="API token [default: $DIALIN_API_TOKEN or $SIGOPT_API_TOKEN].",
    )(command)
    return click.option(
        "--api-url",
        "api_url",
        default=None,
        metavar="URL",
        help="dialin server [default: $DIALIN_API_URL, $SIGOPT_API_URL or http://127.0.0.1:8000].",
    )(command)


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(command)


def client_from(api_url: str | None, token: str | None) -> ApiClient:
    return ApiClient(api_url or api_url_from(os.environ), token or token_from(os.environ))


def print_json(payload: object) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=True))
