"""Hypothesis strategies for experiment definitions and histories, and the validity rules of
SigOpt assignments (spec §4.5) that every proposal must meet."""

from __future__ import annotations

import math
from collections.abc import Mapping

from hypothesis import strategies as st

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import (
    BetaPrior,
    Bounds,
    CategoricalValue,
    Conditional,
    ConstraintTerm,
    LinearConstraint,
    NormalPrior,
    Parameter,
    Value,
)
from dialin.domain.suggestions import Suggestion
from dialin.optimizer import Proposal
from dialin.optimizer.validity import is_valid


@st.composite
def parameters(draw: st.DrawFn, name: str) -> Parameter:
    kind = draw(st.sampled_from(["double", "int", "categorical"]))
    if kind == "categorical":
        k = draw(st.integers(2, 4))
        deleted = draw(st.integers(-1, k - 1)) if k > 2 else -1
        values = tuple(CategoricalValue(f"v{i}", i + 1, deleted=(i == deleted)) for i in range(k))
        return Parameter(name, "categorical", categorical_values=values)
    if kind == "int":
        lo = draw(st.integers(-20, 20))
        hi = lo + draw(st.integers(0, 30))
        grid = None
        if draw(st.booleans()) and hi - lo >= 1:
            grid = tuple(sorted(draw(st.sets(st.integers(lo, hi), min_size=2, max_size=4))))
            return Parameter(
                name, "int", bounds=Bounds(grid[0], grid[-1]), grid=tuple(float(g) for g in grid)
            )
        return Parameter(name, "int", bounds=Bounds(lo, hi))
    log = draw(st.booleans())
    if log:
        lo_f = 10 ** draw(st.floats(-6, 2))
        hi_f = lo_f * 10 ** draw(st.floats(0.01, 6))
        if draw(st.booleans()):
            grid_f = tuple(sorted({lo_f, hi_f, math.sqrt(lo_f * hi_f)}))
            return Parameter(
                name, "double", bounds=Bounds(lo_f, hi_f), grid=grid_f, transformation="log"
            )
        return Parameter(name, "double", bounds=Bounds(lo_f, hi_f), transformation="log")
    lo_f = draw(st.floats(-1e3, 1e3))
    hi_f = lo_f + draw(st.floats(1e-3, 1e3))
    prior_kind = draw(st.sampled_from([None, "normal", "beta"]))
    prior = None
    if prior_kind == "normal":
        prior = NormalPrior(mean=(lo_f + hi_f) / 2, scale=(hi_f - lo_f) / draw(st.floats(1, 20)))
    elif prior_kind == "beta":
        prior = BetaPrior(draw(st.floats(0.5, 5)), draw(st.floats(0.5, 5)))
    return Parameter(name, "double", bounds=Bounds(lo_f, hi_f), prior=prior)


@st.composite
def definitions(
    draw: st.DrawFn, types: tuple[str, ...] = ("offline", "random")
) -> ExperimentDefinition:
    n = draw(st.integers(1, 6))
    params = [draw(parameters(f"p{i}")) for i in range(n)]
    conditionals: list[Conditional] = []
    if draw(st.booleans()):
        for c in range(draw(st.integers(1, 2))):
            conditionals.append(
                Conditional(f"c{c}", tuple(f"s{i}" for i in range(draw(st.integers(2, 3)))))
            )
        # p0 stays unconditioned so that every combination of conditional values enables a parameter
        for i in range(1, n):
            if draw(st.booleans()):
                c = draw(st.sampled_from(conditionals))
                allowed = tuple(draw(st.sets(st.sampled_from(c.values), min_size=1)))
                params[i] = Parameter(
                    **{**params[i].__dict__, "conditions": {c.name: tuple(sorted(allowed))}}
                )
    constraints = []
    constrainable = [
        p
        for p in params
        if p.type != "categorical" and not p.conditions and not p.is_log and p.grid is None
    ]
    for kind in ("double", "int"):
        group = [p for p in constrainable if p.type == kind]
        if len(group) >= 2 and draw(st.booleans()):
            weights = [draw(st.sampled_from([-2.0, -1.0, 0.5, 1.0, 3.0])) for _ in group]
            # a point inside the box the constraint keeps feasible
            anchor = [
                round((p.bounds.min + p.bounds.max) / 2)
                if kind == "int"
                else (p.bounds.min + p.bounds.max) / 2
                for p in group
                if p.bounds is not None
            ]
            lhs = sum(w * a for w, a in zip(weights, anchor, strict=True))
            ctype = draw(st.sampled_from(["greater_than", "less_than"]))
            terms = tuple(ConstraintTerm(p.name, w) for p, w in zip(group, weights, strict=True))
            constraints.append(LinearConstraint(ctype, lhs, terms))
    tasks: tuple[Task, ...] = ()
    if draw(st.booleans()) and not draw(st.booleans()):
        tasks = (Task("cheap", 0.1), Task("full", 1.0))
    return ExperimentDefinition(
        type=draw(st.sampled_from(types)),  # type: ignore[arg-type]
        parameters=tuple(params),
        conditionals=tuple(conditionals),
        linear_constraints=tuple(constraints),
        tasks=tasks,
        budget=30,
    )


def discrete_size(definition: ExperimentDefinition) -> int | None:
    """How many distinct points the space has, None when it has a continuous parameter."""
    size = 1
    for p in definition.active_parameters:
        if p.type == "categorical":
            size *= len(p.active_values)
        elif p.grid is not None:
            size *= len(p.grid)
        elif p.type == "int" and p.bounds is not None:
            size *= int(p.bounds.max - p.bounds.min) + 1
        else:
            return None
    for c in definition.conditionals:
        size *= len(c.values)
    return size * max(1, len(definition.tasks))


def check_valid(definition: ExperimentDefinition, proposal: Proposal) -> None:
    """Raises AssertionError unless the proposal is a valid point of the experiment."""
    a: Mapping[str, Value] = proposal.assignments
    for c in definition.conditionals:
        assert a.get(c.name) in c.values, (c.name, a)
    names = {p.name for p in definition.active_parameters} | {
        c.name for c in definition.conditionals
    }
    assert set(a) <= names, a
    for p in definition.active_parameters:
        if not p.is_active(a):
            assert p.name not in a, (p.name, a)
            continue
        v = a[p.name]
        if p.type == "categorical":
            assert v in p.active_values, (p.name, v)
            continue
        if p.type == "int":
            assert isinstance(v, int) and not isinstance(v, bool), (p.name, v)
        else:
            assert isinstance(v, float), (p.name, v)
        assert isinstance(v, int | float)
        if p.grid is not None:
            assert any(
                math.isclose(v, g, rel_tol=1e-12) for g in p.grid if isinstance(g, float | int)
            ), (p.name, v)
        assert p.bounds is not None
        assert p.bounds.min <= v <= p.bounds.max, (p.name, v)
        if p.is_log:
            assert v > 0
    for constraint in definition.linear_constraints:
        assert constraint.holds(a), (constraint, a)
    assert is_valid(definition, a)
    if definition.tasks:
        assert proposal.task in definition.tasks
    else:
        assert proposal.task is None


def observation(
    i: int, proposal: Proposal, value: float | None, metric: str | None = None
) -> Observation:
    values = () if value is None else (MetricValue(metric, value),)
    return Observation(
        id=i + 1,
        experiment_id=1,
        assignments=proposal.assignments,
        created=i,
        values=values,
        failed=value is None,
        task=proposal.task,
    )


def suggestion(i: int, proposal: Proposal) -> Suggestion:
    return Suggestion(
        id=1000 + i,
        experiment_id=1,
        assignments=proposal.assignments,
        created=i,
        task=proposal.task,
    )


def single_metric(definition: ExperimentDefinition) -> Metric:
    return definition.metrics[0]
