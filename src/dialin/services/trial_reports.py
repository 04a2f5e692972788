"""Reads of trials' progress for people watching them: one trial's metric reports by group and
step and the newest lines of its log, trials by id, the curves of a few trials of an experiment
and the tally of an experiment's trial states.

Read-only, one transaction each; another client's trial or experiment does not exist (NotFound).
"""

from __future__ import annotations

from collections.abc import Sequence

from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trial_curves import TrialCurve, TrialStates, curve_of
from dialin.domain.trial_history import LogLine
from dialin.domain.trials import Trial
from dialin.errors import NotFound
from dialin.services.experiments import require_experiment
from dialin.services.ports import UnitOfWork

__all__ = ["TrialReportService"]


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

    def log_tail(
        self, client_id: int, trial_id: int, *, before: int | None, limit: int
    ) -> list[LogLine]:
        """The newest ``limit`` log lines (before id ``before``), oldest first: a log viewer
        opens at the end and pages back."""
        with self._uow(write=False) as store:
            if store.trials.get(client_id, trial_id) is None:
                raise NotFound()
            return store.trials.logs_before(trial_id, before=before, limit=limit)

    def states(self, client_id: int, experiment_id: int) -> TrialStates:
        """How many of the experiment's trials are in each shown state, and their restarts."""
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            return store.trial_tallies.state_tally(experiment_id)

    def by_ids(self, client_id: int, trial_ids: Sequence[int]) -> list[Trial]:
        """The caller's trials among ``trial_ids``, in the order asked; others are skipped."""
        with self._uow(write=False) as store:
            found = (store.trials.get(client_id, i) for i in dict.fromkeys(trial_ids))
            return [t for t in found if t is not None]

    def curves(
        self, client_id: int, experiment_id: int, trial_ids: Sequence[int], *, group: str | None
    ) -> list[TrialCurve]:
        """The metric curves of the asked trials of one experiment, in the order asked; ids of
        other experiments' trials are skipped."""
        with self._uow(write=False) as store:
            require_experiment(store, client_id, experiment_id)
            found = (store.trials.get(client_id, i) for i in dict.fromkeys(trial_ids))
            return [
                curve_of(t, store.trials.reports(t.id), group)
                for t in found
                if t is not None and t.experiment_id == experiment_id
            ]
