from __future__ import annotations

from typing import Any

import pytest

from dialin.domain.accounts import ApiToken, Client, Project
from dialin.domain.drafts import (
    UNSET,
    ProjectDraft,
    ProjectPatch,
    QueuedSuggestionDraft,
    SuggestionDraft,
)
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Task
from dialin.domain.parameters import Bounds, Parameter
from dialin.domain.suggestions import QueuedSuggestion, Suggestion
from dialin.wire import (
    parse_project_create,
    parse_project_update,
    parse_queued_suggestion_create,
    parse_state_filter,
    parse_suggestion_create,
    parse_suggestion_update,
    render_client,
    render_metric_importances,
    render_organization,
    render_project,
    render_queued_suggestion,
    render_stopping_criteria,
    render_suggestion,
    render_token,
)

DEF = ExperimentDefinition(type="offline", parameters=(Parameter("n", "int", bounds=Bounds(1, 5)),))
MT = ExperimentDefinition(
    type="offline",
    parameters=DEF.parameters,
    tasks=(Task("full", 1.0), Task("cheap", 0.5)),
    budget=5,
)


def test_suggestion_bodies() -> None:
    assert parse_suggestion_create({}) == SuggestionDraft()
    assert parse_suggestion_create(
        {"metadata": {"host": "a"}, "assignments": None}
    ) == SuggestionDraft(metadata={"host": "a"})
    draft = parse_suggestion_create(
        {"assignments": {"n": 2.0}, "task": {"name": "cheap", "cost": 0.5}}, MT
    )
    assert draft.assignments == {"n": 2} and draft.task_name == "cheap"
    assert parse_suggestion_update({}) is UNSET
    assert parse_suggestion_update({"metadata": None}) is None
    assert parse_queued_suggestion_create({"assignments": {"n": 3}}, DEF) == QueuedSuggestionDraft(
        {"n": 3}
    )
    assert parse_state_filter("open") == "open" and parse_state_filter(None) is None


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: parse_suggestion_create({"foo": 1}), "foo"),
        (lambda: parse_suggestion_create({"assignments": [1]}), "assignments"),
        (lambda: parse_suggestion_create({"assignments": {"n": True}}), "assignments.n"),
        (lambda: parse_suggestion_create({"assignments": {"n": 2}}, MT), "task"),
        (lambda: parse_suggestion_create({"task": "cheap"}, MT), "assignments"),
        (lambda: parse_suggestion_create({"task": "cheap"}, DEF), "task"),
        (lambda: parse_suggestion_create({"assignments": {"n": 2.5}}, DEF), "assignments.n"),
        (lambda: parse_suggestion_create({"task": 3}), "task"),
        (lambda: parse_suggestion_update({"metadata": {}, "assignments": {}}), "assignments"),
        (lambda: parse_suggestion_update({"metadata": 3}), "metadata"),
        (lambda: parse_queued_suggestion_create({}), "assignments"),
        (lambda: parse_queued_suggestion_create({"assignments": {"n": 1}}, MT), "task"),
        (lambda: parse_queued_suggestion_create({"assignments": {"q": 1}}, DEF), "assignments.q"),
        (lambda: parse_state_filter("closed"), "state"),
        (lambda: parse_project_create({"name": "P"}), "id"),
        (lambda: parse_project_create({"id": "Bad Id", "name": "P"}), "id"),
        (lambda: parse_project_create({"id": "x" * 33, "name": "P"}), "id"),
        (lambda: parse_project_create({"id": "ok", "name": ""}), "name"),
        (lambda: parse_project_create({"id": "ok", "name": "P", "x": 1}), "x"),
        (lambda: parse_project_update({"deleted": "yes"}), "deleted"),
        (lambda: parse_project_update({"metadata": {"k" * 101: 1}}), "metadata." + "k" * 101),
    ],
)
def test_suggestion_and_project_rules(call: Any, field: str, invalid) -> None:
    error = invalid(call, field)
    if field == "state":
        assert "must be open" in error.message


def test_projects() -> None:
    assert parse_project_create(
        {"id": "my-proj_1.x", "name": " P ", "metadata": None}
    ) == ProjectDraft("my-proj_1.x", "P")
    assert parse_project_update({"metadata": None, "deleted": False}) == ProjectPatch(
        metadata=None, deleted=False
    )
    project = Project(id="p", client_id=3, name="P", created=1, updated=2, metadata={"a": 2.0})
    assert render_project(project, 4, 5) == {
        "object": "project",
        "id": "p",
        "name": "P",
        "client": "3",
        "user": None,
        "created": 1,
        "updated": 2,
        "metadata": {"a": 2},
        "experiment_count": 4,
        "training_run_count": 5,
        "deleted": False,
    }


def test_accounts_render() -> None:
    token = render_token(ApiToken(id=1, client_id=7, created=0), "secret")
    assert token["token"] == "secret" and token["client"] == "7" and token["development"] is False
    assert token["permissions"] == "write" and token["scope"] == "all_endpoints"
    client = Client(id=7, name="team", created=9)
    assert render_client(client)["id"] == "7" and render_client(client)["organization"] == "7"
    assert render_organization(client) == {
        "object": "organization",
        "id": "7",
        "name": "team",
        "created": 9,
    }


def test_suggestions_render() -> None:
    s = Suggestion(
        id=3,
        experiment_id=1,
        assignments={"n": 2.0},
        created=5,
        metadata={"k": 1.0},
        task=Task("full", 1),
    )
    assert render_suggestion(s, DEF) == {
        "object": "suggestion",
        "id": "3",
        "experiment": "1",
        "assignments": {"n": 2},
        "state": "open",
        "deleted": False,
        "created": 5,
        "metadata": {"k": 1},
    }
    assert render_suggestion(s, MT)["task"] == {"object": "task", "name": "full", "cost": 1}
    q = QueuedSuggestion(id=4, experiment_id=1, assignments={"n": 1}, created=2)
    assert render_queued_suggestion(q, DEF) == {
        "object": "queued_suggestion",
        "id": "4",
        "experiment": "1",
        "assignments": {"n": 1},
        "created": 2,
    }


def test_analysis_render() -> None:
    assert render_stopping_criteria(True, ("possible_stagnation",)) == {
        "object": "stopping_criteria",
        "should_stop": True,
        "reasons": ["possible_stagnation"],
    }
    assert render_metric_importances("m", {"b": 0.5, "a": float("nan"), "c": None}) == {
        "object": "metric_importances",
        "metric": "m",
        "importances": {"a": None, "b": 0.5, "c": None},
    }
