"""``dialin experiment pause|activate|cancel|kill``: act on every trial of an experiment."""

from __future__ import annotations

import click
from rich.table import Table

from dialin.cli.console import out
from dialin.cli.remote import api_options, client_from, json_option, print_json

__all__ = ["experiment"]


@click.group()
def experiment() -> None:
    """Pause, activate, cancel or kill an experiment's trials."""


def _action(name: str, verb: str) -> None:
    @experiment.command(name, help=f"{verb} every trial of experiment EXPERIMENT_ID.")
    @api_options
    @json_option
    @click.argument("experiment_id", type=int)
    def act(api_url: str | None, token: str | None, as_json: bool, experiment_id: int) -> None:
        trials = client_from(api_url, token).post(f"/api/v1/experiments/{experiment_id}/{name}")
        if as_json:
            print_json(trials["data"])
            return
        table = Table("trial", "state")
        for t in trials["data"]:
            table.add_row(str(t["id"]), t["state"])
        out.print(table)


_action("pause", "Pause")
_action("activate", "Activate")
_action("cancel", "Cancel")
_action("kill", "Kill")
