"""scikit-optimize's ``gp_minimize`` with its defaults, driven through its objective callback.

skopt has no conditionals: the conditional becomes a categorical and every parameter is always
part of the point; the driver only receives the active ones. Linear constraints go in as
skopt's ``space_constraint``. A failed evaluation must still return a number: it gets the worst
value seen so far (0.0 before the first success), the usual workaround.
"""

from __future__ import annotations

from typing import Any

from skopt import gp_minimize
from skopt.space import Categorical, Dimension, Integer, Real

from peers.objective import Objective
from problems.space import Param, Space

__all__ = ["run"]


def run(space: Space, objective: Objective, seed: int) -> None:
    names = [c.name for c in space.conditionals] + [p.name for p in space.params]
    dimensions = [Categorical(list(c.values), name=c.name) for c in space.conditionals]
    dimensions += [_dimension(p) for p in space.params]
    # skopt minimizes: flip maximized values
    sign = 1.0 if objective.direction == "minimize" else -1.0
    seen: list[float] = []

    def active_point(x: list[Any]) -> dict[str, Any]:
        full = dict(zip(names, x, strict=True))
        point = {c.name: full[c.name] for c in space.conditionals}
        point.update({p.name: full[p.name] for p in space.active_params(full)})
        return point

    def loss(x: list[Any]) -> float:
        value = objective(active_point(x))
        if value is None:
            return max(seen, default=0.0)
        seen.append(sign * value)
        return sign * value

    constraint = (lambda x: space.is_feasible(active_point(x))) if space.constraints else None
    gp_minimize(
        loss, dimensions, n_calls=objective.budget, random_state=seed, space_constraint=constraint
    )


def _dimension(param: Param) -> Dimension:
    if param.type == "categorical":
        return Categorical(list(param.choices), name=param.name)
    prior = "log-uniform" if param.log else "uniform"
    if param.type == "int":
        return Integer(int(param.low), int(param.high), prior=prior, name=param.name)
    return Real(param.low, param.high, prior=prior, name=param.name)
