"""Rules a parameter and the conditionals it depends on obey, at creation and on update.

A request's parameter object arrives as a ``ParameterPatch``; ``build_parameter`` overlays it on
the stored parameter (none at creation) and checks the result, so creation and update share one
set of rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from dialin.domain.drafts import UNSET, ParameterPatch
from dialin.domain.experiments import ExperimentType
from dialin.domain.metadata import show
from dialin.domain.names import VALUE_NAME_MAX_LENGTH, check_name, invalid
from dialin.domain.parameters import (
    BetaPrior,
    Bounds,
    CategoricalValue,
    Conditional,
    NormalPrior,
    Parameter,
    ParameterType,
    Prior,
    Value,
)

__all__ = [
    "MINIMUM_DOMAIN_EDGE_LENGTH",
    "build_parameter",
    "check_conditionals",
    "check_parameter_value",
    "integral",
]

# Narrower domains make the optimizer's normalisation divide by ~0.
MINIMUM_DOMAIN_EDGE_LENGTH = 1e-8


def integral(value: float | int, field: str) -> int:
    """``value`` as an int if it is an integral number (``3.0`` counts), else InvalidField."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type integer")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type integer")
    return int(value)


def check_conditionals(
    conditionals: Sequence[Conditional], field: str = "conditionals"
) -> tuple[Conditional, ...]:
    """Names checked and stripped, names unique, at least two unique values each."""
    checked: list[Conditional] = []
    seen: set[str] = set()
    for i, conditional in enumerate(conditionals):
        path = f"{field}[{i}]"
        name = check_name(conditional.name, f"{path}.name", "Conditional")
        if name in seen:
            raise invalid(f"{path}.name", f"Duplicate conditional name {name} in {path}.name")
        seen.add(name)
        values: list[str] = []
        for j, raw in enumerate(conditional.values):
            value = check_name(
                raw, f"{path}.values[{j}]", "Conditional value", VALUE_NAME_MAX_LENGTH
            )
            if value in values:
                raise invalid(
                    f"{path}.values[{j}]",
                    f"Duplicate conditional value {value} in {path}.values for conditional {name}",
                )
            values.append(value)
        if len(values) < 2:
            raise invalid(
                f"{path}.values", f"Conditional {name} ({path}.values) must have at least 2 values"
            )
        checked.append(Conditional(name=name, values=tuple(values)))
    return tuple(checked)


def check_parameter_value(
    parameter: Parameter, value: object, field: str, *, within_bounds: bool = False
) -> Value:
    """One value for ``parameter`` (an assignment or a default), normalised to its type.

    Bounds are only enforced on request: SigOpt accepts out-of-range assignments.
    """
    if parameter.type == "categorical":
        if not isinstance(value, str):
            raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type string")
        names = {v.name: v for v in parameter.categorical_values}
        if value not in names:
            raise invalid(
                field,
                f"Invalid value for categorical parameter {parameter.name} ({field}): {value}",
            )
        if names[value].deleted:
            raise invalid(
                field,
                f"Cannot use deleted categorical value {value} for parameter {parameter.name}"
                f" ({field})",
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        expected = "integer" if parameter.type == "int" else "number"
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type {expected}")
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(field, f"Invalid value for {field}: numbers must be finite")
    number: float | int = integral(value, field) if parameter.type == "int" else float(value)
    if parameter.grid is not None and number not in parameter.grid:
        raise invalid(
            field,
            f"Invalid value for grid parameter {parameter.name} ({field}): {show(value)}."
            f" Valid values for this parameter are: {list(parameter.grid)}",
        )
    if parameter.is_log and number <= 0:
        raise invalid(
            field, f"{field} must be positive for log-transformed parameter {parameter.name}"
        )
    bounds = parameter.bounds
    if within_bounds and bounds is not None and not bounds.min <= number <= bounds.max:
        raise invalid(
            field,
            f"{field} for parameter {parameter.name} is invalid - must be between"
            f" {bounds.min} and {bounds.max}",
        )
    return number


def build_parameter(
    patch: ParameterPatch,
    field: str,
    *,
    experiment_type: ExperimentType,
    conditionals: Sequence[Conditional],
    stored: Parameter | None = None,
    updating: bool = False,
) -> Parameter:
    """The parameter ``patch`` describes, overlaid on ``stored`` (deleted ones too: revival).

    ``updating`` marks an experiment update: new and revived parameters then need a default
    value, and defaults must lie within the (new) bounds.
    """
    ptype = _type(patch, field, stored)
    transformation = _transformation(patch, field, ptype, stored)
    if ptype == "categorical":
        values = _categorical_values(patch, field, stored)
        active = tuple(v.name for v in sorted(values, key=lambda v: v.enum_index) if not v.deleted)
        if patch.bounds is not UNSET:
            raise invalid(
                f"{field}.bounds",
                f"Categorical parameter {patch.name} cannot have bounds ({field})",
            )
        if patch.grid is not UNSET and set(patch.grid) != set(active):
            raise invalid(
                f"{field}.grid",
                f"Categorical parameter {patch.name} cannot have a grid ({field}.grid):"
                " its categorical values are its grid",
            )
        grid: tuple[float, ...] | tuple[str, ...] | None = (
            active if experiment_type == "grid" else None
        )
        bounds: Bounds | None = None
    else:
        if patch.categorical_values is not UNSET:
            raise invalid(
                f"{field}.categorical_values",
                f"Numerical parameter {patch.name} cannot have categorical_values ({field})",
            )
        values = ()
        bounds, grid = _bounds_and_grid(
            patch, field, ptype, transformation, experiment_type, stored
        )
    parameter = Parameter(
        name=patch.name,
        type=ptype,
        bounds=bounds,
        categorical_values=values,
        grid=grid,
        prior=_prior(patch, field, ptype, transformation, bounds, grid, stored),
        transformation="log" if transformation == "log" else None,
        default_value=stored.default_value if stored is not None else None,
        conditions=_conditions(patch, field, conditionals, stored),
    )
    if patch.default_value is not UNSET:
        parameter = replace(
            parameter,
            default_value=check_parameter_value(
                parameter, patch.default_value, f"{field}.default_value", within_bounds=updating
            ),
        )
    elif updating and parameter.default_value is not None:
        # The stored default must still fit the new bounds / active values.
        check_parameter_value(
            parameter, parameter.default_value, f"{field}.default_value", within_bounds=True
        )
    if updating and (stored is None or stored.deleted) and parameter.default_value is None:
        raise invalid(
            f"{field}.default_value",
            f"New parameters must have default values: add a default_value to {field}"
            f" ({patch.name})",
        )
    return parameter


def _type(patch: ParameterPatch, field: str, stored: Parameter | None) -> ParameterType:
    if stored is None:
        if patch.type is UNSET:
            raise invalid(f"{field}.type", f"Missing required json key type in {field}")
        return patch.type
    if patch.type is not UNSET and patch.type != stored.type:
        raise invalid(
            f"{field}.type",
            f"The type of parameter {patch.name} ({field}.type) must remain {stored.type}",
        )
    return stored.type


def _transformation(
    patch: ParameterPatch, field: str, ptype: ParameterType, stored: Parameter | None
) -> str | None:
    current = stored.transformation if stored is not None else None
    if patch.transformation is UNSET:
        return current
    if patch.transformation not in (None, "log"):
        raise invalid(
            f"{field}.transformation",
            f"Invalid parameter transformation for {field}.transformation:"
            f" {show(patch.transformation)} must be one of ['none', 'log']",
        )
    if patch.transformation == "log" and ptype != "double":
        raise invalid(
            f"{field}.transformation",
            f"Transformation ({field}.transformation) is only valid for parameters of type double",
        )
    if stored is not None and patch.transformation != current:
        raise invalid(
            f"{field}.transformation",
            f"The transformation of parameter {patch.name} ({field}.transformation) must remain"
            f" {current or 'none'}",
        )
    return patch.transformation


def _categorical_values(
    patch: ParameterPatch, field: str, stored: Parameter | None
) -> tuple[CategoricalValue, ...]:
    path = f"{field}.categorical_values"
    if patch.categorical_values is UNSET:
        if stored is None:
            raise invalid(
                path, f"Categorical parameter {patch.name} must have categorical_values ({path})"
            )
        return stored.categorical_values
    existing = {v.name: v for v in stored.categorical_values} if stored is not None else {}
    next_index = max((v.enum_index for v in existing.values()), default=0) + 1
    seen: list[str] = []
    result: list[CategoricalValue] = []
    for j, raw in enumerate(patch.categorical_values):
        name = check_name(raw, f"{path}[{j}]", "Categorical value", VALUE_NAME_MAX_LENGTH)
        if name in seen:
            raise invalid(f"{path}[{j}]", f"Duplicate categorical value name {name} in {path}")
        seen.append(name)
        if name in existing:
            result.append(replace(existing[name], deleted=False))
        else:
            result.append(CategoricalValue(name=name, enum_index=next_index))
            next_index += 1
    result.extend(replace(v, deleted=True) for v in existing.values() if v.name not in seen)
    if len(seen) < 2:
        message = (
            f"Categorical parameter {patch.name} must have 2 or more active categorical values"
            f" ({path})"
        )
        raise invalid(path, message)
    return tuple(sorted(result, key=lambda v: v.enum_index))


def _number(value: float | int | str, field: str, ptype: ParameterType) -> float | int:
    if isinstance(value, str | bool):
        expected = "integer" if ptype == "int" else "number"
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type {expected}")
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(field, f"Invalid value for {field}: numbers must be finite")
    return integral(value, field) if ptype == "int" else float(value)


def _bounds_and_grid(
    patch: ParameterPatch,
    field: str,
    ptype: ParameterType,
    transformation: str | None,
    experiment_type: ExperimentType,
    stored: Parameter | None,
) -> tuple[Bounds, tuple[float, ...] | None]:
    grid: tuple[float, ...] | None = None
    if patch.grid is not UNSET:
        numbers = [_number(v, f"{field}.grid[{j}]", ptype) for j, v in enumerate(patch.grid)]
        grid = _checked_grid(numbers, f"{field}.grid", patch.name, transformation)
    elif stored is not None and stored.grid is not None:
        grid = tuple(float(v) for v in stored.grid) if ptype == "double" else stored.grid  # type: ignore[assignment]
    elif experiment_type == "grid":
        raise invalid(
            f"{field}.grid",
            f"Parameter {patch.name} of a grid experiment must have a grid ({field})",
        )
    if grid is not None:
        derived = Bounds(min=grid[0], max=grid[-1])
        if patch.bounds is not UNSET and (
            patch.bounds.min != derived.min or patch.bounds.max != derived.max
        ):
            # Echoed grid parameters carry their derived bounds; anything else contradicts the grid.
            raise invalid(
                f"{field}.bounds",
                f"Parameters with grid cannot have bounds ({field}.bounds):"
                " they are inferred from the grid",
            )
        return derived, grid
    if patch.bounds is not UNSET:
        bounds = Bounds(
            min=_number(patch.bounds.min, f"{field}.bounds.min", ptype),
            max=_number(patch.bounds.max, f"{field}.bounds.max", ptype),
        )
    elif stored is not None and stored.bounds is not None:
        bounds = stored.bounds
    else:
        raise invalid(f"{field}.bounds", f"Parameter {patch.name} must have bounds ({field})")
    if bounds.max < bounds.min:
        raise invalid(
            f"{field}.bounds", f"Invalid bounds for {field}.bounds: max must be greater than min"
        )
    if bounds.max - bounds.min < MINIMUM_DOMAIN_EDGE_LENGTH:
        raise invalid(
            f"{field}.bounds",
            f"Invalid bounds for {field}.bounds: max - min must be at least"
            f" {MINIMUM_DOMAIN_EDGE_LENGTH}",
        )
    if transformation == "log" and bounds.min <= 0:
        raise invalid(
            f"{field}.bounds.min",
            f"Invalid bounds for log-transformation ({field}.bounds): bounds must be positive",
        )
    return bounds, None


def _checked_grid(
    numbers: Sequence[float | int], field: str, name: str, transformation: str | None
) -> tuple[float, ...]:
    if len(set(numbers)) != len(numbers):
        raise invalid(field, f"Grid of parameter {name} ({field}) cannot have duplicate values")
    if len(numbers) < 2:
        raise invalid(field, f"Grid of parameter {name} ({field}) must have 2 or more values")
    if transformation == "log" and any(v <= 0 for v in numbers):
        raise invalid(
            field,
            f"Grid values of parameter {name} ({field}) must be greater than zero with"
            " transformation log",
        )
    return tuple(sorted(numbers))


def _prior(
    patch: ParameterPatch,
    field: str,
    ptype: ParameterType,
    transformation: str | None,
    bounds: Bounds | None,
    grid: object,
    stored: Parameter | None,
) -> Prior | None:
    prior = stored.prior if stored is not None else None
    if patch.prior is not UNSET:
        prior = patch.prior
    if prior is None:
        return None
    path = f"{field}.prior"
    if ptype != "double":
        raise invalid(path, f"Only parameters of type double can have a prior ({path})")
    if transformation == "log":
        raise invalid(path, f"Parameters with a log transformation cannot have priors ({path})")
    if grid is not None:
        raise invalid(path, f"Grid parameters cannot have priors ({path})")
    if isinstance(prior, NormalPrior):
        assert bounds is not None
        if not bounds.min <= prior.mean <= bounds.max:
            raise invalid(f"{path}.mean", f"{path}.mean must be within the bounds of the parameter")
        if prior.scale <= 0:
            raise invalid(f"{path}.scale", f"{path}.scale must be positive")
    if isinstance(prior, BetaPrior):
        for key, value in (("shape_a", prior.shape_a), ("shape_b", prior.shape_b)):
            if value <= 0:
                raise invalid(
                    f"{path}.{key}", f"{path}.{key}: shape parameters for beta must be positive"
                )
    return prior


def _conditions(
    patch: ParameterPatch,
    field: str,
    conditionals: Sequence[Conditional],
    stored: Parameter | None,
) -> Mapping[str, tuple[str, ...]]:
    if patch.conditions is UNSET:
        return stored.conditions if stored is not None else {}
    path = f"{field}.conditions"
    by_name = {c.name: c for c in conditionals}
    conditions: dict[str, tuple[str, ...]] = {}
    for name, values in patch.conditions.items():
        if name not in by_name:
            raise invalid(
                f"{path}.{name}",
                f"Parameter {patch.name} ({path}) attempted to use non-existent conditional {name}",
            )
        if not values:
            raise invalid(
                f"{path}.{name}",
                f"The condition on {name} ({path}.{name}) must provide at least one value",
            )
        for value in values:
            if value not in by_name[name].values:
                raise invalid(
                    f"{path}.{name}",
                    f"Conditional {name} ({path}.{name}) attempted to use non-existent value"
                    f" {show(value)}",
                )
        # conditional value order, so equal conditions compare equal
        conditions[name] = tuple(v for v in by_name[name].values if v in values)
    if stored is not None and conditions != dict(stored.conditions):
        raise invalid(path, f"Conditions cannot be updated for parameters ({path})")
    return conditions
