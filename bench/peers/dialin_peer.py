"""dialin's own optimizer, called the way the suggest service calls it.

Sequential: one proposal per evaluation. Parallel: four workers ask at once, so each proposal
passes the other three open suggestions as ``pending``; the oldest open point is evaluated next.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.observations import Observation
from dialin.domain.parameters import (
    Bounds,
    CategoricalValue,
    ConstraintTerm,
    LinearConstraint,
    Parameter,
)
from dialin.domain.parameters import Conditional as DialinConditional
from dialin.domain.suggestions import Suggestion
from dialin.optimizer import propose
from peers.objective import Objective
from problems.space import Param, Space

__all__ = ["run_parallel", "run_sequential"]

METRIC = "value"
EXPERIMENT_ID = 1
PARALLEL_WORKERS = 4
# the suggest service's budget per proposal
TIME_BUDGET = 2.0


def run_sequential(space: Space, objective: Objective, seed: int) -> None:
    _run(space, objective, seed, workers=1)


def run_parallel(space: Space, objective: Objective, seed: int) -> None:
    _run(space, objective, seed, workers=PARALLEL_WORKERS)


def _run(space: Space, objective: Objective, seed: int, workers: int) -> None:
    definition = experiment_definition(space, objective.direction, objective.budget, workers)
    observations: list[Observation] = []
    open_suggestions: deque[Suggestion] = deque()
    issued = 0

    def ask() -> None:
        nonlocal issued
        # The seed the suggest service derives: experiment id and suggestions issued so far.
        [proposal] = propose(
            definition,
            observations,
            tuple(open_suggestions),
            count=1,
            seed=(seed + 1) * 1_000_003 + issued,
            time_budget=TIME_BUDGET,
        )
        issued += 1
        open_suggestions.append(
            Suggestion(issued, EXPERIMENT_ID, dict(proposal.assignments), created=issued)
        )

    while len(open_suggestions) < workers and issued < objective.budget:
        ask()
    while open_suggestions:
        suggestion = open_suggestions.popleft()
        value = objective(suggestion.assignments)
        observations.append(_observation(len(observations) + 1, suggestion, value))
        if issued < objective.budget:
            ask()


def experiment_definition(
    space: Space, direction: Any, budget: int, workers: int
) -> ExperimentDefinition:
    return ExperimentDefinition(
        type="offline",
        parameters=tuple(_parameter(p) for p in space.params),
        metrics=(Metric(name=METRIC, objective=direction),),
        conditionals=tuple(DialinConditional(c.name, c.values) for c in space.conditionals),
        linear_constraints=tuple(
            LinearConstraint(
                type=c.type,
                threshold=c.threshold,
                terms=tuple(ConstraintTerm(n, w) for n, w in c.weights.items()),
            )
            for c in space.constraints
        ),
        budget=budget,
        parallel_bandwidth=workers,
    )


def _parameter(param: Param) -> Parameter:
    if param.type == "categorical":
        return Parameter(
            name=param.name,
            type="categorical",
            categorical_values=tuple(
                CategoricalValue(name, index) for index, name in enumerate(param.choices, start=1)
            ),
            conditions=dict(param.conditions),
        )
    return Parameter(
        name=param.name,
        type=param.type,
        bounds=Bounds(param.low, param.high),
        # Like SigOpt, dialin's API takes a log transformation on doubles only.
        transformation="log" if param.log and param.type == "double" else None,
        conditions=dict(param.conditions),
    )


def _observation(index: int, suggestion: Suggestion, value: float | None) -> Observation:
    values: Sequence[MetricValue] = () if value is None else (MetricValue(METRIC, value),)
    return Observation(
        id=index,
        experiment_id=EXPERIMENT_ID,
        assignments=suggestion.assignments,
        created=index,
        values=tuple(values),
        failed=value is None,
        suggestion_id=suggestion.id,
    )
