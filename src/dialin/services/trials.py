"""The trial lifecycle use cases, one transaction each; every state change goes through the domain.

A trial is a training run. Managed trials (launched by dialin) open allocations and restart;
unmanaged ones (SigOpt clients) are driven by their client. An experiment's state follows its
trials; once it ends, GC deletes the checkpoints its keep policy does not keep (§4.7).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeAlias

from dialin.domain.asha import AshaReport
from dialin.domain.asha import progress as asha_progress
from dialin.domain.checkpoints import (
    Checkpoint,
    KeepPolicy,
    best_checkpoint,
    checkpoints_to_delete,
    latest_checkpoint,
    patch_resources,
    reported_state,
    steps_of,
)
from dialin.domain.experiment_states import experiment_progress, refusal_of_new_trials
from dialin.domain.experiments import Experiment
from dialin.domain.metric_reports import (
    MetricsReport,
    best_validation,
    check_current_run,
    latest_validation,
)
from dialin.domain.trial_history import LogLine
from dialin.domain.trial_views import (
    CheckpointUpload,
    ExperimentTrials,
    MetricsIngest,
    TrialDetail,
    TrialSignals,
)
from dialin.domain.trials import (
    DEFAULT_MAX_RESTARTS,
    AllocationExit,
    Trial,
    TrialState,
    allocation_exited,
    early_exit_overdue,
    record_early_exit,
    report_allocation_phase,
    should_stop,
    start_allocation,
)
from dialin.errors import DialinError, Forbidden, InvalidField, InvalidTransition, NotFound
from dialin.services.checkpoint_storage import CheckpointFiles
from dialin.services.metric_ingest import ingest_report
from dialin.services.ports import Clock, Store, UnitOfWork
from dialin.services.run_ports import BlobStore
from dialin.services.searcher import asha_config_of, searcher_metric
from dialin.services.trial_lifecycle import (
    act_on_experiment,
    continue_experiment,
    patch_trial,
    save_trial,
)

__all__ = ["CHECKPOINT_STORAGE_KEY", "TrialService", "UserAction"]

_log = logging.getLogger("dialin.services")

# Experiment.extras key of the checkpoint keep policy (save_experiment_best, ...).
CHECKPOINT_STORAGE_KEY = "checkpoint_storage"
UserAction: TypeAlias = Literal["pause", "activate", "cancel", "kill"]
_ACTIONS: Mapping[str, TrialState] = {
    "pause": TrialState.PAUSED,
    "activate": TrialState.ACTIVE,
    "cancel": TrialState.STOPPING_CANCELED,
    "kill": TrialState.STOPPING_KILLED,
}
# Keep nothing: what GC applies to a deleted experiment.
_KEEP_NOTHING = KeepPolicy(save_experiment_best=0, save_trial_best=0, save_trial_latest=0)


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


def _keep_policy(experiment: Experiment) -> KeepPolicy:
    stored = experiment.extras.get(CHECKPOINT_STORAGE_KEY)
    return KeepPolicy.from_config(stored) if isinstance(stored, Mapping) else KeepPolicy()


class TrialService:
    def __init__(self, uow: UnitOfWork, clock: Clock, blobs: BlobStore | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._files = CheckpointFiles(uow, blobs)

    def now(self) -> int:
        """The service's clock, for views that show times up to now (wall clock)."""
        return self._clock()

    def _require(self, store: Store, client_id: int, trial_id: int, *, lock: bool) -> Trial:
        trial = store.trials.get(client_id, trial_id, lock=lock)
        if trial is None:
            raise NotFound()
        return trial

    def _experiment(self, store: Store, trial: Trial) -> Experiment | None:
        if trial.experiment_id is None:
            return None
        return store.experiments.get(trial.client_id, trial.experiment_id)

    def _require_experiment(
        self, store: Store, client_id: int, experiment_id: int, *, lock: bool = False
    ) -> Experiment:
        experiment = store.experiments.get(client_id, experiment_id, lock=lock)
        if experiment is None:
            raise NotFound()
        return experiment

    def create(
        self,
        client_id: int,
        experiment_id: int,
        hparams: Mapping[str, Any],
        *,
        name: str | None = None,
        max_restarts: int = DEFAULT_MAX_RESTARTS,
        log_retention_days: int | None = None,
    ) -> Trial:
        """A managed trial of an AI experiment; it waits QUEUED for its first allocation."""
        with self._uow(write=True) as store:
            experiment = self._require_experiment(store, client_id, experiment_id, lock=True)
            if experiment.deleted:
                raise NotFound()
            if not experiment.runs_only or experiment.project is None:
                raise InvalidField("experiment", "Trials belong to AI experiments")
            refusal = refusal_of_new_trials(
                experiment.id, store.trials.experiment_state(experiment.id)
            )
            if refusal is not None:
                raise Forbidden(refusal)
            now = self._clock()
            trial = store.trials.add(
                client_id,
                experiment.project,
                experiment_id,
                name or f"trial of experiment {experiment_id}",
                hparams,
                max_restarts,
                now,
            )
            if log_retention_days is None:
                return trial
            kept = replace(trial, log_retention_days=log_retention_days)
            store.trials.save(kept, now, "created")
            return kept

    def get(self, client_id: int, trial_id: int) -> TrialDetail:
        with self._uow(write=False) as store:
            trial = self._require(store, client_id, trial_id, lock=False)
            metric = searcher_metric(self._experiment(store, trial))
            reports = store.trials.reports(trial_id)
            checkpoints = store.trials.checkpoints(trial_id)
            best = latest = best_ckpt = None
            if metric is not None:
                name, smaller = metric
                best = best_validation(reports, name, smaller_is_better=smaller)
                latest = latest_validation(reports, name)
                best_ckpt = best_checkpoint(checkpoints, reports, name, smaller_is_better=smaller)
            kept = [c for c in checkpoints if c.state.value != "DELETED"]
            return TrialDetail(
                trial=trial,
                best_validation=best,
                latest_validation=latest,
                best_checkpoint=best_ckpt,
                latest_checkpoint=latest_checkpoint(checkpoints),
                checkpoint_count=len(kept),
                history=tuple(store.trials.history(trial_id)),
                total_checkpoint_size=sum(c.size for c in kept),
            )

    def of_experiment(self, client_id: int, experiment_id: int) -> list[Trial]:
        with self._uow(write=False) as store:
            self._require_experiment(store, client_id, experiment_id)
            return store.trials.of_experiment(experiment_id)

    def experiment(self, client_id: int, experiment_id: int) -> ExperimentTrials:
        """The experiment's lifecycle state, progress and trials (``/api/v1`` view)."""
        with self._uow(write=False) as store:
            experiment = self._require_experiment(store, client_id, experiment_id)
            return self._experiment_view(store, experiment)

    def _experiment_view(self, store: Store, experiment: Experiment) -> ExperimentTrials:
        checkpoints = store.trials.experiment_checkpoints(experiment.id)
        kept = [c for c in checkpoints if c.state.value != "DELETED"]
        return ExperimentTrials(
            experiment_id=experiment.id,
            name=experiment.name,
            state=store.trials.experiment_state(experiment.id),
            progress=store.trials.experiment_progress(experiment.id),
            budget=experiment.definition.budget,
            trials=tuple(store.trials.of_experiment(experiment.id)),
            checkpoint_count=len(kept),
            total_checkpoint_size=sum(c.size for c in kept),
        )

    def start_allocation(
        self,
        client_id: int,
        trial_id: int,
        *,
        max_restarts: int | None = None,
        phase: str | None = None,
    ) -> Trial:
        """A launcher starts the trial's code: a new run id (unmanaged: "start", RUNNING);
        ``max_restarts``, when given, is how many crashes the launcher restarts; ``phase``
        what the launcher does first (see ``report_allocation_phase``)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            # A trial that runs on allocations is managed from now on (restarts, preemption).
            managed = replace(trial, managed=True)
            if max_restarts is not None:
                managed = replace(managed, max_restarts=max_restarts)
            started = start_allocation(managed)
            if phase is not None:
                started = report_allocation_phase(started, started.trial_run_id, phase)
            return save_trial(store, trial, started, self._clock(), "allocation started")

    def report_allocation_phase(
        self, client_id: int, trial_id: int, trial_run_id: int, phase: str
    ) -> Trial:
        """The ACTIVE sub-state of a managed trial, as its launcher goes through it."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            reported = report_allocation_phase(trial, trial_run_id, phase)
            return save_trial(store, trial, reported, self._clock(), f"launcher: {phase}")

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
            saved = save_trial(store, trial, outcome.trial, self._clock(), outcome.rule)
        self._collect_if_ended(saved)
        return saved, outcome.reallocate

    def act(self, client_id: int, trial_id: int, action: UserAction) -> Trial:
        """pause, activate, cancel or kill one trial (filtered as patches are, §1.3)."""
        if action not in _ACTIONS:
            raise InvalidField("action", f"action must be one of {', '.join(_ACTIONS)}")
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            changed = patch_trial(store, trial, _ACTIONS[action], self._clock(), f"user: {action}")
        self._collect_if_ended(changed)
        return changed

    def act_on_experiment(
        self, client_id: int, experiment_id: int, action: UserAction
    ) -> ExperimentTrials:
        """The experiment changes state by its table, then its live trials follow (§1.4)."""
        with self._uow(write=True) as store:
            # act_on_experiment takes the locks, trials first (see settle_experiment).
            experiment = self._require_experiment(store, client_id, experiment_id)
            state, _ = act_on_experiment(store, experiment, action, self._clock())
            view = self._experiment_view(store, experiment)
        if state.terminal:
            self.collect_garbage(client_id, experiment_id)
        return view

    def continue_experiment(self, client_id: int, experiment_id: int) -> ExperimentTrials:
        with self._uow(write=True) as store:
            experiment = self._require_experiment(store, client_id, experiment_id)
            continue_experiment(store, experiment, self._clock())
            return self._experiment_view(store, experiment)

    def signals(self, client_id: int, trial_id: int) -> TrialSignals:
        """The graceful-stop signal a runner polls; it also kills an overdue early exit."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            now = self._clock()
            if early_exit_overdue(trial, now):
                trial = patch_trial(
                    store,
                    trial,
                    TrialState.STOPPING_KILLED,
                    now,
                    "early exit: runner did not exit in time",
                )
        self._collect_if_ended(trial)
        return TrialSignals(should_stop(trial), _stop_reasons(trial), trial)

    def acknowledge_stop(self, client_id: int, trial_id: int, trial_run_id: int) -> Trial:
        """The runner will exit without being done: resume it later, count no restart."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            check_current_run(trial.trial_run_id, trial_run_id)
            acknowledged = replace(trial, preemption_acknowledged=True)
            return save_trial(store, trial, acknowledged, self._clock(), "stop acknowledged")

    def report_early_exit(self, client_id: int, trial_id: int, reason: str) -> Trial:
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            now = self._clock()
            exited = record_early_exit(trial, reason, now)
            return save_trial(store, trial, exited, now, f"early exit: {reason}")

    def report_progress(
        self, client_id: int, trial_id: int, trial_run_id: int, fraction: float
    ) -> Trial:
        """The runner's ``report_progress``: the trial's fraction, then the experiment's
        progress recomputed and saved (§6.1)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=True)
            check_current_run(trial.trial_run_id, trial_run_id)
            if trial.state.terminal:
                raise InvalidTransition(f"Trial {trial.id} is {trial.state}: it takes no progress")
            now = self._clock()
            reported = save_trial(store, trial, replace(trial, progress=fraction), now, "progress")
            if trial.experiment_id is not None:
                experiment = self._require_experiment(store, client_id, trial.experiment_id)
                store.trials.save_experiment_state(
                    experiment.id,
                    store.trials.experiment_state(experiment.id),
                    self._searcher_progress(store, experiment),
                )
            return reported

    def _searcher_progress(self, store: Store, experiment: Experiment) -> float:
        """ASHA's own measure when the experiment stops early, else random search's (§6.3)."""
        trials = store.trials.of_experiment(experiment.id)
        asha = asha_config_of(experiment)
        budget = experiment.definition.budget
        if asha is None or not budget:
            return experiment_progress([(t.state, t.progress) for t in trials], budget)
        history = [
            AshaReport(r.trial_id, r.metrics, r.total_batches)
            for r in store.trials.experiment_validations(experiment.id)
        ]
        # Invalid-hyperparameter exits end COMPLETED but count for nothing.
        completed = sum(
            1 for t in trials if t.state == TrialState.COMPLETED and t.early_exit is None
        )
        return asha_progress(asha, history, budget, completed)

    def report_metrics(self, client_id: int, ingest: MetricsIngest) -> tuple[MetricsReport, bool]:
        """§3.3 in one transaction; (the stored report, should the runner stop)."""
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, ingest.trial_id, lock=True)
            check_current_run(trial.trial_run_id, ingest.trial_run_id)
            stored, trial = ingest_report(store, trial, ingest, self._clock())
        self._collect_if_ended(trial)
        return stored, should_stop(trial)

    def add_checkpoint(self, client_id: int, upload: CheckpointUpload) -> Checkpoint:
        """Files into the file storage first, then the record: a reported checkpoint is whole."""
        state = reported_state(upload.state)
        steps_of(upload.metadata)
        files = {_checked_path(path): content for path, content in upload.files.items()}
        with self._uow(write=False) as store:
            trial = self._require(store, client_id, upload.trial_id, lock=False)
            check_current_run(trial.trial_run_id, upload.trial_run_id)
            if store.trials.checkpoint(upload.uuid) is not None:
                raise InvalidTransition(f"Checkpoint {upload.uuid} was already reported")
        self._files.put(upload.uuid, files, upload.metadata)
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
            store.trials.add_checkpoint(checkpoint)
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
        if checkpoint.state.value == "DELETED":
            raise NotFound(f"Checkpoint {uuid} was deleted")
        return checkpoint, self._files.read(checkpoint)

    def _collect_if_ended(self, trial: Trial) -> None:
        """A trial that just ended may have ended its experiment: GC then (§4.7)."""
        if not trial.state.terminal or trial.experiment_id is None:
            return
        with self._uow(write=False) as store:
            ended = store.trials.experiment_state(trial.experiment_id).terminal
        if ended:
            self.collect_garbage(trial.client_id, trial.experiment_id)

    def collect_garbage(
        self, client_id: int, experiment_id: int, *, keep_nothing: bool = False
    ) -> list[str]:
        """Deletes the experiment's checkpoints its keep policy does not keep (all of them with
        ``keep_nothing``, for a deleted experiment): files first, then the rows are marked
        DELETED. Warm-start checkpoints are never deleted. Returns the deleted uuids."""
        with self._uow(write=False) as store:
            experiment = self._require_experiment(store, client_id, experiment_id)
            checkpoints = store.trials.experiment_checkpoints(experiment_id)
            metric = searcher_metric(experiment)
            validations = store.trials.experiment_validations(experiment_id)
        policy = _KEEP_NOTHING if keep_nothing else _keep_policy(experiment)
        name, smaller = metric if metric is not None else ("", True)
        doomed = set(
            checkpoints_to_delete(
                checkpoints, validations, name, smaller_is_better=smaller, policy=policy
            )
        )
        deleted = []
        for checkpoint in (c for c in checkpoints if c.uuid in doomed):
            try:
                self._files.delete(checkpoint)
            except (DialinError, OSError):
                # GC follows a change already saved (a trial ended, an experiment deleted): an
                # unreachable storage must not turn that change into an error. The row stays
                # COMPLETED, so the next collection tries its files again.
                _log.warning(
                    "checkpoint %s: its files could not be deleted; kept for the next GC",
                    checkpoint.uuid,
                    exc_info=True,
                )
                continue
            deleted.append(checkpoint)
        if deleted:
            with self._uow(write=True) as store:
                for checkpoint in deleted:
                    store.trials.drop_legacy_checkpoint_files(checkpoint.uuid)
                    store.trials.save_checkpoint(patch_resources(checkpoint, {}))
        return [c.uuid for c in deleted]

    def add_logs(
        self, client_id: int, trial_id: int, trial_run_id: int, stream: str, lines: Sequence[str]
    ) -> None:
        if not stream or len(stream) > 32:
            raise InvalidField("stream", "stream must be a name of at most 32 characters")
        with self._uow(write=True) as store:
            trial = self._require(store, client_id, trial_id, lock=False)
            check_current_run(trial.trial_run_id, trial_run_id)
            now = self._clock()
            store.trials.add_logs(trial_id, trial_run_id, stream, lines, now)
            if trial.log_retention_days is not None:
                # Retention is per trial (§2): older lines go as new ones arrive.
                store.trials.drop_logs_before(trial_id, now - trial.log_retention_days * 86400)

    def logs(self, client_id: int, trial_id: int, *, after: int, limit: int) -> list[LogLine]:
        with self._uow(write=False) as store:
            self._require(store, client_id, trial_id, lock=False)
            return store.trials.logs(trial_id, after=after, limit=limit)
