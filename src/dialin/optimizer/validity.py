"""Whether assignments are a valid proposal (spec §4.5, plus bounds): the last check before a
model-chosen point leaves the optimizer, so that no bug upstream can hand a worker a point the
API would refuse or a constraint forbids."""

from __future__ import annotations

import math

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.parameters import Assignments

__all__ = ["is_valid"]


def is_valid(definition: ExperimentDefinition, assignments: Assignments) -> bool:
    for c in definition.conditionals:
        if assignments.get(c.name) not in c.values:
            return False
    for p in definition.active_parameters:
        present = p.name in assignments
        if not p.is_active(assignments):
            if present:
                return False
            continue
        if not present:
            return False
        v = assignments[p.name]
        if p.type == "categorical":
            if v not in p.active_values:
                return False
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return False
        if (p.type == "int") != isinstance(v, int):
            return False
        if p.is_log and v <= 0:
            return False
        if p.grid is not None and not any(
            isinstance(g, int | float) and math.isclose(v, g) for g in p.grid
        ):
            return False
        if p.bounds is not None and p.grid is None and not (p.bounds.min <= v <= p.bounds.max):
            return False
    return all(c.holds(assignments) for c in definition.linear_constraints)
