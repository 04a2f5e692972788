"""Counts over an experiment's trials in one grouped query, for pages that refresh every few
seconds over experiments of thousands of runs (loading every trial row took 0.4 s at 2,000)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dialin.domain.trial_curves import TrialStates, shown_state
from dialin.domain.trials import ActiveSubState, Trial
from dialin.storage.repositories.trials import _state
from dialin.storage.tables import TrainingRunRow

__all__ = ["SqlTrialTallyStore"]


class SqlTrialTallyStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def state_tally(self, experiment_id: int) -> TrialStates:
        row = TrainingRunRow
        # What users see: an errored trial stores max_restarts + 1 (Trial.reported_restarts).
        reported = case((row.restarts > row.max_restarts, row.max_restarts), else_=row.restarts)
        # Every column the shown state depends on (the row's state rule, Trial.sub_state).
        key = (row.state, row.trial_state, row.managed, row.allocation_open, row.allocation_phase)
        groups = self._s.execute(
            select(*key, func.count(), func.coalesce(func.sum(reported), 0))
            .where(row.experiment_id == experiment_id, row.deleted.is_(False))
            .group_by(*key)
        )
        counts: Counter[str] = Counter()
        restarts = 0
        for state, trial_state, managed, allocation_open, phase, count, restarted in groups:
            # The state rule of trial rows, applied to a group's key instead of a loaded row.
            trial = Trial(
                id=0,
                experiment_id=experiment_id,
                state=_state(TrainingRunRow(state=state, trial_state=trial_state)),
                start_time=0,
                managed=bool(managed),
                allocation_open=bool(allocation_open),
                allocation_phase=ActiveSubState(phase) if phase else None,
            )
            counts[shown_state(trial)] += int(count)
            restarts += int(restarted)
        return TrialStates(counts=dict(sorted(counts.items())), restarts=restarts)
