"""dialin's own trial API JSON (``/api/v1``) ↔ domain values. Times are RFC 3339, UTC.

Not SigOpt's shape: trials carry Determined-style fields (state, restarts, summary metrics).
Checkpoint files travel base64-encoded inside the JSON body.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence

from dialin.domain.checkpoints import Checkpoint
from dialin.domain.metric_reports import VALIDATION, MetricsReport
from dialin.domain.trial_history import LogLine, StateChange
from dialin.domain.trial_views import (
    CheckpointUpload,
    ExperimentTrials,
    MetricsIngest,
    TrialDetail,
    TrialSignals,
    rfc3339,
)
from dialin.domain.trials import AllocationExit, ExitCause, Trial, run_state_of, should_stop
from dialin.errors import InvalidField
from dialin.wire.fields import (
    JsonObject,
    child,
    expect_bool,
    expect_integer,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)

__all__ = [
    "parse_allocation_exit",
    "parse_checkpoint_upload",
    "parse_log_lines",
    "parse_metrics_ingest",
    "parse_progress",
    "render_checkpoint",
    "render_experiment_trials",
    "render_log_line",
    "render_report",
    "render_signals",
    "render_state_change",
    "render_trial",
    "render_trial_detail",
]

_UUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE)


def render_trial(trial: Trial, now: int | None = None) -> dict[str, object]:
    """``now``: the server's time, up to which a running trial's wall clock counts (without
    it, only the time of what has ended)."""
    return {
        "object": "trial",
        "id": trial.id,
        "experiment_id": trial.experiment_id,
        "name": trial.name,
        # ACTIVE shows its sub-state, as Determined's views do
        "state": (trial.sub_state or trial.state).value,
        "trial_state": trial.state.value,
        "run_state": run_state_of(trial.state),
        "managed": trial.managed,
        "hparams": dict(trial.hparams),
        "start_time": rfc3339(trial.start_time),
        "end_time": rfc3339(trial.end_time),
        "restarts": trial.reported_restarts,
        "max_restarts": trial.max_restarts,
        "trial_run_id": trial.trial_run_id,
        "stopped_by_searcher": trial.stopped_by_searcher,
        "early_exit": trial.early_exit.value if trial.early_exit else None,
        "should_stop": should_stop(trial),
        "total_batches_processed": trial.total_batches_processed,
        "summary_metrics": dict(trial.summary_metrics),
        "progress": trial.progress,
        "wall_clock_time": trial.wall_clock_time(now),
        "task_id": trial.task_ids[0],
        "task_ids": list(trial.task_ids),
        "log_retention_days": trial.log_retention_days,
    }


def render_report(report: MetricsReport) -> dict[str, object]:
    return {
        "object": "metrics_report",
        "id": report.id,
        "trial_id": report.trial_id,
        "trial_run_id": report.trial_run_id,
        "group": report.group,
        "steps_completed": report.total_batches,
        "end_time": rfc3339(report.end_time),
        "metrics": dict(report.metrics),
        "batch_metrics": [dict(b) for b in report.batch_metrics],
        "archived": report.archived,
    }


def render_checkpoint(checkpoint: Checkpoint) -> dict[str, object]:
    return {
        "object": "trial_checkpoint",
        "uuid": checkpoint.uuid,
        "trial_id": checkpoint.trial_id,
        "trial_run_id": checkpoint.trial_run_id,
        "state": checkpoint.state.value,
        "end_time": rfc3339(checkpoint.report_time),
        "resources": dict(checkpoint.resources),
        "size": checkpoint.size,
        "steps_completed": checkpoint.steps_completed,
        "metadata": dict(checkpoint.metadata),
    }


def render_state_change(change: StateChange) -> dict[str, object]:
    return {
        "at": rfc3339(change.at),
        "from_state": change.from_state,
        "to_state": change.to_state,
        "trial_run_id": change.trial_run_id,
        "restarts": change.restarts,
        "reason": change.reason,
    }


def render_trial_detail(detail: TrialDetail, now: int | None = None) -> dict[str, object]:
    best, latest = detail.best_validation, detail.latest_validation
    best_ckpt, latest_ckpt = detail.best_checkpoint, detail.latest_checkpoint
    return {
        **render_trial(detail.trial, now),
        "best_validation": None if best is None else render_report(best),
        "latest_validation": None if latest is None else render_report(latest),
        "best_checkpoint": None if best_ckpt is None else render_checkpoint(best_ckpt),
        "latest_checkpoint": None if latest_ckpt is None else render_checkpoint(latest_ckpt),
        "checkpoint_count": detail.checkpoint_count,
        "total_checkpoint_size": detail.total_checkpoint_size,
        "history": [render_state_change(c) for c in detail.history],
    }


def render_experiment_trials(view: ExperimentTrials, now: int) -> dict[str, object]:
    """An experiment's lifecycle: state, progress, trial tally and its trials."""
    counts: dict[str, int] = {}
    for trial in view.trials:
        counts[trial.state.value] = counts.get(trial.state.value, 0) + 1
    return {
        "object": "experiment",
        "id": view.experiment_id,
        "name": view.name,
        "state": view.state.value,
        "progress": view.progress,
        "budget": view.budget,
        "trial_counts": dict(sorted(counts.items())),
        "checkpoint_count": view.checkpoint_count,
        "total_checkpoint_size": view.total_checkpoint_size,
        "trials": [render_trial(t, now) for t in view.trials],
    }


def render_signals(signals: TrialSignals) -> dict[str, object]:
    return {
        "object": "trial_signals",
        "trial_id": signals.trial.id,
        "trial_run_id": signals.trial.trial_run_id,
        "state": signals.trial.state.value,
        "should_stop": signals.should_stop,
        "reasons": list(signals.reasons),
    }


def render_log_line(line: LogLine) -> dict[str, object]:
    return {
        "id": line.id,
        "trial_run_id": line.trial_run_id,
        "stream": line.stream,
        "at": rfc3339(line.at),
        "content": line.content,
    }


def _trial_run_id(obj: JsonObject) -> int:
    return expect_integer(require(obj, "trial_run_id"), "trial_run_id")


def parse_metrics_ingest(trial_id: int, body: Mapping[str, object]) -> MetricsIngest:
    """``{group, step | steps_completed, metrics, trial_run_id, report_time?, batch_metrics?}``"""
    obj = expect_object(body, "body")
    reject_unknown_keys(
        obj,
        (
            "group",
            "step",
            "steps_completed",
            "metrics",
            "trial_run_id",
            "report_time",
            "batch_metrics",
        ),
        "",
    )
    steps = obj.get("steps_completed", obj.get("step"))
    report_time = obj.get("report_time")
    batches = expect_list(obj.get("batch_metrics", []), "batch_metrics")
    return MetricsIngest(
        trial_id=trial_id,
        trial_run_id=_trial_run_id(obj),
        group=expect_string(obj.get("group", VALIDATION), "group"),
        metrics=expect_object(require(obj, "metrics"), "metrics"),
        steps_completed=None if steps is None else expect_integer(steps, "steps_completed"),
        report_time=None if report_time is None else expect_number(report_time, "report_time"),
        batch_metrics=tuple(
            expect_object(batch, child("batch_metrics", i)) for i, batch in enumerate(batches)
        ),
    )


def parse_checkpoint_upload(trial_id: int, body: Mapping[str, object]) -> CheckpointUpload:
    """``{uuid, trial_run_id, metadata: {steps_completed, ...}, files: {path: base64}, state?}``"""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("uuid", "trial_run_id", "metadata", "files", "state"), "")
    uuid = expect_string(require(obj, "uuid"), "uuid")
    if not _UUID.match(uuid):
        raise InvalidField("uuid", "uuid must be a UUID")
    files: dict[str, bytes] = {}
    for path, encoded in expect_object(obj.get("files", {}), "files").items():
        field = child("files", path)
        try:
            files[path] = base64.b64decode(expect_string(encoded, field), validate=True)
        except binascii.Error as error:
            raise InvalidField(field, f"{field} must be base64") from error
    state = obj.get("state")
    return CheckpointUpload(
        trial_id=trial_id,
        trial_run_id=_trial_run_id(obj),
        uuid=uuid.lower(),
        metadata=expect_object(require(obj, "metadata"), "metadata"),
        files=files,
        state=None if state is None else expect_string(state, "state"),
    )


def parse_allocation_exit(body: Mapping[str, object]) -> tuple[int, AllocationExit]:
    """``{trial_run_id, cause: EXITED|CRASHED|..., error?, log_policy_forbids_retry?}``"""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("trial_run_id", "cause", "error", "log_policy_forbids_retry"), "")
    cause_name = expect_string(require(obj, "cause"), "cause")
    try:
        cause = ExitCause(cause_name)
    except ValueError as error:
        raise InvalidField("cause", f"cause must be one of {', '.join(ExitCause)}") from error
    error_text = obj.get("error")
    forbids = obj.get("log_policy_forbids_retry", False)
    return _trial_run_id(obj), AllocationExit(
        cause=cause,
        error=None if error_text is None else expect_string(error_text, "error"),
        log_policy_forbids_retry=expect_bool(forbids, "log_policy_forbids_retry"),
    )


def parse_progress(body: Mapping[str, object]) -> tuple[int, float]:
    """``{trial_run_id, progress}`` -> (run id, fraction 0..1)"""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("trial_run_id", "progress"), "")
    fraction = expect_number(require(obj, "progress"), "progress")
    if not 0 <= fraction <= 1:
        raise InvalidField("progress", "progress must be a fraction between 0 and 1")
    return _trial_run_id(obj), float(fraction)


def parse_log_lines(body: Mapping[str, object]) -> tuple[int, str, Sequence[str]]:
    """``{trial_run_id, stream?, lines: [str]}`` -> (run id, stream, lines)"""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("trial_run_id", "stream", "lines"), "")
    lines = [
        expect_string(line, child("lines", i))
        for i, line in enumerate(expect_list(require(obj, "lines"), "lines"))
    ]
    return _trial_run_id(obj), expect_string(obj.get("stream", "stdout"), "stream"), lines
