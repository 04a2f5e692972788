"""Model subprocesses on this machine: launched with a run's context, their output streamed
line by line and kept, stopped with SIGTERM then SIGKILL after a grace period.

Each model runs in its own session so a Ctrl-C at the terminal reaches dialin only; dialin then
stops every model it supervises and waits for them (orchestration §4.6).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dialin.errors import DialinError

__all__ = [
    "LOG_LIMIT",
    "Interrupt",
    "LineSink",
    "ModelProcess",
    "exit_status",
    "run_environment",
    "truncate_log",
]

# The server keeps 1124 characters per stream (sigopt-api §4.8): keep the head and the tail.
LOG_LIMIT = 1024
_CUT = "\n[... output truncated by dialin ...]\n"
_UNDECODABLE = "Failed to decode binary data to utf-8"

LineSink = Callable[[str, str], None]
"""Called with (stream name ``stdout``/``stderr``, one line without its newline)."""


def run_environment(
    base: Mapping[str, str],
    run: Mapping[str, Any],
    api_url: str,
    token: str,
    project: str,
    trial_run_id: int,
) -> dict[str, str]:
    """The model's environment: ours plus what ``import sigopt`` and ``import dialin`` read."""
    context = {"user_agent_info": ["CLI"], "global_run_context": {"run": dict(run)}}
    return {
        **base,
        "SIGOPT_CONTEXT": base64.b64encode(json.dumps(context).encode()).decode(),
        "SIGOPT_API_URL": api_url,
        "SIGOPT_API_TOKEN": token,
        "SIGOPT_PROJECT": project,
        "DIALIN_API_URL": api_url,
        "DIALIN_API_TOKEN": token,
        "DIALIN_TRIAL_ID": str(run["id"]),
        "DIALIN_TRIAL_RUN_ID": str(trial_run_id),
    }


def truncate_log(text: str) -> str:
    if len(text) <= LOG_LIMIT:
        return text
    half = (LOG_LIMIT - len(_CUT)) // 2
    return text[:half] + _CUT + text[-half:]


def exit_status(returncode: int) -> int:
    """A shell's view of the exit: 128 + signal number for a model killed by a signal."""
    return 128 - returncode if returncode < 0 else returncode


def _spawn_hint(command: Sequence[str], error: OSError) -> str:
    program = command[0]
    path = Path(program)
    if isinstance(error, FileNotFoundError) and "/" not in program and path.is_file():
        return f"prefix your script with ./ : dialin run ./{program}"
    if isinstance(error, PermissionError) and path.suffix == ".py":
        return f"include the python executable: dialin run -- python {' '.join(command)}"
    if isinstance(error, PermissionError) and path.suffix in (".sh", ".bash"):
        return f"make your shell script executable: chmod +x {program}"
    return ""


@dataclass
class _Captured:
    lines: list[str]

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")


class ModelProcess:
    """A model: a child process whose output goes to ``sink`` and into memory."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str], sink: LineSink) -> None:
        self.command = tuple(command)
        # Set once dialin sent it a stop or kill signal.
        self.stopped = False
        try:
            self._process = subprocess.Popen(
                self.command,
                env=dict(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            hint = _spawn_hint(command, error)
            raise DialinError(
                f"cannot run {command[0]}: {error.strerror or error}"
                + (f"; {hint}" if hint else "")
            ) from error
        self._captured = {"stdout": _Captured([]), "stderr": _Captured([])}
        assert self._process.stdout is not None and self._process.stderr is not None
        self._copiers = [
            threading.Thread(target=self._copy, args=(name, stream, sink), daemon=True)
            for name, stream in (("stdout", self._process.stdout), ("stderr", self._process.stderr))
        ]
        for copier in self._copiers:
            copier.start()
        self._finished = threading.Event()
        threading.Thread(target=self._reap, daemon=True).start()

    def _copy(self, name: str, stream: IO[bytes], sink: LineSink) -> None:
        for raw in stream:
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                line = _UNDECODABLE
            self._captured[name].lines.append(line)
            sink(name, line)
        stream.close()

    def _reap(self) -> None:
        self._process.wait()
        for copier in self._copiers:
            copier.join()
        self._finished.set()

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status once the process ended and its output is copied, else None."""
        if not self._finished.wait(timeout):
            return None
        return exit_status(self._process.returncode)

    def output(self, stream: str) -> str:
        return self._captured[stream].text()

    def terminate(self) -> None:
        """The graceful stop: SIGTERM to the model's process group."""
        self.stopped = True
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self.stopped = True
        self._signal(signal.SIGKILL)

    def _signal(self, signal_number: int) -> None:
        # The model may exit between the check and the signal: nothing left to stop then.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal_number)


class Interrupt:
    """Set by SIGINT or SIGTERM while ``catching`` is active."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def is_set(self) -> bool:
        return self.event.is_set()

    def _handle(self, _signal_number: int, _frame: object) -> None:
        self.event.set()

    def catching(self) -> _Catching:
        return _Catching(self)


class _Catching:
    def __init__(self, interrupt: Interrupt) -> None:
        self._interrupt = interrupt
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupt:
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._interrupt._handle)
        return self._interrupt

    def __exit__(self, *_exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
