"""A search space every peer can read: parameters, conditionals and linear constraints.

Standard library only, because peer workers import it inside environments that share nothing
with the driver but Python itself. It crosses the pipe to a worker as plain JSON.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Conditional", "LinearConstraint", "Param", "Space", "sample_uniform"]

Assignments = Mapping[str, float | int | str]


@dataclass(frozen=True)
class Param:
    name: str
    type: Literal["double", "int", "categorical"]
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    choices: tuple[str, ...] = ()
    # conditional name -> the values of it under which this parameter exists
    conditions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_active(self, assignments: Assignments) -> bool:
        return all(assignments.get(name) in values for name, values in self.conditions.items())


@dataclass(frozen=True)
class Conditional:
    """A switch chosen by the optimizer; parameters exist only under some of its values."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(weight * x) <= threshold`` (``less_than``) or ``>= threshold`` (``greater_than``)."""

    type: Literal["less_than", "greater_than"]
    threshold: float
    weights: Mapping[str, float]

    def holds(self, assignments: Assignments) -> bool:
        lhs = sum(w * float(assignments[name]) for name, w in self.weights.items())
        # Points proposed exactly on the boundary must count as feasible despite round-off.
        slack = 1e-9 * max(1.0, abs(self.threshold))
        if self.type == "less_than":
            return lhs <= self.threshold + slack
        return lhs >= self.threshold - slack


@dataclass(frozen=True)
class Space:
    params: tuple[Param, ...]
    conditionals: tuple[Conditional, ...] = ()
    constraints: tuple[LinearConstraint, ...] = ()

    @property
    def dims(self) -> int:
        return len(self.params) + len(self.conditionals)

    def active_params(self, assignments: Assignments) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.is_active(assignments))

    def is_feasible(self, assignments: Assignments) -> bool:
        return all(c.holds(assignments) for c in self.constraints)

    def to_json(self) -> dict[str, Any]:
        return {
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "low": p.low,
                    "high": p.high,
                    "log": p.log,
                    "choices": list(p.choices),
                    "conditions": {k: list(v) for k, v in p.conditions.items()},
                }
                for p in self.params
            ],
            "conditionals": [{"name": c.name, "values": list(c.values)} for c in self.conditionals],
            "constraints": [
                {"type": c.type, "threshold": c.threshold, "weights": dict(c.weights)}
                for c in self.constraints
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Space:
        return cls(
            params=tuple(
                Param(
                    name=p["name"],
                    type=p["type"],
                    low=p["low"],
                    high=p["high"],
                    log=p["log"],
                    choices=tuple(p["choices"]),
                    conditions={k: tuple(v) for k, v in p["conditions"].items()},
                )
                for p in data["params"]
            ),
            conditionals=tuple(
                Conditional(c["name"], tuple(c["values"])) for c in data["conditionals"]
            ),
            constraints=tuple(
                LinearConstraint(c["type"], c["threshold"], c["weights"])
                for c in data["constraints"]
            ),
        )


def sample_uniform(space: Space, rng: random.Random, max_tries: int = 10_000) -> dict[str, Any]:
    """One point drawn uniformly (log-uniformly for log parameters) from the feasible region."""
    for _ in range(max_tries):
        point: dict[str, Any] = {c.name: rng.choice(c.values) for c in space.conditionals}
        for param in space.active_params(point):
            point[param.name] = _sample_param(param, rng)
        if space.is_feasible(point):
            return point
    raise ValueError("no feasible point found by rejection sampling")


def _sample_param(param: Param, rng: random.Random) -> float | int | str:
    if param.type == "categorical":
        return rng.choice(param.choices)
    if param.type == "int":
        if param.log:
            # Log-uniform over [low, high + 1) then floored, so every integer keeps its share.
            draw = math.exp(rng.uniform(math.log(param.low), math.log(param.high + 1)))
            return min(int(param.high), math.floor(draw))
        return rng.randint(int(param.low), int(param.high))
    if param.log:
        return math.exp(rng.uniform(math.log(param.low), math.log(param.high)))
    return rng.uniform(param.low, param.high)
