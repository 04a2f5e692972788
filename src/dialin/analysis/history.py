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

__all__ = [
    "REPORTER_KEYS",
    "Field",
    "HistorySample",
    "MetadataSummary",
    "Reporter",
    "SamplePlan",
    "fields_of",
    "metric_label",
    "most_recent",
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


def _improvements(metric: Metric, history: Sequence[Observation]) -> list[tuple[int, float]]:
    best: float | None = None
    found: list[tuple[int, float]] = []
    for number, observation in enumerate(history, start=1):
        # Cheaper tasks of a multitask experiment do not measure the real objective.
        if observation.failed or (observation.task is not None and observation.task.cost < 1):
            continue
        measured = observation.value_of(metric.name)
        if measured is None or not metric.satisfies_threshold(measured.value):
            continue
        if best is None or measured.value * metric.sign > best * metric.sign:
            best = measured.value
            found.append((number, measured.value))
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


def plan_sample(
    definition: ExperimentDefinition, outline: Sequence[Observation], max_points: int
) -> SamplePlan:
    """``outline``: live observations, oldest first; values and failure suffice. ``max_points``
    ≥ 4."""
    best_so_far = {metric_label(m): _improvements(m, outline) for m in definition.metrics}
    failed = [i for i, o in enumerate(outline) if o.failed]
    if len(outline) <= max_points:
        chosen = list(range(len(outline)))
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
        keep.update((0, len(outline) - 1))
        rest = [i for i in range(len(outline)) if i not in keep]
        keep.update(_spread(rest, max_points - len(keep)))
        chosen = sorted(keep)
    return SamplePlan(
        total=len(outline),
        failed_total=len(failed),
        numbers=tuple(i + 1 for i in chosen),
        ids=tuple(outline[i].id for i in chosen),
        best_so_far={name: tuple(steps) for name, steps in best_so_far.items()},
    )


def most_recent(reporters: Sequence[Reporter], limit: int) -> list[Reporter]:
    """The machines that reported most recently, newest first."""
    return sorted(reporters, key=lambda r: (-r.last_reported, r.key, r.value))[:limit]
