"""What ``dialin run`` and ``dialin optimize`` share: their options, the model command, the
project, and where model output goes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.config import RunConfig
from dialin.orchestrate.local import LineSink
from dialin.orchestrate.project import resolve_project
from dialin.orchestrate.runs import Launcher, source_code

__all__ = [
    "EXIT_INTERRUPTED",
    "LAUNCH_SETTINGS",
    "LaunchOptions",
    "launch_options",
    "launcher_for",
    "model_command",
    "project_of",
]

F = TypeVar("F", bound=Callable[..., Any])

# dialin's options come first; the first positional token starts the model's command and every
# later token is the model's (orchestration §1.0).
LAUNCH_SETTINGS = {"allow_interspersed_args": False, "ignore_unknown_options": True}
EXIT_INTERRUPTED = 130
_MISSING_COMMAND = (
    "Missing command: Please specify your run command via arguments or in the 'run' section of"
    " the run file."
)


def launch_options(command: F) -> F:
    for option in reversed(
        (
            click.option(
                "-r",
                "--run-file",
                type=click.Path(dir_okay=False, path_type=Path),
                default=Path("run.yml"),
                show_default=True,
                help="Run file; a missing one is an empty one.",
            ),
            click.option(
                "-s",
                "--source-file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=None,
                help="A file whose text is stored as each run's source code.",
            ),
            click.option(
                "-p",
                "--project",
                default=None,
                help="Project [default: $SIGOPT_PROJECT, else the directory name]; created"
                " if absent.",
            ),
            click.option(
                "--stop-grace",
                type=click.FloatRange(min=0),
                default=10.0,
                show_default=True,
                help="Seconds a model gets to exit after its stop signal (Ctrl-C, a pause or"
                " cancel) before it is killed.",
            ),
            click.option(
                "--max-restarts",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                help="Times a crashed model is started again in the same run (it resumes"
                " from dialin.load_latest_checkpoint()).",
            ),
            click.argument("command", nargs=-1, type=click.UNPROCESSED),
        )
    ):
        command = option(command)
    return command


def model_command(command: Sequence[str], run_config: RunConfig) -> tuple[str, ...]:
    resolved = tuple(command) or run_config.command
    if not resolved:
        raise click.UsageError(_MISSING_COMMAND)
    return resolved


def project_of(option: str | None) -> str:
    return resolve_project(option, os.environ, Path.cwd())


def _plain_sink(stream: str, line: str) -> None:
    target = sys.stdout if stream == "stdout" else sys.stderr
    target.write(line + "\n")
    target.flush()


@dataclass(frozen=True)
class LaunchOptions:
    """What ``dialin run`` and ``dialin optimize`` take alike."""

    run_file: Path
    source_file: Path | None
    project: str | None
    stop_grace: float
    max_restarts: int
    command: tuple[str, ...]


def launcher_for(
    api: OrchestrationApi,
    project: str,
    command: Sequence[str],
    run_config: RunConfig,
    options: LaunchOptions,
    sink_for: Callable[[Any], LineSink] | None = None,
) -> Launcher:
    return Launcher(
        api=api,
        project=project,
        command=command,
        sink_for=sink_for or (lambda _run: _plain_sink),
        run_name=run_config.name,
        source=source_code(Path.cwd(), options.source_file),
        stop_grace_s=options.stop_grace,
        max_restarts=options.max_restarts,
    )
