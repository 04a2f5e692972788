"""``dialin run`` and ``dialin optimize`` as subprocesses: their environment, their output, and
waiting for what they do to show on the server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from support.dialin import dialin_command

__all__ = [
    "TIMEOUT_S",
    "RunningDialin",
    "clean_environment",
    "dialin",
    "experiment_id_in",
    "runs_of",
    "start_dialin",
    "wait_for",
    "wait_for_line",
]

TIMEOUT_S = 120
T = TypeVar("T")


def clean_environment() -> dict[str, str]:
    """Ours without any server settings, with this interpreter's ``python`` first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGOPT_", "DIALIN_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def dialin(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*dialin_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def start_dialin(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A dialin command left running; stdout is read line by line, stderr joins it."""
    return subprocess.Popen(
        [*dialin_command(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )


class RunningDialin:
    """A dialin command left running (stderr joins stdout); killed on leaving the block."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = start_dialin(args, cwd, env)
        self.seen: list[str] = []

    def __enter__(self) -> RunningDialin:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()

    def line(self, pattern: str) -> re.Match[str]:
        """Read its output until a line matches ``pattern``."""
        assert self.process.stdout is not None
        return wait_for_line(self.process.stdout, pattern, self.seen)

    def finish(self, timeout: float = TIMEOUT_S) -> str:
        """Wait for it to end; all it printed."""
        rest, _ = self.process.communicate(timeout=timeout)
        return "".join(self.seen) + (rest or "")

    @property
    def returncode(self) -> int | None:
        return self.process.returncode


def wait_for_line(stream: IO[str], pattern: str, seen: list[str]) -> re.Match[str]:
    """Read ``stream`` (appending to ``seen``) until a line matches ``pattern``."""
    for line in stream:
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matched {pattern!r}:\n{''.join(seen)}")


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Poll the server until ``probe`` answers: the launcher works in another process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found is not None and found is not False:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def experiment_id_in(output: str) -> str:
    match = re.search(r"AI experiment (\d+) created", output)
    assert match, output
    return match.group(1)


def runs_of(api: httpx.Client, experiment_id: str) -> list[dict[str, Any]]:
    page = api.get(f"/v1/aiexperiments/{experiment_id}/training_runs", params={"limit": 100})
    assert page.status_code == 200, page.text
    return sorted(page.json()["data"], key=lambda r: int(r["id"]))
