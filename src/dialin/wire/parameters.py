"""Parameters, conditionals and linear constraints: SigOpt JSON shapes in and out (§3.4, §3.5)."""

from __future__ import annotations

from typing import Literal, TypeAlias

from dialin.domain.drafts import UNSET, Maybe, ParameterPatch
from dialin.domain.names import check_name, invalid
from dialin.domain.parameters import (
    BetaPrior,
    Bounds,
    Conditional,
    ConstraintTerm,
    LinearConstraint,
    NormalPrior,
    Parameter,
    ParameterType,
    Prior,
    Value,
)
from dialin.wire.fields import (
    child,
    expect_choice,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.render import render_number

__all__ = [
    "parse_conditionals",
    "parse_linear_constraints",
    "parse_parameter_patch",
    "render_conditional",
    "render_linear_constraint",
    "render_parameter",
]

PARAMETER_TYPES: tuple[ParameterType, ...] = ("double", "int", "categorical")
PRIOR_NAMES = ("normal", "beta")
ConstraintType: TypeAlias = Literal["greater_than", "less_than"]
CONSTRAINT_TYPES: tuple[ConstraintType, ...] = ("greater_than", "less_than")


def parse_parameter_patch(value: object, field: str) -> ParameterPatch:
    """One parameter object, shape only; ``build_parameter`` judges it.

    Unknown keys are ignored: clients echo whole rendered parameter objects (with ``object``
    keys and null fields) back on update. ``null`` reads as absent, except for ``prior``.
    """
    obj = expect_object(value, field)
    name_path = child(field, "name")
    name = check_name(expect_string(require(obj, "name", field), name_path), name_path, "Parameter")
    ptype: Maybe[ParameterType] = UNSET
    if obj.get("type") is not None:
        path = child(field, "type")
        raw = expect_string(obj["type"], path)
        if raw not in PARAMETER_TYPES:
            raise invalid(
                path,
                f"Invalid param_type for {path}: {raw!r} must be one of {list(PARAMETER_TYPES)}",
            )
        ptype = expect_choice(raw, path, PARAMETER_TYPES)
    transformation: Maybe[str | None] = UNSET
    if obj.get("transformation") is not None:
        path = child(field, "transformation")
        chosen = expect_choice(obj["transformation"], path, ("none", "log"))
        transformation = None if chosen == "none" else chosen

    def present(key: str) -> bool:
        return obj.get(key) is not None

    return ParameterPatch(
        name=name,
        type=ptype,
        bounds=_parse_bounds(obj["bounds"], child(field, "bounds")) if present("bounds") else UNSET,
        categorical_values=_parse_categorical_values(
            obj["categorical_values"], child(field, "categorical_values")
        )
        if present("categorical_values")
        else UNSET,
        grid=_parse_grid(obj["grid"], child(field, "grid")) if present("grid") else UNSET,
        prior=_parse_prior(obj["prior"], child(field, "prior")) if "prior" in obj else UNSET,
        transformation=transformation,
        default_value=_parse_assignment(obj["default_value"], child(field, "default_value"))
        if present("default_value")
        else UNSET,
        conditions=_parse_conditions(obj["conditions"], child(field, "conditions"))
        if present("conditions")
        else UNSET,
    )


def _parse_assignment(value: object, field: str) -> Value:
    if isinstance(value, str):
        return value
    return expect_number(value, field)


def _parse_bounds(value: object, field: str) -> Bounds:
    obj = expect_object(value, field)
    return Bounds(
        min=expect_number(require(obj, "min", field), child(field, "min")),
        max=expect_number(require(obj, "max", field), child(field, "max")),
    )


def _parse_categorical_values(value: object, field: str) -> tuple[str, ...]:
    names: list[str] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        if isinstance(item, str):
            names.append(item)
        else:
            obj = expect_object(item, path)
            names.append(expect_string(require(obj, "name", path), child(path, "name")))
    return tuple(names)


def _parse_grid(value: object, field: str) -> tuple[float | int | str, ...]:
    return tuple(
        _parse_assignment(item, child(field, i)) for i, item in enumerate(expect_list(value, field))
    )


def _parse_prior(value: object, field: str) -> Prior | None:
    if value is None:
        return None
    obj = expect_object(value, field)
    name = expect_choice(require(obj, "name", field), child(field, "name"), PRIOR_NAMES)
    if name == "normal":
        return NormalPrior(
            mean=float(expect_number(require(obj, "mean", field), child(field, "mean"))),
            scale=float(expect_number(require(obj, "scale", field), child(field, "scale"))),
        )
    return BetaPrior(
        shape_a=float(expect_number(require(obj, "shape_a", field), child(field, "shape_a"))),
        shape_b=float(expect_number(require(obj, "shape_b", field), child(field, "shape_b"))),
    )


def _parse_conditions(value: object, field: str) -> dict[str, tuple[str, ...]]:
    conditions: dict[str, tuple[str, ...]] = {}
    for name, raw in expect_object(value, field).items():
        path = child(field, name)
        if isinstance(raw, str):
            conditions[name] = (raw,)
        else:
            conditions[name] = tuple(
                expect_string(item, child(path, i)) for i, item in enumerate(expect_list(raw, path))
            )
    return conditions


def parse_conditionals(value: object, field: str = "conditionals") -> tuple[Conditional, ...]:
    """Shape only; ``check_conditionals`` judges names and values."""
    if value is None:
        return ()
    result: list[Conditional] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = expect_object(item, path)
        reject_unknown_keys(obj, ("name", "values", "object"), path)
        name = expect_string(require(obj, "name", path), child(path, "name"))
        values_path = child(path, "values")
        values = tuple(
            expect_string(v, child(values_path, j))
            for j, v in enumerate(expect_list(require(obj, "values", path), values_path))
        )
        result.append(Conditional(name=name, values=values))
    return tuple(result)


def parse_linear_constraints(
    value: object, field: str = "linear_constraints"
) -> tuple[LinearConstraint, ...]:
    """Shape only (zero weights kept); ``check_linear_constraints`` judges the terms."""
    if value is None:
        return ()
    result: list[LinearConstraint] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = expect_object(item, path)
        reject_unknown_keys(obj, ("type", "threshold", "terms", "object"), path)
        kind = expect_choice(require(obj, "type", path), child(path, "type"), CONSTRAINT_TYPES)
        threshold = expect_number(require(obj, "threshold", path), child(path, "threshold"))
        terms_path = child(path, "terms")
        terms: list[ConstraintTerm] = []
        for j, raw in enumerate(expect_list(require(obj, "terms", path), terms_path)):
            term_path = child(terms_path, j)
            term = expect_object(raw, term_path)
            reject_unknown_keys(term, ("name", "weight", "object"), term_path)
            terms.append(
                ConstraintTerm(
                    name=expect_string(require(term, "name", term_path), child(term_path, "name")),
                    weight=float(
                        expect_number(
                            require(term, "weight", term_path), child(term_path, "weight")
                        )
                    ),
                )
            )
        result.append(LinearConstraint(type=kind, threshold=float(threshold), terms=tuple(terms)))
    return tuple(result)


def _render_typed(parameter: Parameter, value: float | int | str) -> float | int | str:
    if isinstance(value, str):
        return value
    return int(value) if parameter.type == "int" else float(value)


def render_parameter(parameter: Parameter) -> dict[str, object]:
    bounds = parameter.bounds
    rendered: dict[str, object] = {
        "object": "parameter",
        "name": parameter.name,
        "type": parameter.type,
        "bounds": None
        if bounds is None or parameter.type == "categorical"
        else {
            "object": "bounds",
            "min": _render_typed(parameter, bounds.min),
            "max": _render_typed(parameter, bounds.max),
        },
        "categorical_values": [
            {"object": "categorical_value", "name": v.name, "enum_index": v.enum_index}
            for v in sorted(parameter.categorical_values, key=lambda v: v.enum_index)
            if not v.deleted
        ]
        if parameter.type == "categorical"
        else None,
        "prior": _render_prior(parameter.prior),
        "transformation": parameter.transformation,
        "default_value": None
        if parameter.default_value is None
        else _render_typed(parameter, parameter.default_value),
        "conditions": {k: list(v) for k, v in parameter.conditions.items()},
    }
    if parameter.grid is not None:
        rendered["grid"] = [_render_typed(parameter, v) for v in parameter.grid]
    return rendered


def _render_prior(prior: Prior | None) -> dict[str, object] | None:
    if isinstance(prior, NormalPrior):
        return {
            "object": "normal_prior",
            "name": "normal",
            "mean": render_number(prior.mean),
            "scale": render_number(prior.scale),
        }
    if isinstance(prior, BetaPrior):
        return {
            "object": "beta_prior",
            "name": "beta",
            "shape_a": render_number(prior.shape_a),
            "shape_b": render_number(prior.shape_b),
        }
    return None


def render_conditional(conditional: Conditional) -> dict[str, object]:
    return {"object": "conditional", "name": conditional.name, "values": list(conditional.values)}


def render_linear_constraint(constraint: LinearConstraint) -> dict[str, object]:
    terms = sorted(constraint.terms, key=lambda t: (t.name.lower(), t.name))
    return {
        "object": "linear_constraint",
        "type": constraint.type,
        "threshold": constraint.threshold,
        "terms": [{"object": "constraint_term", "name": t.name, "weight": t.weight} for t in terms],
    }
