"""An experiment's history as the dashboard plots it: every field any axis may show, the best
value so far of each metric over all observations, and a deterministic sample of at most
``max_points`` observations that always keeps the improvements and the failed ones (up to a cap).

Observation numbers count live observations from 1 in id order, as users count them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.observations import Observation

__all__ = [
    "REPORTER_KEYS",
    "Field",
    "HistorySample",
    "Reporter",
    "metric_label",
    "reporters",
    "sample_history",
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
class HistorySample:
    total: int
    failed_total: int
    fields: tuple[Field, ...]
    # 1-based observation numbers of the sampled observations, ascending
    numbers: tuple[int, ...]
    observations: tuple[Observation, ...]
    # metric name -> (number, best value so far) at each improvement, over every observation
    best_so_far: dict[str, tuple[tuple[int, float], ...]]

    @property
    def sampled(self) -> bool:
        return len(self.numbers) < self.total


@dataclass(frozen=True)
class Reporter:
    """A machine, by the metadata key that names it, and when it last reported."""

    key: str
    value: str
    last_reported: int
    observation_count: int
    failed_count: int


def metric_label(metric: Metric) -> str:
    return metric.name or "value"


def _fields(definition: ExperimentDefinition, history: Sequence[Observation]) -> list[Field]:
    fields = [
        Field("parameter", p.name, "string" if p.type == "categorical" else "number")
        for p in definition.active_parameters
    ]
    fields += [Field("metric", metric_label(m), "number") for m in definition.metrics]
    kinds: dict[str, FieldType] = {}
    for observation in history:
        for key, value in (observation.metadata or {}).items():
            if isinstance(value, str):
                kinds[key] = "string"
            else:
                kinds.setdefault(key, "number")
    fields += [Field("metadata", key, kinds[key]) for key in sorted(kinds)]
    return fields


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


def sample_history(
    definition: ExperimentDefinition, history: Sequence[Observation], max_points: int
) -> HistorySample:
    """``history``: live observations, oldest first. ``max_points`` ≥ 4."""
    best_so_far = {metric_label(m): _improvements(m, history) for m in definition.metrics}
    failed = [i for i, o in enumerate(history) if o.failed]
    if len(history) <= max_points:
        chosen = list(range(len(history)))
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
        keep.update((0, len(history) - 1))
        rest = [i for i in range(len(history)) if i not in keep]
        keep.update(_spread(rest, max_points - len(keep)))
        chosen = sorted(keep)
    return HistorySample(
        total=len(history),
        failed_total=len(failed),
        fields=tuple(_fields(definition, history)),
        numbers=tuple(i + 1 for i in chosen),
        observations=tuple(history[i] for i in chosen),
        best_so_far={name: tuple(steps) for name, steps in best_so_far.items()},
    )


def reporters(history: Sequence[Observation], limit: int) -> list[Reporter]:
    """The machines that reported most recently, newest first."""
    seen: dict[tuple[str, str], list[int]] = {}
    for observation in history:
        metadata = observation.metadata or {}
        for key in REPORTER_KEYS:
            if key in metadata:
                tally = seen.setdefault((key, str(metadata[key])), [0, 0, 0])
                tally[0] = max(tally[0], observation.created)
                tally[1] += 1
                tally[2] += int(observation.failed)
    found = [Reporter(k, v, t[0], t[1], t[2]) for (k, v), t in seen.items()]
    found.sort(key=lambda r: (-r.last_reported, r.key, r.value))
    return found[:limit]
