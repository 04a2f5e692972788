"""best_observations follows the best_assignments table of the spec (§5.5)."""

from __future__ import annotations

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, Parameter
from dialin.optimizer import best_observations

X = (Parameter("x", "double", Bounds(0, 10)),)


def obs(
    i: int, x: float, failed: bool = False, task: Task | None = None, **values: float
) -> Observation:
    return Observation(
        id=i,
        experiment_id=1,
        assignments={"x": x},
        created=i,
        values=tuple(MetricValue(k, v) for k, v in sorted(values.items())),
        failed=failed,
        task=task,
    )


def ids(result: list[Observation]) -> list[int]:
    return [o.id for o in result]


def test_single_metric_minimize_skips_failed():
    d = ExperimentDefinition("offline", X, metrics=(Metric("f", "minimize"),))
    history = [obs(1, 1, f=3.0), obs(2, 2, f=1.0), obs(3, 3, failed=True), obs(4, 4, f=2.0)]
    assert ids(best_observations(d, history)) == [2]
    assert best_observations(d, [obs(1, 1, failed=True)]) == []


def test_unnamed_metric_maximized():
    d = ExperimentDefinition("offline", X)
    history = [
        Observation(i, 1, {"x": float(i)}, i, values=(MetricValue(None, float(v)),))
        for i, v in [(1, 5), (2, 9), (3, 7)]
    ]
    assert ids(best_observations(d, history)) == [2]


def test_multitask_uses_full_cost_task_only():
    cheap, full = Task("cheap", 0.1), Task("full", 1.0)
    d = ExperimentDefinition("offline", X, metrics=(Metric("f"),), tasks=(cheap, full), budget=10)
    history = [
        obs(1, 1, task=cheap, f=100.0),
        obs(2, 2, task=full, f=1.0),
        obs(3, 3, task=full, f=2.0),
    ]
    assert ids(best_observations(d, history)) == [3]


def test_pareto_front_with_thresholds_sorted_by_first_metric_name():
    d = ExperimentDefinition(
        "offline",
        X,
        metrics=(Metric("b", "minimize", threshold=5.0), Metric("a", "maximize")),
        budget=10,
    )
    history = [
        obs(1, 1, a=1.0, b=1.0),
        obs(2, 2, a=3.0, b=3.0),
        obs(3, 3, a=2.0, b=4.0),  # dominated by 2
        obs(4, 4, a=9.0, b=6.0),  # breaks b's threshold
        obs(5, 5, a=2.0, b=2.0),
        obs(6, 6, a=5.0),  # misses b
    ]
    assert ids(best_observations(d, history)) == [2, 5, 1]


def test_search_experiment_returns_all_feasible_by_first_constraint():
    d = ExperimentDefinition(
        "offline",
        X,
        metrics=(
            Metric("c2", "maximize", "constraint", 0.0),
            Metric("c1", "minimize", "constraint", 1.0),
        ),
        budget=10,
    )
    history = [
        obs(1, 1, c1=0.5, c2=1.0),
        obs(2, 2, c1=0.2, c2=1.0),
        obs(3, 3, c1=2.0, c2=1.0),
        obs(4, 4, c1=0.1, c2=-1.0),
    ]
    assert ids(best_observations(d, history)) == [2, 1]


def test_store_metrics_do_not_count():
    d = ExperimentDefinition("offline", X, metrics=(Metric("f"), Metric("s", strategy="store")))
    assert ids(best_observations(d, [obs(1, 1, f=1.0, s=100.0), obs(2, 2, f=2.0)])) == [2]


def test_num_solutions_picks_a_diverse_subset_of_the_top():
    d = ExperimentDefinition("offline", X, metrics=(Metric("f"),), num_solutions=2, budget=20)
    # the top 20 % of 20 observations is 4: the best at 5.0, three near-copies and one far point
    history = [obs(1, 5.0, f=10.0), obs(2, 5.01, f=9.9), obs(3, 5.02, f=9.8), obs(4, 9.0, f=9.7)]
    history += [obs(10 + i, float(i % 10), f=float(i) - 100) for i in range(16)]
    assert ids(best_observations(d, history)) == [1, 4]
