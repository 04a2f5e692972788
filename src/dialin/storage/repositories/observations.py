"""Observations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialin.domain.metrics import Task
from dialin.domain.observations import Observation
from dialin.domain.paging import Page, PageRequest
from dialin.storage.codec import values_from_json, values_to_json
from dialin.storage.paging import paginate
from dialin.storage.repositories.tallies import Reported, SqlTallies
from dialin.storage.tables import ObservationRow

__all__ = ["SqlObservationStore", "observation_from_row", "task_from_json", "task_to_json"]


def task_to_json(task: Task | None) -> list[Any] | None:
    return None if task is None else [task.name, task.cost]


def task_from_json(data: list[Any] | None) -> Task | None:
    return None if not data else Task(name=data[0], cost=data[1])


def _reported(row: ObservationRow) -> Reported:
    return Reported(row.metadata_, row.failed, row.created)


def observation_from_row(row: ObservationRow) -> Observation:
    return Observation(
        id=row.id,
        experiment_id=row.experiment_id,
        assignments=row.assignments,
        created=row.created,
        values=values_from_json(row.values),
        failed=row.failed,
        suggestion_id=row.suggestion_id,
        metadata=row.metadata_,
        task=task_from_json(row.task),
        deleted=row.deleted,
    )


class SqlObservationStore:
    """Every write also adjusts the experiment's metadata tallies, and every write but an
    addition counts as a change of its observations, in the same transaction."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._tallies = SqlTallies(session)

    def add(self, observation: Observation, score: float | None) -> Observation:
        """Stores ``observation`` (its id is ignored) and returns it with its new id."""
        return self.add_many(observation.experiment_id, [(observation, score)])[0]

    def add_many(
        self, experiment_id: int, scored: Sequence[tuple[Observation, float | None]]
    ) -> list[Observation]:
        """Stores observations of one experiment, each with its score: one insert and one
        adjustment of the tallies for the whole batch."""
        rows = [
            ObservationRow(
                experiment_id=experiment_id,
                suggestion_id=observation.suggestion_id,
                assignments=dict(observation.assignments),
                values=values_to_json(observation.values),
                failed=observation.failed,
                task=task_to_json(observation.task),
                metadata_=dict(observation.metadata) if observation.metadata is not None else None,
                created=observation.created,
                deleted=False,
                score=score,
            )
            for observation, score in scored
        ]
        self._s.add_all(rows)
        self._s.flush()
        self._tallies.record(experiment_id, (), [_reported(row) for row in rows])
        return [observation_from_row(row) for row in rows]

    def save(self, observation: Observation, score: float | None) -> None:
        # Locked and re-read: the tallies subtract what the row held, not what this session
        # read before a concurrent change.
        row = self._s.get(
            ObservationRow, observation.id, with_for_update=True, populate_existing=True
        )
        assert row is not None
        before = _reported(row)
        row.suggestion_id = observation.suggestion_id
        row.assignments = dict(observation.assignments)
        row.values = values_to_json(observation.values)
        row.failed = observation.failed
        row.task = task_to_json(observation.task)
        row.metadata_ = dict(observation.metadata) if observation.metadata is not None else None
        row.score = score
        self._s.flush()
        self._tallies.record(row.experiment_id, [before], [_reported(row)])
        self._tallies.changed(row.experiment_id)

    def get(self, experiment_id: int, observation_id: int) -> Observation | None:
        row = self._s.get(ObservationRow, observation_id)
        if row is None or row.experiment_id != experiment_id or row.deleted:
            return None
        return observation_from_row(row)

    def live(self, experiment_id: int) -> list[Observation]:
        """Every non-deleted observation, oldest first: the optimizer's history."""
        return self.every(experiment_id, deleted=False)

    def every(self, experiment_id: int, *, deleted: bool) -> list[Observation]:
        rows = self._s.scalars(
            select(ObservationRow)
            .where(
                ObservationRow.experiment_id == experiment_id, ObservationRow.deleted.is_(deleted)
            )
            .order_by(ObservationRow.id)
        )
        return [observation_from_row(r) for r in rows]

    def count(self, experiment_id: int) -> int:
        return (
            self._s.scalar(
                select(func.count())
                .select_from(ObservationRow)
                .where(
                    ObservationRow.experiment_id == experiment_id,
                    ObservationRow.deleted.is_(False),
                )
            )
            or 0
        )

    def list(
        self, experiment_id: int, page: PageRequest, *, deleted: bool, only_failed: bool = False
    ) -> Page[Observation]:
        statement = select(ObservationRow).where(
            ObservationRow.experiment_id == experiment_id, ObservationRow.deleted.is_(deleted)
        )
        if only_failed:
            statement = statement.where(ObservationRow.failed.is_(True))
        return paginate(
            self._s, statement, [ObservationRow.id], page, observation_from_row, lambda r: (r.id,)
        )

    def delete(self, experiment_id: int, ids: Sequence[int] | None = None) -> int:
        statement = update(ObservationRow).where(
            ObservationRow.experiment_id == experiment_id, ObservationRow.deleted.is_(False)
        )
        if ids is None:
            # Tallies first: clearing them waits for concurrent writers of this experiment, so
            # the update below also deletes the observations they committed meanwhile.
            self._tallies.clear(experiment_id)
            self._tallies.changed(experiment_id)
            result = self._s.execute(statement.values(deleted=True))
            return int(getattr(result, "rowcount", 0) or 0)
        live = (
            ObservationRow.experiment_id == experiment_id,
            ObservationRow.deleted.is_(False),
            ObservationRow.id.in_(ids),
        )
        gone = [
            Reported(metadata, failed, created)
            for metadata, failed, created in self._s.execute(
                select(ObservationRow.metadata_, ObservationRow.failed, ObservationRow.created)
                .where(*live)
                .with_for_update()
            )
        ]
        result = self._s.execute(statement.where(ObservationRow.id.in_(ids)).values(deleted=True))
        self._tallies.record(experiment_id, gone, ())
        self._tallies.changed(experiment_id)
        return int(getattr(result, "rowcount", 0) or 0)

    def set_deleted(self, observation_id: int, deleted: bool) -> None:
        """Delete or restore one observation (a training run's, with its run)."""
        row = self._s.get(
            ObservationRow, observation_id, with_for_update=True, populate_existing=True
        )
        if row is None or row.deleted == deleted:
            return
        row.deleted = deleted
        self._s.flush()
        changed = [_reported(row)]
        self._tallies.record(
            row.experiment_id, changed if deleted else (), () if deleted else changed
        )
        self._tallies.changed(row.experiment_id)

    def rescore(self, experiment_id: int, scores: dict[int, float | None]) -> None:
        self._tallies.changed(experiment_id)
        for observation_id, score in scores.items():
            self._s.execute(
                update(ObservationRow)
                .where(ObservationRow.id == observation_id)
                .values(score=score)
            )
