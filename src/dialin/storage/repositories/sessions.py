"""Dashboard sessions, each with the API token it stands for."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialin.domain.accounts import ApiToken
from dialin.domain.sessions import WebSession
from dialin.storage.tables import ApiTokenRow, WebSessionRow

__all__ = ["SqlWebSessionStore"]


class SqlWebSessionStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self, session_hash: str, token_id: int, csrf_token: str, now: int, expires: int
    ) -> None:
        self._s.add(
            WebSessionRow(
                session_hash=session_hash,
                token_id=token_id,
                csrf_token=csrf_token,
                created=now,
                expires=expires,
            )
        )
        self._s.flush()

    def by_hash(self, session_hash: str) -> WebSession | None:
        found = self._s.execute(
            select(WebSessionRow, ApiTokenRow)
            .join(ApiTokenRow, ApiTokenRow.id == WebSessionRow.token_id)
            .where(WebSessionRow.session_hash == session_hash)
        ).first()
        if found is None:
            return None
        row, token = found
        return WebSession(
            id=row.id,
            token=ApiToken(
                id=token.id,
                client_id=token.client_id,
                created=token.created,
                token_type=token.token_type,
                revoked=token.revoked is not None,
                label=token.label,
            ),
            csrf_token=row.csrf_token,
            created=row.created,
            expires=row.expires,
        )

    def delete(self, session_hash: str, *, expired_before: int) -> None:
        """Ends one session, and sweeps every session expired by ``expired_before``."""
        self._s.execute(
            delete(WebSessionRow).where(
                (WebSessionRow.session_hash == session_hash)
                | (WebSessionRow.expires <= expired_before)
            )
        )
