"""What a caller asks for, already parsed and shape-checked, before the store gives it an id.

Fields left ``UNSET`` were absent from the request; ``None`` means "clear this".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, TypeAlias, TypeVar

from dialin.domain.experiments import ExperimentDefinition, ExperimentState, Metadata
from dialin.domain.metrics import MetricValue, Objective, Strategy
from dialin.domain.parameters import Assignments, Bounds, ParameterType, Prior, Value

__all__ = [
    "UNSET",
    "ExperimentDraft",
    "ExperimentPatch",
    "Maybe",
    "MetricPatch",
    "ObservationDraft",
    "ObservationPatch",
    "ParameterPatch",
    "ProjectDraft",
    "ProjectPatch",
    "QueuedSuggestionDraft",
    "SuggestionDraft",
    "Unset",
    "ValuePatch",
]


class Unset(Enum):
    UNSET = "UNSET"


UNSET: Final = Unset.UNSET
T = TypeVar("T")
Maybe: TypeAlias = T | Unset


@dataclass(frozen=True)
class ExperimentDraft:
    name: str
    definition: ExperimentDefinition
    runs_only: bool = False
    project: str | None = None
    metadata: Metadata | None = None
    # dialin's own settings (Experiment.extras), e.g. early stopping
    extras: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ParameterPatch:
    """One parameter object as a request states it, shape-checked only.

    The same value serves creation (every UNSET field takes its default) and update (UNSET
    keeps the stored field), so one set of rules judges both. ``null`` in the request reads as
    UNSET, except ``prior`` where ``None`` clears it.
    """

    name: str
    type: Maybe[ParameterType] = UNSET
    # numbers as sent; the rules check integrality for int parameters
    bounds: Maybe[Bounds] = UNSET
    # value names in request order; enum indexes are the rules' business
    categorical_values: Maybe[tuple[str, ...]] = UNSET
    grid: Maybe[tuple[float | int | str, ...]] = UNSET
    prior: Maybe[Prior | None] = UNSET
    # None is SigOpt's "none"
    transformation: Maybe[str | None] = UNSET
    default_value: Maybe[Value] = UNSET
    conditions: Maybe[Mapping[str, tuple[str, ...]]] = UNSET


@dataclass(frozen=True)
class MetricPatch:
    """A metric object of an experiment update: only ``threshold`` may differ from the stored."""

    name: Maybe[str | None] = UNSET
    objective: Maybe[Objective] = UNSET
    strategy: Maybe[Strategy] = UNSET
    threshold: Maybe[float | None] = UNSET


@dataclass(frozen=True)
class ExperimentPatch:
    name: Maybe[str] = UNSET
    state: Maybe[ExperimentState] = UNSET
    metadata: Maybe[Metadata | None] = UNSET
    parallel_bandwidth: Maybe[int | None] = UNSET
    project: Maybe[str | None] = UNSET
    budget: Maybe[int | None] = UNSET
    # The full new parameter list: omitted parameters are deleted (SigOpt semantics).
    parameters: Maybe[tuple[ParameterPatch, ...]] = UNSET
    metrics: Maybe[tuple[MetricPatch, ...]] = UNSET
    no_optimize: bool = False


@dataclass(frozen=True)
class SuggestionDraft:
    assignments: Assignments | None = None
    task_name: str | None = None
    metadata: Metadata | None = None


@dataclass(frozen=True)
class QueuedSuggestionDraft:
    assignments: Assignments
    task_name: str | None = None


@dataclass(frozen=True)
class ObservationDraft:
    # exactly one of suggestion_id / assignments is set
    suggestion_id: int | None = None
    assignments: Assignments | None = None
    values: tuple[MetricValue, ...] = ()
    failed: bool = False
    metadata: Metadata | None = None
    task_name: str | None = None
    no_optimize: bool = False


@dataclass(frozen=True)
class ValuePatch:
    """One ``values`` entry of an observation update; an UNSET value keeps the stored one."""

    name: str | None
    value: Maybe[float] = UNSET
    value_stddev: Maybe[float | None] = UNSET


@dataclass(frozen=True)
class ObservationPatch:
    # Both may be given as long as exactly one of them ends up set (the other as null).
    suggestion_id: Maybe[int | None] = UNSET
    assignments: Maybe[Assignments | None] = UNSET
    # null in the request: the values are removed (the observation must then be failed)
    values: Maybe[tuple[ValuePatch, ...] | None] = UNSET
    failed: Maybe[bool] = UNSET
    metadata: Maybe[Metadata | None] = UNSET
    task_name: Maybe[str | None] = UNSET
    no_optimize: bool = False


@dataclass(frozen=True)
class ProjectDraft:
    id: str
    name: str
    metadata: Metadata | None = None


@dataclass(frozen=True)
class ProjectPatch:
    name: Maybe[str] = UNSET
    metadata: Maybe[Metadata | None] = UNSET
    deleted: Maybe[bool] = UNSET
