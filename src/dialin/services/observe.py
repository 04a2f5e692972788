"""Recording what workers measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from dialin.domain.drafts import ObservationDraft
from dialin.domain.experiments import Experiment
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest, SortKey, page_in_memory
from dialin.domain.rules import check_assignments, check_task, check_values
from dialin.domain.scoring import score
from dialin.errors import Forbidden, InvalidField, NotFound
from dialin.services.experiments import require_experiment, require_live
from dialin.services.ports import Clock, Store, UnitOfWork

__all__ = ["ObservationService", "observation_sort_key", "observation_sorts"]


def _writable(store: Store, client_id: int, experiment_id: int) -> Experiment:
    experiment = require_experiment(store, client_id, experiment_id)
    require_live(experiment)
    if experiment.runs_only:
        raise Forbidden("Observations of an AI experiment come from its training runs.")
    return experiment


def _build(
    store: Store, experiment: Experiment, draft: ObservationDraft, now: int, field: str = ""
) -> tuple[Observation, int | None]:
    """The observation ``draft`` asks for, checked against the experiment's current definition."""
    prefix = f"{field}." if field else ""
    definition = experiment.definition
    if (draft.suggestion_id is None) == (draft.assignments is None):
        raise InvalidField(
            f"{prefix}suggestion", "Must provide exactly one of suggestion, assignments"
        )
    if draft.suggestion_id is not None:
        suggestion = store.suggestions.get(experiment.id, draft.suggestion_id)
        if suggestion is None:
            raise InvalidField(
                f"{prefix}suggestion",
                f"No suggestion: {draft.suggestion_id} for experiment: {experiment.id}",
            )
        if draft.task_name is not None:
            raise InvalidField(
                f"{prefix}task", "Do not provide a task with a suggestion: its task is used"
            )
        assignments = dict(suggestion.assignments)
        task = suggestion.task
    else:
        assert draft.assignments is not None
        assignments = check_assignments(definition, draft.assignments, f"{prefix}assignments")
        if definition.is_multitask and draft.task_name is None:
            raise InvalidField(f"{prefix}task", "Multitask observations need a task")
        task = check_task(definition, draft.task_name, f"{prefix}task")
    if draft.failed and draft.values:
        raise InvalidField(f"{prefix}values", "Cannot provide values if observation has failed")
    values = () if draft.failed else check_values(definition, draft.values, f"{prefix}values")
    observation = Observation(
        id=0,
        experiment_id=experiment.id,
        assignments=assignments,
        created=now,
        values=values,
        failed=draft.failed,
        suggestion_id=draft.suggestion_id,
        metadata=draft.metadata,
        task=task,
    )
    return observation, draft.suggestion_id


def observation_sorts(experiment: Experiment) -> list[str]:
    """Every ``sort`` the observation list accepts for this experiment."""
    sorts = ["id", "timestamp", "value", "value_stddev", "task"]
    for metric in experiment.definition.metrics:
        if metric.name is not None:
            sorts += [f"value-{metric.name}", f"value_stddev-{metric.name}"]
    sorts += [f"parameter-{p.name}" for p in experiment.definition.active_parameters]
    return sorts


def observation_sort_key(experiment: Experiment, sort: str) -> Callable[[Observation], SortKey]:
    definition = experiment.definition
    first_metric = sorted(definition.metrics, key=lambda m: m.name or "")[0].name

    def metric_part(o: Observation, name: str | None, stddev: bool) -> float | None:
        value = o.value_of(name)
        if value is None:
            return None
        return value.value_stddev if stddev else value.value

    if sort == "timestamp":
        return lambda o: (o.created, o.id)
    if sort == "task":
        return lambda o: (o.task.cost if o.task else None, o.id)
    if sort.startswith("parameter-"):
        name = sort.removeprefix("parameter-")

        def parameter_key(o: Observation) -> SortKey:
            value = o.assignments.get(name)
            return (value if value is None or isinstance(value, str) else float(value), o.id)

        return parameter_key
    stddev = sort.startswith("value_stddev")
    _, _, named = sort.partition("-")
    metric_name = named or first_metric
    return lambda o: (metric_part(o, metric_name, stddev), o.id)


class ObservationService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create(self, client_id: int, experiment_id: int, draft: ObservationDraft) -> Observation:
        return self.create_batch(client_id, experiment_id, [draft], batch=False)[0]

    def create_batch(
        self,
        client_id: int,
        experiment_id: int,
        drafts: Sequence[ObservationDraft],
        *,
        batch: bool = True,
    ) -> list[Observation]:
        """All or nothing: one bad item rejects the whole batch."""
        with self._uow(write=True) as store:
            experiment = _writable(store, client_id, experiment_id)
            now = self._clock()
            built = [
                _build(store, experiment, d, now, f"observations[{i}]" if batch else "")
                for i, d in enumerate(drafts)
            ]
            saved = store.observations.add_many(
                experiment.id, [(o, score(experiment.definition, o)) for o, _ in built]
            )
            for _, suggestion_id in built:
                if suggestion_id is not None:
                    store.suggestions.close(suggestion_id)
            store.experiments.touch(experiment.id, now)
            return saved

    def get(self, client_id: int, experiment_id: int, observation_id: int) -> Observation:
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            found = store.observations.get(experiment_id, observation_id)
            if found is None:
                raise NotFound()
            return found

    def update(
        self,
        client_id: int,
        experiment_id: int,
        observation_id: int,
        merged: ObservationDraft,
    ) -> Observation:
        """``merged``: the stored observation with the caller's changes applied (wire layer)."""
        with self._uow(write=True) as store:
            experiment = _writable(store, client_id, experiment_id)
            current = store.observations.get(experiment_id, observation_id)
            if current is None:
                raise NotFound()
            now = self._clock()
            built, suggestion_id = _build(store, experiment, merged, now)
            changed = replace(built, id=current.id, created=current.created)
            store.observations.save(changed, score(experiment.definition, changed))
            if suggestion_id is not None:
                store.suggestions.close(suggestion_id)
            store.experiments.touch(experiment.id, now)
            return changed

    def list(
        self, client_id: int, experiment_id: int, page: PageRequest, *, deleted: bool = False
    ) -> Page[Observation]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            if page.sort == "id":
                return store.observations.list(experiment_id, page, deleted=deleted)
            # Sorts by values, parameters or tasks have no column: sort the history in memory.
            history = store.observations.every(experiment_id, deleted=deleted)
            return page_in_memory(history, observation_sort_key(experiment, page.sort), page)

    def delete(self, client_id: int, experiment_id: int, observation_id: int | None = None) -> None:
        with self._uow(write=True) as store:
            require_experiment(store, client_id, experiment_id)
            if observation_id is not None:
                if store.observations.get(experiment_id, observation_id) is None:
                    raise NotFound()
                store.observations.delete(experiment_id, [observation_id])
            else:
                store.observations.delete(experiment_id)
            store.experiments.touch(experiment_id, self._clock())
