"""What a caller asks for, already parsed and shape-checked, before the store gives it an id.

Fields left ``UNSET`` were absent from the request; ``None`` means "clear this".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeAlias, TypeVar

from dialin.domain.experiments import ExperimentDefinition, ExperimentState, Metadata
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.parameters import Assignments, Parameter

__all__ = [
    "UNSET",
    "ExperimentDraft",
    "ExperimentPatch",
    "Maybe",
    "ObservationDraft",
    "ObservationPatch",
    "ProjectDraft",
    "ProjectPatch",
    "QueuedSuggestionDraft",
    "SuggestionDraft",
    "Unset",
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

@dataclass(frozen=True)
class ExperimentPatch:
    name: Maybe[str] = UNSET
    state: Maybe[ExperimentState] = UNSET
    metadata: Maybe[Metadata | None] = UNSET
    parallel_bandwidth: Maybe[int | None] = UNSET
    project: Maybe[str | None] = UNSET
    budget: Maybe[int | None] = UNSET
    # The full new parameter list: omitted parameters are deleted (SigOpt semantics).
    parameters: Maybe[tuple[Parameter, ...]] = UNSET
    metrics: Maybe[tuple[Metric, ...]] = UNSET
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
class ObservationPatch:
    suggestion_id: Maybe[int | None] = UNSET
    assignments: Maybe[Assignments] = UNSET
    # A value entry whose value is None keeps the stored value (stddev-only updates).
    values: Maybe[tuple[tuple[str | None, float | None, float | None | Unset], ...]] = UNSET
    failed: Maybe[bool] = UNSET
    metadata: Maybe[Metadata | None] = UNSET
    task_name: Maybe[str] = UNSET
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
