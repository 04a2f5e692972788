"""The run API for training code: parameters, metrics, checkpoints, the stop signal.

One run per process, so the context read from the environment is kept for the process's life
(as SigOpt's own run API does); ``use_context`` replaces it, e.g. in tests.
"""

from __future__ import annotations

import base64
import os
import tempfile
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


_current: _Run | None = None


def use_context(context: RunContext | None) -> None:
    """Replace the run's context; ``None`` reads the environment again on the next call."""
    global _current
    _current = None if context is None else _Run(context)


def _run() -> _Run:
    global _current
    if _current is None:
        _current = _Run(RunContext.from_environment())
    return _current


def get_parameter(name: str, default: Any = None) -> Any:
    """The trial's value of hyperparameter ``name``, else ``default``."""
    run = _run()
    if name in run.context.assignments:
        return run.context.assignments[name]
    return run.trial().get("hparams", {}).get(name, default)


def log_metric(
    name: str,
    value: float | int | str | bool | None,
    step: int | None = None,
    group: str = "validation",
) -> bool:
    """Report one metric at ``step``; returns whether the run should stop (e.g. ASHA's call)."""
    run = _run()
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
    """
    run = _run()
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
    directory, or None when the trial has none (a first run)."""
    run = _run()
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


def should_stop() -> bool:
    """The graceful-stop signal: checkpoint and exit 0 when it is true. The first true is
    acknowledged, so a paused or preempted trial resumes later instead of completing."""
    run = _run()
    signals = run.api.get(f"{run.path}/signals")
    stop = bool(signals.get("should_stop"))
    if stop and not run.acknowledged:
        run.api.post(f"{run.path}/signals/ack", {"trial_run_id": run.run_id})
        run.acknowledged = True
    return stop


def report_early_exit(reason: str = "INVALID_HP") -> None:
    """The hyperparameters cannot be trained (``INVALID_HP`` or ``INIT_INVALID_HP``): the
    trial's budget slot is freed; exit soon after, or the run is killed."""
    run = _run()
    run.api.post(f"{run.path}/early_exit", {"reason": reason})
