"""Domain values <-> the JSON stored in columns. This is storage's own format, not SigOpt's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from dialin.domain.experiments import ExperimentDefinition, ExperimentType
from dialin.domain.metrics import Metric, MetricValue, Objective, Strategy, Task
from dialin.domain.parameters import (
    BetaPrior,
    Bounds,
    CategoricalValue,
    Conditional,
    ConstraintTerm,
    LinearConstraint,
    NormalPrior,
    Parameter,
    ParameterType,
    Prior,
)

__all__ = ["definition_from_json", "definition_to_json", "values_from_json", "values_to_json"]


def _prior_to_json(prior: Prior | None) -> dict[str, Any] | None:
    if isinstance(prior, NormalPrior):
        return {"name": "normal", "mean": prior.mean, "scale": prior.scale}
    if isinstance(prior, BetaPrior):
        return {"name": "beta", "shape_a": prior.shape_a, "shape_b": prior.shape_b}
    return None


def _prior_from_json(data: Mapping[str, Any] | None) -> Prior | None:
    if data is None:
        return None
    if data["name"] == "normal":
        return NormalPrior(mean=data["mean"], scale=data["scale"])
    return BetaPrior(shape_a=data["shape_a"], shape_b=data["shape_b"])


def _parameter_to_json(p: Parameter) -> dict[str, Any]:
    return {
        "name": p.name,
        "type": p.type,
        "bounds": None if p.bounds is None else [p.bounds.min, p.bounds.max],
        "categorical_values": [[v.name, v.enum_index, v.deleted] for v in p.categorical_values],
        "grid": None if p.grid is None else list(p.grid),
        "prior": _prior_to_json(p.prior),
        "transformation": p.transformation,
        "default_value": p.default_value,
        "conditions": {k: list(v) for k, v in p.conditions.items()},
        "deleted": p.deleted,
    }


def _parameter_from_json(d: Mapping[str, Any]) -> Parameter:
    bounds = d["bounds"]
    return Parameter(
        name=d["name"],
        type=cast(ParameterType, d["type"]),
        bounds=None if bounds is None else Bounds(min=bounds[0], max=bounds[1]),
        categorical_values=tuple(
            CategoricalValue(name=n, enum_index=i, deleted=x) for n, i, x in d["categorical_values"]
        ),
        grid=None if d["grid"] is None else tuple(d["grid"]),
        prior=_prior_from_json(d["prior"]),
        transformation=d["transformation"],
        default_value=d["default_value"],
        conditions={k: tuple(v) for k, v in d["conditions"].items()},
        deleted=d["deleted"],
    )


def definition_to_json(d: ExperimentDefinition) -> dict[str, Any]:
    return {
        "version": 1,
        "type": d.type,
        "parameters": [_parameter_to_json(p) for p in d.parameters],
        "metrics": [[m.name, m.objective, m.strategy, m.threshold] for m in d.metrics],
        "conditionals": [[c.name, list(c.values)] for c in d.conditionals],
        "linear_constraints": [
            [c.type, c.threshold, [[t.name, t.weight] for t in c.terms]]
            for c in d.linear_constraints
        ],
        "tasks": [[t.name, t.cost] for t in d.tasks],
        "budget": d.budget,
        "num_solutions": d.num_solutions,
        "parallel_bandwidth": d.parallel_bandwidth,
    }


def definition_from_json(d: Mapping[str, Any]) -> ExperimentDefinition:
    return ExperimentDefinition(
        type=cast(ExperimentType, d["type"]),
        parameters=tuple(_parameter_from_json(p) for p in d["parameters"]),
        metrics=tuple(
            Metric(name=n, objective=cast(Objective, o), strategy=cast(Strategy, s), threshold=t)
            for n, o, s, t in d["metrics"]
        ),
        conditionals=tuple(Conditional(name=n, values=tuple(v)) for n, v in d["conditionals"]),
        linear_constraints=tuple(
            LinearConstraint(
                type=kind,
                threshold=threshold,
                terms=tuple(ConstraintTerm(name=n, weight=w) for n, w in terms),
            )
            for kind, threshold, terms in d["linear_constraints"]
        ),
        tasks=tuple(Task(name=n, cost=c) for n, c in d["tasks"]),
        budget=d["budget"],
        num_solutions=d["num_solutions"],
        parallel_bandwidth=d["parallel_bandwidth"],
    )


def values_to_json(values: tuple[MetricValue, ...]) -> list[Any]:
    return [[v.name, v.value, v.value_stddev] for v in values]


def values_from_json(data: list[Any]) -> tuple[MetricValue, ...]:
    return tuple(MetricValue(name=n, value=v, value_stddev=s) for n, v, s in data)
