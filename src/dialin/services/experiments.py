"""Experiments: create, read, change, archive; their best assignments and stopping criteria."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from typing import Literal

from dialin.analysis.importances import importances
from dialin.domain.drafts import ExperimentDraft, ExperimentPatch
from dialin.domain.experiments import Experiment
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest
from dialin.domain.progress import ObservationProgress, RunProgress
from dialin.domain.rules import apply_experiment_patch
from dialin.domain.scoring import score
from dialin.domain.stopping import stopping_reasons
from dialin.errors import InvalidField, NotFound
from dialin.services.best_cache import BestObservations
from dialin.services.ports import Clock, Store, UnitOfWork

__all__ = ["ExperimentService", "ExperimentView", "require_experiment"]


@dataclass(frozen=True)
class ExperimentView:
    experiment: Experiment
    progress: ObservationProgress | RunProgress


def progress_of(store: Store, experiment: Experiment) -> ObservationProgress | RunProgress:
    if experiment.runs_only:
        return store.runs.progress(experiment.id, experiment.definition.budget)
    return store.experiments.progress(experiment)


def require_experiment(
    store: Store, client_id: int, experiment_id: int, *, lock: bool = False
) -> Experiment:
    """The client's experiment, or NotFound: another client's experiment does not exist for it."""
    experiment = store.experiments.get(client_id, experiment_id, lock=lock)
    if experiment is None:
        raise NotFound()
    return experiment


def require_live(experiment: Experiment) -> None:
    if experiment.deleted:
        raise InvalidField(
            "experiment", f"Experiment {experiment.id} is deleted; restore it with state=active"
        )


class ExperimentService:
    def __init__(self, uow: UnitOfWork, clock: Clock, best: BestObservations | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._best = best or BestObservations()

    def create(self, client_id: int, draft: ExperimentDraft) -> ExperimentView:
        with self._uow(write=True) as store:
            if draft.project is not None and store.projects.get(client_id, draft.project) is None:
                if draft.runs_only:
                    raise NotFound()
                raise InvalidField("project", f"Unknown project ID: {draft.project}")
            experiment = store.experiments.add(client_id, draft, self._clock())
            return ExperimentView(experiment, progress_of(store, experiment))

    def get(
        self, client_id: int, experiment_id: int, *, runs_only: bool | None = None
    ) -> ExperimentView:
        """``runs_only``: the kind the caller's route serves; the other kind is not found."""
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            if runs_only is not None and experiment.runs_only != runs_only:
                raise NotFound()
            return ExperimentView(experiment, progress_of(store, experiment))

    def definition_of(self, client_id: int, experiment_id: int) -> Experiment:
        with self._uow(write=False) as store:
            return require_experiment(store, client_id, experiment_id)

    def list(
        self,
        client_id: int,
        page: PageRequest,
        *,
        state: Literal["active", "deleted", "all"] = "active",
        search: str | None = None,
        runs_only: bool | None = None,
        project: str | None = None,
    ) -> Page[ExperimentView]:
        with self._uow(write=False) as store:
            found = store.experiments.list(
                client_id, page, state=state, search=search, runs_only=runs_only, project=project
            )
            views = [ExperimentView(e, progress_of(store, e)) for e in found.items]
            return Page(items=views, count=found.count, before=found.before, after=found.after)

    def update(self, client_id: int, experiment_id: int, patch: ExperimentPatch) -> ExperimentView:
        with self._uow(write=True) as store:
            experiment = require_experiment(store, client_id, experiment_id, lock=True)
            changed = apply_experiment_patch(experiment, patch)
            moved = changed.project is not None and changed.project != experiment.project
            if moved and store.projects.get(client_id, str(changed.project)) is None:
                raise InvalidField("project", f"Unknown project ID: {changed.project}")
            changed = replace(changed, updated=max(experiment.updated, self._clock()))
            store.experiments.save(changed)
            if changed.definition.metrics != experiment.definition.metrics:
                # Thresholds decide which observations can be best: rescore them all.
                history = store.observations.live(experiment.id)
                store.observations.rescore(
                    experiment.id, {o.id: score(changed.definition, o) for o in history}
                )
            return ExperimentView(changed, progress_of(store, changed))

    def delete(self, client_id: int, experiment_id: int, *, include_runs: bool = False) -> None:
        with self._uow(write=True) as store:
            experiment = require_experiment(store, client_id, experiment_id, lock=True)
            now = self._clock()
            store.experiments.save(
                replace(experiment, state="deleted", updated=max(experiment.updated, now))
            )
            if include_runs:
                store.runs.delete_of_experiment(experiment.id, now)
                store.suggestions.delete(experiment.id)
                store.observations.delete(experiment.id)

    def best_assignments(
        self, client_id: int, experiment_id: int
    ) -> tuple[Experiment, builtins.list[Observation]]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            return experiment, list(self._best.of(store, experiment))

    def stopping_criteria(self, client_id: int, experiment_id: int) -> builtins.list[str]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            history = store.observations.live(experiment.id)
            return stopping_reasons(experiment.definition, history)

    def importances(
        self, client_id: int, experiment_id: int
    ) -> builtins.list[tuple[str | None, dict[str, float]]]:
        experiment, history = self.history(client_id, experiment_id)
        return importances(experiment.definition, history)

    def history(
        self, client_id: int, experiment_id: int
    ) -> tuple[Experiment, builtins.list[Observation]]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            return experiment, store.observations.live(experiment.id)
