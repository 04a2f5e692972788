"""Which project a run or experiment goes to (orchestration §1.0, sigopt-api §1.9)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from dialin.errors import InvalidField

__all__ = ["resolve_project"]

_PROJECT_ID = re.compile(r"^[a-z0-9\-_\.]+$")
_ALLOWED = (
    "Project IDs can only contain lowercase letters, digits, hyphens (-), underscores (_)"
    " and periods (.)."
)


def resolve_project(option: str | None, env: Mapping[str, str], directory: Path) -> str:
    """``--project``, else ``SIGOPT_PROJECT``, else the directory name lower-cased with the
    characters a project id cannot hold removed."""
    if option is not None:
        return _checked(option, "--project")
    if env.get("SIGOPT_PROJECT"):
        return _checked(env["SIGOPT_PROJECT"], "SIGOPT_PROJECT")
    derived = re.sub(r"[^a-z0-9\-_\.]", "", directory.name.lower())
    if not derived:
        raise InvalidField(
            "project",
            f"cannot make a project ID of the directory name {directory.name!r}: rename the"
            " directory, pass --project or set SIGOPT_PROJECT",
        )
    return derived


def _checked(project: str, source: str) -> str:
    if not _PROJECT_ID.match(project):
        raise InvalidField("project", f"{source}: Project ID is invalid: {project!r}. {_ALLOWED}")
    return project
