"""Training runs, their files, and the server's shared secrets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import cast

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from dialin.domain.paging import Page, PageRequest
from dialin.domain.progress import RunProgress
from dialin.domain.run_filters import RunFilter, run_sort_key
from dialin.domain.runs import File, RunState, TrainingRun
from dialin.storage.paging import paginate
from dialin.storage.repositories.observations import SqlObservationStore
from dialin.storage.run_queries import expand_marker, filter_clause, sort_columns
from dialin.storage.tables import (
    ExperimentRow,
    FileRow,
    RunBudgetLeaseRow,
    ServerSecretRow,
    SuggestionRow,
    TrainingRunRow,
)

__all__ = ["SqlFileStore", "SqlRunStore", "SqlSecretStore"]

_DOCUMENTS = (
    "assignments",
    "assignments_meta",
    "assignments_sources",
    "values",
    "dev_metadata",
    "sys_metadata",
    "datasets",
    "logs",
    "model",
    "source_code",
)


def _run(row: TrainingRunRow, files: tuple[int, ...] = ()) -> TrainingRun:
    return TrainingRun(
        id=row.id,
        client_id=row.client_id,
        project=row.project,
        name=row.name,
        created=row.created,
        updated=row.updated,
        state=cast(RunState, row.state),
        completed=row.completed,
        experiment_id=row.experiment_id,
        suggestion_id=row.suggestion_id,
        observation_id=row.observation_id,
        user_id=row.user_id,
        deleted=row.deleted,
        favorite=row.favorite,
        metadata=row.metadata_,
        checkpoint_count=row.checkpoint_count,
        files=files,
        **{name: getattr(row, name) or {} for name in _DOCUMENTS},
    )


def _write(row: TrainingRunRow, run: TrainingRun) -> None:
    row.project = run.project
    row.name = run.name
    row.state = run.state
    row.updated = run.updated
    row.completed = run.completed
    row.experiment_id = run.experiment_id
    row.suggestion_id = run.suggestion_id
    row.observation_id = run.observation_id
    row.deleted = run.deleted
    row.favorite = run.favorite
    row.metadata_ = dict(run.metadata) if run.metadata is not None else None
    for name in _DOCUMENTS:
        setattr(row, name, dict(getattr(run, name)))


class SqlRunStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _with_files(self, rows: Iterable[TrainingRunRow]) -> list[TrainingRun]:
        rows = list(rows)
        files: dict[int, list[int]] = {}
        if rows:
            found = self._s.execute(
                select(FileRow.training_run_id, FileRow.id)
                .where(FileRow.training_run_id.in_([r.id for r in rows]), FileRow.uploaded)
                .order_by(FileRow.id)
            )
            for run_id, file_id in found:
                files.setdefault(cast(int, run_id), []).append(file_id)
        return [_run(r, tuple(files.get(r.id, ()))) for r in rows]

    def add(self, run: TrainingRun) -> TrainingRun:
        return self.add_all([run])[0]

    def add_all(self, runs: Sequence[TrainingRun]) -> list[TrainingRun]:
        """Stores ``runs`` (their ids are ignored) in one flush; returns them with their ids."""
        rows = []
        for run in runs:
            row = TrainingRunRow(
                client_id=run.client_id,
                created=run.created,
                user_id=run.user_id,
                checkpoint_count=0,
            )
            _write(row, run)
            rows.append(row)
        self._s.add_all(rows)
        self._s.flush()
        return [_run(r) for r in rows]

    def get(self, client_id: int, run_id: int, *, lock: bool = False) -> TrainingRun | None:
        """``lock`` holds the run's row to the end of the transaction (FOR UPDATE on
        PostgreSQL; SQLite's write transaction holds the whole database already)."""
        statement = select(TrainingRunRow).where(
            TrainingRunRow.id == run_id, TrainingRunRow.client_id == client_id
        )
        if lock:
            statement = statement.with_for_update()
        row = self._s.scalar(statement)
        return None if row is None else self._with_files([row])[0]

    def save(self, run: TrainingRun) -> None:
        row = self._s.get(TrainingRunRow, run.id)
        assert row is not None
        _write(row, run)

    def in_project(
        self, client_id: int, project: str, *, experiment_id: int | None = None
    ) -> list[TrainingRun]:
        statement = select(TrainingRunRow).where(
            TrainingRunRow.client_id == client_id, TrainingRunRow.project == project
        )
        if experiment_id is not None:
            statement = statement.where(TrainingRunRow.experiment_id == experiment_id)
        return self._with_files(self._s.scalars(statement.order_by(TrainingRunRow.id)))

    def page_in_project(
        self,
        client_id: int,
        project: str,
        page: PageRequest,
        *,
        filters: Sequence[RunFilter] = (),
        search: str | None = None,
    ) -> Page[TrainingRun]:
        """The project's runs that pass every filter and whose name contains ``search`` (case
        ignored), one page in ``page.sort`` order: filtering, sorting and paging in the query."""
        dialect = self._s.get_bind().dialect.name
        statement = select(TrainingRunRow).where(
            TrainingRunRow.client_id == client_id,
            TrainingRunRow.project == project,
            *(filter_clause(f, dialect) for f in filters),
        )
        if search:
            statement = statement.where(
                func.lower(TrainingRunRow.name).contains(search.lower(), autoescape=True)
            )
        return self._page(statement, page)

    def page_of_experiment(self, experiment_id: int, page: PageRequest) -> Page[TrainingRun]:
        """All the experiment's runs, archived ones included, one page in ``page.sort`` order."""
        statement = select(TrainingRunRow).where(TrainingRunRow.experiment_id == experiment_id)
        return self._page(statement, page)

    def with_observations(
        self, experiment_id: int, observation_ids: Sequence[int]
    ) -> list[TrainingRun]:
        """The experiment's non-archived runs that recorded one of these observations."""
        if not observation_ids:
            return []
        statement = select(TrainingRunRow).where(
            TrainingRunRow.experiment_id == experiment_id,
            TrainingRunRow.deleted.is_(False),
            TrainingRunRow.observation_id.in_(list(observation_ids)),
        )
        return self._with_files(self._s.scalars(statement.order_by(TrainingRunRow.id)))

    def _page(self, statement: Select[TrainingRunRow], page: PageRequest) -> Page[TrainingRun]:
        dialect = self._s.get_bind().dialect.name
        keyed = replace(page, before=expand_marker(page.before), after=expand_marker(page.after))
        sort_key = run_sort_key(page.sort)
        found = paginate(
            self._s,
            statement,
            sort_columns(page.sort, dialect),
            keyed,
            lambda row: row,
            lambda row: sort_key(_run(row)),
        )
        return replace(found, items=self._with_files(found.items))

    def of_experiment(self, experiment_id: int, *, deleted: bool | None) -> list[TrainingRun]:
        statement = select(TrainingRunRow).where(TrainingRunRow.experiment_id == experiment_id)
        if deleted is not None:
            statement = statement.where(TrainingRunRow.deleted.is_(deleted))
        return self._with_files(self._s.scalars(statement.order_by(TrainingRunRow.id)))

    def progress(self, experiment_id: int, budget: int | None) -> RunProgress:
        finished = TrainingRunRow.completed.is_not(None) | TrainingRunRow.observation_id.is_not(
            None
        )
        counts = self._s.execute(
            select(func.count(), func.count().filter(finished)).where(
                TrainingRunRow.experiment_id == experiment_id,
                TrainingRunRow.deleted.is_(False),
            )
        ).one()
        total, done = int(counts[0] or 0), int(counts[1] or 0)
        state = self._s.scalar(
            select(ExperimentRow.trial_state).where(ExperimentRow.id == experiment_id)
        )
        return RunProgress(
            finished_run_count=done,
            active_run_count=total - done,
            budget=budget,
            accepts_runs=state in (None, "ACTIVE", "COMPLETED"),
        )

    def budget_leases(self, experiment_id: int, now: int) -> int:
        self._s.execute(
            delete(RunBudgetLeaseRow).where(
                RunBudgetLeaseRow.experiment_id == experiment_id, RunBudgetLeaseRow.expires <= now
            )
        )
        return (
            self._s.scalar(
                select(func.count())
                .select_from(RunBudgetLeaseRow)
                .where(RunBudgetLeaseRow.experiment_id == experiment_id)
            )
            or 0
        )

    def lease_budget(self, experiment_id: int, expires: int) -> None:
        self._s.add(RunBudgetLeaseRow(experiment_id=experiment_id, expires=expires))
        self._s.flush()

    def take_budget_lease(self, experiment_id: int, now: int) -> None:
        oldest = self._s.scalar(
            select(RunBudgetLeaseRow.id)
            .where(
                RunBudgetLeaseRow.experiment_id == experiment_id, RunBudgetLeaseRow.expires > now
            )
            .order_by(RunBudgetLeaseRow.id)
            .limit(1)
        )
        if oldest is not None:
            self._s.execute(delete(RunBudgetLeaseRow).where(RunBudgetLeaseRow.id == oldest))

    def count_in_project(self, client_id: int, project: str) -> int:
        return (
            self._s.scalar(
                select(func.count())
                .select_from(TrainingRunRow)
                .where(
                    TrainingRunRow.client_id == client_id,
                    TrainingRunRow.project == project,
                    TrainingRunRow.deleted.is_(False),
                )
            )
            or 0
        )

    def delete_of_experiment(self, experiment_id: int, now: int) -> None:
        self._s.execute(
            update(TrainingRunRow)
            .where(TrainingRunRow.experiment_id == experiment_id, TrainingRunRow.deleted.is_(False))
            .values(deleted=True, updated=now)
        )

    def set_linked_deleted(self, run: TrainingRun, deleted: bool) -> None:
        if run.suggestion_id is not None:
            self._s.execute(
                update(SuggestionRow)
                .where(SuggestionRow.id == run.suggestion_id)
                .values(deleted=deleted)
            )
        if run.observation_id is not None:
            # through the observation store, which keeps the experiment's tallies
            SqlObservationStore(self._s).set_deleted(run.observation_id, deleted)


def _file(row: FileRow) -> File:
    return File(
        id=row.id,
        client_id=row.client_id,
        created=row.created,
        content_length=row.content_length,
        content_type=row.content_type,
        content_md5=row.content_md5,
        name=row.name,
        filename=row.filename,
        training_run_id=row.training_run_id,
        uploaded=row.uploaded,
    )


class SqlFileStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, file: File) -> File:
        row = FileRow(
            client_id=file.client_id,
            training_run_id=file.training_run_id,
            name=file.name,
            filename=file.filename,
            content_length=file.content_length,
            content_type=file.content_type,
            content_md5=file.content_md5,
            created=file.created,
            uploaded=False,
        )
        self._s.add(row)
        self._s.flush()
        return _file(row)

    def get(self, file_id: int) -> File | None:
        row = self._s.get(FileRow, file_id)
        return None if row is None else _file(row)

    def mark_uploaded(self, file_id: int) -> None:
        self._s.execute(update(FileRow).where(FileRow.id == file_id).values(uploaded=True))


class SqlSecretStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, name: str) -> str:
        row = self._s.get(ServerSecretRow, name)
        assert row is not None, f"the migrations create the secret {name}"
        return row.value
