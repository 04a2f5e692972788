"""Local moves for the acquisition search: discrete neighbours of good points."""

from __future__ import annotations

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.parameters import Bounds, CategoricalValue, Parameter
from dialin.optimizer.moves import neighbours
from dialin.optimizer.space import SearchSpace


def test_neighbours_change_one_category_or_integer_step_and_stay_in_bounds():
    definition = ExperimentDefinition(
        type="offline",
        parameters=(
            Parameter("n", "int", Bounds(0, 5)),
            Parameter(
                "kind",
                "categorical",
                categorical_values=tuple(CategoricalValue(c, i) for i, c in enumerate("xyz", 1)),
            ),
            Parameter("x", "double", Bounds(0, 1)),
        ),
    )
    space = SearchSpace(definition)
    row = space.from_assignments([{"n": 5, "kind": "y", "x": 0.3}])
    found = [space.to_assignments(r) for r in neighbours(space, row, np.random.default_rng(0))]
    assert {"n": 4, "kind": "y", "x": 0.3} in found
    assert {"n": 5, "kind": "x", "x": 0.3} in found
    assert {"n": 5, "kind": "z", "x": 0.3} in found
    for point in found:
        assert 0 <= point["n"] <= 5  # type: ignore[operator]
        changed = (point["n"] != 5) + (point["kind"] != "y") + (point["x"] != 0.3)
        assert changed <= 1, point


def test_continuous_spaces_have_no_neighbours():
    definition = ExperimentDefinition(
        type="offline", parameters=(Parameter("x", "double", Bounds(0, 1)),)
    )
    space = SearchSpace(definition)
    row = space.from_assignments([{"x": 0.5}])
    assert neighbours(space, row, np.random.default_rng(0)).shape == (0, 1)
