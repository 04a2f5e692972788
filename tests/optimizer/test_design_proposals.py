"""Random, Sobol-design and grid proposals: valid, fresh, reproducible, in the documented order."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optimizer_cases import check_valid, definitions, discrete_size, observation, suggestion

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.parameters import (
    Bounds,
    CategoricalValue,
    ConstraintTerm,
    LinearConstraint,
    Parameter,
)
from dialin.optimizer import Proposal, propose
from dialin.optimizer.duplicates import point_key
from dialin.optimizer.space import SearchSpace


def _key(definition: ExperimentDefinition, assignments: object, task: object) -> object:
    space = SearchSpace(definition)
    return point_key(space.from_assignments([assignments])[0], None if task is None else task.name)  # type: ignore[list-item, attr-defined]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition=definitions(),
    n_observed=st.integers(0, 6),
    n_pending=st.integers(0, 3),
    count=st.integers(1, 3),
)
def test_proposals_are_valid_and_fresh(definition, n_observed, n_pending, count):
    history = propose(definition, [], [], count=n_observed + n_pending, seed=3)
    observed = [observation(i, p, float(i)) for i, p in enumerate(history[:n_observed])]
    pending = [suggestion(i, p) for i, p in enumerate(history[n_observed:])]
    proposals = propose(definition, observed, pending, count=count, seed=5)
    assert len(proposals) == count
    for p in proposals:
        check_valid(definition, p)
    taken = {_key(definition, x.assignments, x.task) for x in [*observed, *pending]}
    fresh = [_key(definition, p.assignments, p.task) for p in proposals]
    space_size = discrete_size(definition)
    if space_size is None or space_size > 4 * (n_observed + n_pending + count):
        assert not set(fresh) & taken
        assert len(set(fresh)) == len(fresh)


@settings(max_examples=25, deadline=None)
@given(definition=definitions(), seed=st.integers(0, 2**31))
def test_same_inputs_same_proposals(definition, seed):
    first = propose(definition, [], [], count=3, seed=seed)
    assert propose(definition, [], [], count=3, seed=seed) == first
    observed = [observation(i, p, float(i)) for i, p in enumerate(first)]
    assert propose(definition, observed, [], count=2, seed=seed) == propose(
        definition, observed, [], count=2, seed=seed
    )


def test_design_continues_where_the_history_ends():
    definition = ExperimentDefinition(
        type="offline",
        parameters=(Parameter("x", "double", Bounds(0, 1)), Parameter("y", "double", Bounds(0, 1))),
    )
    # four points: the design phase of a 2-parameter experiment
    batch = propose(definition, [], [], count=4, seed=1)
    one_by_one = []
    for _ in range(4):
        one_by_one += propose(
            definition, [observation(k, p, 0.0) for k, p in enumerate(one_by_one)], [], seed=1
        )
    assert one_by_one == batch


def _min_gap(points: list[dict[str, float]]) -> float:
    xy = np.array([[p["x"], p["y"]] for p in points])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(points), 1)].min())


def test_design_fills_the_space_even_when_the_seed_changes_every_call():
    params = (Parameter("x", "double", Bounds(0, 1)), Parameter("y", "double", Bounds(0, 1)))
    gaps = {}
    for kind in ("offline", "random"):
        # two parameters: the first four points come from the design
        definition = ExperimentDefinition(type=kind, parameters=params)
        runs = []
        for run in range(5):
            points: list[dict[str, float]] = []
            for i in range(4):
                history = [observation(k, Proposal(dict(p)), 0.0) for k, p in enumerate(points)]
                # the suggest service derives a fresh seed for every suggestion
                (p,) = propose(definition, history, [], seed=run * 1_000_003 + i)
                points.append(p.assignments)  # type: ignore[arg-type]
            runs.append(_min_gap(points))
        gaps[kind] = float(np.median(runs))
    assert gaps["offline"] > 2 * gaps["random"], gaps


def test_design_tries_every_categorical_value_alike():
    # Four unordered values and three doubles: the design has ten points. By unit-sample
    # position the first and last value were the farthest apart, so they took most of them.
    definition = ExperimentDefinition(
        type="offline",
        parameters=(
            *(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(3)),
            Parameter(
                "variant",
                "categorical",
                categorical_values=tuple(CategoricalValue(v, i) for i, v in enumerate("abcd")),
            ),
        ),
    )
    for run in range(5):
        points: list[Proposal] = []
        for i in range(10):
            history = [observation(k, p, 0.0) for k, p in enumerate(points)]
            points += propose(definition, history, [], seed=run * 1_000_003 + i)
        counts = {v: sum(p.assignments["variant"] == v for p in points) for v in "abcd"}
        assert min(counts.values()) >= 2, counts


def test_seeds_give_different_designs():
    definition = ExperimentDefinition(
        type="offline", parameters=(Parameter("x", "double", Bounds(0, 1)),)
    )
    assert propose(definition, [], [], seed=1) != propose(definition, [], [], seed=2)


def test_random_search_is_uniform_on_log_scale():
    definition = ExperimentDefinition(
        type="random",
        parameters=(Parameter("lr", "double", Bounds(1e-5, 1e-1), transformation="log"),),
    )
    values = [p.assignments["lr"] for p in propose(definition, [], [], count=400, seed=0)]
    below = sum(v < 1e-3 for v in values)
    assert 150 < below < 250


GRID = ExperimentDefinition(
    type="grid",
    parameters=(
        Parameter("b", "int", Bounds(1, 2), grid=(1.0, 2.0)),
        Parameter("a", "double", Bounds(0.1, 0.3), grid=(0.1, 0.2, 0.3)),
        Parameter(
            "c",
            "categorical",
            categorical_values=(CategoricalValue("x", 1), CategoricalValue("y", 2)),
        ),
    ),
)


def test_grid_enumerates_sorted_by_name_first_fastest_and_wraps():
    points = [p.assignments for p in propose(GRID, [], [], count=13)]
    assert points[:4] == [
        {"a": 0.1, "b": 1, "c": "x"},
        {"a": 0.2, "b": 1, "c": "x"},
        {"a": 0.3, "b": 1, "c": "x"},
        {"a": 0.1, "b": 2, "c": "x"},
    ]
    assert points[6] == {"a": 0.1, "b": 1, "c": "y"}
    assert len({tuple(sorted(p.items())) for p in points[:12]}) == 12
    assert points[12] == points[0]
    assert isinstance(points[0]["b"], int)


def test_grid_index_counts_observations_and_pending():
    first = propose(GRID, [], [], count=5)
    observed = [observation(i, p, 1.0) for i, p in enumerate(first[:3])]
    pending = [suggestion(i, p) for i, p in enumerate(first[3:])]
    assert propose(GRID, observed, pending) == propose(GRID, [], [], count=6)[5:]


def test_no_live_parameters_gives_empty_points():
    definition = ExperimentDefinition(
        type="offline", parameters=(Parameter("x", "double", Bounds(0, 1), deleted=True),)
    )
    assert propose(definition, [], [], count=2) == [Proposal({}), Proposal({})]


def test_count_zero_gives_nothing():
    assert propose(GRID, [], [], count=0) == []


def test_tight_constraints_on_ints_and_doubles_hold_and_spread():
    definition = ExperimentDefinition(
        type="offline",
        parameters=(
            Parameter("a", "int", Bounds(0, 10)),
            Parameter("b", "int", Bounds(0, 10)),
            Parameter("x", "double", Bounds(0, 1)),
            Parameter("y", "double", Bounds(0, 1)),
        ),
        linear_constraints=(
            LinearConstraint("less_than", 1.0, (ConstraintTerm("a", 1), ConstraintTerm("b", 1))),
            LinearConstraint(
                "greater_than", 1.99, (ConstraintTerm("x", 1), ConstraintTerm("y", 1))
            ),
        ),
    )
    for kind in ("offline", "random"):
        proposals = propose(
            ExperimentDefinition(**{**definition.__dict__, "type": kind}), [], [], count=30
        )
        for p in proposals:
            check_valid(definition, p)
        assert {(p.assignments["a"], p.assignments["b"]) for p in proposals} == {
            (0, 0),
            (0, 1),
            (1, 0),
        }


def test_exported_names():
    import dialin.optimizer

    assert sorted(dialin.optimizer.__all__) == ["Proposal", "best_observations", "propose"]
