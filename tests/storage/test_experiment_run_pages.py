"""An AI experiment's runs page in the database with exactly the answers of the in-memory rules,
and its best runs are those of its best observations, on each backend: 300 finished runs, some
failed or archived, with ties in every sort field."""

from __future__ import annotations

import random

import pytest

from dialin.domain.drafts import ExperimentDraft, ObservationDraft, ProjectDraft
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.paging import PageRequest, page_in_memory
from dialin.domain.parameters import Bounds, Parameter
from dialin.domain.run_filters import run_sort_key
from dialin.domain.runs import RunPatch, TrainingRun
from dialin.optimizer.best import best_observations
from dialin.services.container import Services
from dialin.storage.db import Database
from dialin.storage.store import SqlUnitOfWork

RUNS = 300
SORTS = ["id", "name", "state", "assignments.x", "values.score.value", "deleted", "created"]


def _definition(metrics: tuple[Metric, ...]) -> ExperimentDefinition:
    return ExperimentDefinition(
        type="offline",
        parameters=(Parameter(name="x", type="double", bounds=Bounds(0.0, 1.0)),),
        metrics=metrics,
    )


def _populate(services: Services, client: int, name: str, metrics: tuple[Metric, ...]) -> int:
    draft = ExperimentDraft(
        name=name, definition=_definition(metrics), runs_only=True, project="pages"
    )
    experiment = services.experiments.create(client, draft).experiment.id
    rng = random.Random(name)
    for i in range(RUNS):
        failed = rng.random() < 0.1
        values = {
            m.name: {"value": rng.choice([0.1, 0.5, 0.5, 0.9, rng.random()])} for m in metrics
        }
        run = services.runs.create_in_experiment(
            client,
            experiment,
            RunPatch(
                {
                    "name": rng.choice(["a", "B", "c"]) + str(i % 7),
                    "state": "failed" if failed else "completed",
                    "assignments": {"x": rng.choice([0.25, 0.5, rng.random()])},
                    **({} if failed else {"values": values}),
                }
            ),
        )
        if rng.random() < 0.1:
            services.runs.delete(client, run.id)
    return experiment


@pytest.fixture
def client(services: Services) -> int:
    client = services.accounts.issue_token("alice").client.id
    services.projects.create(client, ProjectDraft(id="pages", name="pages"))
    return client


def _all_runs(database: Database, experiment: int) -> list[TrainingRun]:
    with SqlUnitOfWork(database)(write=False) as store:
        return store.runs.of_experiment(experiment, deleted=None)


def test_experiment_runs_walk_like_the_rules(
    services: Services, database: Database, client: int
) -> None:
    experiment = _populate(services, client, "walk", (Metric(name="score"),))
    runs = _all_runs(database, experiment)
    assert len(runs) == RUNS and any(r.deleted for r in runs)
    for sort in SORTS:
        for ascending in (False, True):
            page = PageRequest(limit=70, sort=sort, ascending=ascending)
            walked: list[int] = []
            while True:
                got = services.runs.of_experiment(client, experiment, page)
                want = page_in_memory(runs, run_sort_key(sort), page)
                assert [r.id for r in got.items] == [r.id for r in want.items], (sort, page)
                assert (got.count, got.before, got.after) == (want.count, want.before, want.after)
                walked += [r.id for r in got.items]
                if got.before is None:
                    break
                page = PageRequest(limit=70, sort=sort, ascending=ascending, before=got.before)
            assert sorted(walked) == sorted(r.id for r in runs)


@pytest.mark.parametrize(
    "metrics",
    [(Metric(name="score"),), (Metric(name="score"), Metric(name="cost", objective="minimize"))],
    ids=["one metric", "pareto front"],
)
def test_best_runs_are_the_runs_of_the_best_observations(
    services: Services, database: Database, client: int, metrics: tuple[Metric, ...]
) -> None:
    experiment = _populate(services, client, f"best {len(metrics)}", metrics)
    with SqlUnitOfWork(database)(write=False) as store:
        definition = store.experiments.get(client, experiment)
        assert definition is not None
        best = best_observations(definition.definition, store.observations.live(experiment))
    runs = _all_runs(database, experiment)
    by_observation = {r.observation_id: r for r in runs if not r.deleted}
    expected = [by_observation[o.id].id for o in best if o.id in by_observation]
    got = services.runs.best(client, experiment, PageRequest(limit=100, sort="id"))
    assert sorted(r.id for r in got.items) == sorted(expected) != []
    assert all(not r.deleted and r.state == "completed" for r in got.items)
    if len(metrics) == 1:
        top = max(
            r.values["score"]["value"] for r in runs if not r.deleted and r.state == "completed"
        )
        assert {r.values["score"]["value"] for r in got.items} == {top}


def test_best_runs_follow_new_and_archived_runs(services: Services, client: int) -> None:
    # Best runs are remembered while the experiment's observations stay the same; a new
    # better run or an archived one must show at once.
    metrics = (Metric(name="score"),)
    draft = ExperimentDraft(
        name="follow", definition=_definition(metrics), runs_only=True, project="pages"
    )
    experiment = services.experiments.create(client, draft).experiment.id

    def finished(value: float) -> TrainingRun:
        patch = {
            "state": "completed",
            "assignments": {"x": value / 10},
            "values": {"score": {"value": value}},
        }
        return services.runs.create_in_experiment(client, experiment, RunPatch(patch))

    def best() -> list[int]:
        return [r.id for r in services.runs.best(client, experiment, PageRequest(limit=10)).items]

    first = finished(1.0)
    finished(0.5)
    assert best() == [first.id] == best()
    better = finished(2.0)
    assert best() == [better.id]
    services.runs.delete(client, better.id)
    assert best() == [first.id]


def test_best_assignments_follow_changed_and_deleted_observations(
    services: Services, client: int
) -> None:
    # The best are remembered while the observations stand; an observation whose value is
    # changed or that is deleted must show in the next answer.
    draft = ExperimentDraft(name="changes", definition=_definition((Metric(name="score"),)))
    experiment = services.experiments.create(client, draft).experiment.id

    def observe(x: float, value: float) -> int:
        made = ObservationDraft(assignments={"x": x}, values=(MetricValue("score", value),))
        return services.observations.create(client, experiment, made).id

    def best() -> list[int]:
        return [o.id for o in services.experiments.best_assignments(client, experiment)[1]]

    top = observe(0.1, 3.0)
    second = observe(0.2, 2.0)
    observe(0.3, 1.0)
    assert best() == [top] == best()
    lowered = ObservationDraft(assignments={"x": 0.1}, values=(MetricValue("score", 0.5),))
    services.observations.update(client, experiment, top, lowered)
    assert best() == [second]
    services.observations.delete(client, experiment, second)
    assert best() != [second]


def test_failed_observations_page_in_the_database_like_the_rules(
    services: Services, database: Database, client: int
) -> None:
    draft = ExperimentDraft(name="failures", definition=_definition((Metric(name="score"),)))
    experiment = services.experiments.create(client, draft).experiment.id
    made = [
        ObservationDraft(assignments={"x": i / 60}, failed=True)
        if i % 3 == 0
        else ObservationDraft(assignments={"x": i / 60}, values=(MetricValue("score", i),))
        for i in range(60)
    ]
    observations = services.observations.create_batch(client, experiment, made)
    for o in observations[::7]:
        services.observations.delete(client, experiment, o.id)
    with SqlUnitOfWork(database)(write=False) as store:
        failed = [o for o in store.observations.live(experiment) if o.failed]
    assert 0 < len(failed) < 20
    for ascending in (False, True):
        page = PageRequest(limit=7, ascending=ascending)
        walked: list[int] = []
        while True:
            _, got = services.analysis.failed_observations(client, experiment, page)
            want = page_in_memory(failed, lambda o: (o.id,), page)
            assert [o.id for o in got.items] == [o.id for o in want.items]
            assert (got.count, got.before, got.after) == (want.count, want.before, want.after)
            walked += [o.id for o in got.items]
            if got.before is None:
                break
            page = PageRequest(limit=7, ascending=ascending, before=got.before)
        assert sorted(walked) == sorted(o.id for o in failed)
