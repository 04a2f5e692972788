"""How far an experiment has come, computed on read."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.domain.observations import Observation

__all__ = ["ObservationProgress", "RunProgress"]


@dataclass(frozen=True)
class ObservationProgress:
    """Core experiments: counted over non-deleted observations, failed ones included."""

    observation_count: int
    budget_consumed: float
    first: Observation | None = None
    last: Observation | None = None
    # Only for single-metric experiments: best non-failed observation of a full-cost task.
    best: Observation | None = None


@dataclass(frozen=True)
class RunProgress:
    """AI experiments: counted over non-deleted training runs."""

    finished_run_count: int
    active_run_count: int
    budget: int | None
    # False while the experiment's lifecycle state refuses new runs (paused, stopping, ended
    # other than COMPLETED): then nothing remains, so SigOpt's worker loops end cleanly.
    accepts_runs: bool = True
    # Budget slots other SigOpt workers were just told are free and are about to take.
    reserved: int = 0

    @property
    def total_run_count(self) -> int:
        return self.finished_run_count + self.active_run_count

    @property
    def remaining_budget(self) -> int | None:
        if not self.accepts_runs:
            return 0
        if self.budget is None:
            return None
        return self.budget - self.total_run_count - self.reserved
