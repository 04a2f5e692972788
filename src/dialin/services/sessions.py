"""Dashboard sign-in: an API token exchanged for a server-side session a cookie refers to."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from dialin.domain.sessions import SESSION_LIFETIME_S
from dialin.errors import Forbidden, Unauthenticated
from dialin.services.accounts import Principal, hash_token
from dialin.services.ports import Clock, UnitOfWork

__all__ = ["SessionPrincipal", "SessionService", "SignedIn"]


@dataclass(frozen=True)
class SignedIn:
    # the cookie's value; only its hash is stored
    cookie_secret: str = field(repr=False)
    csrf_token: str = field(repr=False)
    principal: Principal
    expires: int


@dataclass(frozen=True)
class SessionPrincipal:
    principal: Principal
    csrf_token: str = field(repr=False)


class SessionService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def sign_in(self, token_secret: str) -> SignedIn:
        if not token_secret:
            raise Unauthenticated("Enter an API token to sign in.")
        cookie_secret = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        with self._uow(write=True) as store:
            token = store.clients.token_by_hash(hash_token(token_secret))
            if token is None or token.revoked:
                raise Forbidden("That API token is not valid.", token_status="invalid")
            client = store.clients.get(token.client_id)
            assert client is not None
            now = self._clock()
            expires = now + SESSION_LIFETIME_S
            store.web_sessions.add(hash_token(cookie_secret), token.id, csrf_token, now, expires)
        return SignedIn(cookie_secret, csrf_token, Principal(client=client, token=token), expires)

    def authenticate(self, cookie_secret: str) -> SessionPrincipal:
        """The session's principal; a revoked token ends every session made with it."""
        with self._uow(write=False) as store:
            found = store.web_sessions.by_hash(hash_token(cookie_secret))
            if found is None or found.expires <= self._clock():
                raise Unauthenticated("The session has ended: sign in again.")
            if found.token.revoked:
                raise Forbidden("The API token has been revoked.", token_status="revoked")
            client = store.clients.get(found.token.client_id)
            assert client is not None
            return SessionPrincipal(Principal(client=client, token=found.token), found.csrf_token)

    def sign_out(self, cookie_secret: str) -> None:
        with self._uow(write=True) as store:
            store.web_sessions.delete(hash_token(cookie_secret), expired_before=self._clock())
