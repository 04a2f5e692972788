"""Tokens, clients, organizations and projects (§3.1–§3.3, §3.7, §4.11)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dialin.domain.accounts import ApiToken, Client, Project
from dialin.domain.drafts import UNSET, Maybe, ProjectDraft, ProjectPatch
from dialin.domain.experiments import Metadata
from dialin.domain.metadata import check_metadata, show
from dialin.domain.names import check_name, invalid
from dialin.wire.fields import (
    expect_bool,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.render import render_id, render_struct

__all__ = [
    "PROJECT_ID_MAX_LENGTH",
    "check_project_id",
    "parse_project_create",
    "parse_project_update",
    "render_client",
    "render_organization",
    "render_project",
    "render_token",
]

PROJECT_ID_MAX_LENGTH = 32
_PROJECT_ID = re.compile(r"[a-z0-9\-_.]+")


def check_project_id(value: object, field: str = "id") -> str:
    text = expect_string(value, field)
    if not _PROJECT_ID.fullmatch(text):
        raise invalid(
            field,
            f"Invalid project id for {field}: {show(text)} - only lower-case letters, digits,"
            " '-', '_' and '.' are allowed",
        )
    if len(text) > PROJECT_ID_MAX_LENGTH:
        raise invalid(
            field, f"Project ids ({field}) must be at most {PROJECT_ID_MAX_LENGTH} characters"
        )
    return text


def render_token(token: ApiToken, secret: str | None) -> dict[str, object]:
    """``secret`` is the token itself, known only to whoever presented or created it."""
    return {
        "object": "token",
        "token": secret,
        "token_type": token.token_type,
        "client": render_id(token.client_id),
        # dialin has one organization per client, with the client's id
        "organization": render_id(token.client_id),
        "user": None,
        "development": token.token_type == "client-dev",
        "all_experiments": True,
        "permissions": "write",
        "scope": "all_endpoints",
        "experiment": None,
        "training_run": None,
        "expires": None,
        "lease_length": None,
    }


def render_client(client: Client) -> dict[str, object]:
    return {
        "object": "client",
        "id": render_id(client.id),
        "name": client.name,
        "organization": render_id(client.id),
        "created": int(client.created),
        "client_security": {"allow_users_to_see_experiments_by_others": True},
    }


def render_organization(client: Client) -> dict[str, object]:
    return {
        "object": "organization",
        "id": render_id(client.id),
        "name": client.name,
        "created": int(client.created),
    }


def _project_name(value: object, field: str = "name") -> str:
    return check_name(expect_string(value, field), field, "Project")


def parse_project_create(body: Mapping[str, object]) -> ProjectDraft:
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("id", "name", "metadata"), "")
    return ProjectDraft(
        id=check_project_id(require(obj, "id")),
        name=_project_name(require(obj, "name")),
        metadata=check_metadata(obj.get("metadata")),
    )


def parse_project_update(body: Mapping[str, object]) -> ProjectPatch:
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("name", "metadata", "deleted"), "")
    name: Maybe[str] = UNSET
    if obj.get("name") is not None:
        name = _project_name(obj["name"])
    metadata: Maybe[Metadata | None] = UNSET
    if "metadata" in obj:
        metadata = check_metadata(obj["metadata"])
    deleted: Maybe[bool] = UNSET
    if obj.get("deleted") is not None:
        deleted = expect_bool(obj["deleted"], "deleted")
    return ProjectPatch(name=name, metadata=metadata, deleted=deleted)


def render_project(
    project: Project, experiment_count: int, training_run_count: int
) -> dict[str, object]:
    return {
        "object": "project",
        "id": project.id,
        "name": project.name,
        "client": render_id(project.client_id),
        "user": None,
        "created": int(project.created),
        "updated": int(project.updated),
        "metadata": render_struct(project.metadata),
        "experiment_count": experiment_count,
        "training_run_count": training_run_count,
        "deleted": project.deleted,
    }
