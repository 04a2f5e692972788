"""One model run from creation to its end state, shared by ``dialin run`` and ``optimize``.

The run is also a trial (trials §1): the launcher opens allocations for it, watches the trial
while the model runs and reports how each allocation ended; the server decides what follows
(restart after a crash, wait while paused, end). The launcher acts on what it reads:

* PAUSED or STOPPING_CANCELED (``dialin trial pause``, ``dialin experiment cancel``, Ctrl-C):
  the graceful stop. The trial's stop flag is already up for ``dialin.should_stop()``; the model
  also gets SIGTERM, and SIGKILL ``stop_grace_s`` later if it is still running.
* STOPPING_KILLED or STOPPING_ERROR (``dialin trial kill``, an early exit past its deadline,
  which the server notices when the launcher polls the trial's signals): SIGKILL at once.
* A paused trial waits for ``dialin trial activate`` and then runs again as a new allocation.

ACTIVE sub-states, as the launcher goes through them: QUEUED once the run exists, STARTING
from the allocation's opening while the model is spawned, RUNNING once the model process
exists. The launcher reports each to the server (the trial's ``state`` shows it), prints the
state the server answered through ``on_phase`` and writes it to the trial's logs (stream
``launcher``). PULLING is skipped: a local model runs in this machine's environment, there is
no image to pull.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialin.errors import DialinError, InvalidField
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.local import LineSink, ModelProcess, run_environment, truncate_log
from dialin.orchestrate.owners import Owner

__all__ = [
    "HEARTBEAT_S",
    "POLL_S",
    "Launcher",
    "PhaseSink",
    "RunEnd",
    "default_run_name",
    "source_code",
]

# How often a running trial's state is read: the delay before a pause or kill from another
# terminal takes effect, and how late past its deadline an early exit is killed.
POLL_S = 1.0
# How often the launcher writes dev_metadata.launcher_heartbeat: a resume on another host
# takes a run whose heartbeat is long past for an orphan (orphans.py).
HEARTBEAT_S = 30.0
_WAIT_S = 0.1
_KILLING = frozenset({"STOPPING_KILLED", "STOPPING_ERROR"})
_GRACEFUL = frozenset({"PAUSED", "STOPPING_CANCELED"})
_TERMINAL = frozenset({"COMPLETED", "CANCELED", "ERROR"})

PhaseSink = Callable[[Mapping[str, Any], str], None]
"""Called with (the run, what its launcher does now: QUEUED, STARTING, RUNNING, ...)."""


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
    """How a run ended: its trial's end state, the model's last exit status (None when it
    never started) and the run as the server has it now."""

    run: Mapping[str, Any]
    status: int | None
    trial_state: str

    @property
    def canceled(self) -> bool:
        return self.trial_state == "CANCELED"

    @property
    def failed(self) -> bool:
        return self.run.get("state") == "failed"


@dataclass
class Launcher:
    """Starts models for runs of one project, supervises their trials, records their ends."""

    api: OrchestrationApi
    project: str
    command: Sequence[str]
    sink_for: Callable[[Mapping[str, Any]], LineSink]
    environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    run_name: str | None = None
    source: Mapping[str, str] = field(default_factory=dict)
    stop_grace_s: float = 10.0
    max_restarts: int = 0
    on_phase: PhaseSink = lambda _run, _phase: None

    def create_body(self) -> dict[str, Any]:
        """The new run's fields; its ``dev_metadata`` names this launcher, so a later
        ``--resume`` can tell a run whose launcher died (owners.py)."""
        owner = Owner.of_process("launcher", os.getpid()).dev_metadata()
        body: dict[str, Any] = {
            "name": self.run_name or default_run_name(self.project),
            "dev_metadata": {**owner, "launcher_heartbeat": int(time.time())},
        }
        if self.source:
            body["source_code"] = dict(self.source)
        return body

    def supervise(self, run: Mapping[str, Any], interrupt: threading.Event) -> RunEnd:
        """Run the model of ``run`` (restarting it as the trial says) until its trial ended;
        ``interrupt`` cancels it. Raises DialinError when the command cannot be started."""
        return _Supervision(self, run, interrupt).run()


class _Supervision:
    def __init__(self, launcher: Launcher, run: Mapping[str, Any], interrupt: threading.Event):
        self.launcher = launcher
        self.api = launcher.api
        self.run_record = run
        self.run_id = str(run["id"])
        self.interrupt = interrupt
        self.processes: list[ModelProcess] = []
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self._sink = launcher.sink_for(run)
        self.canceled = False
        self._next_beat = time.monotonic() + HEARTBEAT_S

    def _show(self, trial_run_id: int, what: str) -> None:
        self.launcher.on_phase(self.run_record, what)
        self._ship(trial_run_id, "launcher", [what])

    def _phase(self, trial_run_id: int, phase: str) -> None:
        """Report the phase; show the trial's state as the server has it now."""
        try:
            trial = self.api.report_allocation_phase(self.run_id, trial_run_id, phase)
        except DialinError:
            # E.g. killed meantime: the watch loop reads that next; show what we do anyway.
            self._show(trial_run_id, phase)
            return
        self._show(trial_run_id, str(trial["state"]))

    def _start_allocation(self) -> int:
        trial = self.api.start_allocation(self.run_id, self.launcher.max_restarts, "STARTING")
        trial_run_id = int(trial["trial_run_id"])
        self._show(trial_run_id, str(trial["state"]))
        return trial_run_id

    def _ship(self, trial_run_id: int, stream: str, lines: list[str]) -> None:
        # The trial's logs are a convenience (`dialin trial logs`): a failed write stops nothing.
        with contextlib.suppress(DialinError):
            self.api.add_trial_logs(self.run_id, trial_run_id, stream, lines)

    def _line(self, stream: str, line: str) -> None:
        self._sink(stream, line)
        with self._lock:
            self._pending.append(f"{stream}: {line}")

    def _flush(self, trial_run_id: int) -> None:
        with self._lock:
            lines, self._pending = self._pending, []
        if lines:
            self._ship(trial_run_id, "output", lines)

    def run(self) -> RunEnd:
        self.launcher.on_phase(self.run_record, "QUEUED")
        trial_run_id: int | None = self._start_allocation()
        status: int | None = None
        while trial_run_id is not None:
            process = self._spawn(trial_run_id)
            self._phase(trial_run_id, "RUNNING")
            stopped = self._watch(process, trial_run_id)
            status = process.wait()
            assert status is not None
            self._flush(trial_run_id)
            trial_run_id = self._after_exit(trial_run_id, status, stopped)
        return self._finish(status)

    def _spawn(self, trial_run_id: int) -> ModelProcess:
        launcher = self.launcher
        env = run_environment(
            launcher.environment,
            self.run_record,
            self.api.api_url,
            self.api.token,
            launcher.project,
            trial_run_id,
        )
        try:
            process = ModelProcess(launcher.command, env, self._line)
        except DialinError as error:
            self.api.allocation_exited(self.run_id, trial_run_id, "UNRECOVERABLE", str(error))
            self.api.merge_run(self.run_id, {"dev_metadata": {"reason": "spawn failed"}})
            raise
        self.processes.append(process)
        self.api.merge_run(
            self.run_id, {"dev_metadata": Owner.of_process("model", process.pid).dev_metadata()}
        )
        return process

    def _watch(self, process: ModelProcess, trial_run_id: int) -> bool:
        """Until the model exits; True when the launcher stopped it."""
        kill_at: float | None = None
        next_poll = time.monotonic() + POLL_S
        while process.wait(_WAIT_S) is None:
            now = time.monotonic()
            if self.interrupt.is_set() and not self.canceled:
                self.canceled = True
                self._cancel_trial()
                process.terminate()
                kill_at = kill_at or now + self.launcher.stop_grace_s
            if now >= next_poll:
                next_poll = now + POLL_S
                self._flush(trial_run_id)
                state = self._trial_state()
                if state in _KILLING:
                    process.kill()
                elif state in _GRACEFUL and kill_at is None:
                    process.terminate()
                    kill_at = now + self.launcher.stop_grace_s
            if kill_at is not None and now >= kill_at:
                process.kill()
        return process.stopped

    def _beat(self) -> None:
        now = time.monotonic()
        if now < self._next_beat:
            return
        self._next_beat = now + HEARTBEAT_S
        # A missed beat is made up by the next one.
        with contextlib.suppress(DialinError):
            self.api.merge_run(
                self.run_id, {"dev_metadata": {"launcher_heartbeat": int(time.time())}}
            )

    def _trial_state(self) -> str | None:
        self._beat()
        try:
            return str(self.api.trial_signals(self.run_id)["state"])
        except DialinError:
            # A slow or restarting server: the model keeps running, ask again next time.
            return None

    def _cancel_trial(self) -> None:
        # Already stopping or ended: the model is stopped all the same.
        with contextlib.suppress(DialinError):
            self.api.cancel_trial(self.run_id)

    def _after_exit(self, trial_run_id: int, status: int, stopped: bool) -> int | None:
        """Report the allocation's exit; the next allocation's run id, or None once ended."""
        if stopped:
            cause, error = "KILLED", None
        elif status == 0:
            cause, error = "EXITED", None
        else:
            cause, error = "CRASHED", f"exit status {status}"
        try:
            exited = self.api.allocation_exited(self.run_id, trial_run_id, cause, error)
        except InvalidField:
            # The allocation was closed already (the trial ended while the model ran, then
            # something else reported its end): that end stands.
            if self._trial_state() in _TERMINAL:
                return None
            raise
        if exited.get("reallocate"):
            next_run_id = int(exited["trial_run_id"])
            self._show(next_run_id, f"RESTARTING after {error} (restart {exited['restarts']})")
            self._phase(next_run_id, "STARTING")
            return next_run_id
        if exited.get("trial_state") == "PAUSED":
            return self._wait_for_activation(trial_run_id)
        return None

    def _wait_for_activation(self, trial_run_id: int) -> int | None:
        """A paused trial holds its slot until activated (a new allocation) or ended."""
        self._show(trial_run_id, "PAUSED: waiting for `dialin trial activate`")
        while True:
            if self.interrupt.is_set():
                self.canceled = True
                self._cancel_trial()
                return None
            state = self._trial_state()
            if state in _TERMINAL:
                return None
            if state == "ACTIVE":
                return self._start_allocation()
            if state is not None and state != "PAUSED":
                # Stopping without an allocation settles at once; read it once more.
                continue
            self.interrupt.wait(POLL_S)

    def _finish(self, status: int | None) -> RunEnd:
        """Store the model's output on its run: SigOpt has no canceled state, so a canceled run
        is failed and says why in ``dev_metadata.reason``."""
        trial_state = str(self.api.trial_signals(self.run_id)["state"])
        dev_metadata: dict[str, Any] = {}
        if status is not None:
            dev_metadata["exit_status"] = status
        if trial_state == "CANCELED":
            dev_metadata["reason"] = "canceled"
        logs = {
            stream: {"content": truncate_log("".join(p.output(stream) for p in self.processes))}
            for stream in ("stdout", "stderr")
        }
        ended = self.api.merge_run(self.run_id, {"logs": logs, "dev_metadata": dev_metadata})
        return RunEnd(ended, status, trial_state)
