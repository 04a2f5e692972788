"""Suggestions and queued suggestions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialin.domain.experiments import Metadata
from dialin.domain.metrics import Task
from dialin.domain.paging import Page, PageRequest
from dialin.domain.parameters import Assignments
from dialin.domain.suggestions import QueuedSuggestion, Suggestion
from dialin.storage.paging import paginate
from dialin.storage.repositories.observations import task_from_json, task_to_json
from dialin.storage.tables import QueuedSuggestionRow, SuggestionRow

__all__ = ["SqlQueuedSuggestionStore", "SqlSuggestionStore"]


def _suggestion(row: SuggestionRow) -> Suggestion:
    return Suggestion(
        id=row.id,
        experiment_id=row.experiment_id,
        assignments=row.assignments,
        created=row.created,
        state="closed" if row.closed else "open",
        deleted=row.deleted,
        metadata=row.metadata_,
        task=task_from_json(row.task),
    )


class SqlSuggestionStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self,
        experiment_id: int,
        assignments: Assignments,
        task: Task | None,
        metadata: Metadata | None,
        now: int,
    ) -> Suggestion:
        row = SuggestionRow(
            experiment_id=experiment_id,
            assignments=dict(assignments),
            task=task_to_json(task),
            metadata_=dict(metadata) if metadata is not None else None,
            closed=False,
            deleted=False,
            created=now,
        )
        self._s.add(row)
        self._s.flush()
        return _suggestion(row)

    def get(self, experiment_id: int, suggestion_id: int) -> Suggestion | None:
        """A non-deleted suggestion of this experiment."""
        row = self._s.get(SuggestionRow, suggestion_id)
        if row is None or row.experiment_id != experiment_id or row.deleted:
            return None
        return _suggestion(row)

    def open(self, experiment_id: int) -> list[Suggestion]:
        rows = self._s.scalars(
            select(SuggestionRow)
            .where(
                SuggestionRow.experiment_id == experiment_id,
                SuggestionRow.closed.is_(False),
                SuggestionRow.deleted.is_(False),
            )
            .order_by(SuggestionRow.id)
        )
        return [_suggestion(r) for r in rows]

    def list(
        self,
        experiment_id: int,
        page: PageRequest,
        *,
        only_open: bool = False,
        deleted: bool = False,
        ids: Sequence[int] | None = None,
    ) -> Page[Suggestion]:
        statement = select(SuggestionRow).where(
            SuggestionRow.experiment_id == experiment_id, SuggestionRow.deleted.is_(deleted)
        )
        if only_open:
            statement = statement.where(SuggestionRow.closed.is_(False))
        if ids is not None:
            statement = statement.where(SuggestionRow.id.in_(ids))
        return paginate(
            self._s, statement, [SuggestionRow.id], page, _suggestion, lambda r: (r.id,)
        )

    def close(self, suggestion_id: int) -> None:
        self._s.execute(
            update(SuggestionRow).where(SuggestionRow.id == suggestion_id).values(closed=True)
        )

    def set_metadata(self, suggestion_id: int, metadata: Metadata | None) -> None:
        self._s.execute(
            update(SuggestionRow)
            .where(SuggestionRow.id == suggestion_id)
            .values(metadata_=dict(metadata) if metadata is not None else None)
        )

    def delete(
        self, experiment_id: int, *, ids: Sequence[int] | None = None, only_open: bool = False
    ) -> int:
        statement = update(SuggestionRow).where(
            SuggestionRow.experiment_id == experiment_id, SuggestionRow.deleted.is_(False)
        )
        if ids is not None:
            statement = statement.where(SuggestionRow.id.in_(ids))
        if only_open:
            statement = statement.where(SuggestionRow.closed.is_(False))
        result = self._s.execute(statement.values(deleted=True))
        return int(getattr(result, "rowcount", 0) or 0)

    def count(self, experiment_id: int) -> int:
        """Every suggestion ever made for the experiment, deleted ones included."""
        return (
            self._s.scalar(
                select(func.count())
                .select_from(SuggestionRow)
                .where(SuggestionRow.experiment_id == experiment_id)
            )
            or 0
        )


def _queued(row: QueuedSuggestionRow) -> QueuedSuggestion:
    return QueuedSuggestion(
        id=row.id,
        experiment_id=row.experiment_id,
        assignments=row.assignments,
        created=row.created,
        task=task_from_json(row.task),
    )


class SqlQueuedSuggestionStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self, experiment_id: int, assignments: Assignments, task: Task | None, now: int
    ) -> QueuedSuggestion:
        row = QueuedSuggestionRow(
            experiment_id=experiment_id,
            assignments=dict(assignments),
            task=task_to_json(task),
            created=now,
            consumed=False,
        )
        self._s.add(row)
        self._s.flush()
        return _queued(row)

    def get(self, experiment_id: int, queued_id: int) -> QueuedSuggestion | None:
        row = self._s.get(QueuedSuggestionRow, queued_id)
        if row is None or row.experiment_id != experiment_id or row.consumed:
            return None
        return _queued(row)

    def list(self, experiment_id: int, page: PageRequest) -> Page[QueuedSuggestion]:
        statement = select(QueuedSuggestionRow).where(
            QueuedSuggestionRow.experiment_id == experiment_id,
            QueuedSuggestionRow.consumed.is_(False),
        )
        return paginate(
            self._s, statement, [QueuedSuggestionRow.id], page, _queued, lambda r: (r.id,)
        )

    def pop_oldest(self, experiment_id: int) -> QueuedSuggestion | None:
        """Takes the oldest waiting item off the queue (the caller holds the experiment lock)."""
        row = self._s.scalar(
            select(QueuedSuggestionRow)
            .where(
                QueuedSuggestionRow.experiment_id == experiment_id,
                QueuedSuggestionRow.consumed.is_(False),
            )
            .order_by(QueuedSuggestionRow.id)
            .limit(1)
        )
        if row is None:
            return None
        row.consumed = True
        return _queued(row)

    def delete(self, experiment_id: int, queued_id: int | None = None) -> int:
        statement = update(QueuedSuggestionRow).where(
            QueuedSuggestionRow.experiment_id == experiment_id,
            QueuedSuggestionRow.consumed.is_(False),
        )
        if queued_id is not None:
            statement = statement.where(QueuedSuggestionRow.id == queued_id)
        result = self._s.execute(statement.values(consumed=True))
        return int(getattr(result, "rowcount", 0) or 0)
