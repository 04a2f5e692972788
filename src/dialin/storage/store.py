"""The SQL implementation of the services' store ports, one per transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from dialin.storage.db import Database
from dialin.storage.repositories.accounts import SqlClientStore, SqlProjectStore
from dialin.storage.repositories.experiments import SqlExperimentStore
from dialin.storage.repositories.history import SqlHistoryStore
from dialin.storage.repositories.observations import SqlObservationStore
from dialin.storage.repositories.runs import SqlFileStore, SqlRunStore, SqlSecretStore
from dialin.storage.repositories.sessions import SqlWebSessionStore
from dialin.storage.repositories.suggestions import SqlQueuedSuggestionStore, SqlSuggestionStore
from dialin.storage.repositories.trial_tallies import SqlTrialTallyStore
from dialin.storage.repositories.trials import SqlTrialStore

__all__ = ["SqlStore", "SqlUnitOfWork"]


class SqlStore:
    def __init__(self, session: Session) -> None:
        self.clients = SqlClientStore(session)
        self.projects = SqlProjectStore(session)
        self.experiments = SqlExperimentStore(session)
        self.suggestions = SqlSuggestionStore(session)
        self.queued = SqlQueuedSuggestionStore(session)
        self.observations = SqlObservationStore(session)
        self.trials = SqlTrialStore(session)
        self.trial_tallies = SqlTrialTallyStore(session)
        self.runs = SqlRunStore(session)
        self.files = SqlFileStore(session)
        self.secrets = SqlSecretStore(session)
        self.web_sessions = SqlWebSessionStore(session)
        self.history = SqlHistoryStore(session)


class SqlUnitOfWork:
    """Opens one transaction per use case: ``with uow(write=True) as store: ...``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def __call__(self, *, write: bool) -> Iterator[SqlStore]:
        with self.database.transaction(write=write) as session:
            yield SqlStore(session)
