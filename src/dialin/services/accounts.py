"""Clients, their API tokens and their projects."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace

from dialin.domain.accounts import ApiToken, Client, Project
from dialin.domain.drafts import UNSET, ProjectDraft, ProjectPatch
from dialin.domain.paging import Page, PageRequest
from dialin.errors import Forbidden, NotFound, Unauthenticated
from dialin.services.ports import Clock, Store, UnitOfWork

__all__ = [
    "AccountService",
    "IssuedToken",
    "Principal",
    "ProjectService",
    "ProjectView",
    "hash_token",
]

DEFAULT_CLIENT = "default"


def hash_token(secret: str) -> str:
    # Tokens carry 256 random bits, so an unsalted SHA-256 resists guessing as well as a slow
    # hash would, and lets authentication find the token by an index lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's client is the tenant every object is scoped to."""

    client: Client
    token: ApiToken
    # The secret the caller presented; SigOpt echoes it on GET /tokens/self. Kept out of reprs.
    secret: str = field(default="", repr=False)

    @property
    def client_id(self) -> int:
        return self.client.id


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    token: ApiToken
    client: Client


# How long an API process trusts a token it has already checked. Every request of a worker
# loop would otherwise pay a database round trip; the price is that a revocation made by
# another process takes up to this long to bite.
AUTH_CACHE_SECONDS = 5
_AUTH_CACHE_SIZE = 10_000


class AccountService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        # token hash -> (principal without its secret, expiry); per process, never shared
        self._checked: dict[str, tuple[Principal, int]] = {}

    def authenticate(self, secret: str | None) -> Principal:
        if not secret:
            raise Unauthenticated(
                "No API token provided. Authenticate with HTTP basic auth, "
                "the API token as the user name and an empty password."
            )
        key = hash_token(secret)
        now = self._clock()
        cached = self._checked.get(key)
        if cached is not None and cached[1] > now:
            return replace(cached[0], secret=secret)
        principal = self._lookup(key)
        if len(self._checked) >= _AUTH_CACHE_SIZE:
            self._checked.clear()
        self._checked[key] = (principal, now + AUTH_CACHE_SECONDS)
        return replace(principal, secret=secret)

    def _lookup(self, key: str) -> Principal:
        with self._uow(write=False) as store:
            token = store.clients.token_by_hash(key)
            if token is None:
                raise Forbidden("The API token is not valid.", token_status="invalid")
            if token.revoked:
                raise Forbidden("The API token has been revoked.", token_status="revoked")
            client = store.clients.get(token.client_id)
            assert client is not None
            return Principal(client=client, token=token)

    def issue_token(self, client_name: str) -> IssuedToken:
        """A new token for ``client_name``, creating the client if it does not exist yet."""
        secret = secrets.token_urlsafe(32)
        with self._uow(write=True) as store:
            now = self._clock()
            client = store.clients.by_name(client_name) or store.clients.add(client_name, now)
            token = store.clients.add_token(client.id, hash_token(secret), secret[:6], now)
            return IssuedToken(secret=secret, token=token, client=client)

    def bootstrap(self) -> IssuedToken | None:
        """On an empty database, the first client and its token; None when clients exist."""
        with self._uow(write=True) as store:
            if store.clients.count() > 0:
                return None
        return self.issue_token(DEFAULT_CLIENT)

    def tokens(self) -> list[tuple[ApiToken, Client]]:
        with self._uow(write=False) as store:
            return store.clients.tokens()

    def revoke(self, token_id: int) -> ApiToken:
        with self._uow(write=True) as store:
            token = store.clients.revoke_token(token_id, self._clock())
            self._checked.clear()
            if token is None:
                raise NotFound(f"No API token with id {token_id}")
            return token

    def own_token(self, principal: Principal, segment: str) -> ApiToken:
        """``self``, or the caller's own secret: nobody reads another token's details."""
        if segment != "self":
            with self._uow(write=False) as store:
                token = store.clients.token_by_hash(hash_token(segment))
            if token is None or token.id != principal.token.id:
                raise NotFound()
        return principal.token

    def client(self, principal: Principal, client_id: int) -> Client:
        if client_id != principal.client_id:
            raise NotFound()
        return principal.client


@dataclass(frozen=True)
class ProjectView:
    project: Project
    experiment_count: int
    training_run_count: int


def _view(store: Store, project: Project) -> ProjectView:
    return ProjectView(
        project,
        store.projects.experiment_count(project.client_id, project.id),
        store.runs.count_in_project(project.client_id, project.id),
    )


class ProjectService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create(self, client_id: int, draft: ProjectDraft) -> ProjectView:
        with self._uow(write=True) as store:
            project = store.projects.add(client_id, draft, self._clock())
            return ProjectView(project, 0, 0)

    def get(self, client_id: int, reference_id: str) -> ProjectView:
        with self._uow(write=False) as store:
            project = store.projects.get(client_id, reference_id)
            if project is None:
                raise NotFound()
            return _view(store, project)

    def require(self, client_id: int, reference_id: str) -> Project:
        return self.get(client_id, reference_id).project

    def update(self, client_id: int, reference_id: str, patch: ProjectPatch) -> ProjectView:
        with self._uow(write=True) as store:
            project = store.projects.get(client_id, reference_id)
            if project is None:
                raise NotFound()
            if patch.name is not UNSET:
                project = replace(project, name=patch.name)
            if patch.metadata is not UNSET:
                project = replace(project, metadata=patch.metadata)
            if patch.deleted is not UNSET:
                project = replace(project, deleted=patch.deleted)
            project = replace(project, updated=max(project.updated, self._clock()))
            store.projects.save(project)
            return _view(store, project)

    def list(self, client_id: int, page: PageRequest, *, deleted: bool | None) -> Page[ProjectView]:
        with self._uow(write=False) as store:
            found = store.projects.list(client_id, page, deleted=deleted)
            views = [_view(store, p) for p in found.items]
            return Page(items=views, count=found.count, before=found.before, after=found.after)
