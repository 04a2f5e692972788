"""The project of a run: ``--project``, else ``SIGOPT_PROJECT``, else the directory name."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialin.errors import InvalidField
from dialin.orchestrate.project import resolve_project


@pytest.mark.parametrize(
    ("option", "env", "directory", "expected"),
    [
        ("mine", {"SIGOPT_PROJECT": "theirs"}, "dir", "mine"),
        (None, {"SIGOPT_PROJECT": "theirs"}, "dir", "theirs"),
        (None, {}, "My Model_v1.2 (copy)", "mymodel_v1.2copy"),
        (None, {"SIGOPT_PROJECT": ""}, "sgd-digits", "sgd-digits"),
    ],
)
def test_resolution_order(
    option: str | None, env: dict[str, str], directory: str, expected: str
) -> None:
    assert resolve_project(option, env, Path("/somewhere") / directory) == expected


@pytest.mark.parametrize(
    ("option", "env", "directory", "words"),
    [
        ("Bad Name", {}, "dir", "--project: Project ID is invalid: 'Bad Name'"),
        (None, {"SIGOPT_PROJECT": "UPPER"}, "dir", "SIGOPT_PROJECT: Project ID is invalid"),
        (None, {}, "ÄÖÜ!!", "rename the directory"),
    ],
)
def test_invalid_projects(
    option: str | None, env: dict[str, str], directory: str, words: str
) -> None:
    with pytest.raises(InvalidField) as caught:
        resolve_project(option, env, Path("/somewhere") / directory)
    assert words in caught.value.message
