"""``dialin trial list|describe|pause|activate|kill|logs``, over the server's HTTP API."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from dialin.cli.console import out
from dialin.cli.remote import api_options, client_from, json_option, print_json

__all__ = ["trial"]


@click.group()
def trial() -> None:
    """Inspect trials (training runs) and pause, activate or kill them."""


def _row(t: dict[str, Any]) -> list[str]:
    return [
        str(t["id"]),
        t["state"],
        str(t["restarts"]),
        str(t["trial_run_id"]),
        str(t["total_batches_processed"]),
        t["start_time"] or "",
        t["end_time"] or "",
    ]


_COLUMNS = ("id", "state", "restarts", "run", "batches", "started", "ended")


@trial.command("list")
@api_options
@json_option
@click.argument("experiment_id", type=int)
def list_trials(api_url: str | None, token: str | None, as_json: bool, experiment_id: int) -> None:
    """List the trials of experiment EXPERIMENT_ID."""
    trials = client_from(api_url, token).get(f"/api/v1/experiments/{experiment_id}/trials")["data"]
    if as_json:
        print_json(trials)
        return
    table = Table(*_COLUMNS)
    for t in trials:
        table.add_row(*_row(t))
    out.print(table)


@trial.command("describe")
@api_options
@json_option
@click.argument("trial_id", type=int)
def describe(api_url: str | None, token: str | None, as_json: bool, trial_id: int) -> None:
    """Show trial TRIAL_ID: state, restarts, best validation, checkpoints, state history."""
    detail = client_from(api_url, token).get(f"/api/v1/trials/{trial_id}")
    if as_json:
        print_json(detail)
        return
    out.print(f"trial {detail['id']} of experiment {detail['experiment_id']}: {detail['state']}")
    out.print(
        f"restarts {detail['restarts']}/{detail['max_restarts']}, run {detail['trial_run_id']}, "
        f"{detail['total_batches_processed']} batches, {detail['checkpoint_count']} checkpoints",
        markup=False,
    )
    out.print(f"hparams: {detail['hparams']}", markup=False)
    best = detail.get("best_validation")
    if best:
        out.print(
            f"best validation at step {best['steps_completed']}: {best['metrics']}", markup=False
        )
    history = Table("at", "from", "to", "run", "restarts", "reason")
    for change in detail["history"]:
        history.add_row(
            change["at"],
            change["from_state"] or "",
            change["to_state"],
            str(change["trial_run_id"]),
            str(change["restarts"]),
            change["reason"],
        )
    out.print(history)


def _action(name: str, verb: str) -> None:
    @trial.command(name, help=f"{verb} trial TRIAL_ID.")
    @api_options
    @json_option
    @click.argument("trial_id", type=int)
    def act(api_url: str | None, token: str | None, as_json: bool, trial_id: int) -> None:
        result = client_from(api_url, token).post(f"/api/v1/trials/{trial_id}/{name}")
        if as_json:
            print_json(result)
            return
        out.print(f"trial {result['id']}: {result['state']}")


_action("pause", "Pause")
_action("activate", "Activate (resume)")
_action("kill", "Kill")


@trial.command("logs")
@api_options
@json_option
@click.option("--after", type=int, default=0, show_default=True, help="Only lines after this id.")
@click.argument("trial_id", type=int)
def logs(api_url: str | None, token: str | None, as_json: bool, after: int, trial_id: int) -> None:
    """Print the log lines of trial TRIAL_ID's runs."""
    lines = client_from(api_url, token).get(
        f"/api/v1/trials/{trial_id}/logs", query={"after": after}
    )["data"]
    if as_json:
        print_json(lines)
        return
    for line in lines:
        click.echo(f"[run {line['trial_run_id']} {line['stream']}] {line['content']}")
