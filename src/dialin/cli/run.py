"""``dialin run``: one model run in a project, on this machine (orchestration §1.2, §4)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

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
from dialin.orchestrate.config import load_run
from dialin.orchestrate.local import Interrupt
from dialin.orchestrate.runs import RunEnd

__all__ = ["run"]

_POLL_S = 0.2


@click.command(context_settings=LAUNCH_SETTINGS)
@launch_options
def run(
    run_file: Path,
    source_file: Path | None,
    project: str | None,
    stop_grace: float,
    max_restarts: int,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND (else run.yml's `run`) as a training run; exit with its status.

    With no DIALIN_API_URL (or SIGOPT_API_URL) set, a dialin server runs inside this command
    on ./dialin.db.
    """
    options = LaunchOptions(run_file, source_file, project, stop_grace, max_restarts, command)
    run_config = load_run(run_file)
    program = model_command(command, run_config)
    project_id = project_of(project)
    interrupt = Interrupt()
    with api_connection(os.environ) as connection, interrupt.catching():
        api = OrchestrationApi(connection.api_url, connection.token)
        api.ensure_project(project_id)
        launcher = launcher_for(api, project_id, program, run_config, options)

        def phase(run: Mapping[str, Any], what: str) -> None:
            out.print(f"Run {run['id']}: {what}", markup=False)

        launcher.on_phase = phase
        created = api.create_project_run(project_id, launcher.create_body())
        out.print(f"Run {created['id']} started in project {project_id}", markup=False)
        end = _supervised(launcher.supervise, created, interrupt.event)
        out.print(
            f"Run {created['id']} finished: {end.run['state']} (trial {end.trial_state})",
            markup=False,
        )
        if connection.embedded:
            out.print("Browse it with `dialin server` (same ./dialin.db).", markup=False)
    if interrupt.is_set():
        out.print("interrupted: the run is canceled", markup=False)
        return EXIT_INTERRUPTED
    status = end.status or 0
    if end.canceled:
        out.print("the run was canceled", markup=False)
        return status or 1
    if status != 0:
        out.print(f"command exited with non-zero status: {status}", markup=False)
    return status


def _supervised(
    supervise: Callable[[Mapping[str, Any], threading.Event], RunEnd],
    created: Mapping[str, Any],
    interrupt: threading.Event,
) -> RunEnd:
    """Supervise in a thread: the main thread stays free for the Ctrl-C handler."""
    outcome: list[RunEnd | BaseException] = []

    def target() -> None:
        try:
            outcome.append(supervise(created, interrupt))
        except BaseException as error:  # raised again in the main thread
            outcome.append(error)

    thread = threading.Thread(target=target, name=f"run-{created['id']}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(_POLL_S)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
