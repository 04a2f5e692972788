"""Training runs: create in a project or an AI experiment, change by MERGE or PUT, archive,
list; a served run's observation when it first finishes; its checkpoints, which are its trial's
validation reports (spec trials §7.4). Each change lets the experiment's state settle."""

from __future__ import annotations

import builtins
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from dialin.domain.experiment_states import refusal_of_new_trials
from dialin.domain.experiments import Experiment, Metadata
from dialin.domain.metric_reports import VALIDATION, MetricsReport, numeric_value
from dialin.domain.metrics import MetricValue
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest, page_in_memory
from dialin.domain.rules import check_assignments
from dialin.domain.run_filters import RunFilter, in_memory_only, run_matches, run_sort_key
from dialin.domain.runs import (
    CHECKPOINT_LIMIT,
    SIGOPT_SOURCE,
    Checkpoint,
    RunPatch,
    TrainingRun,
    UpdateMode,
    apply_run_patch,
)
from dialin.domain.scoring import score
from dialin.domain.training_monitor import MAX_CHECKPOINTS_REASON
from dialin.domain.trial_views import MetricsIngest
from dialin.domain.trials import Trial, TrialState, should_stop
from dialin.errors import Forbidden, InvalidField, NotFound
from dialin.services.best_cache import BestObservations
from dialin.services.experiments import ExperimentView, require_experiment, require_live
from dialin.services.metric_ingest import ingest_report, searcher_stop
from dialin.services.ports import Clock, Store, UnitOfWork
from dialin.services.searcher import result_values, training_monitor_of
from dialin.services.suggest import SuggestionService
from dialin.services.trial_lifecycle import continue_experiment, settle_experiment
from dialin.services.trials import TrialService

__all__ = ["BUDGET_LEASE_S", "RunService", "require_run"]

# How long a worker that was told a budget slot is free holds it before creating its run.
BUDGET_LEASE_S = 10
_LEASE_POLL_S = 0.05


def require_run(store: Store, client_id: int, run_id: int, *, lock: bool = False) -> TrainingRun:
    run = store.runs.get(client_id, run_id, lock=lock)
    if run is None:
        raise NotFound()
    return run


def _checkpoint_values(reports: Sequence[MetricsReport]) -> list[dict[str, float | None]]:
    """Each live validation's numeric metrics, oldest first: the run's checkpoints."""
    return [
        {name: numeric_value(value) for name, value in r.metrics.items()}
        for r in sorted(reports, key=lambda r: (r.end_time, r.id))
        if r.group == VALIDATION and not r.archived
    ]


def _new_run(client_id: int, project: str, patch: RunPatch, now: int) -> TrainingRun:
    blank = TrainingRun(
        id=0, client_id=client_id, project=project, name="", created=now, updated=now
    )
    return apply_run_patch(blank, patch, "put", now)


def _parameter_assignments(
    experiment: Experiment, assignments: Mapping[str, Any]
) -> dict[str, Any]:
    names = {p.name for p in experiment.definition.active_parameters}
    names |= {c.name for c in experiment.definition.conditionals}
    return {k: v for k, v in assignments.items() if k in names}


def _observation_of(
    experiment: Experiment,
    run: TrainingRun,
    assignments: Mapping[str, Any],
    now: int,
    values: Sequence[MetricValue | None],
) -> Observation:
    """Failed when the run failed or misses a value of any experiment metric (stored too)."""
    failed = run.state == "failed" or any(v is None for v in values)
    measured = (
        ()
        if failed
        else tuple(replace(v, value_stddev=v.value_stddev or 0.0) for v in values if v is not None)
    )
    return Observation(
        id=0,
        experiment_id=experiment.id,
        assignments=assignments,
        created=now,
        values=tuple(sorted(measured, key=lambda v: v.name or "")),
        failed=failed,
        suggestion_id=run.suggestion_id,
    )


def _record_observation(store: Store, experiment: Experiment, run: TrainingRun, now: int) -> int:
    suggestion = (
        None
        if run.suggestion_id is None
        else store.suggestions.get(experiment.id, run.suggestion_id)
    )
    # The suggestion's point, not the run's copy: a PUT may have replaced the run's assignments.
    assignments = (
        suggestion.assignments
        if suggestion is not None
        else _parameter_assignments(experiment, run.assignments)
    )
    values = result_values(experiment, run, store.trials.reports(run.id))
    observation = _observation_of(experiment, run, assignments, now, values)
    saved = store.observations.add(observation, score(experiment.definition, observation))
    if run.suggestion_id is not None:
        store.suggestions.close(run.suggestion_id)
    return saved.id


class RunService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        suggestions: SuggestionService,
        trials: TrialService | None = None,
        best: BestObservations | None = None,
    ) -> None:
        """``trials``: collects the checkpoints of an experiment a run change ended; ``best``:
        the best observations, shared with the experiment service."""
        self._uow = uow
        self._clock = clock
        self._suggestions = suggestions
        self._trials = trials or TrialService(uow, clock)
        self._best = best or BestObservations()

    # Creation

    def create(self, client_id: int, project: str, patch: RunPatch) -> TrainingRun:
        return self.create_batch(client_id, project, [patch])[0]

    def create_batch(
        self, client_id: int, project: str, patches: Sequence[RunPatch]
    ) -> builtins.list[TrainingRun]:
        """All or nothing: every run is checked before the first is stored."""
        with self._uow(write=True) as store:
            if store.projects.get(client_id, project) is None:
                raise NotFound()
            now = self._clock()
            runs = [_new_run(client_id, project, p, now) for p in patches]
            return store.runs.add_all(runs)

    def create_in_experiment(
        self, client_id: int, experiment_id: int, patch: RunPatch
    ) -> TrainingRun:
        with self._uow(write=True) as store:
            # The experiment's row lock serializes run creation, so concurrent workers see each
            # other's runs in the budget count and never create more runs than the budget.
            experiment = require_experiment(store, client_id, experiment_id, lock=True)
            if not experiment.runs_only:
                raise NotFound()
            require_live(experiment)
            assert experiment.project is not None
            if store.projects.get(client_id, experiment.project) is None:
                raise NotFound()
            now = self._clock()
            self._reopen_if_budget_raised(store, experiment, now)
            state = store.trials.experiment_state(experiment.id)
            refusal = refusal_of_new_trials(experiment.id, state)
            # Still COMPLETED here means its budget is used: the budget check below says so.
            if refusal is not None and state != TrialState.COMPLETED:
                raise Forbidden(refusal)
            progress = store.runs.progress(experiment.id, experiment.definition.budget)
            if progress.remaining_budget is not None and progress.remaining_budget <= 0:
                raise Forbidden(
                    f"AI experiment {experiment.id} has used its budget of "
                    f"{experiment.definition.budget} runs; raise the budget to create more"
                )
            store.runs.take_budget_lease(experiment.id, now)
            run = replace(
                _new_run(client_id, experiment.project, patch, now), experiment_id=experiment.id
            )
            if run.state == "active":
                run = store.runs.add(self._with_suggestion(store, experiment, run, now))
            else:
                # A run reported already finished is an observation at once, without suggestion.
                check_assignments(
                    experiment.definition, _parameter_assignments(experiment, run.assignments)
                )
                run = store.runs.add(run)
                run = replace(run, observation_id=_record_observation(store, experiment, run, now))
                store.runs.save(run)
                settle_experiment(store, experiment)
            store.experiments.touch(experiment.id, now)
            return run

    def _reopen_if_budget_raised(self, store: Store, experiment: Experiment, now: int) -> None:
        """A COMPLETED experiment ended by its budget continues once the budget is raised:
        SigOpt's way to run more is ``experiment.update(budget=...)`` and a new loop."""
        if store.trials.experiment_state(experiment.id) != TrialState.COMPLETED:
            return
        remaining = store.runs.progress(experiment.id, experiment.definition.budget)
        if remaining.remaining_budget is None or remaining.remaining_budget > 0:
            continue_experiment(store, experiment, now)

    def _with_suggestion(
        self, store: Store, experiment: Experiment, run: TrainingRun, now: int
    ) -> TrainingRun:
        given = _parameter_assignments(experiment, run.assignments)
        if given:
            try:
                explicit = check_assignments(experiment.definition, given)
            except InvalidField:
                # SigOpt keeps such a run, without a suggestion, rather than refuse it.
                return run
            suggestion = store.suggestions.add(experiment.id, explicit, None, None, now)
            return replace(run, suggestion_id=suggestion.id)
        # The same broker as suggestion creation: queued suggestions first, then the optimizer.
        served, task = self._suggestions.next_point(store, experiment)
        suggestion = store.suggestions.add(experiment.id, served, task, None, now)
        meta = {**run.assignments_meta, **{k: {"source": SIGOPT_SOURCE} for k in served}}
        sources = {
            **run.assignments_sources,
            SIGOPT_SOURCE: {"sort": 1, "default_show": True},
        }
        return replace(
            run,
            suggestion_id=suggestion.id,
            assignments={**run.assignments, **served},
            assignments_meta=meta,
            assignments_sources=sources,
        )

    # Reading

    def fetch_for_worker(self, client_id: int, experiment_id: int) -> ExperimentView:
        """The AI experiment as a SigOpt worker loop reads it before it creates a run.

        The loop creates a run only while ``progress.remaining_budget`` is positive, so two
        workers reading the last free slot at once would both ask for it and one be refused.
        Instead, each reader told a slot is free holds a short lease on it; while every free slot
        is leased, a reader waits until the leases are taken (then nothing remains: it stops
        cleanly) or expire (then it gets the slot). Creating a run never needs a lease.
        """
        deadline = self._clock() + BUDGET_LEASE_S + 1
        while True:
            with self._uow(write=True) as store:
                experiment = require_experiment(store, client_id, experiment_id, lock=True)
                if not experiment.runs_only:
                    raise NotFound()
                now = self._clock()
                progress = store.runs.progress(experiment.id, experiment.definition.budget)
                free = progress.remaining_budget
                if experiment.deleted or free is None or free <= 0:
                    return ExperimentView(experiment, progress)
                leased = store.runs.budget_leases(experiment.id, now)
                if free > leased:
                    store.runs.lease_budget(experiment.id, now + BUDGET_LEASE_S)
                    return ExperimentView(experiment, replace(progress, reserved=leased))
                if now >= deadline:
                    # Never tell a worker nothing remains while a slot is free: past the
                    # wait it is told the truth (and the run check keeps the budget).
                    store.runs.lease_budget(experiment.id, now + BUDGET_LEASE_S)
                    return ExperimentView(experiment, progress)
            # Another worker holds the last free slot for the moment between its read and its
            # run; its run (or the lease's expiry) ends the wait.
            time.sleep(_LEASE_POLL_S)

    def get(self, client_id: int, run_id: int) -> TrainingRun:
        with self._uow(write=False) as store:
            return require_run(store, client_id, run_id)

    def list(
        self,
        client_id: int,
        project: str,
        page: PageRequest,
        *,
        filters: Sequence[RunFilter] = (),
        search: str | None = None,
    ) -> Page[TrainingRun]:
        in_memory = in_memory_only(page.sort) or any(in_memory_only(f.field) for f in filters)
        # Python and SQLite lower-case non-ASCII letters differently: such searches stay here.
        in_memory = in_memory or (search is not None and not search.isascii())
        with self._uow(write=False) as store:
            if store.projects.get(client_id, project) is None:
                raise NotFound()
            if not in_memory:
                return store.runs.page_in_project(
                    client_id, project, page, filters=filters, search=search
                )
            runs = store.runs.in_project(client_id, project)
        found = [r for r in runs if all(run_matches(r, f) for f in filters)]
        if search:
            found = [r for r in found if search.lower() in r.name.lower()]
        return page_in_memory(found, run_sort_key(page.sort), page)

    def of_experiment(
        self, client_id: int, experiment_id: int, page: PageRequest
    ) -> Page[TrainingRun]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            if not in_memory_only(page.sort):
                return store.runs.page_of_experiment(experiment.id, page)
            runs = store.runs.of_experiment(experiment.id, deleted=None)
        return page_in_memory(runs, run_sort_key(page.sort), page)

    def best(self, client_id: int, experiment_id: int, page: PageRequest) -> Page[TrainingRun]:
        """The runs whose observations are the experiment's best assignments, best first."""
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            best = tuple(o.id for o in self._best.of(store, experiment))
            runs = store.runs.with_observations(experiment.id, best)
        by_observation = {r.observation_id: r for r in runs if r.observation_id is not None}
        ranked = [by_observation[i] for i in best if i in by_observation]
        return page_in_memory(ranked, run_sort_key(page.sort), page)

    # Changes

    def update(self, client_id: int, run_id: int, patch: RunPatch, mode: UpdateMode) -> TrainingRun:
        with self._uow(write=True) as store:
            # Logging calls of one run may race (threads, integrations): take its row lock.
            run = require_run(store, client_id, run_id, lock=True)
            project = patch.get("project")
            if project is not None and project != run.project:
                if run.experiment_id is not None:
                    raise InvalidField("project", "Runs of an AI experiment stay in its project")
                if store.projects.get(client_id, project) is None:
                    raise InvalidField("project", f"Unknown project ID: {project}")
            now = self._clock()
            changed = apply_run_patch(run, patch, mode, now)
            changed = self._observe_if_finished(store, run, changed, now)
            if changed.deleted != run.deleted:
                store.runs.set_linked_deleted(changed, changed.deleted)
            store.runs.save(changed)
            ended = False
            if changed.experiment_id is not None:
                store.experiments.touch(changed.experiment_id, now)
                if (changed.state, changed.deleted) != (run.state, run.deleted):
                    experiment = require_experiment(store, client_id, changed.experiment_id)
                    ended = settle_experiment(store, experiment).terminal
        if ended and changed.experiment_id is not None:
            self._trials.collect_garbage(client_id, changed.experiment_id)
        return changed

    def _observe_if_finished(
        self, store: Store, before: TrainingRun, after: TrainingRun, now: int
    ) -> TrainingRun:
        if (
            after.experiment_id is None
            or after.suggestion_id is None
            or after.observation_id is not None
            or after.state == "active"
            or before.state != "active"
        ):
            return after
        experiment = require_experiment(store, after.client_id, after.experiment_id)
        return replace(after, observation_id=_record_observation(store, experiment, after, now))

    def delete(self, client_id: int, run_id: int) -> TrainingRun:
        return self.update(client_id, run_id, RunPatch({"deleted": True}), "put")

    # Checkpoints

    def add_checkpoint(
        self,
        client_id: int,
        run_id: int,
        values: tuple[MetricValue, ...],
        metadata: Metadata | None,
    ) -> Checkpoint:
        """A validation report of the run's trial at the next ordinal step; its answer says
        whether the run should stop (ASHA through the searcher, or the trial stopped)."""
        with self._uow(write=True) as store:
            # The row lock makes the 200-checkpoint limit hold under concurrent posts.
            run = require_run(store, client_id, run_id, lock=True)
            if run.observation_id is not None:
                raise Forbidden("This run already produced an observation: no more checkpoints")
            if run.checkpoint_count >= CHECKPOINT_LIMIT:
                raise Forbidden(f"A run has at most {CHECKPOINT_LIMIT} checkpoints")
            # Checkpoint values may name anything the training reports (the xgboost
            # integration logs every eval metric, e.g. "val_set-logloss"), not only the
            # experiment's metrics.
            trial = store.trials.get(client_id, run_id, lock=True)
            if trial is None:
                raise NotFound()
            ingest = MetricsIngest(
                trial_id=trial.id,
                trial_run_id=trial.trial_run_id,
                group=VALIDATION,
                metrics={v.name: v.value for v in values if v.name is not None},
                steps_completed=run.checkpoint_count + 1,
            )
            extras = {
                "metadata": None if metadata is None else dict(metadata),
                "value_stddev": {
                    v.name: v.value_stddev for v in values if v.value_stddev is not None
                },
            }
            report, trial = ingest_report(
                store,
                trial,
                ingest,
                self._clock(),
                checkpoint_extras=extras,
                accept_ended=True,
                # SigOpt keeps a run's values (log_metric) apart from its checkpoints.
                mirror_values=False,
            )
            return self._with_stop_advice(store, trial, report)

    def _with_stop_advice(self, store: Store, trial: Trial, report: MetricsReport) -> Checkpoint:
        """should_stop = the searcher stopped the run (ASHA, or every convergence criterion
        of the training monitor holds), its checkpoint limit is reached, or the trial was
        stopped (paused, cancelled); stopping_reasons names each (trials §7.4)."""
        experiment = self._experiment_of(store, trial)
        monitor = None if experiment is None else training_monitor_of(experiment)
        reasons: dict[str, bool] = {}
        if monitor is not None:
            reasons = monitor.reasons(_checkpoint_values(store.trials.reports(trial.id)))
            if monitor.converged(reasons) and not trial.stopped_by_searcher:
                trial = searcher_stop(store, trial, self._clock(), "searcher: converged")
        advice = {
            "stopped_by_searcher": trial.stopped_by_searcher,
            "trial_stopped": trial.state != TrialState.ACTIVE,
            **reasons,
        }
        stop = should_stop(trial) or reasons.get(MAX_CHECKPOINTS_REASON, False)
        return replace(Checkpoint.of_report(report), should_stop=stop, stopping_reasons=advice)

    def _experiment_of(self, store: Store, trial: Trial) -> Experiment | None:
        if trial.experiment_id is None:
            return None
        return store.experiments.get(trial.client_id, trial.experiment_id)

    def checkpoint(self, client_id: int, run_id: int, checkpoint_id: int) -> Checkpoint:
        with self._uow(write=False) as store:
            require_run(store, client_id, run_id)
            found = store.trials.report(run_id, checkpoint_id)
        if found is None or found.group != VALIDATION or found.archived:
            raise NotFound()
        return Checkpoint.of_report(found)

    def checkpoints(self, client_id: int, run_id: int, page: PageRequest) -> Page[Checkpoint]:
        with self._uow(write=False) as store:
            require_run(store, client_id, run_id)
            reports = store.trials.reports(run_id)
        found = [
            Checkpoint.of_report(r) for r in reports if r.group == VALIDATION and not r.archived
        ]
        return page_in_memory(found, lambda c: (c.id,), page)
