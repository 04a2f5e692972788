"""``dialin experiment plot``: an AI experiment's history and parallel-coordinates plots."""

from __future__ import annotations

import os
from pathlib import Path

import click

from dialin.cli.console import out
from dialin.cli.embedded import api_connection
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.plots import ExperimentHistory, write_plots

__all__ = ["plot"]


@click.command()
@click.argument("experiment_id", type=click.IntRange(min=1))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("history.png"),
    show_default=True,
    help="File to write: .png (matplotlib) or .html (standalone Plotly page).",
)
def plot(experiment_id: int, output: Path) -> None:
    """Plot AI experiment EXPERIMENT_ID: its metric by run with the best so far, and its
    parameters in parallel coordinates."""
    with api_connection(os.environ) as connection:
        api = OrchestrationApi(connection.api_url, connection.token)
        experiment = api.experiment(str(experiment_id))
        history = ExperimentHistory.of(experiment, api.experiment_runs(str(experiment_id)))
    write_plots(history, output)
    out.print(f"Wrote {output} ({len(history.run_ids)} runs)", markup=False)
