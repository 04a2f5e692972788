"""Every service, wired to one unit of work and one clock."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.services.accounts import AccountService, ProjectService
from dialin.services.experiments import ExperimentService
from dialin.services.observe import ObservationService
from dialin.services.ports import Clock, UnitOfWork
from dialin.services.suggest import SuggestionService

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    accounts: AccountService
    projects: ProjectService
    experiments: ExperimentService
    suggestions: SuggestionService
    observations: ObservationService

    @classmethod
    def build(cls, uow: UnitOfWork, clock: Clock) -> Services:
        return cls(
            accounts=AccountService(uow, clock),
            projects=ProjectService(uow, clock),
            experiments=ExperimentService(uow, clock),
            suggestions=SuggestionService(uow, clock),
            observations=ObservationService(uow, clock),
        )
