"""The Bayesian strategy: valid fresh points on any space and history, without falling back.

These tests call ``propose_bayes`` directly as well as ``propose``: ``propose`` falls back to the
design on any model error, which would hide a bug here.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from optimizer_cases import check_valid, definitions, discrete_size, suggestion

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, CategoricalValue, Parameter
from dialin.domain.suggestions import Suggestion
from dialin.optimizer import Proposal, propose
from dialin.optimizer.bayes import initial_design_size, propose_bayes
from dialin.optimizer.constraints import Polytope
from dialin.optimizer.duplicates import TakenPoints, point_key
from dialin.optimizer.space import SearchSpace

METRIC_SETS = {
    "single": (Metric("f", "minimize"),),
    "two": (Metric("f"), Metric("g", "minimize", threshold=0.8)),
    "constrained": (
        Metric("f"),
        Metric("c", "maximize", "constraint", 0.3),
        Metric("s", strategy="store"),
    ),
    "search": (Metric("c", "minimize", "constraint", 0.5),),
}


def _value(name: str | None, a: dict[str, object], i: int) -> float:
    nums = [float(v) for v in a.values() if isinstance(v, int | float)]
    base = sum(math.sin(1.3 * v + k) for k, v in enumerate(nums)) + 0.1 * len(str(a))
    return base + (0.5 if name == "g" else 0.0) + 0.01 * i


def _history(
    definition: ExperimentDefinition, n: int, seed: int, fail_every: int
) -> list[Observation]:
    points = propose(
        ExperimentDefinition(**{**definition.__dict__, "type": "random"}),
        [],
        [],
        count=n,
        seed=seed,
    )
    history = []
    for i, p in enumerate(points):
        failed = fail_every > 0 and i % fail_every == 1
        values = (
            ()
            if failed
            else tuple(
                MetricValue(m.name, _value(m.name, p.assignments, i)) for m in definition.metrics
            )
        )
        history.append(
            Observation(i + 1, 1, p.assignments, i, values=values, failed=failed, task=p.task)
        )
    return history


def _run_bayes(
    definition: ExperimentDefinition, observed: list[Observation], pending: list, count: int
) -> list[Proposal]:
    space = SearchSpace(definition)
    polytope = Polytope(space)
    rows = space.from_assignments([x.assignments for x in [*observed, *pending]])
    taken = TakenPoints(
        rows, [None if x.task is None else x.task.name for x in [*observed, *pending]]
    )
    chosen = propose_bayes(
        space,
        polytope,
        observed,
        pending,
        count,
        np.random.default_rng(0),
        taken,
        rows=rows,
        deadline=time.monotonic() + 5,
        cache={},
    )
    assert chosen is not None
    return [
        Proposal(space.to_assignments(r), None if t is None else definition.task(t))
        for r, t in chosen
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=definitions(types=("offline",)),
    metrics=st.sampled_from(sorted(METRIC_SETS)),
    extra=st.integers(0, 6),
    fail_every=st.sampled_from([0, 0, 3]),
    n_pending=st.integers(0, 2),
    count=st.integers(1, 2),
    solutions=st.sampled_from([None, 3]),
)
def test_bayes_proposals_are_valid_and_fresh(
    base, metrics, extra, fail_every, n_pending, count, solutions
):
    definition = ExperimentDefinition(
        **{
            **base.__dict__,
            "metrics": METRIC_SETS[metrics],
            "num_solutions": solutions if metrics == "single" else None,
        }
    )
    if definition.tasks and metrics != "single":
        definition = ExperimentDefinition(**{**definition.__dict__, "tasks": ()})
    note(repr(definition))
    space = SearchSpace(definition)
    n = initial_design_size(space) + extra
    history = _history(definition, n + n_pending, seed=extra, fail_every=fail_every)
    observed = history[:n]
    pending = [
        suggestion(i, Proposal(dict(o.assignments), o.task)) for i, o in enumerate(history[n:])
    ]
    if sum(not o.failed for o in observed) < 2:
        return
    proposals = _run_bayes(definition, observed, pending, count)
    assert len(proposals) <= count
    if not proposals:
        # only when (nearly) every point of a small discrete space is taken
        size = discrete_size(definition)
        assert size is not None and size <= 4 * (n + n_pending + count)
    keys = set()
    for x in [*observed, *pending]:
        keys.add(
            point_key(
                space.from_assignments([x.assignments])[0], None if x.task is None else x.task.name
            )
        )
    for p in proposals:
        check_valid(definition, p)
        key = point_key(
            space.from_assignments([p.assignments])[0], None if p.task is None else p.task.name
        )
        assert key not in keys
        keys.add(key)


X2 = ExperimentDefinition(
    "offline",
    (Parameter("x", "double", Bounds(0, 1)), Parameter("y", "int", Bounds(-3, 3))),
    metrics=(Metric("f"),),
)


def _obs(i: int, a: dict[str, object], value: float | None, sd: float | None = None) -> Observation:
    values = () if value is None else (MetricValue("f", value, sd),)
    return Observation(i + 1, 1, a, i, values=values, failed=value is None)


def _points(n: int) -> list[dict[str, object]]:
    return [
        p.assignments
        for p in propose(ExperimentDefinition(**{**X2.__dict__, "type": "random"}), [], [], count=n)
    ]


def test_degenerate_histories_give_valid_points():
    pts = _points(12)
    histories = {
        "all equal": [_obs(i, a, 3.0) for i, a in enumerate(pts)],
        "all failed": [_obs(i, a, None) for i, a in enumerate(pts)],
        "one success": [_obs(i, a, None if i else 1.0) for i, a in enumerate(pts)],
        "huge": [_obs(i, a, 1e300 * (i % 3)) for i, a in enumerate(pts)],
        "tiny": [_obs(i, a, 1e-300 * i) for i, a in enumerate(pts)],
        "outlier": [_obs(i, a, -1e12 if i == 3 else float(i)) for i, a in enumerate(pts)],
        "same point": [_obs(i, pts[0], float(i)) for i in range(12)],
        "noisy": [_obs(i, a, float(i % 4), sd=5.0) for i, a in enumerate(pts)],
        "out of bounds": [_obs(i, {"x": 7.0 * i, "y": 100}, float(i)) for i in range(12)],
    }
    for name, history in histories.items():
        proposals = propose(X2, history, [], count=3, seed=1)
        assert len(proposals) == 3, name
        for p in proposals:
            check_valid(X2, p)
        if name in ("all equal", "huge", "tiny", "outlier", "noisy", "same point"):
            assert _run_bayes(X2, history, [], 2), name


def test_parallel_workers_get_distinct_points_near_the_optimum():
    history = [
        _obs(i, a, -((a["x"] - 0.7) ** 2) - 0.1 * (a["y"] - 1) ** 2)
        for i, a in enumerate(_points(10))
    ]
    proposals = propose(X2, history, [], count=4, seed=0)
    keys = {tuple(sorted(p.assignments.items())) for p in proposals}
    assert len(keys) == 4


CAMEL = ExperimentDefinition(
    "offline",
    (Parameter("x0", "double", Bounds(-3, 3)), Parameter("x1", "double", Bounds(-2, 2))),
    metrics=(Metric("f", "minimize"),),
    parallel_bandwidth=4,
)


def _camel(a: dict[str, object]) -> float:
    x, y = float(a["x0"]), float(a["x1"])  # type: ignore[arg-type]
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


@pytest.mark.parametrize("run", [1, 3])
def test_workers_asking_at_once_are_not_sent_to_twins_of_pending_points(run):
    # Four workers ask in turn, each seeing the others' open suggestions, round after round.
    # Where the model expects a pending point to improve on the best, the believer fantasy
    # alone left its surroundings as attractive as before: in these runs the next worker was
    # sent a hundred-thousandth of the range away from it.
    observations: list[Observation] = []
    closest = math.inf
    for _ in range(5):
        pending: list[Suggestion] = []
        for _ in range(4):
            seed = 1000 * run + len(observations) + len(pending)
            [p] = propose(CAMEL, observations, pending, seed=seed)
            x0, x1 = float(p.assignments["x0"]), float(p.assignments["x1"])  # type: ignore[arg-type]
            for s in pending:
                gap = math.hypot(
                    (x0 - float(s.assignments["x0"])) / 6,  # type: ignore[arg-type]
                    (x1 - float(s.assignments["x1"])) / 4,  # type: ignore[arg-type]
                )
                closest = min(closest, gap)
            pending.append(suggestion(len(observations) + len(pending), p))
        observations += [
            _obs(len(observations) + i, s.assignments, _camel(s.assignments))
            for i, s in enumerate(pending)
        ]
    assert closest > 1e-3


def test_a_second_worker_is_not_sent_beside_a_promising_pending_point():
    # The first worker's point is where the model expects to beat the best. Counted as
    # observed (the kriging believer), it raises the bar, so the second worker goes where
    # more than that is to be gained; measured against the observed best alone, the ground
    # around the pending point stayed the most promising: in two of these sixteen runs the
    # second point came about a hundredth of the range from the first.
    definition = ExperimentDefinition(
        "offline",
        (Parameter("x", "double", Bounds(0, 1)), Parameter("y", "double", Bounds(0, 1))),
        metrics=(Metric("f"),),
        parallel_bandwidth=2,
    )

    def bowl(a: dict[str, object]) -> float:
        return -((float(a["x"]) - 0.7) ** 2) - (float(a["y"]) - 0.4) ** 2  # type: ignore[arg-type]

    randomly = ExperimentDefinition(**{**definition.__dict__, "type": "random"})
    gaps = []
    for run in range(16):
        design = propose(randomly, [], [], count=8, seed=run)
        history = [_obs(i, dict(p.assignments), bowl(p.assignments)) for i, p in enumerate(design)]
        [first] = propose(definition, history, [], seed=100 + run)
        [second] = propose(definition, history, [suggestion(99, first)], seed=200 + run)
        gaps.append(
            math.hypot(
                float(first.assignments["x"]) - float(second.assignments["x"]),  # type: ignore[arg-type]
                float(first.assignments["y"]) - float(second.assignments["y"]),  # type: ignore[arg-type]
            )
        )
    assert min(gaps) > 0.04, sorted(gaps)[:3]


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
# each variant permutes the coordinates and adds an offset: the best one has to be found
_VARIANTS = {"a": ((0, 1, 2), 1.0), "b": ((2, 0, 1), 0.0), "c": ((1, 2, 0), 0.5)}


def _hartmann3_variant(a: dict[str, object]) -> float:
    order, offset = _VARIANTS[str(a["variant"])]
    x = np.array([float(a[f"x{i}"]) for i in order])  # type: ignore[arg-type]
    return offset - float(np.sum(_H3_ALPHA * np.exp(-np.sum(_H3_A * (x - _H3_P) ** 2, axis=1))))


@pytest.mark.parametrize("run", [2, 3])
def test_a_sequential_run_does_not_spend_evaluations_on_twins_of_tried_points(run):
    # Once the model was sure of a local optimum, EI kept asking for points beside the best
    # one, improving it in the third decimal: in these two runs 6 and 8 of the 60 points came
    # within a thousandth of the range of an earlier one, instead of a look at other variants.
    definition = ExperimentDefinition(
        "offline",
        (
            *(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(3)),
            Parameter(
                "variant",
                "categorical",
                categorical_values=tuple(
                    CategoricalValue(v, i + 1) for i, v in enumerate(_VARIANTS)
                ),
            ),
        ),
        metrics=(Metric("f", "minimize"),),
    )
    observations: list[Observation] = []
    cache: dict[str, object] = {}
    twins = 0
    for i in range(60):
        [p] = propose(definition, observations, [], seed=1000 * run + i, cache=cache)
        a = dict(p.assignments)
        x = np.array([float(a[f"x{k}"]) for k in range(3)])  # type: ignore[arg-type]
        twins += any(
            o.assignments["variant"] == a["variant"]
            and np.linalg.norm(x - [float(o.assignments[f"x{k}"]) for k in range(3)]) < 1e-3  # type: ignore[arg-type]
            for o in observations
        )
        observations.append(_obs(i, a, _hartmann3_variant(a)))
    assert twins == 0, twins


def test_open_suggestions_shorten_the_design_by_their_number():
    # Five parameters: ten design points for one worker. With three suggestions still out the
    # design is seven points, so the fourth worker's point already comes from the model.
    definition = ExperimentDefinition(
        "offline",
        tuple(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(5)),
        metrics=(Metric("f", "minimize"),),
        parallel_bandwidth=4,
    )
    space = SearchSpace(definition)
    assert initial_design_size(space) == 10
    history = _history(definition, 7, seed=1, fail_every=0)
    out = [suggestion(i, Proposal(dict(o.assignments))) for i, o in enumerate(history[4:])]

    def from_model(observed: list[Observation], pending: list[Suggestion]) -> bool:
        rows = space.from_assignments([x.assignments for x in [*observed, *pending]])
        chosen = propose_bayes(
            space,
            Polytope(space),
            observed,
            pending,
            1,
            np.random.default_rng(0),
            TakenPoints(rows, [None] * rows.shape[0]),
            rows=rows,
            deadline=time.monotonic() + 5,
            cache={},
        )
        return chosen is not None

    assert from_model(history[:4], out)
    assert not from_model(history[:4], out[:1])  # 4 + 1 points of a design of 9
    assert not from_model(history[:7], [])  # one worker: 7 points of 10


def test_same_inputs_same_bayes_proposals():
    history = [_obs(i, a, math.sin(5 * a["x"]) + a["y"]) for i, a in enumerate(_points(9))]
    first = propose(X2, history, [], count=2, seed=4)
    assert propose(X2, history, [], count=2, seed=4) == first
    cache: dict[str, object] = {}
    assert propose(X2, history, [], count=2, seed=4, cache=cache) == first
    assert "objective" in cache


def test_multitask_explores_cheaply_then_confirms_at_full_cost():
    cheap, full = Task("cheap", 0.1), Task("full", 1.0)
    definition = ExperimentDefinition(**{**X2.__dict__, "tasks": (cheap, full), "budget": 10})
    pts = _points(12)
    early = [
        Observation(i + 1, 1, a, i, values=(MetricValue("f", a["x"]),), task=cheap)
        for i, a in enumerate(pts[:6])
    ]
    assert propose(definition, early, [], seed=0)[0].task == cheap
    late = [
        Observation(i + 1, 1, a, i, values=(MetricValue("f", a["x"]),), task=full)
        for i, a in enumerate(pts[:8])
    ]
    assert propose(definition, late, [], seed=0)[0].task == full


def test_large_histories_stay_within_the_time_budget():
    dims = 10
    definition = ExperimentDefinition(
        "offline",
        tuple(Parameter(f"x{i}", "double", Bounds(0, 1)) for i in range(dims)),
        metrics=(Metric("f"),),
    )
    rng = np.random.default_rng(0)
    history = [
        Observation(
            i + 1,
            1,
            {f"x{j}": float(v) for j, v in enumerate(row)},
            i,
            values=(MetricValue("f", float(np.sin(row).sum())),),
        )
        for i, row in enumerate(rng.random((1000, dims)))
    ]
    start = time.monotonic()
    (proposal,) = propose(definition, history, [], time_budget=0.3)
    # the budget bounds the model work; encoding 1000 observations comes on top
    assert time.monotonic() - start < 3.0
    check_valid(definition, proposal)


def _two_kernels():
    return ExperimentDefinition(
        "offline",
        (
            Parameter(
                "kernel",
                "categorical",
                categorical_values=(CategoricalValue("poly", 1), CategoricalValue("rbf", 2)),
            ),
            Parameter("c", "double", Bounds(-3, 3)),
            Parameter("g", "double", Bounds(-6, 0)),
        ),
        metrics=(Metric("f"),),
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_a_search_stuck_on_a_plateau_goes_back_to_a_value_tried_twice(seed):
    # Accuracy on a few hundred samples ties: here every point of kernel "poly" scores the same,
    # and the two early points of "rbf" were poor. The model was sure "rbf" is poor everywhere
    # and spent every later point on the plateau (tuning an SVM on digits: 54 of 80 points).
    definition = _two_kernels()
    rng = np.random.default_rng(seed)
    observations = [
        _obs(0, {"kernel": "rbf", "c": 2.5, "g": -0.2}, 0.14),
        _obs(1, {"kernel": "rbf", "c": 0.8, "g": -4.7}, 0.91),
    ]
    for i in range(2, 22):
        a = {"kernel": "poly", "c": float(rng.uniform(-3, 3)), "g": float(rng.uniform(-6, 0))}
        observations.append(_obs(i, a, 0.95))
    kernels = []
    for i in range(6):
        [p] = propose(definition, observations, [], seed=100 * seed + i)
        kernels.append(p.assignments["kernel"])
        value = 0.95 if p.assignments["kernel"] == "poly" else 0.9
        observations.append(_obs(len(observations), dict(p.assignments), value))
    assert "rbf" in kernels, kernels


@pytest.mark.parametrize("seed", [0, 1])
def test_points_sent_back_to_a_neglected_value_find_its_good_region(seed):
    # As above, but "rbf" is good only in a small region (up to 0.98, near c = 1, g = -4), and
    # one of its two early points was near it (0.78). Judged against the plateau's 0.95, which
    # the model holds out of rbf's reach, EI within rbf was variance alone: the points went to
    # the edges of the box and never scored above 0.4.
    definition = _two_kernels()

    def accuracy(a):
        if a["kernel"] == "poly":
            return 0.95
        return 0.2 + 0.78 * math.exp(-(((a["c"] - 1) / 1.5) ** 2) - ((a["g"] + 4) / 1.2) ** 2)

    rng = np.random.default_rng(seed)
    first = [{"kernel": "rbf", "c": 2.5, "g": -0.2}, {"kernel": "rbf", "c": 0.3, "g": -4.7}]
    plateau = [
        {"kernel": "poly", "c": float(rng.uniform(-3, 3)), "g": float(rng.uniform(-6, 0))}
        for _ in range(20)
    ]
    observations = [_obs(i, a, accuracy(a)) for i, a in enumerate(first + plateau)]
    rbf = []
    for i in range(24):
        [p] = propose(definition, observations, [], seed=100 * seed + i)
        value = accuracy(p.assignments)
        observations.append(_obs(len(observations), dict(p.assignments), value))
        if p.assignments["kernel"] == "rbf":
            rbf.append(value)
    assert len(rbf) >= 4, rbf
    assert max(rbf) > 0.7, rbf
