"""``dialin optimize``: an AI experiment's runs on this machine, ``parallel_bandwidth`` at a
time, with a live view (orchestration §1.3, §4)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from rich.live import Live
from rich.table import Table

from dialin.cli.console import out
from dialin.cli.embedded import api_connection
from dialin.cli.launching import (
    EXIT_INTERRUPTED,
    LAUNCH_SETTINGS,
    LaunchOptions,
    launch_options,
    launcher_for,
    model_command,
    project_of,
)
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.config import load_experiment, load_run
from dialin.orchestrate.local import Interrupt, LineSink
from dialin.orchestrate.optimize import OptimizeLoop, Progress
from dialin.settings import Settings

__all__ = ["optimize"]


def _view(experiment_id: str, progress: Progress) -> Table:
    table = Table(title=f"AI experiment {experiment_id}", show_header=False, box=None)
    table.add_row("runs completed", str(progress.completed))
    table.add_row("running", str(progress.running))
    for run_id, phase in sorted(progress.phases.items(), key=lambda item: int(item[0])):
        table.add_row(f"  run {run_id}", phase)
    table.add_row("failed", str(progress.failed))
    table.add_row("canceled", str(progress.canceled))
    best = "—" if progress.best_value is None else f"{progress.best_value:.6g}"
    table.add_row(f"best {progress.metric}", best)
    if progress.best_assignments:
        table.add_row("its assignments", _assignments(progress.best_assignments))
    return table


def _assignments(assignments: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{name}={value:.6g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in sorted(assignments.items())
    )


@click.command(context_settings=LAUNCH_SETTINGS)
@click.option(
    "-e",
    "--experiment-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("experiment.yml"),
    show_default=True,
    help="AI experiment file (not read with --resume).",
)
@click.option(
    "--resume",
    "resume_id",
    type=click.IntRange(min=1),
    default=None,
    metavar="ID",
    help="Continue AI experiment ID up to its budget instead of creating one.",
)
@launch_options
def optimize(
    experiment_file: Path,
    resume_id: int | None,
    run_file: Path,
    source_file: Path | None,
    project: str | None,
    stop_grace: float,
    max_restarts: int,
    command: tuple[str, ...],
) -> int:
    """Create the AI experiment of experiment.yml and run COMMAND (else run.yml's `run`) until
    its budget is spent; a failed run does not stop it.

    With no DIALIN_API_URL (or SIGOPT_API_URL) set, a dialin server runs inside this command
    on ./dialin.db.
    """
    options = LaunchOptions(run_file, source_file, project, stop_grace, max_restarts, command)
    experiment_config = None if resume_id is not None else load_experiment(experiment_file)
    run_config = load_run(run_file)
    program = model_command(command, run_config)
    project_id = project_of(project)
    interrupt = Interrupt()
    with api_connection(os.environ) as connection, interrupt.catching():
        api = OrchestrationApi(connection.api_url, connection.token)
        if experiment_config is None:
            experiment = api.experiment(str(resume_id))
            project_id = str(experiment["project"])
            out.print(f"Resuming AI experiment {experiment['id']}", markup=False)
        else:
            api.ensure_project(project_id)
            experiment = api.create_experiment(project_id, dict(experiment_config.body))
            out.print(
                f"AI experiment {experiment['id']} created in project {project_id}", markup=False
            )
        experiment_id = str(experiment["id"])
        with Live(console=out, refresh_per_second=4, transient=False) as live:

            def sink_for(run: Mapping[str, Any]) -> LineSink:
                def sink(_stream: str, line: str) -> None:
                    live.console.print(f"[run {run['id']}] {line}", markup=False)

                return sink

            loop = OptimizeLoop(
                api,
                experiment_id,
                launcher_for(api, project_id, program, run_config, options, sink_for),
                interrupt.event,
                lambda progress: live.update(_view(experiment_id, progress)),
            )
            for orphan in loop.orphans:
                live.console.print(
                    f"Run {orphan['id']} ended: {orphan['dev_metadata']['reason']}", markup=False
                )
            result = loop.run()
        if not out.is_terminal:
            # Off a terminal Live prints its last view once, without ending the line.
            out.line()
        _summary(connection.api_url, connection.embedded, experiment_id, result)
        if loop.refusal is not None:
            out.print(f"stopped creating runs: {loop.refusal}", markup=False)
    if interrupt.is_set():
        out.print(
            f"interrupted: continue with `dialin optimize --resume {experiment_id}`",
            markup=False,
        )
        return EXIT_INTERRUPTED
    return 0


def _summary(api_url: str, embedded: bool, experiment_id: str, result: Progress) -> None:
    out.print(
        f"AI experiment {experiment_id}: {result.completed} runs completed, {result.failed} failed,"
        f" {result.canceled} canceled",
        markup=False,
    )
    if result.best_value is not None:
        out.print(
            f"Best {result.metric} {result.best_value:.6g} (run {result.best_run}):"
            f" {_assignments(result.best_assignments)}",
            markup=False,
        )
    out.print(f"Plots: dialin experiment plot {experiment_id} -o history.png", markup=False)
    if embedded:
        # This command's server stops with it; `dialin server` serves the same database.
        settings = Settings()
        dashboard = f"http://{settings.host}:{settings.port}/experiments/{experiment_id}"
        out.print(f"Dashboard: run `dialin server`, then open {dashboard}", markup=False)
    else:
        out.print(f"Dashboard: {api_url}/experiments/{experiment_id}", markup=False)
