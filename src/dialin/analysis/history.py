"""An experiment's history as the dashboard plots it: every field any axis may show, the best
value so far of each metric over all observations, and a deterministic sample of at most
``max_points`` observations that always keeps the improvements and the failed ones (up to a cap).

Observation numbers count live observations from 1 in id order, as users count them.
Metadata keys and machines are summed up by storage, which can do it without decoding rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.observations import Observation
from dialin.domain.scoring import score

__all__ = [
    "REPORTER_KEYS",
    "Field",
    "HistorySample",
    "MetadataSummary",
    "Outline",
    "Reporter",
    "SamplePlan",
    "fields_of",
    "joined",
    "metric_label",
    "metrics_to_read",
    "most_recent",
    "outline_of",
    "plan_sample",
]

FieldKind = Literal["parameter", "metric", "metadata"]
FieldType = Literal["number", "string"]

# Metadata keys that name the machine an observation came from (SigOpt's parallel guide).
REPORTER_KEYS = ("hostname", "instance_id")


@dataclass(frozen=True)
class Field:
    kind: FieldKind
    name: str
    type: FieldType

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Outline:
    """Every live observation, oldest first, as columns: all the sample plan reads. Storage
    can fill it without decoding whole observations."""

    ids: Sequence[int]
    failed: Sequence[bool]
    # each observation's score (``dialin.domain.scoring``): the single optimized metric's
    # signed value when the observation can be best, else None
    scores: Sequence[float | None]
    # the task's cost (multitask experiments), else None
    costs: Sequence[float | None]
    # metric name -> each observation's value of it, None when not reported; only the
    # metrics of ``metrics_to_read``
    values: Mapping[str | None, Sequence[float | None]]


def joined(head: Outline, tail: Outline) -> Outline:
    """``head`` followed by the observations that arrived after it."""
    return Outline(
        ids=[*head.ids, *tail.ids],
        failed=[*head.failed, *tail.failed],
        scores=[*head.scores, *tail.scores],
        costs=[*head.costs, *tail.costs],
        values={m: [*v, *tail.values[m]] for m, v in head.values.items()},
    )


def metrics_to_read(definition: ExperimentDefinition) -> list[str | None]:
    """The metrics whose values the best-so-far needs beyond the scores. With one metric, its
    score already is its value where it may improve: failed observations, cheaper tasks and
    ones over the threshold have none, just as ``_improvements`` skips them."""
    if len(definition.metrics) == 1 and len(definition.optimized_metrics) == 1:
        return []
    return [m.name for m in definition.metrics]


def outline_of(definition: ExperimentDefinition, observations: Sequence[Observation]) -> Outline:
    """What storage would read: for tests and small histories already in memory."""
    values: dict[str | None, list[float | None]] = {}
    for name in metrics_to_read(definition):
        measured = (o.value_of(name) for o in observations)
        values[name] = [None if v is None else v.value for v in measured]
    return Outline(
        ids=[o.id for o in observations],
        failed=[o.failed for o in observations],
        scores=[score(definition, o) for o in observations],
        costs=[None if o.task is None else o.task.cost for o in observations],
        values=values,
    )


@dataclass(frozen=True)
class SamplePlan:
    """Which observations to send, chosen from an outline of all of them (no metadata needed)."""

    total: int
    failed_total: int
    # 1-based observation numbers of the sampled observations, ascending, and their ids
    numbers: tuple[int, ...]
    ids: tuple[int, ...]
    # metric name -> (number, best value so far) at each improvement, over every observation
    best_so_far: dict[str, tuple[tuple[int, float], ...]]

    @property
    def sampled(self) -> bool:
        return len(self.numbers) < self.total


@dataclass(frozen=True)
class HistorySample:
    plan: SamplePlan
    fields: tuple[Field, ...]
    # the full observations of ``plan.ids``, in the same order
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class Reporter:
    """A machine, by the metadata key that names it, and when it last reported."""

    key: str
    value: str
    last_reported: int
    observation_count: int
    failed_count: int


@dataclass(frozen=True)
class MetadataSummary:
    """Over every observation: each metadata key's type, and each machine's reports."""

    types: Mapping[str, FieldType]
    reporters: tuple[Reporter, ...]


def metric_label(metric: Metric) -> str:
    return metric.name or "value"


def fields_of(
    definition: ExperimentDefinition, metadata_types: Mapping[str, FieldType]
) -> tuple[Field, ...]:
    fields = [
        Field("parameter", p.name, "string" if p.type == "categorical" else "number")
        for p in definition.active_parameters
    ]
    fields += [Field("metric", metric_label(m), "number") for m in definition.metrics]
    fields += [Field("metadata", key, metadata_types[key]) for key in sorted(metadata_types)]
    return tuple(fields)


def _improvements(metric: Metric, outline: Outline) -> list[tuple[int, float]]:
    best: float | None = None
    found: list[tuple[int, float]] = []
    sign = metric.sign
    values = outline.values.get(metric.name)
    if values is None:
        # the single optimized metric: unsign its scores
        values = [None if s is None else s * sign for s in outline.scores]
    for number, (value, failed, cost) in enumerate(
        zip(values, outline.failed, outline.costs, strict=True), start=1
    ):
        # Cheaper tasks of a multitask experiment do not measure the real objective.
        if value is None or failed or (cost is not None and cost < 1):
            continue
        if best is not None and value * sign <= best * sign:
            continue
        if metric.satisfies_threshold(value):
            best = value
            found.append((number, value))
    return found


def _spread(indices: Sequence[int], count: int) -> list[int]:
    """``count`` members of ``indices`` evenly spaced, first and last included."""
    if count <= 0:
        return []
    if len(indices) <= count:
        return list(indices)
    if count == 1:
        return [indices[-1]]
    step = (len(indices) - 1) / (count - 1)
    return [indices[round(i * step)] for i in range(count)]


def plan_sample(definition: ExperimentDefinition, outline: Outline, max_points: int) -> SamplePlan:
    """``max_points`` ≥ 4."""
    best_so_far = {metric_label(m): _improvements(m, outline) for m in definition.metrics}
    failed = [i for i, f in enumerate(outline.failed) if f]
    total = len(outline.ids)
    if total <= max_points:
        chosen = list(range(total))
    else:
        # A quarter each for failures and improvements at most, so the sample stays a sample.
        cap = max_points // 4
        keep = set(_spread(failed, cap))
        per_metric = max(1, cap // max(1, len(best_so_far)))
        for steps in best_so_far.values():
            numbers = [n - 1 for n, _ in steps]
            keep.update(_spread(numbers, per_metric))
            if numbers:
                keep.add(numbers[-1])
        keep.update((0, total - 1))
        rest = [i for i in range(total) if i not in keep]
        keep.update(_spread(rest, max_points - len(keep)))
        chosen = sorted(keep)
    return SamplePlan(
        total=total,
        failed_total=len(failed),
        numbers=tuple(i + 1 for i in chosen),
        ids=tuple(outline.ids[i] for i in chosen),
        best_so_far={name: tuple(steps) for name, steps in best_so_far.items()},
    )


def most_recent(reporters: Sequence[Reporter], limit: int) -> list[Reporter]:
    """The machines that reported most recently, newest first."""
    return sorted(reporters, key=lambda r: (-r.last_reported, r.key, r.value))[:limit]
