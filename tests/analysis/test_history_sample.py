"""The Analysis tab's sample: bounded, deterministic, keeping improvements and failures, with a
best-so-far computed over every observation."""

from __future__ import annotations

import random

from dialin.analysis.history import Reporter, fields_of, most_recent, outline_of, plan_sample
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, Parameter

DEFINITION = ExperimentDefinition(
    type="offline",
    parameters=(Parameter("x", "double", bounds=Bounds(0, 1)),),
    metrics=(Metric("loss", objective="minimize"),),
)


def history(count: int, *, failed_every: int = 0, seed: int = 3) -> list[Observation]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        failed = failed_every > 0 and i % failed_every == failed_every - 1
        made.append(
            Observation(
                id=i + 10,
                experiment_id=1,
                assignments={"x": rng.random()},
                created=1000 + i,
                values=() if failed else (MetricValue("loss", rng.random()),),
                failed=failed,
                metadata={"hostname": f"h{i % 3}", "note": "s" if i % 2 else 1.5},
            )
        )
    return made


def test_small_histories_are_sent_whole() -> None:
    observations = history(50)
    sample = plan_sample(DEFINITION, outline_of(DEFINITION, observations), max_points=100)
    assert sample.numbers == tuple(range(1, 51))
    assert sample.ids == tuple(o.id for o in observations)
    assert not sample.sampled


def test_large_histories_are_capped_and_keep_every_improvement_and_failure() -> None:
    observations = history(20_000, failed_every=97)
    sample = plan_sample(DEFINITION, outline_of(DEFINITION, observations), max_points=2000)

    assert sample.sampled
    assert len(sample.numbers) <= 2000
    assert list(sample.numbers) == sorted(set(sample.numbers))
    chosen = set(sample.numbers)
    assert {n for n, _ in sample.best_so_far["loss"]} <= chosen
    failed = {i + 1 for i, o in enumerate(observations) if o.failed}
    assert failed <= chosen
    assert {1, 20_000} <= chosen
    assert sample.failed_total == len(failed)


def test_failures_beyond_a_quarter_of_the_sample_are_spread_not_all_kept() -> None:
    observations = history(10_000, failed_every=2)
    sample = plan_sample(DEFINITION, outline_of(DEFINITION, observations), max_points=400)
    assert len(sample.numbers) <= 400
    assert sum(observations[n - 1].failed for n in sample.numbers) >= 100


def test_best_so_far_is_over_every_observation_and_the_sample_is_deterministic() -> None:
    observations = history(5000, failed_every=11)
    sample = plan_sample(DEFINITION, outline_of(DEFINITION, observations), max_points=100)
    best = min(o.values[0].value for o in observations if not o.failed)
    steps = sample.best_so_far["loss"]
    assert steps[-1][1] == best
    assert [v for _, v in steps] == sorted((v for _, v in steps), reverse=True)
    assert plan_sample(DEFINITION, outline_of(DEFINITION, observations), max_points=100) == sample


def test_fields_name_every_parameter_metric_and_metadata_key_with_its_type() -> None:
    fields = fields_of(DEFINITION, {"note": "string", "hostname": "string", "seconds": "number"})
    assert [(f.key, f.type) for f in fields] == [
        ("parameter:x", "number"),
        ("metric:loss", "number"),
        ("metadata:hostname", "string"),
        ("metadata:note", "string"),
        ("metadata:seconds", "number"),
    ]


def test_the_machines_are_listed_newest_first() -> None:
    machines = [Reporter("hostname", f"h{i}", 1000 + i % 4, 1, 0) for i in range(8)]
    newest = most_recent(machines, limit=3)
    assert [(r.value, r.last_reported) for r in newest] == [
        ("h3", 1003),
        ("h7", 1003),
        ("h2", 1002),
    ]
