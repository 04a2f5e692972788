"""What the dashboard reads beyond SigOpt's API: a plottable history, recent machines, failures."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.analysis.history import (
    HistorySample,
    Reporter,
    fields_of,
    metrics_to_read,
    most_recent,
    plan_sample,
)
from dialin.domain.experiments import Experiment
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest, page_in_memory
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


class AnalysisService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        # (experiment id, max_points) -> (version, expiry, view)
        self._recent: dict[tuple[int, int], tuple[tuple[object, ...], int, HistoryView]] = {}

    def history(self, client_id: int, experiment_id: int, max_points: int) -> HistoryView:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            version = (
                experiment.updated,
                experiment.definition,
                store.observations.count(experiment.id),
            )
            now = self._clock()
            cached = self._recent.get((experiment.id, max_points))
            if cached is not None and cached[0] == version and cached[1] > now:
                return cached[2]
            definition = experiment.definition
            outline = store.history.outline(
                experiment.id, metrics_to_read(definition), costs=definition.is_multitask
            )
            plan = plan_sample(definition, outline, max_points)
            chosen = store.history.by_ids(experiment.id, plan.ids)
            summary = store.history.metadata_summary(experiment.id)
        view = HistoryView(
            experiment,
            HistorySample(plan, fields_of(experiment.definition, summary.types), tuple(chosen)),
            most_recent(summary.reporters, REPORTER_LIMIT),
        )
        if len(self._recent) >= _CACHE_SIZE:
            self._recent.clear()
        self._recent[(experiment.id, max_points)] = (version, now + CACHE_SECONDS, view)
        return view

    def failed_observations(
        self, client_id: int, experiment_id: int, page: PageRequest
    ) -> tuple[Experiment, Page[Observation]]:
        with self._uow(write=False) as store:
            experiment = require_experiment(store, client_id, experiment_id)
            failed = [o for o in store.observations.live(experiment.id) if o.failed]
        return experiment, page_in_memory(failed, lambda o: (o.id,), page)
