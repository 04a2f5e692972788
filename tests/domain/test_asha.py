"""ASHA: rung arithmetic, the halving rule, and a toy learning-curve search."""

from __future__ import annotations

import math
import random

import pytest

from dialin.domain.asha import AshaConfig, AshaReport, Decision, decide, progress
from dialin.errors import InvalidField


def test_rungs_end_at_max_time() -> None:
    assert AshaConfig("loss", max_time=64, divisor=4, num_rungs=4).units_needed == (1, 4, 16, 64)
    assert AshaConfig("loss", max_time=10, divisor=3, num_rungs=3).units_needed == (1, 3, 10)


def test_first_trial_at_a_rung_continues_and_a_worse_one_stops() -> None:
    config = AshaConfig("loss", max_time=16, divisor=2, num_rungs=2)
    reports = [
        AshaReport(1, {"loss": 0.5}, steps_completed=8),
        AshaReport(2, {"loss": 0.9}, steps_completed=8),
        AshaReport(3, {"loss": 0.1}, steps_completed=8),
    ]
    assert decide(config, reports) == {1: Decision.CONTINUE, 2: Decision.STOP, 3: Decision.CONTINUE}


def test_top_rung_is_done() -> None:
    config = AshaConfig("loss", max_time=4, divisor=2, num_rungs=2)
    decisions = decide(config, [AshaReport(1, {"loss": 1.0}, steps_completed=4)])
    assert decisions == {1: Decision.STOP}


def test_larger_is_better() -> None:
    config = AshaConfig("acc", max_time=16, divisor=2, num_rungs=2, smaller_is_better=False)
    reports = [
        AshaReport(1, {"acc": 0.5}, steps_completed=8),
        AshaReport(2, {"acc": 0.9}, steps_completed=8),
    ]
    assert decide(config, reports)[2] == Decision.CONTINUE


def test_time_metric_from_the_metrics() -> None:
    config = AshaConfig("loss", max_time=10, time_metric="epoch", divisor=2, num_rungs=2)
    assert decide(config, [AshaReport(1, {"loss": 1.0, "epoch": 2})]) == {1: Decision.CONTINUE}
    with pytest.raises(InvalidField):
        decide(config, [AshaReport(1, {"loss": 1.0})])


def test_config_from_the_experiment_definition() -> None:
    config = AshaConfig.from_json(
        {"type": "asha", "metric": "loss", "max_length": 27, "reduction_factor": 3}
    )
    assert config.units_needed == (3, 9, 27)
    assert AshaConfig.from_json(config.to_json()) == config
    for bad in (
        {"type": "hyperband", "metric": "loss", "max_length": 9},
        {"type": "asha", "max_length": 9},
        {"type": "asha", "metric": "loss"},
        {"type": "asha", "metric": "loss", "max_length": 9, "reduction_factor": 1},
        {"type": "asha", "metric": "loss", "max_length": 9, "speed": 1},
    ):
        with pytest.raises(InvalidField):
            AshaConfig.from_json(bad)


def _loss(quality: float, step: int) -> float:
    """A learning curve: better trials (higher quality) converge lower."""
    return (1.0 - quality) + math.exp(-step / 10)


def test_toy_search_stops_weak_trials_early_and_keeps_the_best() -> None:
    rng = random.Random(4)
    qualities = {trial: rng.random() for trial in range(1, 33)}
    best = max(qualities, key=qualities.__getitem__)
    config = AshaConfig("loss", max_time=81, divisor=3, num_rungs=4)
    steps_trained = dict.fromkeys(qualities, 0)
    alive = set(qualities)
    reports: list[AshaReport] = []
    # Trials train in interleaved order, one validation every 3 steps, until ASHA stops them.
    while alive:
        for trial in sorted(alive, key=lambda t: rng.random()):
            steps_trained[trial] += 3
            step = steps_trained[trial]
            reports.append(AshaReport(trial, {"loss": _loss(qualities[trial], step)}, step))
            if decide(config, reports)[trial] == Decision.STOP:
                alive.discard(trial)
    assert steps_trained[best] == config.max_time
    reached_top = [t for t, s in steps_trained.items() if s == config.max_time]
    assert len(reached_top) <= 4
    weak = sorted(qualities, key=qualities.__getitem__)[:16]
    assert all(steps_trained[t] <= 9 for t in weak)
    assert sum(steps_trained.values()) < len(qualities) * config.max_time / 4


def test_progress_counts_rung_zero_then_completed_trials() -> None:
    config = AshaConfig("loss", max_time=4, divisor=2, num_rungs=2)
    # Rung 0 needs 2 steps: two of the five trials reached it.
    reports = [AshaReport(1, {"loss": 0.5}, 2), AshaReport(2, {"loss": 0.4}, 2)]
    reports.append(AshaReport(3, {"loss": 0.1}, 1))
    assert progress(config, reports, max_trials=5, completed=0) == pytest.approx(2 / 6)
    full = [AshaReport(t, {"loss": t / 10}, 2) for t in range(1, 6)]
    assert progress(config, full, max_trials=5, completed=5) == 1.0
    assert progress(config, full, max_trials=5, completed=1) == pytest.approx(5 / 6)
