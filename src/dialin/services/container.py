"""Every service, wired to one unit of work and one clock."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.services.accounts import AccountService, ProjectService
from dialin.services.analysis import AnalysisService
from dialin.services.best_cache import BestObservations
from dialin.services.experiments import ExperimentService
from dialin.services.files import FileService
from dialin.services.observe import ObservationService
from dialin.services.ports import Clock, UnitOfWork
from dialin.services.run_ports import BlobStore
from dialin.services.runs import RunService
from dialin.services.sessions import SessionService
from dialin.services.suggest import SuggestionService
from dialin.services.trial_reports import TrialReportService
from dialin.services.trials import TrialService

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    accounts: AccountService
    projects: ProjectService
    experiments: ExperimentService
    suggestions: SuggestionService
    observations: ObservationService
    trials: TrialService
    trial_reports: TrialReportService
    runs: RunService
    files: FileService
    analysis: AnalysisService
    sessions: SessionService

    @classmethod
    def build(cls, uow: UnitOfWork, clock: Clock, blobs: BlobStore | None = None) -> Services:
        """``blobs``: where file and checkpoint bytes go; without it, uploads are disabled."""
        suggestions = SuggestionService(uow, clock)
        trials = TrialService(uow, clock, blobs)
        best = BestObservations()
        return cls(
            accounts=AccountService(uow, clock),
            projects=ProjectService(uow, clock),
            experiments=ExperimentService(uow, clock, best),
            suggestions=suggestions,
            observations=ObservationService(uow, clock),
            trials=trials,
            trial_reports=TrialReportService(uow),
            runs=RunService(uow, clock, suggestions, trials, best),
            files=FileService(uow, clock, blobs),
            analysis=AnalysisService(uow, clock),
            sessions=SessionService(uow, clock),
        )
