"""sigoptlite: SigOpt's open-sourced optimizer behind the regular sigopt client, in memory.

Conditionals, log transformations and linear constraints are declared the way SigOpt's API takes
them (log on doubles only); failures are reported as failed observations.
"""

from __future__ import annotations

from typing import Any

import sigopt

from peers.objective import Objective
from problems.space import Param, Space

__all__ = ["run"]

METRIC = "value"


def run(space: Space, objective: Objective, seed: int) -> None:
    # seed is unused here: sigoptlite draws from numpy's global generator, seeded by the worker
    connection = sigopt.Connection(driver="lite")
    experiment = connection.experiments().create(
        name="quality benchmark",
        parameters=[_parameter(p) for p in space.params],
        metrics=[{"name": METRIC, "objective": objective.direction}],
        conditionals=[{"name": c.name, "values": list(c.values)} for c in space.conditionals],
        linear_constraints=[
            {
                "type": c.type,
                "threshold": c.threshold,
                "terms": [{"name": n, "weight": w} for n, w in c.weights.items()],
            }
            for c in space.constraints
        ],
        observation_budget=objective.budget,
    )
    experiment_api = connection.experiments(experiment.id)
    while objective.remaining:
        suggestion = experiment_api.suggestions().create()
        point = _active_point(space, dict(suggestion.assignments))
        value = objective(point)
        if value is None:
            experiment_api.observations().create(suggestion=suggestion.id, failed=True)
        else:
            experiment_api.observations().create(
                suggestion=suggestion.id, values=[{"name": METRIC, "value": value}]
            )


def _parameter(param: Param) -> dict[str, Any]:
    body: dict[str, Any] = {"name": param.name, "type": param.type}
    if param.type == "categorical":
        body["categorical_values"] = list(param.choices)
    else:
        bounds = (
            (int(param.low), int(param.high)) if param.type == "int" else (param.low, param.high)
        )
        body["bounds"] = {"min": bounds[0], "max": bounds[1]}
    # SigOpt takes a log transformation on doubles only: log-scaled ints go in as plain ints.
    if param.log and param.type == "double":
        body["transformation"] = "log"
    if param.conditions:
        body["conditions"] = {k: list(v) for k, v in param.conditions.items()}
    return body


def _active_point(space: Space, assignments: dict[str, Any]) -> dict[str, Any]:
    point = {c.name: assignments[c.name] for c in space.conditionals}
    point.update({p.name: assignments[p.name] for p in space.active_params(assignments)})
    return point
