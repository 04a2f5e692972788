"""``dialin run``: one model run in a project, on this machine (orchestration §1.2, §4)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from dialin.cli.console import out
from dialin.cli.embedded import api_connection
from dialin.cli.launching import (
    EXIT_INTERRUPTED,
    LAUNCH_SETTINGS,
    launch_options,
    launcher_for,
    model_command,
    project_of,
)
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.config import load_run
from dialin.orchestrate.local import Interrupt

__all__ = ["run"]

_POLL_S = 0.2


@click.command(context_settings=LAUNCH_SETTINGS)
@launch_options
def run(
    run_file: Path,
    source_file: Path | None,
    project: str | None,
    stop_grace: float,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND (else run.yml's `run`) as a training run; exit with its status.

    With no DIALIN_API_URL (or SIGOPT_API_URL) set, a dialin server runs inside this command
    on ./dialin.db.
    """
    run_config = load_run(run_file)
    program = model_command(command, run_config)
    project_id = project_of(project)
    interrupt = Interrupt()
    with api_connection(os.environ) as connection, interrupt.catching():
        api = OrchestrationApi(connection.api_url, connection.token)
        api.ensure_project(project_id)
        launcher = launcher_for(api, project_id, program, run_config, source_file)
        created = api.create_project_run(project_id, launcher.create_body())
        out.print(f"Run {created['id']} started in project {project_id}", markup=False)
        process = launcher.start(created)
        while process.wait(_POLL_S) is None:
            if interrupt.is_set():
                process.stop(interrupt.signal_number, stop_grace)
        end = launcher.finish(process)
        out.print(f"Run {created['id']} finished: {end.run['state']}", markup=False)
        if connection.embedded:
            out.print("Browse it with `dialin server` (same ./dialin.db).", markup=False)
    if end.canceled:
        out.print("interrupted: the run is marked failed (canceled)", markup=False)
        return EXIT_INTERRUPTED
    if end.status != 0:
        out.print(f"command exited with non-zero status: {end.status}", markup=False)
    return end.status
