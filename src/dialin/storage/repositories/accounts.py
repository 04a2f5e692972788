"""Clients, API tokens and projects."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialin.domain.accounts import ApiToken, Client, Project
from dialin.domain.drafts import ProjectDraft
from dialin.domain.paging import Page, PageRequest
from dialin.errors import Conflict
from dialin.storage.paging import paginate
from dialin.storage.tables import ApiTokenRow, ClientRow, ExperimentRow, ProjectRow

__all__ = ["SqlClientStore", "SqlProjectStore"]


def _client(row: ClientRow) -> Client:
    return Client(id=row.id, name=row.name, created=row.created)


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        client_id=row.client_id,
        created=row.created,
        token_type=row.token_type,
        revoked=row.revoked is not None,
        label=row.label,
    )


class SqlClientStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def count(self) -> int:
        return self._s.scalar(select(func.count()).select_from(ClientRow)) or 0

    def add(self, name: str, now: int) -> Client:
        row = ClientRow(name=name, created=now)
        self._s.add(row)
        self._s.flush()
        return _client(row)

    def get(self, client_id: int) -> Client | None:
        row = self._s.get(ClientRow, client_id)
        return None if row is None else _client(row)

    def by_name(self, name: str) -> Client | None:
        row = self._s.scalar(select(ClientRow).where(ClientRow.name == name))
        return None if row is None else _client(row)

    def add_token(self, client_id: int, token_hash: str, label: str, now: int) -> ApiToken:
        row = ApiTokenRow(client_id=client_id, token_hash=token_hash, label=label, created=now)
        self._s.add(row)
        self._s.flush()
        return _token(row)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash))
        return None if row is None else _token(row)

    def tokens(self) -> list[tuple[ApiToken, Client]]:
        rows = self._s.execute(
            select(ApiTokenRow, ClientRow)
            .join(ClientRow, ClientRow.id == ApiTokenRow.client_id)
            .order_by(ApiTokenRow.id)
        )
        return [(_token(t), _client(c)) for t, c in rows.tuples()]

    def revoke_token(self, token_id: int, now: int) -> ApiToken | None:
        row = self._s.get(ApiTokenRow, token_id)
        if row is None:
            return None
        if row.revoked is None:
            row.revoked = now
        return _token(row)


def _project(row: ProjectRow) -> Project:
    return Project(
        id=row.reference_id,
        client_id=row.client_id,
        name=row.name,
        created=row.created,
        updated=row.updated,
        metadata=row.metadata_,
        deleted=row.deleted,
    )


class SqlProjectStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _row(self, client_id: int, reference_id: str) -> ProjectRow | None:
        return self._s.scalar(
            select(ProjectRow).where(
                ProjectRow.client_id == client_id, ProjectRow.reference_id == reference_id
            )
        )

    def add(self, client_id: int, draft: ProjectDraft, now: int) -> Project:
        if self._row(client_id, draft.id) is not None:
            raise Conflict(f"The experiment project with id `{draft.id}` already exists.")
        row = ProjectRow(
            client_id=client_id,
            reference_id=draft.id,
            name=draft.name,
            metadata_=dict(draft.metadata) if draft.metadata is not None else None,
            created=now,
            updated=now,
            deleted=False,
        )
        self._s.add(row)
        self._s.flush()
        return _project(row)

    def get(self, client_id: int, reference_id: str) -> Project | None:
        row = self._row(client_id, reference_id)
        return None if row is None else _project(row)

    def save(self, project: Project) -> None:
        row = self._row(project.client_id, project.id)
        assert row is not None
        row.name = project.name
        row.metadata_ = dict(project.metadata) if project.metadata is not None else None
        row.updated = project.updated
        row.deleted = project.deleted

    def list(self, client_id: int, page: PageRequest, *, deleted: bool | None) -> Page[Project]:
        statement = select(ProjectRow).where(ProjectRow.client_id == client_id)
        if deleted is not None:
            statement = statement.where(ProjectRow.deleted == deleted)
        sort_column = ProjectRow.created if page.sort == "created" else ProjectRow.updated
        return paginate(
            self._s,
            statement,
            [sort_column, ProjectRow.pk],
            page,
            _project,
            lambda r: (r.created if page.sort == "created" else r.updated, r.pk),
        )

    def experiment_count(self, client_id: int, reference_id: str) -> int:
        return (
            self._s.scalar(
                select(func.count())
                .select_from(ExperimentRow)
                .where(
                    ExperimentRow.client_id == client_id,
                    ExperimentRow.project == reference_id,
                    ExperimentRow.state == "active",
                )
            )
            or 0
        )
