"""The trial lifecycle use cases, one transaction each; every state change goes through the domain.

A trial is a training run. Managed trials (launched by dialin) open allocations and restart;
unmanaged ones (SigOpt clients) are driven by their client.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeAlias

from dialin.domain.asha import AshaConfig, AshaReport, Decision, decide
from dialin.domain.checkpoints import (
    Checkpoint,
    best_checkpoint,
    latest_checkpoint,
    reported_state,
    steps_of,
)
from dialin.domain.experiments import Experiment
from dialin.domain.metric_reports import (
    VALIDATION,
    MetricsReport,
    best_validation,
    check_current_run,
    latest_validation,
    merge_metrics,
    normalize_metrics,
    numeric_value,
    reports_to_archive,
    summarize,
    summary_to_json,
    total_batches,
    validate_group,
)
from dialin.domain.metrics import MetricValue
from dialin.domain.observations import Observation
from dialin.domain.scoring import score
from dialin.domain.trial_history import LogLine
from dialin.domain.trial_views import CheckpointUpload, MetricsIngest, TrialDetail, TrialSignals
from dialin.domain.trials import (
    DEFAULT_MAX_RESTARTS,
    AllocationExit,
    Trial,
    TrialState,
    allocation_exited,
    early_exit_overdue,
    patch_state,
    record_early_exit,
    settle_without_allocation,
    should_stop,
    start_allocation,
)
from dialin.errors import InvalidField, InvalidTransition, NotFound
from dialin.services.ports import Clock, Store, UnitOfWork

__all__ = ["EARLY_STOPPING_KEY", "TrialService", "UserAction", "asha_config_of"]

# Experiment.extras key of the dialin extension ``early_stopping: {type: asha, ...}``.
EARLY_STOPPING_KEY = "early_stopping"
UserAction: TypeAlias = Literal["pause", "activate", "cancel", "kill"]
_ACTIONS: Mapping[str, TrialState] = {
    "pause": TrialState.PAUSED,
    "activate": TrialState.ACTIVE,
    "cancel": TrialState.STOPPING_CANCELED,
    "kill": TrialState.STOPPING_KILLED,
}


def _searcher_metric(experiment: Experiment | None) -> tuple[str, bool] | None:
    """(metric, smaller_is_better): the early-stopping metric, else the first optimized one."""
    if experiment is None:
        return None
    asha = asha_config_of(experiment)
    if asha is not None:
        return asha.metric, asha.smaller_is_better
    optimized = experiment.definition.optimized_metrics
    if not optimized or optimized[0].name is None:
        return None
    return optimized[0].name, optimized[0].objective == "minimize"


def asha_config_of(experiment: Experiment) -> AshaConfig | None:
    stored = experiment.extras.get(EARLY_STOPPING_KEY)
    if not isinstance(stored, Mapping):
        return None
    return AshaConfig.from_json(stored)


def _stop_reasons(trial: Trial) -> tuple[str, ...]:
    reasons = []
    if trial.state == TrialState.PAUSED:
        reasons.append("paused")
    elif trial.state.stopping:
        reasons.append(trial.state.value.removeprefix("STOPPING_").lower())
    elif trial.state.terminal:
        reasons.append(f"trial is {trial.state.value.lower()}")
    if trial.stopped_by_searcher:
        reasons.append("searcher stopped")
    if trial.early_exit is not None:
        reasons.append(f"early exit: {trial.early_exit.value}")
    return tuple(reasons)


def _checked_path(path: str) -> str:
    normalized = posixpath.normpath(path)
    if (
        not path
        or path.startswith("/")
        or normalized.startswith("..")
        or normalized in (".", "metadata.json")
        or "\\" in path
    ):
        raise InvalidField("files", f"{path!r} is not a relative path inside the checkpoint")
    return normalized


def _save(store: Store, before: Trial, after: Trial, now: int, reason: str) -> None:
    """Every trial write; a trial that just ended gives its experiment an observation."""
    store.trials.save(after, now, reason)
    if after.state.terminal and not before.state.terminal:
        _observe_end(store, after, now)


def _observe_end(store: Store, trial: Trial, now: int) -> None:
    """The result the optimizer consumes (trials §7.2): the run's final values if it logged any,
    else its best validation's metrics. Failed when the trial did not complete or a metric is
    missing. Only runs whose suggestion the server made get one, as SigOpt runs do (§7.3)."""
    run = store.runs.get(trial.client_id, trial.id)
    if run is None or run.experiment_id is None:
        return
    if run.suggestion_id is None or run.observation_id is not None:
        return
    experiment = store.experiments.get(trial.client_id, run.experiment_id)
    if experiment is None:
        return
    names = [m.name for m in experiment.definition.metrics if m.name]
    values = [run.metric_value(name) for name in names]
    if not run.values:
        metric = _searcher_metric(experiment)
        best = (
            None
            if metric is None
            else best_validation(
                store.trials.reports(trial.id), metric[0], smaller_is_better=metric[1]
            )
        )
        values = [_measured({} if best is None else best.metrics, name) for name in names]
    failed = trial.state != TrialState.COMPLETED or any(v is None for v in values)
    parameters = {p.name for p in experiment.definition.active_parameters}
    observation = Observation(
        id=0,
        experiment_id=experiment.id,
        assignments={k: v for k, v in run.assignments.items() if k in parameters},
        created=now,
        values=() if failed else tuple(v for v in values if v is not None),
        failed=failed,
        suggestion_id=run.suggestion_id,
    )
    saved = store.observations.add(observation, score(experiment.definition, observation))
    store.suggestions.close(run.suggestion_id)
    store.runs.save(replace(run, observation_id=saved.id))


def _mirror_into_run_values(
    store: Store, trial: Trial, metrics: Mapping[str, object], now: int
) -> None:
    """A trial is its SigOpt run (§7): the latest validation value of each metric is also the
    run's ``values`` entry, which is what finishing the run turns into an observation."""
    run = store.runs.get(trial.client_id, trial.id)
    if run is None:
        return
    latest = {name: _measured(metrics, name) for name in metrics}
    entries = {name: {"value": v.value} for name, v in latest.items() if v is not None}
    if entries:
        store.runs.save(
            replace(run, values={**run.values, **entries}, updated=max(run.updated, now))
        )


def _measured(metrics: Mapping[str, object], name: str) -> MetricValue | None:
    number = numeric_value(metrics.get(name))
    return None if number is None or not math.isfinite(number) else MetricValue(name, number)


class TrialService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def _require(self, store: Store, client_id: int, trial_id: int, *, lock: bool) -> Trial:
        trial = store.trials.get(client_id, trial_id, lock=lock)
        if trial is None:
            raise NotFound()
        return trial

    def _experiment(self, store: Store, trial: Trial) -> Experiment | None:
        if trial.experiment_id is None:
            return None
        return store.experiments.get(trial.client_id, trial.experiment_id)

    def create(
        self,
        client_id: int,
        experiment_id: int,
        hparams: Mapping[str, Any],
        *,
        name: str | None = None,
        max_restarts: int = DEFAULT_MAX_RESTARTS,
    ) -> Trial:
        """A managed trial of an AI experiment; it waits QUEUED for its first allocation."""
        with self._uow(write=True) as store:
            experiment = store.experiments.get(client_id, experiment_id)
            if experiment is None or experiment.deleted:
                raise NotFound()
            if not experiment.runs_only or experiment.project is None:
                raise InvalidField("experiment", "Trials belong to AI experiments")
            now = self._clock()
            return store.trials.add(
                client_id,
                experiment.project,
                experiment_id,
                name or f"trial of experiment {experiment_id}",
                hparams,
                max_restarts,
                now,
            )

    def get(self, client_id: int, trial_id: int) -> TrialDetail:
        with self._uow(write=False) as store:
            trial = self._require(store, client_id, trial_id, lock=False)
            metric = _searcher_metric(self._experiment(store, trial))
            reports = store.trials.reports(trial_id)
            checkpoints = store.trials.checkpoints(trial_id)
            best = latest = best_ckpt = None
            if metric is not None:
                name, smaller = metric
                best = best_validation(reports, name, smaller_is_better=smaller)
                latest = latest_validation(reports, name)
                best_ckpt = best_checkpoint(checkpoints, reports, name, smaller_is_better=smaller)
            return TrialDetail(
                trial=trial,
                best_validation=best,
                latest_validation=latest,
                best_checkpoint=best_ckpt,
                latest_checkpoint=latest_checkpoint(checkpoints),
                checkpoint_count=sum(1 for c in checkpoints if c.state.value != "DELETED"),
                history=tuple(store.trials.history(trial_id)),
            )

    def of_experiment(self, client_id: int, experiment_id: int) -> list[Trial]:
        with self._uow(write=False) as store:
            if store.experiments.get(client_id, experiment_id) is None:
                raise NotFound()
            return store.trials.of_experiment(experiment_id)

    def start_allocation(
        self, client_id: int, trial_id: int, *, max_restarts: int | None = None
    ) -> Trial:
        """A launcher starts the trial's code: a new run id (unmanaged: "start", RUNNING).
        The launcher may set ``max_restarts`` (a SigOpt run was created with the default)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            # A trial that runs on allocations is managed from now on (restarts, preemption).
            managed = replace(trial, managed=True)
            if max_restarts is not None:
                managed = replace(managed, max_restarts=max_restarts)
            started = start_allocation(managed)
            _save(store, trial, started, self._clock(), "allocation started")
            return started

    def allocation_exited(
        self, client_id: int, trial_id: int, trial_run_id: int, exit: AllocationExit
    ) -> tuple[Trial, bool]:
        """The launcher reports how the allocation ended; (the trial, whether to start again)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            if trial_run_id != trial.trial_run_id:
                raise InvalidTransition(
                    f"Allocation {trial_id}.{trial_run_id} is not the trial's current one"
                )
            outcome = allocation_exited(trial, exit, self._clock())
            _save(store, trial, outcome.trial, self._clock(), outcome.rule)
            return outcome.trial, outcome.reallocate

    def act(self, client_id: int, trial_id: int, action: UserAction) -> Trial:
        """pause, activate, cancel or kill one trial (filtered as patches are, §1.3)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            return self._patch(store, trial, action)

    def act_on_experiment(
        self, client_id: int, experiment_id: int, action: UserAction
    ) -> list[Trial]:
        with self._uow(write=True) as store:
            experiment = store.experiments.get(client_id, experiment_id, lock=True)
            if experiment is None:
                raise NotFound()
            return [
                self._patch(store, trial, action)
                for trial in store.trials.of_experiment(experiment_id, lock=True)
            ]

    def _patch(self, store: Store, trial: Trial, action: UserAction) -> Trial:
        if action not in _ACTIONS:
            raise InvalidField("action", f"action must be one of {', '.join(_ACTIONS)}")
        now = self._clock()
        result = patch_state(trial, _ACTIONS[action], now)
        changed = settle_without_allocation(result.trial, now)
        if changed != trial:
            _save(store, trial, changed, now, f"user: {action}")
        return changed

    def signals(self, client_id: int, trial_id: int) -> TrialSignals:
        """The graceful-stop signal a runner polls; it also kills an overdue early exit."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            now = self._clock()
            if early_exit_overdue(trial, now):
                killed = settle_without_allocation(
                    patch_state(trial, TrialState.STOPPING_KILLED, now).trial, now
                )
                _save(store, trial, killed, now, "early exit: runner did not exit in time")
                trial = killed
            return TrialSignals(should_stop(trial), _stop_reasons(trial), trial)

    def acknowledge_stop(self, client_id: int, trial_id: int, trial_run_id: int) -> Trial:
        """The runner will exit without being done: resume it later, count no restart."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            check_current_run(trial.trial_run_id, trial_run_id)
            acknowledged = replace(trial, preemption_acknowledged=True)
            _save(store, trial, acknowledged, self._clock(), "stop acknowledged")
            return acknowledged

    def report_early_exit(self, client_id: int, trial_id: int, reason: str) -> Trial:
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            now = self._clock()
            exited = record_early_exit(trial, reason, now)
            _save(store, trial, exited, now, f"early exit: {reason}")
            return exited

    def report_metrics(self, client_id: int, ingest: MetricsIngest) -> tuple[MetricsReport, bool]:
        """§3.3 in one transaction; (the stored report, should the runner stop)."""
        group = validate_group(ingest.group)
        metrics = normalize_metrics(ingest.metrics)
        if ingest.steps_completed is not None and (
            isinstance(ingest.steps_completed, bool) or ingest.steps_completed < 0
        ):
            raise InvalidField("steps_completed", "steps_completed must be a non-negative integer")
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, ingest.trial_id, lock=True)
            check_current_run(trial.trial_run_id, ingest.trial_run_id)
            if trial.state.terminal:
                raise InvalidTransition(f"Trial {trial.id} is {trial.state}: it takes no metrics")
            experiment = self._experiment(store, trial)
            asha = asha_config_of(experiment) if experiment is not None else None
            now = self._clock()
            if group == VALIDATION and asha is not None:
                # Refused before anything is stored: ASHA cannot rank a report it cannot read.
                decide(asha, [AshaReport(trial.id, metrics, ingest.steps_completed)])
            reports = store.trials.reports(trial.id)
            store.trials.archive_reports(
                reports_to_archive(reports, trial.trial_run_id, group, ingest.steps_completed)
            )
            same_step = next(
                (
                    r
                    for r in store.trials.reports(trial.id)
                    if not r.archived
                    and r.group == group
                    and ingest.steps_completed is not None
                    and r.total_batches == ingest.steps_completed
                ),
                None,
            )
            if same_step is not None:
                if ingest.batch_metrics:
                    raise InvalidField("batch_metrics", "batch metrics are never overwritten")
                merged = merge_metrics(same_step.metrics, metrics)
                store.trials.replace_report_metrics(same_step.id, merged)
                stored = replace(same_step, metrics=merged)
            else:
                stored = store.trials.add_report(
                    trial.id,
                    trial.trial_run_id,
                    group,
                    metrics,
                    ingest.batch_metrics,
                    ingest.report_time if ingest.report_time is not None else float(now),
                    ingest.steps_completed,
                )
            if group == VALIDATION:
                _mirror_into_run_values(store, trial, metrics, now)
            current = store.trials.reports(trial.id)
            store.trials.save_summary(
                trial.id, summary_to_json(summarize(current)), total_batches(current), now
            )
            if group == VALIDATION and asha is not None and trial.experiment_id is not None:
                trial = self._asha_step(store, trial, asha, trial.experiment_id, now)
            return stored, should_stop(trial)

    def _asha_step(
        self, store: Store, trial: Trial, asha: AshaConfig, experiment_id: int, now: int
    ) -> Trial:
        history = [
            AshaReport(r.trial_id, r.metrics, r.total_batches)
            for r in store.trials.experiment_validations(experiment_id)
        ]
        if decide(asha, history).get(trial.id) != Decision.STOP or trial.stopped_by_searcher:
            return trial
        stopped = replace(trial, stopped_by_searcher=True)
        stopped = patch_state(stopped, TrialState.STOPPING_COMPLETED, now).trial
        stopped = settle_without_allocation(stopped, now)
        _save(store, trial, stopped, now, "searcher: asha stop")
        return stopped

    def add_checkpoint(self, client_id: int, upload: CheckpointUpload) -> Checkpoint:
        state = reported_state(upload.state)
        steps_of(upload.metadata)
        files = {_checked_path(path): content for path, content in upload.files.items()}
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, upload.trial_id, lock=True)
            check_current_run(trial.trial_run_id, upload.trial_run_id)
            if store.trials.checkpoint(upload.uuid) is not None:
                raise InvalidTransition(f"Checkpoint {upload.uuid} was already reported")
            checkpoint = Checkpoint(
                uuid=upload.uuid,
                trial_id=trial.id,
                trial_run_id=trial.trial_run_id,
                report_time=self._clock(),
                state=state,
                resources={path: len(content) for path, content in files.items()},
                metadata=dict(upload.metadata),
            )
            store.trials.add_checkpoint(checkpoint, files)
            return checkpoint

    def checkpoints(self, client_id: int, trial_id: int) -> list[Checkpoint]:
        with self._uow(write=False) as store:
            self._require(store, client_id, trial_id, lock=False)
            return store.trials.checkpoints(trial_id)

    def latest_checkpoint(self, client_id: int, trial_id: int) -> Checkpoint | None:
        """What a restarted trial resumes from (§4.5)."""
        with self._uow(write=False) as store:
            self._require(store, client_id, trial_id, lock=False)
            return latest_checkpoint(store.trials.checkpoints(trial_id))

    def checkpoint_files(
        self, client_id: int, trial_id: int, uuid: str
    ) -> tuple[Checkpoint, dict[str, bytes]]:
        with self._uow(write=False) as store:
            self._require(store, client_id, trial_id, lock=False)
            checkpoint = store.trials.checkpoint(uuid)
            if checkpoint is None or checkpoint.trial_id != trial_id:
                raise NotFound()
            return checkpoint, store.trials.checkpoint_files(uuid)

    def add_logs(
        self, client_id: int, trial_id: int, trial_run_id: int, stream: str, lines: Sequence[str]
    ) -> None:
        if not stream or len(stream) > 32:
            raise InvalidField("stream", "stream must be a name of at most 32 characters")
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=False)
            check_current_run(trial.trial_run_id, trial_run_id)
            store.trials.add_logs(trial_id, trial_run_id, stream, lines, self._clock())

    def logs(self, client_id: int, trial_id: int, *, after: int, limit: int) -> list[LogLine]:
        with self._uow(write=False) as store:
            self._require(store, client_id, trial_id, lock=False)
            return store.trials.logs(trial_id, after=after, limit=limit)
