"""Clients (tenants), their API tokens and their projects."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.domain.experiments import Metadata

__all__ = ["ApiToken", "Client", "Project"]


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    created: int


@dataclass(frozen=True)
class ApiToken:
    """A token as stored: only a hash of the secret is kept, never the secret itself."""

    id: int
    client_id: int
    created: int
    token_type: str = "client-api"
    revoked: bool = False
    # A short, non-secret prefix so users can tell tokens apart in listings.
    label: str = ""


@dataclass(frozen=True)
class Project:
    id: str
    client_id: int
    name: str
    created: int
    updated: int
    metadata: Metadata | None = None
    deleted: bool = False
