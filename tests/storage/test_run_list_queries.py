"""Run lists filter, search, sort and page in the database, with exactly the answers the rules
of ``dialin.domain.run_filters`` give in memory: 3,000 varied runs, on each backend."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dialin.domain.drafts import ProjectDraft
from dialin.domain.paging import PageRequest, page_in_memory
from dialin.domain.run_filters import RunFilter, run_matches, run_sort_key
from dialin.domain.runs import RunPatch, TrainingRun
from dialin.services.container import Services
from dialin.storage.db import Database
from dialin.storage.store import SqlUnitOfWork

RUNS = 3000
PROJECT = "queries"

# Values of every JSON type, so type-aware comparisons and sort keys are all exercised.
CHOICES: list[Any] = [1, 2, 2.5, -3, 0, True, False, "a", "B", "b", "10", "é", None, {"x": 1}, [1]]


def _run(rng: random.Random, i: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": rng.choice(["Alpha", "alpha", "BETA", "gamma ray", "Δelta"]) + f" {i % 97}",
        "state": rng.choice(["active", "completed", "failed"]),
        "favorite": rng.random() < 0.3,
        "deleted": rng.random() < 0.1,
        "assignments": {},
        "metadata": None,
    }
    for key in ("x", "y"):
        if rng.random() < 0.8:
            body["assignments"][key] = rng.choice(CHOICES)
    if rng.random() < 0.7:
        body["metadata"] = {"m": rng.choice([1, 2, "low", "high", 3.5])}
    if rng.random() < 0.8:
        value: dict[str, Any] = {"value": rng.choice([0.1, 0.5, 0.9, 3, -1])}
        if rng.random() < 0.5:
            value["value_stddev"] = rng.choice([0.0, 0.2])
        body["values"] = {"acc": value}
    if rng.random() < 0.3:
        body["logs"] = {"stdout": {"content": rng.choice(["ok", "error", "OK"])}}
    if rng.random() < 0.4:
        body["model"] = {"type": rng.choice(["svm", "xgboost"])}
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def populated(services: Services) -> tuple[Services, int, list[TrainingRun]]:
    client = services.accounts.issue_token("alice").client.id
    services.projects.create(client, ProjectDraft(id=PROJECT, name="queries"))
    rng = random.Random(7)
    patches = [RunPatch(_run(rng, i)) for i in range(RUNS)]
    runs = services.runs.create_batch(client, PROJECT, patches)
    return services, client, runs


FILTERS: list[list[RunFilter]] = [
    [],
    [RunFilter("assignments.x", ">=", 2)],
    [RunFilter("assignments.x", "==", 1)],
    [RunFilter("assignments.x", "!=", 1)],
    [RunFilter("assignments.x", "<", "b")],
    [RunFilter("assignments.x", "==", "10")],
    [RunFilter("assignments.x", "isnull")],
    [RunFilter("assignments.y", "==", True)],
    [RunFilter("metadata.m", ">", 1), RunFilter("deleted", "==", False)],
    [RunFilter("metadata.m", "isnull")],
    [RunFilter("values.acc.value", ">=", 0.5)],
    [RunFilter("values.acc.value_stddev", "isnull")],
    [RunFilter("values.acc.value", "!=", "x")],
    [RunFilter("state", "==", "completed"), RunFilter("favorite", "==", 1)],
    [RunFilter("name", ">=", "alpha")],
    [RunFilter("deleted", "!=", True)],
    [RunFilter("id", ">", "1500")],
    [RunFilter("experiment", "isnull")],
    [RunFilter("experiment", "!=", 3)],
    [RunFilter("completed", "isnull")],
    [RunFilter("logs.stdout.content", "==", "ok")],
    [RunFilter("model.type", "!=", "svm")],
]
SORTS = ["id", "name", "state", "assignments.x", "values.acc.value", "metadata.m", "deleted"]


def _expected(
    runs: list[TrainingRun], filters: list[RunFilter], search: str | None, page: PageRequest
) -> Any:
    found = [r for r in runs if all(run_matches(r, f) for f in filters)]
    if search:
        found = [r for r in found if search.lower() in r.name.lower()]
    return page_in_memory(found, run_sort_key(page.sort), page)


def _stored_runs(database: Database, client: int) -> list[TrainingRun]:
    with SqlUnitOfWork(database)(write=False) as store:
        return store.runs.in_project(client, PROJECT)


def test_filters_match_the_rules(
    populated: tuple[Services, int, list[TrainingRun]], database: Database
) -> None:
    services, client, _ = populated
    runs = _stored_runs(database, client)
    pages = (PageRequest(limit=50), PageRequest(limit=50, ascending=True, sort="assignments.x"))
    for filters in FILTERS:
        for page in pages:
            got = services.runs.list(client, PROJECT, page, filters=filters)
            want = _expected(runs, filters, None, page)
            assert [r.id for r in got.items] == [r.id for r in want.items], filters
            assert (got.count, got.before, got.after) == (want.count, want.before, want.after)


def test_sorting_and_paging_walk_like_the_rules(
    populated: tuple[Services, int, list[TrainingRun]], database: Database
) -> None:
    services, client, _ = populated
    runs = _stored_runs(database, client)
    for sort in SORTS:
        for ascending in (False, True):
            _walk(services, client, runs, sort, ascending)


def _walk(
    services: Services, client: int, runs: list[TrainingRun], sort: str, ascending: bool
) -> None:
    filters = [RunFilter("deleted", "==", False)]
    page = PageRequest(limit=400, sort=sort, ascending=ascending)
    walked: list[int] = []
    while True:
        got = services.runs.list(client, PROJECT, page, filters=filters, search="ALPHA")
        want = _expected(runs, filters, "ALPHA", page)
        assert [r.id for r in got.items] == [r.id for r in want.items]
        assert (got.count, got.before, got.after) == (want.count, want.before, want.after)
        walked += [r.id for r in got.items]
        if got.before is None:
            break
        page = PageRequest(limit=400, sort=sort, ascending=ascending, before=got.before)
    assert len(walked) == len(set(walked)) == got.count > 0
    # Back again from the last page's newest item.
    back = PageRequest(limit=7, sort=sort, ascending=ascending, after=got.after)
    got = services.runs.list(client, PROJECT, back, filters=filters, search="ALPHA")
    want = _expected(runs, filters, "ALPHA", back)
    assert [r.id for r in got.items] == [r.id for r in want.items]
    assert (got.before, got.after) == (want.before, want.after)
