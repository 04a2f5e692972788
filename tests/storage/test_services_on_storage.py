"""The services on each backend: tenancy, paging, concurrency of suggestion creation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from dialin.domain.drafts import ExperimentDraft, ObservationDraft, SuggestionDraft
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import MetricValue
from dialin.domain.paging import PageRequest
from dialin.domain.parameters import Bounds, Parameter
from dialin.errors import NotFound
from dialin.services.container import Services

DEFINITION = ExperimentDefinition(
    type="offline",
    parameters=(
        Parameter(name="x", type="double", bounds=Bounds(0.0, 1.0)),
        Parameter(name="n", type="int", bounds=Bounds(1, 50)),
    ),
)


def _client(services: Services, name: str) -> int:
    return services.accounts.issue_token(name).client.id


def _experiment(services: Services, client_id: int, name: str = "e") -> int:
    view = services.experiments.create(client_id, ExperimentDraft(name=name, definition=DEFINITION))
    return view.experiment.id


def test_another_clients_experiment_does_not_exist(services: Services) -> None:
    alice, bob = _client(services, "alice"), _client(services, "bob")
    experiment_id = _experiment(services, alice)
    with pytest.raises(NotFound):
        services.experiments.get(bob, experiment_id)
    with pytest.raises(NotFound):
        services.suggestions.create(bob, experiment_id, SuggestionDraft())
    assert services.experiments.list(bob, PageRequest()).count == 0


def test_paging_walks_every_item_once_in_both_directions(services: Services) -> None:
    client = _client(services, "alice")
    experiment_id = _experiment(services, client)
    made = [
        services.suggestions.create(client, experiment_id, SuggestionDraft())[0].id
        for _ in range(7)
    ]
    seen: list[int] = []
    page = services.suggestions.list(client, experiment_id, PageRequest(limit=3))
    while True:
        assert page.count == 7
        seen += [s.id for s in page.items]
        if page.before is None:
            break
        page = services.suggestions.list(
            client, experiment_id, PageRequest(limit=3, before=page.before)
        )
    assert seen == sorted(made, reverse=True)
    newer = services.suggestions.list(client, experiment_id, PageRequest(limit=2, after=(made[2],)))
    assert [s.id for s in newer.items] == [made[4], made[3]]
    assert services.suggestions.list(client, experiment_id, PageRequest(limit=0)).count == 7


def test_parallel_workers_never_share_an_open_suggestion(services: Services) -> None:
    client = _client(services, "alice")
    experiment_id = _experiment(services, client)

    def worker(_: int) -> list[tuple[int, tuple[float, int]]]:
        got = []
        for _ in range(6):
            s, _ = services.suggestions.create(client, experiment_id, SuggestionDraft())
            got.append((s.id, (float(s.assignments["x"]), int(s.assignments["n"]))))
        return got

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = [item for chunk in pool.map(worker, range(12)) for item in chunk]
    ids = [i for i, _ in results]
    points = [p for _, p in results]
    assert len(set(ids)) == len(ids) == 72
    assert len(set(points)) == len(points)
    open_now = services.suggestions.list(client, experiment_id, PageRequest(), only_open=True)
    assert open_now.count == 72


def test_an_observation_closes_its_suggestion_and_counts_in_progress(services: Services) -> None:
    client = _client(services, "alice")
    experiment_id = _experiment(services, client)
    suggestion, _ = services.suggestions.create(client, experiment_id, SuggestionDraft())
    services.observations.create(
        client,
        experiment_id,
        ObservationDraft(suggestion_id=suggestion.id, values=(MetricValue(None, 0.5),)),
    )
    assert services.suggestions.get(client, experiment_id, suggestion.id).state == "closed"
    progress = services.experiments.get(client, experiment_id).progress
    assert progress.observation_count == 1
    assert progress.best is not None and progress.best.values[0].value == 0.5
