"""Experiments: the definition an optimizer works from, and the stored experiment around it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from dialin.domain.metrics import Metric, Task
from dialin.domain.parameters import Conditional, LinearConstraint, Parameter

__all__ = [
    "Experiment",
    "ExperimentDefinition",
    "ExperimentState",
    "ExperimentType",
    "Metadata",
]

ExperimentType: TypeAlias = Literal["offline", "random", "grid"]
ExperimentState: TypeAlias = Literal["active", "deleted"]
Metadata: TypeAlias = Mapping[str, float | int | str]


@dataclass(frozen=True)
class ExperimentDefinition:
    """Everything that shapes suggestions; ``parameters`` holds deleted parameters too."""

    type: ExperimentType
    parameters: tuple[Parameter, ...]
    metrics: tuple[Metric, ...] = (Metric(name=None),)
    conditionals: tuple[Conditional, ...] = ()
    linear_constraints: tuple[LinearConstraint, ...] = ()
    tasks: tuple[Task, ...] = ()
    # observation_budget on core experiments, budget on AI experiments
    budget: int | None = None
    num_solutions: int | None = None
    parallel_bandwidth: int | None = None

    @property
    def active_parameters(self) -> tuple[Parameter, ...]:
        return tuple(sorted((p for p in self.parameters if not p.deleted), key=lambda p: p.name))

    @property
    def optimized_metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.strategy == "optimize")

    @property
    def constraint_metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.strategy == "constraint")

    @property
    def is_multitask(self) -> bool:
        return bool(self.tasks)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.active_parameters if p.name == name), None)

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    @property
    def full_cost_task(self) -> Task | None:
        return next((t for t in self.tasks if t.cost == 1), None)


@dataclass(frozen=True)
class Experiment:
    id: int
    client_id: int
    name: str
    definition: ExperimentDefinition
    created: int
    updated: int
    state: ExperimentState = "active"
    runs_only: bool = False
    project: str | None = None
    metadata: Metadata | None = None
    development: bool = False
    # Free-form per-experiment settings of dialin's own (e.g. early stopping); not part of SigOpt.
    extras: Mapping[str, object] = field(default_factory=dict)

    @property
    def deleted(self) -> bool:
        return self.state == "deleted"
