"""Reads of trials' progress for people watching them: one trial's metric reports by group and
step, the curves of a few trials of an experiment, and the tally of an experiment's trial states.

Read-only, one transaction each; another client's trial or experiment does not exist (NotFound).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trial_curves import TrialCurve, TrialStates, curve_of, shown_state
from dialin.domain.trials import Trial
from dialin.errors import NotFound
from dialin.services.experiments import require_experiment
from dialin.services.ports import Store, UnitOfWork

__all__ = ["TrialReportService"]


def _experiment_trials(store: Store, client_id: int, experiment_id: int) -> list[Trial]:
    return store.trials.of_experiment(require_experiment(store, client_id, experiment_id).id)


class TrialReportService:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def reports(
        self, client_id: int, trial_id: int, *, group: str | None, after: int, limit: int
    ) -> list[MetricsReport]:
        """A trial's reports in arrival order (archived ones too, flagged), ``after`` an id."""
        with self._uow(write=False) as store:
            if store.trials.get(client_id, trial_id) is None:
                raise NotFound()
            reports = store.trials.reports(trial_id)
        chosen = [r for r in reports if r.id > after and (group is None or r.group == group)]
        return chosen[:limit]

    def states(self, client_id: int, experiment_id: int, trial_ids: Sequence[int]) -> TrialStates:
        """The tally over all of the experiment's trials, and those of ``trial_ids`` it holds."""
        with self._uow(write=False) as store:
            trials = _experiment_trials(store, client_id, experiment_id)
        wanted = set(trial_ids)
        return TrialStates(
            counts=dict(sorted(Counter(shown_state(t) for t in trials).items())),
            restarts=sum(t.reported_restarts for t in trials),
            trials=[t for t in trials if t.id in wanted],
        )

    def curves(
        self, client_id: int, experiment_id: int, trial_ids: Sequence[int], *, group: str | None
    ) -> list[TrialCurve]:
        """The metric curves of the asked trials of one experiment, in the order asked; ids of
        other experiments' trials are skipped."""
        with self._uow(write=False) as store:
            trials = {t.id: t for t in _experiment_trials(store, client_id, experiment_id)}
            return [
                curve_of(trials[i], store.trials.reports(i), group)
                for i in dict.fromkeys(trial_ids)
                if i in trials
            ]
