"""Experiments and their progress."""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialin.domain.drafts import ExperimentDraft
from dialin.domain.experiments import Experiment, ExperimentState
from dialin.domain.paging import Page, PageRequest
from dialin.domain.progress import ObservationProgress
from dialin.storage.codec import definition_from_json, definition_to_json
from dialin.storage.paging import paginate
from dialin.storage.repositories.observations import observation_from_row
from dialin.storage.tables import ExperimentRow, ObservationRow

__all__ = ["SqlExperimentStore"]


def _experiment(row: ExperimentRow) -> Experiment:
    return Experiment(
        id=row.id,
        client_id=row.client_id,
        name=row.name,
        definition=definition_from_json(row.definition),
        created=row.created,
        updated=row.updated,
        state=cast(ExperimentState, row.state),
        runs_only=row.runs_only,
        project=row.project,
        metadata=row.metadata_,
        development=row.development,
        extras=row.extras or {},
    )


class SqlExperimentStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, client_id: int, draft: ExperimentDraft, now: int) -> Experiment:
        row = ExperimentRow(
            client_id=client_id,
            project=draft.project,
            name=draft.name,
            type=draft.definition.type,
            state="active",
            runs_only=draft.runs_only,
            development=False,
            definition=definition_to_json(draft.definition),
            metadata_=dict(draft.metadata) if draft.metadata is not None else None,
            extras=dict(draft.extras),
            created=now,
            updated=now,
        )
        self._s.add(row)
        self._s.flush()
        return _experiment(row)

    def get(self, client_id: int, experiment_id: int, *, lock: bool = False) -> Experiment | None:
        """``lock`` holds the experiment's row until the transaction ends (FOR UPDATE on PostgreSQL;
        on SQLite the write transaction already holds the database's write lock)."""
        statement = select(ExperimentRow).where(
            ExperimentRow.id == experiment_id, ExperimentRow.client_id == client_id
        )
        if lock:
            # NO KEY UPDATE: observation inserts check their foreign key with KEY SHARE, which
            # this does not block, so recording results never waits for a suggestion.
            statement = statement.with_for_update(key_share=True)
        row = self._s.scalar(statement)
        return None if row is None else _experiment(row)

    def save(self, experiment: Experiment) -> None:
        row = self._s.get(ExperimentRow, experiment.id)
        assert row is not None
        row.name = experiment.name
        row.state = experiment.state
        row.project = experiment.project
        row.definition = definition_to_json(experiment.definition)
        row.metadata_ = dict(experiment.metadata) if experiment.metadata is not None else None
        row.extras = dict(experiment.extras)
        row.updated = experiment.updated

    def touch(self, experiment_id: int, now: int) -> None:
        # Only the first write of each second locks the row; the rest match nothing.
        self._s.execute(
            update(ExperimentRow)
            .where(ExperimentRow.id == experiment_id, ExperimentRow.updated < now)
            .values(updated=now)
            .execution_options(synchronize_session=False)
        )

    def list(
        self,
        client_id: int,
        page: PageRequest,
        *,
        state: Literal["active", "deleted", "all"] = "active",
        search: str | None = None,
        runs_only: bool | None = None,
        project: str | None = None,
    ) -> Page[Experiment]:
        statement = select(ExperimentRow).where(ExperimentRow.client_id == client_id)
        if state != "all":
            statement = statement.where(ExperimentRow.state == state)
        if search:
            statement = statement.where(func.lower(ExperimentRow.name).contains(search.lower()))
        if runs_only is not None:
            statement = statement.where(ExperimentRow.runs_only == runs_only)
        if project is not None:
            statement = statement.where(ExperimentRow.project == project)
        if page.sort == "recent":
            return paginate(
                self._s,
                statement,
                [ExperimentRow.updated, ExperimentRow.id],
                page,
                _experiment,
                lambda r: (r.updated, r.id),
            )
        return paginate(
            self._s, statement, [ExperimentRow.id], page, _experiment, lambda r: (r.id,)
        )

    def progress(self, experiment: Experiment) -> ObservationProgress:
        live = (ObservationRow.experiment_id == experiment.id) & (ObservationRow.deleted.is_(False))
        count = self._s.scalar(select(func.count()).select_from(ObservationRow).where(live)) or 0
        if count == 0:
            return ObservationProgress(observation_count=0, budget_consumed=0.0)
        consumed: float = float(count)
        if experiment.definition.is_multitask:
            tasks = self._s.scalars(select(ObservationRow.task).where(live))
            consumed = float(sum(float(t[1]) if t else 1.0 for t in tasks))
        # Ids first, through the indexes; then only those (at most three) rows are read.
        first_id = self._s.scalar(
            select(ObservationRow.id).where(live).order_by(ObservationRow.id).limit(1)
        )
        last_id = self._s.scalar(
            select(ObservationRow.id).where(live).order_by(ObservationRow.id.desc()).limit(1)
        )
        best_id = None
        if len(experiment.definition.optimized_metrics) == 1:
            best_id = self._s.scalar(
                select(ObservationRow.id)
                .where(live, ObservationRow.score.is_not(None))
                .order_by(ObservationRow.score.desc(), ObservationRow.id)
                .limit(1)
            )
        first, last, best = (
            None if i is None else self._s.get(ObservationRow, i)
            for i in (first_id, last_id, best_id)
        )
        return ObservationProgress(
            observation_count=count,
            budget_consumed=consumed,
            first=observation_from_row(first) if first else None,
            last=observation_from_row(last) if last else None,
            best=observation_from_row(best) if best else None,
        )
