"""The run API for training code: parameters, metrics, checkpoints, the stop signal.

One run per process, so the context read from the environment is kept for the process's life
(as SigOpt's own run API does); ``use_context`` replaces it, e.g. in tests. The context comes
from ``dialin run``/``dialin optimize`` or from SigOpt's ``sigopt run``/``sigopt optimize``
(see ``dialin.client.context``); nothing needs configuring.

Outside any run (``python model.py`` alone) the same code runs as a plain script:
``get_parameter`` returns its default, ``log_metric`` prints ``<name> = <value>`` on stdout,
``log_checkpoint`` stores nothing (and says so on stderr), ``load_latest_checkpoint`` returns
None, ``report_early_exit`` only prints, and ``should_stop`` is true only after a SIGTERM.
"""

from __future__ import annotations

import base64
import os
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dialin.client.context import RunContext
from dialin.client.http import ApiClient
from dialin.errors import InvalidField, NotFound

__all__ = [
    "get_parameter",
    "load_latest_checkpoint",
    "log_checkpoint",
    "log_metric",
    "report_early_exit",
    "should_stop",
    "use_context",
]


class _Run:
    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.api = ApiClient(context.api_url, context.token)
        self.path = f"/api/v1/trials/{context.trial_id}"
        self._trial: Mapping[str, Any] | None = None
        self._run_id = context.trial_run_id
        self.last_step: int | None = None
        self.acknowledged = False

    def trial(self) -> Mapping[str, Any]:
        if self._trial is None:
            self._trial = self.api.get(self.path)
        return self._trial

    @property
    def run_id(self) -> int:
        if self._run_id is None:
            self._run_id = int(self.trial()["trial_run_id"])
        return self._run_id


class _Outside:
    """No run: the environment names none."""


_OUTSIDE = _Outside()
_current: _Run | _Outside | None = None
_terminated = threading.Event()


def use_context(context: RunContext | None) -> None:
    """Replace the run's context; ``None`` reads the environment again on the next call."""
    global _current
    _current = None if context is None else _Run(context)


def _run() -> _Run | None:
    global _current
    if _current is None:
        context = RunContext.from_environment()
        _current = _OUTSIDE if context is None else _Run(context)
    return _current if isinstance(_current, _Run) else None


def get_parameter(name: str, default: Any = None) -> Any:
    """The trial's value of hyperparameter ``name``, else ``default`` (always ``default``
    outside a run)."""
    run = _run()
    if run is None:
        return default
    if name in run.context.assignments:
        return run.context.assignments[name]
    return run.trial().get("hparams", {}).get(name, default)


def log_metric(
    name: str,
    value: float | int | str | bool | None,
    step: int | None = None,
    group: str = "validation",
) -> bool:
    """Report one metric at ``step``; returns whether the run should stop (e.g. ASHA's call).
    Outside a run it prints ``<name> = <value>`` and returns False."""
    run = _run()
    if run is None:
        print(f"{name} = {value}" + ("" if step is None else f" (step {step})"), flush=True)
        return False
    body: dict[str, Any] = {
        "group": group,
        "metrics": {name: value},
        "trial_run_id": run.run_id,
    }
    if step is not None:
        body["steps_completed"] = step
        run.last_step = step if run.last_step is None else max(run.last_step, step)
    return bool(run.api.post(f"{run.path}/metrics", body).get("should_stop", False))


def _files_of(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    if not path.is_dir():
        raise InvalidField("path", f"{path} is neither a file nor a directory")
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file()
    }


def log_checkpoint(path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None) -> str:
    """Upload a file or a directory as a checkpoint of this run; returns its uuid.

    ``metadata["steps_completed"]`` defaults to the largest step logged so far (0 if none).
    Outside a run nothing is stored.
    """
    run = _run()
    if run is None:
        print(f"checkpoint {path} not stored: not inside a dialin run", file=sys.stderr)
        return str(uuid.uuid4())
    meta = dict(metadata or {})
    meta.setdefault("steps_completed", run.last_step or 0)
    checkpoint_uuid = str(uuid.uuid4())
    files = {
        name: base64.b64encode(content).decode() for name, content in _files_of(Path(path)).items()
    }
    run.api.post(
        f"{run.path}/checkpoints",
        {"uuid": checkpoint_uuid, "trial_run_id": run.run_id, "metadata": meta, "files": files},
    )
    return checkpoint_uuid


def load_latest_checkpoint() -> str | None:
    """Download the trial's latest checkpoint into a new temporary directory and return that
    directory, or None when the trial has none (a first run, or outside a run)."""
    run = _run()
    if run is None:
        return None
    try:
        latest = run.api.get(f"{run.path}/checkpoints/latest")
    except NotFound:
        return None
    content = run.api.get(f"{run.path}/checkpoints/{latest['uuid']}/files")
    target = Path(tempfile.mkdtemp(prefix=f"dialin-checkpoint-{latest['uuid'][:8]}-"))
    for name, encoded in content["files"].items():
        destination = (target / name).resolve()
        if target.resolve() not in destination.parents:
            raise InvalidField("files", f"checkpoint file {name!r} escapes its directory")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(base64.b64decode(encoded))
    return str(target)


def _catch_sigterm() -> None:
    """A process that polls ``should_stop`` stops itself: from then on SIGTERM (what a
    launcher sends to stop a run) makes ``should_stop`` true instead of ending the process
    at once. A handler of the program's own, or a call off the main thread, keeps it as is."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda _number, _frame: _terminated.set())


def should_stop() -> bool:
    """The graceful-stop signal: checkpoint and exit 0 when it is true. True when the trial
    is paused, cancelled, killed or stopped by the searcher, or once the process got SIGTERM.
    The first true is acknowledged, so a paused or preempted trial resumes later instead of
    completing."""
    _catch_sigterm()
    run = _run()
    if run is None:
        return _terminated.is_set()
    signals = run.api.get(f"{run.path}/signals")
    stop = bool(signals.get("should_stop")) or _terminated.is_set()
    if stop and not run.acknowledged:
        run.api.post(f"{run.path}/signals/ack", {"trial_run_id": run.run_id})
        run.acknowledged = True
    return stop


def report_early_exit(reason: str = "INVALID_HP") -> None:
    """The hyperparameters cannot be trained (``INVALID_HP`` or ``INIT_INVALID_HP``): the
    trial's budget slot is freed; exit soon after, or the run is killed. Outside a run it
    only prints the reason."""
    run = _run()
    if run is None:
        print(f"early exit: {reason}", file=sys.stderr, flush=True)
        return
    run.api.post(f"{run.path}/early_exit", {"reason": reason})
