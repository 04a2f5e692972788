"""Trials (the trial columns of training runs), their metric reports, checkpoints, history, logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dialin.domain.checkpoints import Checkpoint, CheckpointState
from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trial_history import LogLine, StateChange
from dialin.domain.trials import (
    ActiveSubState,
    EarlyExitReason,
    RunState,
    Trial,
    TrialState,
    from_run_state,
    run_state_of,
)
from dialin.storage.tables import (
    ExperimentRow,
    MetricReportRow,
    TrainingRunRow,
    TrialCheckpointFileRow,
    TrialCheckpointRow,
    TrialLogRow,
    TrialStateChangeRow,
)

__all__ = ["SqlTrialStore"]


def _state(row: TrainingRunRow) -> TrialState:
    return _state_of(row.trial_state, row.state)


def _state_of(trial_state: str | None, sigopt_state: str) -> TrialState:
    run_state = cast(RunState, sigopt_state)
    if trial_state is None:
        return from_run_state(run_state)
    stored = TrialState(trial_state)
    # A SigOpt client moves its run's state itself (unmanaged trials): then its word wins.
    if run_state_of(stored) != run_state:
        return from_run_state(run_state)
    return stored


def _trial(row: TrainingRunRow) -> Trial:
    state = _state(row)
    return Trial(
        id=row.id,
        experiment_id=row.experiment_id,
        state=state,
        start_time=row.created,
        end_time=row.end_time if row.end_time is not None or state.live else row.completed,
        managed=row.managed,
        restarts=row.restarts,
        max_restarts=row.max_restarts,
        trial_run_id=row.trial_run_id,
        stopped_by_searcher=row.stopped_by_searcher,
        early_exit=EarlyExitReason(row.early_exit) if row.early_exit else None,
        early_exit_at=row.early_exit_at,
        preemption_acknowledged=row.preemption_acknowledged,
        allocation_open=row.allocation_open,
        allocation_phase=ActiveSubState(row.allocation_phase) if row.allocation_phase else None,
        client_id=row.client_id,
        name=row.name,
        hparams=dict(row.assignments),
        summary_metrics=dict(row.summary_metrics or {}),
        total_batches_processed=row.total_batches,
        progress=row.progress,
        reopened=row.reopened,
        allocation_seconds=row.wall_clock_s,
        allocation_started_at=row.allocation_started_at,
        log_retention_days=row.log_retention_days,
    )


def _report(row: MetricReportRow) -> MetricsReport:
    return MetricsReport(
        id=row.id,
        trial_id=row.training_run_id,
        trial_run_id=row.trial_run_id,
        group=row.group,
        metrics=dict(row.metrics),
        end_time=row.end_time,
        total_batches=row.total_batches,
        archived=row.archived,
        batch_metrics=tuple(row.batch_metrics or ()),
        checkpoint_extras=row.checkpoint_extras,
    )


def _checkpoint(row: TrialCheckpointRow) -> Checkpoint:
    return Checkpoint(
        uuid=row.uuid,
        trial_id=row.training_run_id,
        trial_run_id=row.trial_run_id,
        report_time=row.report_time,
        state=CheckpointState(row.state),
        resources=dict(row.resources),
        metadata=dict(row.metadata_),
    )


def _log_line(row: TrialLogRow) -> LogLine:
    return LogLine(
        id=row.id,
        trial_id=row.training_run_id,
        trial_run_id=row.trial_run_id,
        stream=row.stream,
        content=row.content,
        at=row.at,
    )


class SqlTrialStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, client_id: int, trial_id: int, *, lock: bool = False) -> Trial | None:
        statement = select(TrainingRunRow).where(
            TrainingRunRow.id == trial_id,
            TrainingRunRow.client_id == client_id,
            TrainingRunRow.deleted.is_(False),
        )
        if lock:
            statement = statement.with_for_update()
        row = self._s.scalar(statement)
        return None if row is None else _trial(row)

    def of_experiment(self, experiment_id: int, *, lock: bool = False) -> list[Trial]:
        statement = (
            select(TrainingRunRow)
            .where(TrainingRunRow.experiment_id == experiment_id, TrainingRunRow.deleted.is_(False))
            .order_by(TrainingRunRow.id)
        )
        if lock:
            statement = statement.with_for_update()
        return [_trial(row) for row in self._s.scalars(statement)]

    def trial_states(self, experiment_id: int) -> list[TrialState]:
        """The state of each of the experiment's non-deleted trials (two columns, no rows)."""
        found = self._s.execute(
            select(TrainingRunRow.trial_state, TrainingRunRow.state).where(
                TrainingRunRow.experiment_id == experiment_id, TrainingRunRow.deleted.is_(False)
            )
        )
        return [_state_of(trial_state, state) for trial_state, state in found]

    def add(
        self,
        client_id: int,
        project: str,
        experiment_id: int,
        name: str,
        hparams: Mapping[str, Any],
        max_restarts: int,
        now: int,
    ) -> Trial:
        row = TrainingRunRow(
            client_id=client_id,
            project=project,
            experiment_id=experiment_id,
            name=name,
            state="active",
            created=now,
            updated=now,
            deleted=False,
            favorite=False,
            assignments=dict(hparams),
            assignments_meta={},
            assignments_sources={},
            values={},
            metadata_=None,
            dev_metadata={},
            sys_metadata={},
            datasets={},
            logs={},
            model={},
            source_code={},
            checkpoint_count=0,
            trial_state=TrialState.ACTIVE.value,
            managed=True,
            max_restarts=max_restarts,
        )
        self._s.add(row)
        self._s.flush()
        self._history(row, None, "created", now)
        return _trial(row)

    def save(self, trial: Trial, now: int, reason: str) -> None:
        """Writes the trial's lifecycle columns; a change of state, run or restarts is history."""
        row = self._s.get(TrainingRunRow, trial.id)
        assert row is not None
        before = (_state(row), row.trial_run_id, row.restarts)
        row.trial_state = trial.state.value
        row.state = run_state_of(trial.state)
        if trial.state.terminal and row.completed is None:
            row.completed = now
        row.end_time = trial.end_time
        row.managed = trial.managed
        row.restarts = trial.restarts
        row.max_restarts = trial.max_restarts
        row.trial_run_id = trial.trial_run_id
        row.stopped_by_searcher = trial.stopped_by_searcher
        row.early_exit = trial.early_exit.value if trial.early_exit else None
        row.early_exit_at = trial.early_exit_at
        row.preemption_acknowledged = trial.preemption_acknowledged
        row.allocation_open = trial.allocation_open
        row.allocation_phase = trial.allocation_phase.value if trial.allocation_phase else None
        row.progress = trial.progress
        row.reopened = trial.reopened
        row.wall_clock_s = trial.allocation_seconds
        row.allocation_started_at = trial.allocation_started_at
        row.log_retention_days = trial.log_retention_days
        row.updated = max(row.updated, now)
        if before != (trial.state, trial.trial_run_id, trial.restarts):
            self._history(row, before[0], reason, now)

    def _history(
        self, row: TrainingRunRow, from_state: TrialState | None, reason: str, now: int
    ) -> None:
        self._s.add(
            TrialStateChangeRow(
                training_run_id=row.id,
                at=now,
                from_state=from_state.value if from_state else None,
                to_state=_state(row).value,
                trial_run_id=row.trial_run_id,
                restarts=row.restarts,
                reason=reason[:200],
            )
        )

    def history(self, trial_id: int) -> list[StateChange]:
        rows = self._s.scalars(
            select(TrialStateChangeRow)
            .where(TrialStateChangeRow.training_run_id == trial_id)
            .order_by(TrialStateChangeRow.id)
        )
        return [
            StateChange(
                id=r.id,
                trial_id=r.training_run_id,
                at=r.at,
                from_state=r.from_state,
                to_state=r.to_state,
                trial_run_id=r.trial_run_id,
                restarts=r.restarts,
                reason=r.reason,
            )
            for r in rows
        ]

    def reports(self, trial_id: int) -> list[MetricsReport]:
        rows = self._s.scalars(
            select(MetricReportRow)
            .where(MetricReportRow.training_run_id == trial_id)
            .order_by(MetricReportRow.id)
        )
        return [_report(r) for r in rows]

    def experiment_validations(self, experiment_id: int) -> list[MetricsReport]:
        """Non-archived validation reports of the experiment's live runs, in arrival order."""
        rows = self._s.scalars(
            select(MetricReportRow)
            .join(TrainingRunRow, TrainingRunRow.id == MetricReportRow.training_run_id)
            .where(
                TrainingRunRow.experiment_id == experiment_id,
                TrainingRunRow.deleted.is_(False),
                MetricReportRow.group == "validation",
                MetricReportRow.archived.is_(False),
            )
            .order_by(MetricReportRow.id)
        )
        return [_report(r) for r in rows]

    def add_report(
        self,
        trial_id: int,
        trial_run_id: int,
        group: str,
        metrics: Mapping[str, object],
        batch_metrics: Sequence[Mapping[str, object]],
        end_time: float,
        total_batches: int | None,
        checkpoint_extras: Mapping[str, object] | None = None,
    ) -> MetricsReport:
        row = MetricReportRow(
            training_run_id=trial_id,
            trial_run_id=trial_run_id,
            group=group,
            metrics=dict(metrics),
            batch_metrics=[dict(b) for b in batch_metrics] or None,
            end_time=end_time,
            total_batches=total_batches,
            archived=False,
            checkpoint_extras=None if checkpoint_extras is None else dict(checkpoint_extras),
        )
        self._s.add(row)
        self._s.flush()
        return _report(row)

    def report(self, trial_id: int, report_id: int) -> MetricsReport | None:
        row = self._s.get(MetricReportRow, report_id)
        return None if row is None or row.training_run_id != trial_id else _report(row)

    def replace_report_metrics(self, report_id: int, metrics: Mapping[str, object]) -> None:
        row = self._s.get(MetricReportRow, report_id)
        assert row is not None
        row.metrics = dict(metrics)

    def archive_reports(self, report_ids: Sequence[int]) -> None:
        if report_ids:
            self._s.execute(
                update(MetricReportRow)
                .where(MetricReportRow.id.in_(report_ids))
                .values(archived=True)
                .execution_options(synchronize_session=False)
            )

    def save_summary(
        self, trial_id: int, summary: Mapping[str, object], total_batches: int, now: int
    ) -> None:
        row = self._s.get(TrainingRunRow, trial_id)
        assert row is not None
        row.summary_metrics = dict(summary)
        row.total_batches = total_batches
        row.updated = max(row.updated, now)
        # SigOpt's checkpoint_count is the run's live validation reports (spec trials §7.2).
        row.checkpoint_count = (
            self._s.scalar(
                select(func.count())
                .select_from(MetricReportRow)
                .where(
                    MetricReportRow.training_run_id == trial_id,
                    MetricReportRow.group == "validation",
                    MetricReportRow.archived.is_(False),
                )
            )
            or 0
        )

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """The record only: the files are in the file storage under the checkpoint's uuid."""
        self._s.add(
            TrialCheckpointRow(
                uuid=checkpoint.uuid,
                training_run_id=checkpoint.trial_id,
                trial_run_id=checkpoint.trial_run_id,
                report_time=checkpoint.report_time,
                state=checkpoint.state.value,
                resources=dict(checkpoint.resources),
                metadata_=dict(checkpoint.metadata),
                steps_completed=checkpoint.steps_completed,
                size=checkpoint.size,
            )
        )
        self._s.flush()

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        row = self._s.get(TrialCheckpointRow, checkpoint.uuid)
        assert row is not None
        row.state = checkpoint.state.value
        row.resources = dict(checkpoint.resources)
        row.size = checkpoint.size

    def checkpoint(self, uuid: str) -> Checkpoint | None:
        row = self._s.get(TrialCheckpointRow, uuid)
        return None if row is None else _checkpoint(row)

    def checkpoints(self, trial_id: int) -> list[Checkpoint]:
        rows = self._s.scalars(
            select(TrialCheckpointRow)
            .where(TrialCheckpointRow.training_run_id == trial_id)
            .order_by(TrialCheckpointRow.steps_completed, TrialCheckpointRow.report_time)
        )
        return [_checkpoint(r) for r in rows]

    def experiment_checkpoints(self, experiment_id: int) -> list[Checkpoint]:
        rows = self._s.scalars(
            select(TrialCheckpointRow)
            .join(TrainingRunRow, TrainingRunRow.id == TrialCheckpointRow.training_run_id)
            .where(TrainingRunRow.experiment_id == experiment_id)
            .order_by(TrialCheckpointRow.training_run_id, TrialCheckpointRow.steps_completed)
        )
        return [_checkpoint(r) for r in rows]

    def legacy_checkpoint_files(self, uuid: str) -> dict[str, bytes]:
        """Bytes an older dialin kept in the database for this checkpoint."""
        rows = self._s.scalars(
            select(TrialCheckpointFileRow)
            .where(TrialCheckpointFileRow.checkpoint_uuid == uuid)
            .order_by(TrialCheckpointFileRow.path)
        )
        return {r.path: r.content for r in rows}

    def drop_legacy_checkpoint_files(self, uuid: str) -> None:
        self._s.execute(
            delete(TrialCheckpointFileRow).where(TrialCheckpointFileRow.checkpoint_uuid == uuid)
        )

    def experiment_state(self, experiment_id: int) -> TrialState:
        """The experiment's lifecycle state; lock its row first when changing it."""
        stored = self._s.scalar(
            select(ExperimentRow.trial_state).where(ExperimentRow.id == experiment_id)
        )
        return TrialState(stored) if stored else TrialState.ACTIVE

    def experiment_progress(self, experiment_id: int) -> float | None:
        return self._s.scalar(
            select(ExperimentRow.trial_progress).where(ExperimentRow.id == experiment_id)
        )

    def save_experiment_state(
        self, experiment_id: int, state: TrialState, progress: float | None
    ) -> None:
        self._s.execute(
            update(ExperimentRow)
            .where(ExperimentRow.id == experiment_id)
            .values(trial_state=state.value, trial_progress=progress)
            .execution_options(synchronize_session=False)
        )

    def add_logs(
        self, trial_id: int, trial_run_id: int, stream: str, lines: Sequence[str], now: int
    ) -> None:
        self._s.add_all(
            TrialLogRow(
                training_run_id=trial_id,
                trial_run_id=trial_run_id,
                stream=stream,
                content=line,
                at=now,
            )
            for line in lines
        )

    def drop_logs_before(self, trial_id: int, cutoff: int) -> None:
        self._s.execute(
            delete(TrialLogRow).where(
                TrialLogRow.training_run_id == trial_id, TrialLogRow.at < cutoff
            )
        )

    def logs(self, trial_id: int, *, after: int, limit: int) -> list[LogLine]:
        rows = self._s.scalars(
            select(TrialLogRow)
            .where(TrialLogRow.training_run_id == trial_id, TrialLogRow.id > after)
            .order_by(TrialLogRow.id)
            .limit(limit)
        )
        return [_log_line(r) for r in rows]

    def logs_before(self, trial_id: int, *, before: int | None, limit: int) -> list[LogLine]:
        """The last ``limit`` lines before id ``before`` (the newest without it), oldest first."""
        statement = select(TrialLogRow).where(TrialLogRow.training_run_id == trial_id)
        if before is not None:
            statement = statement.where(TrialLogRow.id < before)
        rows = self._s.scalars(statement.order_by(TrialLogRow.id.desc()).limit(limit))
        return [_log_line(r) for r in reversed(list(rows))]
