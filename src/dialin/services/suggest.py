"""Handing out suggestions: queued ones first, then the optimizer, never a duplicate open one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dialin.domain.drafts import UNSET, Maybe, QueuedSuggestionDraft, SuggestionDraft
from dialin.domain.experiments import Experiment, Metadata
from dialin.domain.metrics import Task
from dialin.domain.paging import Page, PageRequest
from dialin.domain.parameters import Assignments
from dialin.domain.rules import check_assignments, check_task
from dialin.domain.suggestions import QueuedSuggestion, Suggestion
from dialin.errors import Forbidden, InvalidField, NotFound
from dialin.optimizer import propose
from dialin.services.experiments import require_experiment, require_live
from dialin.services.ports import Clock, Store, UnitOfWork

__all__ = ["SuggestionService"]

# The optimizer may take at most this long while it holds the experiment's lock.
OPTIMIZER_TIME_BUDGET = 2.0


def _same_point(a: Assignments, b: Assignments) -> bool:
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if isinstance(value, str) or isinstance(other, str):
            if value != other:
                return False
        elif abs(float(value) - float(other)) > 1e-12 * max(1.0, abs(float(value))):
            return False
    return True


def _explicit(experiment: Experiment, draft: SuggestionDraft) -> tuple[dict[str, Any], Task | None]:
    definition = experiment.definition
    assert draft.assignments is not None
    if definition.is_multitask and draft.task_name is None:
        raise InvalidField("task", "Multitask experiments need both assignments and task")
    assignments = check_assignments(definition, draft.assignments)
    return assignments, check_task(definition, draft.task_name)


def _needs_history(experiment: Experiment) -> bool:
    """Random search over a space with a continuous parameter cannot meaningfully repeat an
    observed point (the chance is nil), so it skips loading the history: that load, made
    under the experiment's lock, would otherwise bound throughput as experiments grow."""
    definition = experiment.definition
    continuous = any(p.type == "double" and p.grid is None for p in definition.active_parameters)
    return definition.type != "random" or not continuous


# Fitted model state per experiment, so an unchanged history is not refit from scratch. Only
# a speed-up: each API process keeps its own, and proposals are valid without it.
_MODEL_CACHE_EXPERIMENTS = 256


class SuggestionService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._models: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def _model_cache(self, experiment_id: int) -> dict[str, Any]:
        cache = self._models.pop(experiment_id, None) or {}
        self._models[experiment_id] = cache
        while len(self._models) > _MODEL_CACHE_EXPERIMENTS:
            self._models.popitem(last=False)
        return cache

    def create(
        self, client_id: int, experiment_id: int, draft: SuggestionDraft
    ) -> tuple[Suggestion, Experiment]:
        with self._uow(write=True) as store:
            # The experiment's row lock serializes suggestion creation per experiment across
            # every API process, so two workers never both see the same point as free.
            experiment = require_experiment(store, client_id, experiment_id, lock=True)
            require_live(experiment)
            if experiment.runs_only:
                raise Forbidden(
                    "Suggestions of an AI experiment are made through its training runs."
                )
            if draft.assignments is not None:
                assignments, task = _explicit(experiment, draft)
            elif draft.task_name is not None:
                raise InvalidField("task", "Multitask experiments need both assignments and task")
            else:
                assignments, task = self.next_point(store, experiment)
            suggestion = store.suggestions.add(
                experiment.id, assignments, task, draft.metadata, self._clock()
            )
            store.experiments.touch(experiment.id, suggestion.created)
            return suggestion, experiment

    def next_point(
        self, store: Store, experiment: Experiment
    ) -> tuple[dict[str, Any], Task | None]:
        """The next point to serve inside the caller's transaction, which holds the experiment's
        lock: queued suggestions first, then the optimizer. AI-experiment runs use it too."""
        queued = store.queued.pop_oldest(experiment.id)
        if queued is not None:
            return dict(queued.assignments), queued.task
        history = store.observations.live(experiment.id) if _needs_history(experiment) else []
        pending = store.suggestions.open(experiment.id)
        # A fresh seed per suggestion keeps proposals reproducible from the stored history.
        seed = experiment.id * 1_000_003 + store.suggestions.count(experiment.id)
        proposal = propose(
            experiment.definition,
            history,
            pending,
            1,
            seed,
            time_budget=OPTIMIZER_TIME_BUDGET,
            cache=self._model_cache(experiment.id),
        )[0]
        if experiment.definition.type != "grid" and any(
            _same_point(proposal.assignments, p.assignments) for p in pending
        ):
            # Last line of defence: the optimizer already avoids pending points.
            fallback = replace(experiment.definition, type="random")
            proposal = propose(fallback, history, pending, 1, seed + 1)[0]
        return dict(proposal.assignments), proposal.task

    def get(self, client_id: int, experiment_id: int, suggestion_id: int) -> Suggestion:
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            suggestion = store.suggestions.get(experiment_id, suggestion_id)
            if suggestion is None:
                raise NotFound()
            return suggestion

    def list(
        self,
        client_id: int,
        experiment_id: int,
        page: PageRequest,
        *,
        only_open: bool = False,
        deleted: bool = False,
        ids: Sequence[int] | None = None,
    ) -> Page[Suggestion]:
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            return store.suggestions.list(
                experiment_id, page, only_open=only_open, deleted=deleted, ids=ids
            )

    def update(
        self,
        client_id: int,
        experiment_id: int,
        suggestion_id: int,
        metadata: Maybe[Metadata | None],
    ) -> Suggestion:
        with self._uow(write=True) as store:
            require_experiment(store, client_id, experiment_id)
            suggestion = store.suggestions.get(experiment_id, suggestion_id)
            if suggestion is None:
                raise NotFound()
            if metadata is not UNSET:
                store.suggestions.set_metadata(suggestion_id, metadata)
            found = store.suggestions.get(experiment_id, suggestion_id)
            assert found is not None
            return found

    def delete(
        self,
        client_id: int,
        experiment_id: int,
        suggestion_id: int | None = None,
        *,
        only_open: bool = False,
    ) -> None:
        with self._uow(write=True) as store:
            require_experiment(store, client_id, experiment_id)
            if suggestion_id is not None:
                if store.suggestions.get(experiment_id, suggestion_id) is None:
                    raise NotFound()
                store.suggestions.delete(experiment_id, ids=[suggestion_id])
            else:
                store.suggestions.delete(experiment_id, only_open=only_open)

    # Queued suggestions

    def enqueue(
        self, client_id: int, experiment_id: int, draft: QueuedSuggestionDraft
    ) -> QueuedSuggestion:
        with self._uow(write=True) as store:
            experiment = require_experiment(store, client_id, experiment_id, lock=True)
            require_live(experiment)
            definition = experiment.definition
            if definition.is_multitask and draft.task_name is None:
                raise InvalidField("task", "Multitask experiments need a task")
            assignments = check_assignments(definition, draft.assignments)
            task = check_task(definition, draft.task_name)
            return store.queued.add(experiment.id, assignments, task, self._clock())

    def queued(self, client_id: int, experiment_id: int, queued_id: int) -> QueuedSuggestion:
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            found = store.queued.get(experiment_id, queued_id)
            if found is None:
                raise NotFound()
            return found

    def list_queued(
        self, client_id: int, experiment_id: int, page: PageRequest
    ) -> Page[QueuedSuggestion]:
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            return store.queued.list(experiment_id, page)

    def dequeue(self, client_id: int, experiment_id: int, queued_id: int | None = None) -> None:
        with self._uow(write=True) as store:
            require_experiment(store, client_id, experiment_id)
            if queued_id is not None and store.queued.get(experiment_id, queued_id) is None:
                raise NotFound()
            store.queued.delete(experiment_id, queued_id)
