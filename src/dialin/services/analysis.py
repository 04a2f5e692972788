"""What the dashboard reads beyond SigOpt's API: a plottable history, recent machines, failures."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.analysis.history import (
    HistorySample,
    Outline,
    Reporter,
    fields_of,
    joined,
    metrics_to_read,
    most_recent,
    plan_sample,
)
from dialin.domain.experiments import Experiment, ExperimentDefinition
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest
from dialin.services.experiments import require_experiment
from dialin.services.ports import Clock, UnitOfWork

__all__ = ["AnalysisService", "HistoryView"]

REPORTER_LIMIT = 20
# A dashboard polls a running experiment every few seconds, and reading 100,000 observations
# costs seconds: each API process keeps the last few histories it computed, keyed by what
# changes whenever an observation is added, changed or deleted. Per process and never shared,
# so a stale answer is at most CACHE_SECONDS old.
CACHE_SECONDS = 60
_CACHE_SIZE = 8


@dataclass(frozen=True)
class HistoryView:
    experiment: Experiment
    sample: HistorySample
    reporters: list[Reporter]


@dataclass(frozen=True)
class _Known:
    """What a process read of an experiment's history, valid while no stored observation
    changed (the storage revision stays the same): later reads add only newer observations."""

    definition: ExperimentDefinition
    revision: int
    outline: Outline
    observations: dict[int, Observation]


class AnalysisService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        # (experiment id, max_points) -> (version, expiry, view)
        self._recent: dict[tuple[int, int], tuple[tuple[object, ...], int, HistoryView]] = {}
        self._known: dict[int, _Known] = {}

    def history(self, client_id: int, experiment_id: int, max_points: int) -> HistoryView:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            history = store.history
            count = store.observations.count(experiment.id)
            # The revision tells a change to a stored observation within the same second.
            revision = history.revision(experiment.id)
            version = (experiment.updated, experiment.definition, count, revision)
            now = self._clock()
            cached = self._recent.get((experiment.id, max_points))
            if cached is not None and cached[0] == version and cached[1] > now:
                return cached[2]
            definition = experiment.definition
            known = self._known.get(experiment.id)
            metrics = metrics_to_read(definition)
            outline = None
            if known is not None and (known.definition, known.revision) == (definition, revision):
                last = known.outline.ids[-1] if known.outline.ids else 0
                newer = history.outline(
                    experiment.id, metrics, costs=definition.is_multitask, after=last
                )
                outline = joined(known.outline, newer)
                # Fewer means an observation committed late below ``last`` (PostgreSQL hands
                # out ids before commit): read everything again.
                if len(outline.ids) != count:
                    outline = None
            if outline is None:
                known = None
                outline = history.outline(experiment.id, metrics, costs=definition.is_multitask)
            plan = plan_sample(definition, outline, max_points)
            reused = {} if known is None else known.observations
            fetched = history.by_ids(experiment.id, [i for i in plan.ids if i not in reused])
            chosen = {**reused, **{o.id: o for o in fetched}}
            summary = history.metadata_summary(experiment.id)
        sampled = tuple(chosen[i] for i in plan.ids if i in chosen)
        view = HistoryView(
            experiment,
            HistorySample(plan, fields_of(definition, summary.types), sampled),
            most_recent(summary.reporters, REPORTER_LIMIT),
        )
        if len(self._recent) >= _CACHE_SIZE:
            self._recent.clear()
        self._recent[(experiment.id, max_points)] = (version, now + CACHE_SECONDS, view)
        if len(self._known) >= _CACHE_SIZE:
            self._known.clear()
        self._known[experiment.id] = _Known(
            definition, revision, outline, {o.id: o for o in sampled}
        )
        return view

    def failed_observations(
        self, client_id: int, experiment_id: int, page: PageRequest
    ) -> tuple[Experiment, Page[Observation]]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            return experiment, store.observations.list(
                experiment.id, page, deleted=False, only_failed=True
            )
