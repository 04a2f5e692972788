"""An experiment's best observations, remembered per process while its observations stand.

Finding them reads every observation of the experiment, and dashboards poll them (best
assignments, best runs). New observations change the count and any other change to a stored
one (values, metadata, archiving) the revision, so the pair says when to read again; the
definition is part of the key too, since metric thresholds can change.
"""

from __future__ import annotations

from dialin.domain.experiments import Experiment
from dialin.domain.observations import Observation
from dialin.optimizer.best import best_observations
from dialin.services.ports import Store

__all__ = ["BestObservations"]

# experiments a process remembers
_SIZE = 32


class BestObservations:
    def __init__(self) -> None:
        # experiment id -> (version of its observations, its best observations, best first)
        self._known: dict[int, tuple[tuple[object, ...], tuple[Observation, ...]]] = {}

    def of(self, store: Store, experiment: Experiment) -> tuple[Observation, ...]:
        version = (
            experiment.definition,
            store.observations.count(experiment.id),
            store.history.revision(experiment.id),
        )
        known = self._known.get(experiment.id)
        if known is not None and known[0] == version:
            return known[1]
        history = store.observations.live(experiment.id)
        best = tuple(best_observations(experiment.definition, history))
        if len(self._known) >= _SIZE:
            self._known.clear()
        self._known[experiment.id] = (version, best)
        return best
