"""Expected hypervolume improvement: the closed form against sampling, its gradient against
finite differences, and the front and reference point it is computed over."""

from __future__ import annotations

import numpy as np
import pytest

from dialin.optimizer.gp import GaussianProcess
from dialin.optimizer.hypervolume import HypervolumeImprovement, pareto_front, reference_point


def _model(x: np.ndarray, y: np.ndarray) -> GaussianProcess:
    y = (y - y.mean()) / y.std()
    theta = np.array([np.log(0.3), np.log(0.3), 0.0, np.log(1e-4)])
    return GaussianProcess.from_theta(x, y, np.zeros(len(y)), theta)


@pytest.fixture
def term() -> HypervolumeImprovement:
    rng = np.random.default_rng(1)
    x = rng.random((15, 2))
    first = _model(x, np.sin(3 * x[:, 0]) + x[:, 1])
    second = _model(x, np.cos(2 * x[:, 1]) - x[:, 0])
    y = np.column_stack([first.y, second.y])
    front = pareto_front(y)
    return HypervolumeImprovement.over(first, second, front, reference_point(front, y))


def _improvement(term: HypervolumeImprovement, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = np.zeros_like(a)
    for low, high, height in zip(term.lower, term.upper, term.height, strict=True):
        total += np.clip(np.minimum(a, high) - low, 0, None) * np.clip(b - height, 0, None)
    return total


def test_closed_form_matches_sampling(term: HypervolumeImprovement) -> None:
    x = np.random.default_rng(2).random((5, 2))
    log_value, _ = term(x, grad=False)
    (m1, v1), (m2, v2) = term.first.predict(x), term.second.predict(x)
    draws = np.random.default_rng(3).standard_normal((2, 200_000))
    for i in range(x.shape[0]):
        a = m1[i] + np.sqrt(v1[i]) * draws[0]
        b = m2[i] + np.sqrt(v2[i]) * draws[1]
        sampled = _improvement(term, a, b).mean()
        assert np.exp(log_value[i]) == pytest.approx(sampled, rel=0.03)


def test_gradient_matches_finite_differences(term: HypervolumeImprovement) -> None:
    x = np.random.default_rng(4).random((6, 2))
    value, grad = term(x, grad=True)
    assert grad is not None
    assert np.array_equal(value, term(x, grad=False)[0])
    h = 1e-6
    for d in range(2):
        step = np.zeros_like(x)
        step[:, d] = h
        numeric = (term(x + step, grad=False)[0] - term(x - step, grad=False)[0]) / (2 * h)
        np.testing.assert_allclose(grad[:, d], numeric, rtol=1e-4, atol=1e-6)


def test_far_below_the_front_the_score_stays_finite_and_leads_uphill() -> None:
    # Improvement is many standard deviations away: EHVI itself underflows to 0, its log
    # must not, or candidates there could not be ranked nor refined.
    x = np.linspace(0, 1, 8)[:, None] * np.ones((1, 2))
    first = _model(x, x[:, 0] * 10)
    second = _model(x, x[:, 1] * 10)
    front = pareto_front(np.column_stack([first.y, second.y]))
    term = HypervolumeImprovement.over(first, second, front, np.array([-2.0, -2.0]))
    start = np.array([[0.1, 0.1]])
    value, grad = term(start, grad=True)
    assert grad is not None and np.isfinite(grad).all()
    assert np.isfinite(value).all() and value[0] < -100
    uphill = start + 1e-3 * grad / np.linalg.norm(grad)
    assert term(uphill, grad=False)[0][0] > value[0]


def test_front_keeps_only_non_dominated_points_sorted_by_the_first_metric() -> None:
    y = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [0.5, 0.5], [2.0, 0.0], [1.0, 0.9]])
    assert pareto_front(y).tolist() == [[2.0, 0.0], [1.0, 1.0], [0.0, 2.0]]
    front = pareto_front(y)
    assert reference_point(front, y).tolist() == pytest.approx([-0.2, -0.2])


def test_without_a_front_the_improvement_is_the_box_above_the_reference() -> None:
    # nothing feasible yet: every point improves by the area it dominates above the reference
    rng = np.random.default_rng(5)
    x = rng.random((6, 2))
    first, second = _model(x, x[:, 0]), _model(x, x[:, 1])
    term = HypervolumeImprovement.over(first, second, np.zeros((0, 2)), np.array([-1.0, -1.0]))
    q = rng.random((200, 2))
    log_value, _ = term(q, grad=False)
    (m1, v1), (m2, v2) = first.predict(q), second.predict(q)
    draws = np.random.default_rng(6).standard_normal((2, 100_000))
    for i in range(3):
        a = m1[i] + np.sqrt(v1[i]) * draws[0]
        b = m2[i] + np.sqrt(v2[i]) * draws[1]
        boxes = np.clip(a + 1.0, 0, None) * np.clip(b + 1.0, 0, None)
        assert np.exp(log_value[i]) == pytest.approx(boxes.mean(), rel=0.03)
