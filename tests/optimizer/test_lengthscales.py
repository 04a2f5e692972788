"""The lengthscale ceiling: a numeric parameter is never fitted as irrelevant beyond its range."""

from __future__ import annotations

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.parameters import Bounds, CategoricalValue, Parameter
from dialin.optimizer.gp import fit_gp
from dialin.optimizer.space import SearchSpace
from dialin.optimizer.surrogate import lengthscale_ceilings


def test_numeric_features_are_capped_at_their_range_and_one_hot_features_are_not():
    definition = ExperimentDefinition(
        "offline",
        (
            Parameter("lr", "double", Bounds(1e-5, 1e-1), transformation="log"),
            Parameter("layers", "int", Bounds(1, 8)),
            Parameter(
                "optimizer",
                "categorical",
                categorical_values=(CategoricalValue("adam", 1), CategoricalValue("sgd", 2)),
            ),
        ),
        metrics=(Metric("accuracy"),),
    )
    space = SearchSpace(definition)
    kinds = {kind for _, _, kind in space.feature_blocks()}
    ceiling = lengthscale_ceilings(space)
    for start, stop, kind in space.feature_blocks():
        expected = np.inf if kind == "categorical" else 1.0
        assert np.all(ceiling[start:stop] == expected), kind
    assert kinds == {"double", "int", "categorical"}


def test_a_parameter_of_weak_effect_keeps_a_lengthscale_within_its_range():
    # x1 barely moves the value over the points seen, as when good points share a bound that
    # earlier proposals left them at: an unbounded fit makes x1 irrelevant, with a lengthscale
    # of several ranges and an EI flat along it, so no later point moves x1 again.
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (25, 2))
    y = np.sin(6 * x[:, 0]) + 0.05 * x[:, 1]
    mean, sd = y.mean(), y.std()
    y = (y - mean) / sd
    free = fit_gp(x, y, rng=np.random.default_rng(0))
    capped = fit_gp(x, y, rng=np.random.default_rng(0), ell_ceiling=np.array([1.0, 1.0]))
    assert free.ell[1] > 2.0
    assert np.all(capped.ell <= 1.0 + 1e-9)
    # and the capped model still predicts unseen points well
    q = np.random.default_rng(9).uniform(0, 1, (200, 2))
    truth = (np.sin(6 * q[:, 0]) + 0.05 * q[:, 1] - mean) / sd
    assert np.sqrt(np.mean((capped.predict(q)[0] - truth) ** 2)) < 0.15
