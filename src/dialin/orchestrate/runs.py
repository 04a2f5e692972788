"""One model run from creation to its end state, shared by ``dialin run`` and ``optimize``."""

from __future__ import annotations

import datetime
import os
import queue
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.local import LineSink, ModelProcess, run_environment

__all__ = ["Launcher", "RunEnd", "default_run_name", "source_code"]


def default_run_name(project: str, now: datetime.datetime | None = None) -> str:
    """SigOpt's default: ``<project> YYYY-MM-DD HH:MM:SS``."""
    now = now or datetime.datetime.now()
    return f"{project} {now:%Y-%m-%d %H:%M:%S}"


def source_code(directory: Path, source_file: Path | None) -> dict[str, str]:
    """The run's ``source_code``: the git commit of ``directory`` if any, and a file's text."""
    code: dict[str, str] = {}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        head = None
    if head is not None and head.returncode == 0 and head.stdout.strip():
        code["hash"] = head.stdout.strip()
    if source_file is not None:
        code["content"] = source_file.read_text(encoding="utf-8", errors="replace")
    return code


@dataclass(frozen=True)
class RunEnd:
    """How a run ended: the model's exit status and the run as the server has it now."""

    run: Mapping[str, Any]
    status: int
    canceled: bool

    @property
    def failed(self) -> bool:
        return self.run.get("state") == "failed"


@dataclass
class Launcher:
    """Starts models for runs of one project and records how each ended."""

    api: OrchestrationApi
    project: str
    command: Sequence[str]
    sink_for: Callable[[Mapping[str, Any]], LineSink]
    environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    run_name: str | None = None
    source: Mapping[str, str] = field(default_factory=dict)

    def create_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.run_name or default_run_name(self.project)}
        if self.source:
            body["source_code"] = dict(self.source)
        return body

    def start(
        self, run: Mapping[str, Any], done: queue.Queue[ModelProcess] | None = None
    ) -> ModelProcess:
        env = run_environment(self.environment, run, self.api.api_url, self.api.token, self.project)
        try:
            return ModelProcess(self.command, env, self.sink_for(run), str(run["id"]), done)
        except Exception:
            self.api.merge_run(
                str(run["id"]), {"state": "failed", "dev_metadata": {"reason": "spawn failed"}}
            )
            raise

    def finish(self, process: ModelProcess) -> RunEnd:
        """Store the model's output on its run and end it: failed when the model exited
        non-zero, was stopped, or logged a failure itself; completed otherwise."""
        status = process.wait()
        assert status is not None
        run_id = process.run_id
        logged = self.api.run(run_id)
        failed = process.stopped or status != 0 or logged.get("state") == "failed"
        dev_metadata: dict[str, Any] = {"exit_status": status}
        if process.stopped:
            # SigOpt has no canceled state: the run fails and says why.
            dev_metadata["reason"] = "canceled"
        ended = self.api.merge_run(
            run_id,
            {
                "logs": process.logs(),
                "state": "failed" if failed else "completed",
                "dev_metadata": dev_metadata,
            },
        )
        return RunEnd(ended, status, process.stopped)
