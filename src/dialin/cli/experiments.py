"""``dialin experiment describe|pause|activate|cancel|kill|continue``: an experiment's lifecycle
state and its trials, over the server's HTTP API."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from dialin.cli.console import out
from dialin.cli.remote import api_options, client_from, json_option, print_json

__all__ = ["experiment"]


@click.group()
def experiment() -> None:
    """Show an experiment's state; pause, activate, cancel, kill or continue it."""


def _show(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json({key: value for key, value in view.items() if key != "data"})
        return
    progress = view.get("progress")
    shown = "" if progress is None else f", progress {progress:.0%}"
    out.print(f"experiment {view['id']}: {view['state']}{shown}", markup=False)
    table = Table("trial", "state")
    for t in view["trials"]:
        table.add_row(str(t["id"]), t["state"])
    out.print(table)


@experiment.command("describe")
@api_options
@json_option
@click.argument("experiment_id", type=int)
def describe(api_url: str | None, token: str | None, as_json: bool, experiment_id: int) -> None:
    """Show experiment EXPERIMENT_ID: its state, progress and trials."""
    _show(client_from(api_url, token).get(f"/api/v1/experiments/{experiment_id}"), as_json)


def _action(name: str, help_text: str) -> None:
    @experiment.command(name, help=help_text)
    @api_options
    @json_option
    @click.argument("experiment_id", type=int)
    def act(api_url: str | None, token: str | None, as_json: bool, experiment_id: int) -> None:
        view = client_from(api_url, token).post(f"/api/v1/experiments/{experiment_id}/{name}")
        _show(view, as_json)


_action("pause", "Pause experiment EXPERIMENT_ID and its live trials; it takes no new runs.")
_action("activate", "Activate paused experiment EXPERIMENT_ID and its paused trials.")
_action("cancel", "Cancel experiment EXPERIMENT_ID: its trials stop gracefully.")
_action("kill", "Kill experiment EXPERIMENT_ID: its trials are killed.")
_action(
    "continue",
    "Continue finished experiment EXPERIMENT_ID: its trials that did not complete reopen.",
)
