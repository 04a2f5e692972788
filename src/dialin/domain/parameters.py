"""Parameters, conditionals and linear constraints of an experiment's search space."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

__all__ = [
    "Assignments",
    "BetaPrior",
    "Bounds",
    "CategoricalValue",
    "Conditional",
    "ConstraintTerm",
    "LinearConstraint",
    "NormalPrior",
    "Parameter",
    "ParameterType",
    "Prior",
    "Value",
]

ParameterType: TypeAlias = Literal["double", "int", "categorical"]
Value: TypeAlias = float | int | str
Assignments: TypeAlias = Mapping[str, Value]


@dataclass(frozen=True)
class Bounds:
    min: float
    max: float


@dataclass(frozen=True)
class NormalPrior:
    mean: float
    scale: float


@dataclass(frozen=True)
class BetaPrior:
    shape_a: float
    shape_b: float


Prior: TypeAlias = NormalPrior | BetaPrior


@dataclass(frozen=True)
class CategoricalValue:
    name: str
    enum_index: int
    deleted: bool = False


@dataclass(frozen=True)
class Conditional:
    """A switch that parameters depend on; its value is part of every assignment."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Parameter:
    name: str
    type: ParameterType
    bounds: Bounds | None = None
    categorical_values: tuple[CategoricalValue, ...] = ()
    # Numeric grids are sorted ascending; categorical grids hold value names.
    grid: tuple[float, ...] | tuple[str, ...] | None = None
    prior: Prior | None = None
    transformation: Literal["log"] | None = None
    default_value: Value | None = None
    # conditional name -> the values of it under which this parameter is active
    conditions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deleted: bool = False

    @property
    def active_values(self) -> tuple[str, ...]:
        """Categorical value names still in use, by enum index."""
        live = [v for v in self.categorical_values if not v.deleted]
        return tuple(v.name for v in sorted(live, key=lambda v: v.enum_index))

    @property
    def is_log(self) -> bool:
        return self.transformation == "log"

    def is_active(self, assignments: Assignments) -> bool:
        """Whether every condition holds under the conditionals' values in ``assignments``."""
        return all(assignments.get(name) in values for name, values in self.conditions.items())


@dataclass(frozen=True)
class ConstraintTerm:
    name: str
    weight: float


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(weight * x) >= threshold`` (greater_than) or ``<= threshold`` (less_than)."""

    type: Literal["greater_than", "less_than"]
    threshold: float
    terms: tuple[ConstraintTerm, ...]

    def lhs(self, assignments: Assignments) -> float:
        return sum(t.weight * float(assignments[t.name]) for t in self.terms)

    def holds(self, assignments: Assignments, tolerance: float = 1e-9) -> bool:
        # The tolerance absorbs float round-off of values that sit exactly on the boundary.
        slack = tolerance * max(1.0, abs(self.threshold))
        value = self.lhs(assignments)
        if self.type == "greater_than":
            return value >= self.threshold - slack
        return value <= self.threshold + slack
