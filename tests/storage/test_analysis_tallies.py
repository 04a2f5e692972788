"""The Analysis tab's data on each backend: the metadata keys and machines it lists stay what a
recount of the live observations gives, through creates, updates, deletes and concurrent
writers; the history storage reads for the sample gives the same plan as the observations."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pytest

from dialin.analysis.history import REPORTER_KEYS, outline_of, plan_sample
from dialin.domain.drafts import ExperimentDraft, ObservationDraft
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.paging import PageRequest
from dialin.domain.parameters import Bounds, Parameter
from dialin.services.container import Services
from dialin.storage.repositories.tallies import machine_text


class Clock(Protocol):
    """The storage tests' settable clock."""

    now: int


DEFINITION = ExperimentDefinition(
    type="offline",
    parameters=(Parameter(name="x", type="double", bounds=Bounds(0.0, 1.0)),),
    metrics=(Metric("accuracy"),),
)


def _experiment(
    services: Services, definition: ExperimentDefinition = DEFINITION
) -> tuple[int, int]:
    client = services.accounts.issue_token("alice").client.id
    view = services.experiments.create(client, ExperimentDraft(name="e", definition=definition))
    return client, view.experiment.id


def _observe(
    services: Services,
    client: int,
    experiment_id: int,
    metadata: dict[str, Any] | None,
    *,
    failed: bool = False,
    x: float = 0.5,
) -> Observation:
    values = () if failed else (MetricValue("accuracy", x),)
    draft = ObservationDraft(assignments={"x": x}, values=values, failed=failed, metadata=metadata)
    return services.observations.create(client, experiment_id, draft)


def _live(services: Services, client: int, experiment_id: int) -> list[Observation]:
    found: list[Observation] = []
    page = services.observations.list(client, experiment_id, PageRequest(limit=100))
    while True:
        found += page.items
        if page.before is None:
            return sorted(found, key=lambda o: o.id)
        page = services.observations.list(
            client, experiment_id, PageRequest(limit=100, before=page.before)
        )


def _recount(observations: Sequence[Observation]) -> tuple[dict[str, str], set[tuple[Any, ...]]]:
    """What the tallies must say: each key's type, and (key, machine, last, count, failed)."""
    strings: dict[str, bool] = {}
    machines: dict[tuple[str, str], list[int]] = {}
    for o in observations:
        for key, value in (o.metadata or {}).items():
            if value is None:
                continue
            strings[key] = strings.get(key, False) or isinstance(value, str)
            if key in REPORTER_KEYS:
                counts = machines.setdefault((key, machine_text(value)), [0, 0, 0])
                counts[0] = max(counts[0], o.created)
                counts[1] += 1
                counts[2] += int(o.failed)
    types = {k: "string" if s else "number" for k, s in strings.items()}
    return types, {(k, v, *counts) for (k, v), counts in machines.items()}


def _shown(services: Services, client: int, experiment_id: int) -> tuple[dict[str, str], set[Any]]:
    view = services.analysis.history(client, experiment_id, 2000)
    types: dict[str, str] = {f.name: f.type for f in view.sample.fields if f.kind == "metadata"}
    reporters = {
        (r.key, r.value, r.last_reported, r.observation_count, r.failed_count)
        for r in view.reporters
    }
    return types, reporters


def _assert_tallies_match(services: Services, client: int, experiment_id: int) -> None:
    expected = _recount(_live(services, client, experiment_id))
    assert _shown(services, client, experiment_id) == expected


def test_tallies_follow_creates_updates_and_deletes(services: Services, clock: Clock) -> None:
    client, experiment_id = _experiment(services)
    made = []
    for i in range(6):
        clock.now += 10
        metadata: dict[str, Any] = {"hostname": f"h{i % 2}", "seconds": 1.5 * i}
        if i == 3:
            metadata["note"] = "slow"
        if i == 4:
            metadata = {"hostname": 7, "instance_id": True, "seconds": None}
        made.append(_observe(services, client, experiment_id, metadata, failed=i == 5))
    _observe(services, client, experiment_id, None)
    _assert_tallies_match(services, client, experiment_id)
    types, machines = _shown(services, client, experiment_id)
    assert types == {
        "hostname": "string",
        "instance_id": "number",
        "note": "string",
        "seconds": "number",
    }
    assert ("hostname", "h1", made[5].created, 3, 1) in machines
    assert ("hostname", "7", made[4].created, 1, 0) in machines

    # A change moves the observation to another machine and makes it failed.
    clock.now += 10
    changed = ObservationDraft(
        assignments={"x": 0.5}, failed=True, metadata={"hostname": "h9", "seconds": "n/a"}
    )
    services.observations.update(client, experiment_id, made[3].id, changed)
    _assert_tallies_match(services, client, experiment_id)
    types, machines = _shown(services, client, experiment_id)
    assert "note" not in types and types["seconds"] == "string"
    assert ("hostname", "h9", made[3].created, 1, 1) in machines

    # Deleting a machine's latest observation makes its previous one the latest.
    clock.now += 10
    services.observations.delete(client, experiment_id, made[5].id)
    _assert_tallies_match(services, client, experiment_id)
    assert ("hostname", "h1", made[1].created, 1, 0) in _shown(services, client, experiment_id)[1]

    # A machine's only observation gone, the machine is gone.
    clock.now += 10
    services.observations.delete(client, experiment_id, made[4].id)
    _assert_tallies_match(services, client, experiment_id)
    types, machines = _shown(services, client, experiment_id)
    assert "instance_id" not in types and all(m[1] != "7" for m in machines)

    clock.now += 10
    services.observations.delete(client, experiment_id)
    assert _shown(services, client, experiment_id) == ({}, set())
    clock.now += 10
    _observe(services, client, experiment_id, {"hostname": "again"})
    _assert_tallies_match(services, client, experiment_id)


def test_tallies_stay_exact_under_concurrent_writers(services: Services, clock: Clock) -> None:
    client, experiment_id = _experiment(services)
    keep = [_observe(services, client, experiment_id, {"hostname": "h0"}) for _ in range(4)]

    def worker(n: int) -> None:
        for i in range(5):
            metadata = {"hostname": f"h{(n + i) % 3}", "instance_id": f"i-{n}", f"k{i}": i}
            _observe(services, client, experiment_id, metadata, failed=i == 2)
        if n < len(keep):
            services.observations.delete(client, experiment_id, keep[n].id)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8)))
    clock.now += 10
    assert len(_live(services, client, experiment_id)) == 40
    _assert_tallies_match(services, client, experiment_id)


def _noisy(i: int) -> float:
    return ((i * 7919) % 101) / 100


@pytest.mark.parametrize(
    "definition",
    [
        DEFINITION,
        ExperimentDefinition(
            type="offline",
            parameters=DEFINITION.parameters,
            metrics=(Metric("accuracy", objective="minimize", threshold=0.8),),
        ),
        ExperimentDefinition(
            type="offline",
            parameters=DEFINITION.parameters,
            metrics=(
                Metric("accuracy", threshold=0.3),
                Metric("cost", objective="minimize"),
                Metric("seconds", strategy="store"),
            ),
        ),
        ExperimentDefinition(
            type="offline",
            parameters=DEFINITION.parameters,
            metrics=(Metric("accuracy"),),
            tasks=(Task("cheap", 0.1), Task("full", 1.0)),
        ),
    ],
    ids=["one-metric", "threshold", "several-metrics", "multitask"],
)
def test_the_sample_read_from_storage_is_the_one_of_the_observations(
    services: Services, clock: Clock, definition: ExperimentDefinition
) -> None:
    client, experiment_id = _experiment(services, definition)
    drafts = []
    for i in range(120):
        failed = i % 13 == 5
        values: tuple[MetricValue, ...] = ()
        if not failed:
            values = tuple(
                MetricValue(m.name or "", _noisy(i + k)) for k, m in enumerate(definition.metrics)
            )
        drafts.append(
            ObservationDraft(
                assignments={"x": _noisy(i)},
                values=values,
                failed=failed,
                task_name=("cheap" if i % 4 == 0 else "full") if definition.tasks else None,
            )
        )
    services.observations.create_batch(client, experiment_id, drafts)
    clock.now += 10
    services.observations.delete(
        client, experiment_id, _live(services, client, experiment_id)[7].id
    )

    for max_points in (40, 2000):
        clock.now += 1
        view = services.analysis.history(client, experiment_id, max_points)
        observations = _live(services, client, experiment_id)
        expected = plan_sample(definition, outline_of(definition, observations), max_points)
        assert view.sample.plan == expected
        assert view.sample.plan.sampled == (max_points < len(observations))
        assert [o.id for o in view.sample.observations] == list(expected.ids)
        assert all(expected.best_so_far.values())


def _assert_history_is_current(services: Services, client: int, experiment_id: int) -> None:
    view = services.analysis.history(client, experiment_id, 30)
    observations = _live(services, client, experiment_id)
    expected = plan_sample(DEFINITION, outline_of(DEFINITION, observations), 30)
    assert view.sample.plan == expected
    by_id = {o.id: o for o in observations}
    assert list(view.sample.observations) == [by_id[i] for i in expected.ids]


def test_a_polled_history_follows_every_kind_of_change(services: Services, clock: Clock) -> None:
    """The service adds newly arrived observations to the history it read before, and reads
    it all again once a stored observation changed."""
    client, experiment_id = _experiment(services)
    made = [
        _observe(services, client, experiment_id, {"hostname": "h0"}, x=_noisy(i))
        for i in range(50)
    ]
    _assert_history_is_current(services, client, experiment_id)
    for step in range(3):
        clock.now += 10
        _observe(services, client, experiment_id, {"hostname": "h1"}, x=0.99 - step / 100)
        _assert_history_is_current(services, client, experiment_id)

    clock.now += 10
    changed = ObservationDraft(assignments={"x": 0.5}, failed=True, metadata={"hostname": "h2"})
    services.observations.update(client, experiment_id, made[0].id, changed)
    _assert_history_is_current(services, client, experiment_id)
    clock.now += 10
    services.observations.delete(client, experiment_id, made[49].id)
    _observe(services, client, experiment_id, {"hostname": "h3"})
    _assert_history_is_current(services, client, experiment_id)
    clock.now += 10
    services.observations.delete(client, experiment_id)
    _observe(services, client, experiment_id, {"hostname": "h4"})
    _assert_history_is_current(services, client, experiment_id)


def test_a_change_within_the_same_second_is_shown(services: Services) -> None:
    client, experiment_id = _experiment(services)
    made = [_observe(services, client, experiment_id, {"hostname": "h0"}) for _ in range(5)]
    _assert_history_is_current(services, client, experiment_id)
    changed = ObservationDraft(assignments={"x": 0.5}, failed=True, metadata={"hostname": "h9"})
    services.observations.update(client, experiment_id, made[2].id, changed)
    _assert_history_is_current(services, client, experiment_id)
