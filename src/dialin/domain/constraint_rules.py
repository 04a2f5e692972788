"""Linear constraints between numeric parameters: which terms are allowed, and feasibility."""

from __future__ import annotations

from collections.abc import Sequence

from dialin.domain.names import check_name, invalid
from dialin.domain.parameters import ConstraintTerm, LinearConstraint, Parameter

__all__ = ["MAX_INT_CONSTRAINT_PARAMETERS", "check_linear_constraints", "constraints_feasible"]

MAX_INT_CONSTRAINT_PARAMETERS = 10


def check_linear_constraints(
    constraints: Sequence[LinearConstraint],
    parameters: Sequence[Parameter],
    field: str = "linear_constraints",
) -> tuple[LinearConstraint, ...]:
    """Constraints with zero-weight terms dropped and terms sorted by name (case-insensitive).

    Terms must name unconditioned, untransformed, non-grid double or int parameters, without
    repeats or int/double mixing inside one constraint; the set must be feasible in the bounds.
    """
    by_name = {p.name: p for p in parameters if not p.deleted}
    int_names: set[str] = set()
    checked: list[LinearConstraint] = []
    for i, constraint in enumerate(constraints):
        path = f"{field}[{i}]"
        if not constraint.terms:
            raise invalid(f"{path}.terms", f"Constraint {path} must have at least one term")
        kinds: set[str] = set()
        names: set[str] = set()
        terms: list[ConstraintTerm] = []
        for j, term in enumerate(constraint.terms):
            term_path = f"{path}.terms[{j}]"
            name = check_name(term.name, f"{term_path}.name", "Variable")
            parameter = by_name.get(name)
            if parameter is None:
                raise invalid(
                    f"{term_path}.name",
                    f"Variable {name} ({term_path}.name) is not a known parameter",
                )
            problem = _unconstrainable(parameter)
            if problem:
                raise invalid(
                    f"{term_path}.name",
                    f"Constraint cannot be defined on {problem} {name} ({term_path})",
                )
            if name in names:
                raise invalid(
                    f"{term_path}.name", f"Duplicate variable name {name} in {path}.terms"
                )
            names.add(name)
            # A zero weight contributes nothing: drop the term before it can clash.
            if term.weight == 0:
                continue
            kinds.add(parameter.type)
            if len(kinds) > 1:
                raise invalid(
                    f"{path}.terms",
                    f"Constraint {path} cannot mix integer and double parameters",
                )
            if parameter.type == "int":
                int_names.add(name)
                if len(int_names) > MAX_INT_CONSTRAINT_PARAMETERS:
                    raise invalid(
                        f"{term_path}.name",
                        f"No more than {MAX_INT_CONSTRAINT_PARAMETERS} integer parameters may"
                        f" appear in constraints ({term_path})",
                    )
            terms.append(ConstraintTerm(name=name, weight=float(term.weight)))
        if not terms:
            raise invalid(
                f"{path}.terms",
                f"Constraint {path} must have at least one term with a non-zero weight",
            )
        terms.sort(key=lambda t: (t.name.lower(), t.name))
        checked.append(
            LinearConstraint(
                type=constraint.type, threshold=float(constraint.threshold), terms=tuple(terms)
            )
        )
    if checked and not constraints_feasible(checked, parameters):
        raise invalid(
            field, f"Infeasible constraints: no point inside the bounds satisfies {field}"
        )
    return tuple(checked)


def _unconstrainable(parameter: Parameter) -> str | None:
    if parameter.type not in ("double", "int"):
        return "the non-numeric parameter"
    if parameter.conditions:
        return "the conditioned parameter"
    if parameter.is_log:
        return "the log-transformed parameter"
    if parameter.grid is not None:
        return "the grid parameter"
    return None


def constraints_feasible(
    constraints: Sequence[LinearConstraint], parameters: Sequence[Parameter]
) -> bool:
    """Whether some point in the parameters' bounds (integral for int ones) satisfies all."""
    # scipy is heavy to import and only needed here; keep it off the import path of the wire.
    import numpy as np
    from scipy.optimize import linprog

    names = sorted({t.name for c in constraints for t in c.terms})
    by_name = {p.name: p for p in parameters if not p.deleted}
    rows: list[list[float]] = []
    limits: list[float] = []
    for constraint in constraints:
        weights = {t.name: t.weight for t in constraint.terms}
        # linprog wants A x <= b: negate greater_than rows.
        sign = -1.0 if constraint.type == "greater_than" else 1.0
        rows.append([sign * weights.get(n, 0.0) for n in names])
        limits.append(sign * constraint.threshold)
    bounds = []
    for name in names:
        b = by_name[name].bounds
        assert b is not None
        bounds.append((float(b.min), float(b.max)))
    integrality = [1 if by_name[n].type == "int" else 0 for n in names]
    # A tiny slack keeps points exactly on a boundary feasible despite float round-off.
    slack = [1e-9 * max(1.0, abs(b)) for b in limits]
    result = linprog(
        c=np.zeros(len(names)),
        A_ub=np.array(rows),
        b_ub=np.array(limits) + np.array(slack),
        bounds=bounds,
        integrality=integrality,
        method="highs",
    )
    return bool(result.status == 0)
