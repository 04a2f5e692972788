"""Analytic problems with known optima, and variants that exercise one feature of the space each:
integers, a categorical, conditionals, a linear constraint, a failure region, observation noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from problems import analytic
from problems.problem import OptimumSource, Problem
from problems.space import Conditional, LinearConstraint, Param, Space

__all__ = ["synthetic_problems"]

Function = Callable[[Mapping[str, Any]], float]


def synthetic_problems() -> list[Problem]:
    return [
        _plain("branin", analytic.branin, [(-5.0, 10.0), (0.0, 15.0)], analytic.BRANIN_MIN),
        _plain(
            "six_hump_camel",
            analytic.six_hump_camel,
            [(-3.0, 3.0), (-2.0, 2.0)],
            analytic.CAMEL_MIN,
        ),
        _plain("hartmann3", analytic.hartmann3, [(0.0, 1.0)] * 3, analytic.HARTMANN3_MIN),
        _plain("hartmann6", analytic.hartmann6, [(0.0, 1.0)] * 6, analytic.HARTMANN6_MIN),
        _plain("rosenbrock_5d", analytic.rosenbrock, [(-5.0, 10.0)] * 5, 0.0),
        _plain("rosenbrock_10d", analytic.rosenbrock, [(-5.0, 10.0)] * 10, 0.0),
        # Asymmetric bounds keep the optimum off the centre, where space-filling designs start.
        _plain("ackley_20d", analytic.ackley, [(-15.0, 30.0)] * 20, 0.0),
        _plain("levy_8d", analytic.levy, [(-10.0, 10.0)] * 8, 0.0),
        _plain(
            "michalewicz_5d", analytic.michalewicz, [(0.0, np.pi)] * 5, analytic.MICHALEWICZ5_MIN
        ),
        _plain("shekel_4d", analytic.shekel, [(0.0, 10.0)] * 4, analytic.SHEKEL_MIN),
        _plain("griewank_8d", analytic.griewank, [(-60.0, 120.0)] * 8, 0.0),
        _styblinski_tang_mixed(),
        _rosenbrock_integers(),
        _log_scaled(),
        _categorical_table(),
        _hartmann3_choice(),
        _conditional_families(),
        _hartmann6_constrained(),
        _hartmann6_failures(),
        _hartmann6_noisy(),
    ]


def _box(bounds: Sequence[tuple[float, float]], prefix: str = "x") -> tuple[Param, ...]:
    return tuple(Param(f"{prefix}{i}", "double", low, high) for i, (low, high) in enumerate(bounds))


def _on_vector(function: Callable[[np.ndarray], float], names: Sequence[str]) -> Function:
    def evaluate(assignments: Mapping[str, Any]) -> float:
        return function(np.array([float(assignments[n]) for n in names]))

    return evaluate


def _plain(
    name: str,
    function: Callable[[np.ndarray], float],
    bounds: Sequence[tuple[float, float]],
    optimum: float,
) -> Problem:
    params = _box(bounds)
    return _minimized(name, Space(params), _on_vector(function, [p.name for p in params]), optimum)


def _minimized(
    name: str,
    space: Space,
    function: Function,
    optimum: float,
    source: OptimumSource = "known",
) -> Problem:
    return Problem(
        name=name,
        space=space,
        objective="minimize",
        function=function,
        optimum=optimum,
        optimum_source=source,
    )


def _styblinski_tang_mixed() -> Problem:
    """Three integer and three real coordinates; on the integers the best value per coordinate is
    f(-3) = -39 instead of the continuous -39.166."""
    params = tuple(Param(f"n{i}", "int", -5, 5) for i in range(3)) + _box([(-5.0, 5.0)] * 3)
    return Problem(
        name="styblinski_tang_mixed",
        space=Space(params),
        objective="minimize",
        function=_on_vector(analytic.styblinski_tang, [p.name for p in params]),
        optimum=3 * -39.0 + 3 * analytic.STYBLINSKI_TANG_MIN_PER_DIM,
        optimum_source="computed",
    )


def _rosenbrock_integers() -> Problem:
    """Four integers over 61 values each: Rosenbrock at a tenth of them, optimum at 10."""
    params = tuple(Param(f"n{i}", "int", -20, 40) for i in range(4))
    names = [p.name for p in params]

    def evaluate(assignments: Mapping[str, Any]) -> float:
        return analytic.rosenbrock(np.array([int(assignments[n]) / 10 for n in names]))

    return _minimized("rosenbrock_int_4d", Space(params), evaluate, 0.0)


def _log_scaled() -> Problem:
    """Like a training's learning rate and weight decay: what matters is their order of
    magnitude, and the best learning rate depends on the decay. Two more coordinates on a linear
    scale, one of them an integer."""
    params = (
        Param("learning_rate", "double", 1e-6, 1.0, log=True),
        Param("weight_decay", "double", 1e-8, 1e-1, log=True),
        Param("momentum", "double", 0.0, 0.999),
        Param("warmup", "int", 0, 50),
    )

    def evaluate(a: Mapping[str, Any]) -> float:
        u = math.log10(float(a["learning_rate"])) + 2.5
        v = math.log10(float(a["weight_decay"])) + 4.0
        m = float(a["momentum"]) - 0.9
        w = (int(a["warmup"]) - 12) / 10
        return u**2 + 0.5 * v**2 + 0.8 * u * v + 4 * m**2 + 0.3 * w**2 + 2 * u * m

    return _minimized("log_scaled_4d", Space(params), evaluate, 0.0)


def _categorical_table() -> Problem:
    """Five categoricals (3 to 5 values) with main effects and pairwise interactions drawn once
    from a fixed seed, and two doubles whose best point moves with the first categorical. The
    optimum is the table's minimum over all 900 combinations (the doubles' term is then 0)."""
    sizes = (3, 4, 5, 3, 5)
    rng = np.random.default_rng(20261202)
    mains = [rng.normal(0.0, 1.0, size) for size in sizes]
    pairs = {
        (i, j): rng.normal(0.0, 0.5, (sizes[i], sizes[j]))
        for i in range(len(sizes))
        for j in range(i + 1, len(sizes))
    }
    centres = rng.uniform(0.15, 0.85, (sizes[0], 2))
    cats = tuple(
        Param(f"c{i}", "categorical", choices=tuple(f"v{k}" for k in range(size)))
        for i, size in enumerate(sizes)
    )
    params = (*cats, *_box([(0.0, 1.0)] * 2))

    def table(levels: Sequence[int]) -> float:
        total = sum(float(mains[i][k]) for i, k in enumerate(levels))
        return total + sum(float(t[levels[i], levels[j]]) for (i, j), t in pairs.items())

    def evaluate(a: Mapping[str, Any]) -> float:
        levels = [int(str(a[c.name])[1:]) for c in cats]
        x = np.array([float(a["x0"]), float(a["x1"])])
        return table(levels) + 4 * float(np.sum((x - centres[levels[0]]) ** 2))

    best = min(table(levels) for levels in np.ndindex(*sizes))
    return _minimized("categorical_table", Space(params), evaluate, best, "computed")


def _hartmann3_choice() -> Problem:
    """A categorical picks one of four Hartmann-3 copies, each with permuted coordinates and an
    offset, so the best copy has to be found and then its own optimum located."""
    variants = {
        "a": ((0, 1, 2), 1.0),
        "b": ((2, 0, 1), 0.0),
        "c": ((1, 2, 0), 0.5),
        "d": ((2, 1, 0), 1.5),
    }
    params = (*_box([(0.0, 1.0)] * 3), Param("variant", "categorical", choices=tuple(variants)))

    def evaluate(assignments: Mapping[str, Any]) -> float:
        order, offset = variants[assignments["variant"]]
        x = np.array([float(assignments[f"x{i}"]) for i in order])
        return analytic.hartmann3(x) + offset

    return Problem(
        name="hartmann3_choice",
        space=Space(params),
        objective="minimize",
        function=evaluate,
        optimum=analytic.HARTMANN3_MIN,
        optimum_source="known",
    )


def _conditional_families() -> Problem:
    """A conditional switches between three functions, each with its own parameters; one shared
    parameter adds a quadratic to all of them. Branch minima: branin 0.8, camel 0.4, hartmann 0."""
    branches: dict[str, tuple[tuple[Param, ...], Callable[[np.ndarray], float], float]] = {
        "branin": (
            _box([(-5.0, 10.0), (0.0, 15.0)], "b"),
            analytic.branin,
            analytic.BRANIN_MIN - 0.8,
        ),
        "camel": (
            _box([(-3.0, 3.0), (-2.0, 2.0)], "c"),
            analytic.six_hump_camel,
            analytic.CAMEL_MIN - 0.4,
        ),
        "hartmann": (_box([(0.0, 1.0)] * 3, "h"), analytic.hartmann3, analytic.HARTMANN3_MIN),
    }
    params = [Param("shared", "double", 0.0, 1.0)]
    for family, (own, _, _) in branches.items():
        params += [
            Param(p.name, p.type, p.low, p.high, conditions={"family": (family,)}) for p in own
        ]

    def evaluate(assignments: Mapping[str, Any]) -> float:
        own, function, floor = branches[assignments["family"]]
        x = np.array([float(assignments[p.name]) for p in own])
        return function(x) - floor + (float(assignments["shared"]) - 0.3) ** 2

    return Problem(
        name="conditional_families",
        space=Space(tuple(params), conditionals=(Conditional("family", tuple(branches)),)),
        objective="minimize",
        function=evaluate,
        optimum=0.0,
        optimum_source="known",
    )


def _hartmann6_constrained() -> Problem:
    """sum(x) <= 1.5 cuts off the unconstrained optimum (whose sum is 2.07), so the optimum lies
    on the constraint boundary. Its value came from SLSQP started at 300 feasible points."""
    params = _box([(0.0, 1.0)] * 6)
    names = [p.name for p in params]
    return Problem(
        name="hartmann6_constrained",
        space=Space(
            params, constraints=(LinearConstraint("less_than", 1.5, dict.fromkeys(names, 1.0)),)
        ),
        objective="minimize",
        function=_on_vector(analytic.hartmann6, names),
        optimum=-2.595108293699625,
        optimum_source="computed",
    )


def _hartmann6_failures() -> Problem:
    """About 40% of the cube fails, including a band just above the optimum's x5 = 0.657."""
    params = _box([(0.0, 1.0)] * 6)

    def fails(assignments: Mapping[str, Any]) -> bool:
        return (
            float(assignments["x5"]) > 0.8
            or float(assignments["x0"]) + float(assignments["x3"]) > 1.3
        )

    return Problem(
        name="hartmann6_failures",
        space=Space(params),
        objective="minimize",
        function=_on_vector(analytic.hartmann6, [p.name for p in params]),
        optimum=analytic.HARTMANN6_MIN,
        optimum_source="known",
        fails=fails,
    )


def _hartmann6_noisy() -> Problem:
    """Observed with Gaussian noise of 0.1 (random points score about -0.3, the optimum -3.32)."""
    params = _box([(0.0, 1.0)] * 6)
    return Problem(
        name="hartmann6_noisy",
        space=Space(params),
        objective="minimize",
        function=_on_vector(analytic.hartmann6, [p.name for p in params]),
        optimum=analytic.HARTMANN6_MIN,
        optimum_source="known",
        noise_stddev=0.1,
    )
