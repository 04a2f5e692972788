"""Local moves around good points: every moved integer lands on another integer in bounds."""

from __future__ import annotations

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.parameters import Bounds, Parameter
from dialin.optimizer.moves import perturb
from dialin.optimizer.space import SearchSpace

DEFINITION = ExperimentDefinition(
    "offline",
    (Parameter("depth", "int", Bounds(1, 20)), Parameter("leaves", "int", Bounds(2, 100))),
    metrics=(Metric("auc"),),
)


def test_small_steps_on_integers_reach_a_neighbour_not_the_same_point() -> None:
    # Steps of 1% of the range round back to the integer they left: before, most of these
    # local candidates were the incumbent itself.
    space = SearchSpace(DEFINITION)
    incumbent = space.from_assignments([{"depth": 20, "leaves": 50}])
    rows = np.repeat(incumbent, 400, axis=0)
    moved = perturb(space, rows, np.random.default_rng(0), np.full(400, 0.01))
    assert not np.any(np.all(moved == incumbent, axis=1))
    assert np.array_equal(moved, np.round(moved))
    depth, leaves = moved[:, 0], moved[:, 1]
    # depth sits on its upper bound: its small steps all go to 19
    assert set(np.unique(depth)) == {19.0, 20.0}
    assert leaves.min() >= 2 and leaves.max() <= 100 and {49.0, 51.0} <= set(leaves)
