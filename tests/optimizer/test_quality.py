"""Regression check on sample efficiency: on analytic problems with a small budget, the median
best value found by the default optimizer must beat random search by a clear margin."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

import numpy as np
import pytest

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.observations import Observation
from dialin.domain.parameters import Assignments, Bounds, Parameter
from dialin.optimizer import propose


def branin(a: Assignments) -> float:
    x, y = float(a["x"]), float(a["y"])
    return (
        (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x)
        + 10
    )


_HA = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_HP = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_HALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(a: Assignments) -> float:
    x = np.array([float(a[f"x{i}"]) for i in range(6)])
    return -float(np.sum(_HALPHA * np.exp(-np.sum(_HA * (x - _HP) ** 2, axis=1))))


def quadratic(a: Assignments) -> float:
    # optimum 0 off-centre, one log-scaled parameter, one integer
    return (
        (float(a["a"]) - 0.3) ** 2
        + 2 * (float(a["b"]) + 1.2) ** 2
        + 0.5 * (float(a["c"]) - 2) ** 2
        + (math.log10(float(a["d"])) + 2) ** 2
        + 0.1 * (int(a["n"]) - 7) ** 2
    )


def _minimize(*params: Parameter) -> ExperimentDefinition:
    return ExperimentDefinition("offline", params, metrics=(Metric("f", "minimize"),))


PROBLEMS: dict[str, tuple[ExperimentDefinition, Callable[[Assignments], float], float, int]] = {
    "branin": (
        _minimize(
            Parameter("x", "double", Bounds(-5, 10)), Parameter("y", "double", Bounds(0, 15))
        ),
        branin,
        0.397887,
        25,
    ),
    "hartmann6": (
        _minimize(*(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(6))),
        hartmann6,
        -3.32237,
        30,
    ),
    "quadratic": (
        _minimize(
            Parameter("a", "double", Bounds(-2, 2)),
            Parameter("b", "double", Bounds(-2, 2)),
            Parameter("c", "double", Bounds(-3, 3)),
            Parameter("d", "double", Bounds(1e-4, 1), transformation="log"),
            Parameter("n", "int", Bounds(0, 20)),
        ),
        quadratic,
        0.0,
        25,
    ),
}

SEEDS = range(5)


def _best_after(
    definition: ExperimentDefinition, f: Callable[[Assignments], float], budget: int, seed: int
) -> float:
    observations: list[Observation] = []
    cache: dict[str, object] = {}
    best = math.inf
    for i in range(budget):
        (proposal,) = propose(definition, observations, [], seed=seed, cache=cache)
        value = f(proposal.assignments)
        best = min(best, value)
        observations.append(
            Observation(i + 1, 1, proposal.assignments, i, values=(MetricValue("f", value),))
        )
    return best


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_beats_random_search_by_a_clear_margin(name: str) -> None:
    definition, f, optimum, budget = PROBLEMS[name]
    random_search = ExperimentDefinition(**{**definition.__dict__, "type": "random"})
    bayes = statistics.median(_best_after(definition, f, budget, s) - optimum for s in SEEDS)
    rand = statistics.median(_best_after(random_search, f, budget, s) - optimum for s in SEEDS)
    # measured: regret ratios 0.002 (Branin), 0.13 (Hartmann-6), 0.06 (quadratic)
    assert bayes < 0.4 * rand, (name, bayes, rand)


def zdt1(a: Assignments) -> tuple[float, float]:
    x = [float(a[f"x{i}"]) for i in range(4)]
    g = 1 + 3 * sum(x[1:])
    return x[0], g * (1 - math.sqrt(x[0] / g))


# Its Pareto front is f2 = 1 - sqrt(f1) on [0, 1]: the box to (11, 11) holds 121 - 1/3 of it.
ZDT1_REFERENCE = (11.0, 11.0)
ZDT1_HYPERVOLUME = 121 - 1 / 3


def _hypervolume(points: list[tuple[float, float]], ref: tuple[float, float]) -> float:
    area, lowest = 0.0, ref[1]
    for f1, f2 in sorted(p for p in points if p[0] < ref[0] and p[1] < ref[1]):
        if f2 < lowest:
            area += (ref[0] - f1) * (lowest - f2)
            lowest = f2
    return area


def _hypervolume_gap_after(definition: ExperimentDefinition, budget: int, seed: int) -> float:
    observations: list[Observation] = []
    points = []
    for i in range(budget):
        (proposal,) = propose(definition, observations, [], seed=seed * 1000 + i)
        f1, f2 = zdt1(proposal.assignments)
        points.append((f1, f2))
        values = (MetricValue("f1", f1), MetricValue("f2", f2))
        observations.append(Observation(i + 1, 1, proposal.assignments, i, values=values))
    return ZDT1_HYPERVOLUME - _hypervolume(points, ZDT1_REFERENCE)


def test_two_metrics_approach_the_pareto_front_faster_than_random_search() -> None:
    definition = ExperimentDefinition(
        "offline",
        tuple(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(4)),
        metrics=(Metric("f1", "minimize"), Metric("f2", "minimize")),
    )
    random_search = ExperimentDefinition(**{**definition.__dict__, "type": "random"})
    bayes = statistics.median(_hypervolume_gap_after(definition, 25, s) for s in SEEDS)
    rand = statistics.median(_hypervolume_gap_after(random_search, 25, s) for s in SEEDS)
    assert bayes < 0.4 * rand, (bayes, rand)
