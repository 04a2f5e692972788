"""Whether a set of assignments is a point of an experiment's search space (SigOpt §4.5)."""

from __future__ import annotations

from collections.abc import Mapping

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metadata import show
from dialin.domain.names import invalid
from dialin.domain.parameter_rules import check_parameter_value
from dialin.domain.parameters import Value

__all__ = ["check_assignments"]


def check_assignments(
    definition: ExperimentDefinition, assignments: Mapping[str, object], field: str = "assignments"
) -> dict[str, float | int | str]:
    """The assignments normalised (ints for int parameters, floats for doubles).

    Active parameters and every conditional must be present; parameters whose conditions fail
    must be absent (null counts as absent: SigOpt renders them so). Bounds are not enforced:
    SigOpt accepts out-of-range points and the optimizer copes.
    """
    if not isinstance(assignments, Mapping):
        raise invalid(
            field, f"Invalid type for {field}: {show(assignments)} - expected type object"
        )
    parameters = {p.name: p for p in definition.active_parameters}
    conditionals = {c.name: c for c in definition.conditionals}
    result: dict[str, Value] = {}
    for name in assignments:
        if not isinstance(name, str) or (name not in parameters and name not in conditionals):
            raise invalid(
                f"{field}.{name}",
                f'Invalid assignment, parameter does not exist: "{name}" ({field})',
            )
    for name, conditional in conditionals.items():
        value = assignments.get(name)
        path = f"{field}.{name}"
        if value is None:
            raise invalid(path, f'Missing assignment for conditional: "{name}" ({path})')
        if not isinstance(value, str) or value not in conditional.values:
            raise invalid(path, f"Invalid assignment {show(value)} for conditional {name} ({path})")
        result[name] = value
    for name, parameter in parameters.items():
        path = f"{field}.{name}"
        value = assignments.get(name)
        satisfied = parameter.is_active(result)
        if value is None:
            if satisfied:
                raise invalid(path, f'Missing assignment for parameter: "{name}" ({path})')
            continue
        if not satisfied:
            raise invalid(
                path, f'Do not provide assignment for unsatisfied parameter: "{name}" ({path})'
            )
        result[name] = check_parameter_value(parameter, value, path)
    for i, constraint in enumerate(definition.linear_constraints):
        if not constraint.holds(result):
            terms = " + ".join(f"{t.weight:g}*{t.name}" for t in constraint.terms)
            op = ">=" if constraint.type == "greater_than" else "<="
            raise invalid(
                field,
                f"Assignments ({field}) do not satisfy constraint {i}:"
                f" {terms} {op} {constraint.threshold:g}",
            )
    return result
